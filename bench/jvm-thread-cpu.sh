#!/usr/bin/env bash
# bench/jvm-thread-cpu.sh OUT FESTER ARGS… — runs `FESTER ARGS…` (a launcher that execs the JVM, e.g. bin/fester)
# and writes to OUT where the JVM's CPU went, per thread (user + system, from /proc/PID/task/*/stat read every
# 0.2 s; each thread's last reading, so a thread that ended counts up to its last 0.2 s), threads of one kind
# summed (numbered names folded: fester-spawner-123 → fester-spawner-#), and the whole process's last reading.
# Not a timing: run it under /work/slot (e.g. as bench/distcc-farm.sh's FESTER_DISTCC). The poller's own CPU (an
# awk every 0.2 s) lands in the caller's process tree, not in OUT. Exits with FESTER's status.
set -u
out=$1; shift
"$@" &
pid=$!
: >"$out.raw"
while kill -0 "$pid" 2>/dev/null; do
    awk '{ n = $0; sub(/^[0-9]+ \(/, "", n); sub(/\) .*/, "", n); r = $0; sub(/.*\) /, "", r); split(r, f, " ")
           print FILENAME "\t" n "\t" f[12] + f[13] }' /proc/"$pid"/stat /proc/"$pid"/task/*/stat >>"$out.raw" 2>/dev/null
    sleep 0.2
done
wait "$pid"
rc=$?
hz=$(getconf CLK_TCK)
awk -F'\t' -v hz="$hz" '{ last[$1] = $3; name[$1] = $2 }
    END { for (k in last) {
              if (k ~ /^\/proc\/[0-9]+\/stat$/) { printf "%6.2f s  the process (every thread)\n", last[k] / hz; continue }
              n = name[k]; gsub(/[0-9-]+$/, "#", n); a[n] += last[k] }
          for (k in a) if (a[k] > 0) printf "%6.2f s  %s\n", a[k] / hz, k }' "$out.raw" | sort -rn >"$out"
rm -f "$out.raw"
exit $rc
