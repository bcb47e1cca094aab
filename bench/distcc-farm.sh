#!/usr/bin/env bash
# bench/distcc-farm.sh prepare|time WORK [ROUNDS] — Fester over distcc against ninja over distcc (issue 15).
#   prepare (under /work/slot): unpacks libuv ($SRC: a directory or the .orig.tar.gz) into WORK and configures
#           a build directory per build kind below (RelWithDebInfo, no tests) with cmake -G Ninja.
#   time    (under /work/quiet): starts two distccd's on loopback (2 jobs each) and, ROUNDS times (1 by
#           default), cleans and builds in turn:
#             ninja-local    ninja -j2, this machine
#             ninja-distcc   ninja -j6, CMAKE_C_COMPILER_LAUNCHER=distcc, DISTCC_HOSTS = the two distccd's
#             fester-distcc  fester run, hosts: here (2 slots), d1, d2 (kind: distcc, $DSLOTS slots each: 3 by
#                            default, 6 distcc clients in flight as under ninja -j6, each preprocessing here
#                            before its distccd's 2 jobs compile), every compile required on d1/d2 (as ninja
#                            sends every compile to distcc)
#             fester-local   fester run --jobs 2
#             fester-distcc-served  fester-distcc's command (its own build directory, --db WORK/db/served) handed
#                            to a warm `fester serve --db WORK/db/served` the script started (only when this kind is
#                            in BUILDS): see SERVE below
#             fester-distcc-served-alt  the same with another server (SERVE_ALT; WORK/db/served-alt), e.g. another JIT
#           Prints each build's wall time and its mean compile (ninja: .ninja_log; Fester: its exit events).
# FESTER: how to run Fester, e.g. "java -cp target/classes:$(cat cp.txt) io.fester.cli.Main" (a new JVM per build).
# BUILDS (optional): the builds of each round and their order, e.g. "ninja-distcc fester-distcc fester-distcc
#             ninja-distcc" (ABBA: each one first and last in turn, so a drift of the machine's load over the round
#             weighs on both alike); default: the four above.
# Each line also gives the compiles in flight (mean: the compiles' summed time over the span from the first one's
# start to the last one's end; peak), and for Fester the wait from each compile's schedule_decision to its process
# start (median, sum): the dispatch loop's share; "span" is the first action's start to the last one's end (so wall −
# span is the tool's own start and finish), "cpu" the user + sys time of the build's process tree (/usr/bin/time: this
# machine's side, distcc's preprocessing included; the distccd's compiles are not the build's children).
# Fester's stderr (its progress lines, the compilers' warnings) goes to WORK/BUILD.err, the last build's of each kind.
# FESTER_DISTCC (optional): how to run Fester for the fester-distcc build only (e.g. FESTER with a profiler, or
#             "bench/jvm-thread-cpu.sh OUT FESTER" for the JVM's CPU per thread; not timed then: under /work/slot).
# FESTER_BASE (optional): another Fester (e.g. main's classes) also built over distcc in each round, right after
#             FESTER's ("fester-distcc-base", its own build directory), for a base/new ratio in the same round.
# SERVE (optional): the command that starts the server for fester-distcc-served ("$FESTER serve" by default, e.g.
#             a java command line with other JIT flags; SERVE_ALT: fester-distcc-served-alt's, required for that
#             kind); "--db WORK/db/S" is appended, S "served" or "served-alt". It runs with the very environment the
#             served client has (the server declines a client whose environment differs, ADR 0054) and
#             XDG_RUNTIME_DIR=WORK/xdg-S (its socket never meets another server's, nor do the cold builds find it).
#             The script waits for its "serving" line (printed once the socket listens), makes WARMUPS (1 by
#             default) untimed builds (clean, build) of the served build directory before the rounds, stated in the
#             output, and stops the server at its exit. Each served build must be
#             handed: the server's log (WORK/serve-S.log) must have one more build line, else the script fails.
#             A served build's "cpu" is the client's (/usr/bin/time: only the Perl client) plus the server's process
#             tree's over the build (utime + stime + cutime + cstime of the server and each live descendant, from
#             /proc/PID/stat, read before and after: the JVM's threads and the actions it and its spawner reaped),
#             also printed apart as "server cpu".
# SERVED_THREADS (optional, not timed then: under /work/slot): the server's CPU per thread over each served build
#             (each thread's last reading every 0.2 s less its reading before the build) to WORK/threads-BUILD-ROUND.
set -euo pipefail
mode=$1; W=$2; ROUNDS=${3:-1}
DSLOTS=${DSLOTS:-3}
SRC=${SRC:?set SRC to the libuv source: a directory or its .orig.tar.gz}
builds=(ninja-local ninja-distcc fester-distcc fester-local)
[ -n "${FESTER_BASE:-}" ] && builds=(ninja-local ninja-distcc fester-distcc fester-distcc-base fester-local)
[ -n "${BUILDS:-}" ] && read -r -a builds <<< "$BUILDS"
conf() { cmake -G Ninja -S "$W/src" -B "$W/b-$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIBUV_BUILD_TESTS=OFF "${@:2}" >/dev/null; }
if [ "$mode" = prepare ]; then
    rm -rf "$W"; mkdir -p "$W/src"
    if [ -d "$SRC" ]; then cp -r "$SRC/." "$W/src"; else tar -xzf "$SRC" -C "$W/src" --strip-components=1; fi
    conf ninja-local; conf ninja-distcc -DCMAKE_C_COMPILER_LAUNCHER=distcc; conf fester-distcc; conf fester-local
    conf fester-distcc-base; conf fester-distcc-served; conf fester-distcc-served-alt
    exit 0
fi
: "${FESTER:?set FESTER to the command that runs Fester}"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
declare -A spid
# the servers first (TERM, and wait: no build is under way), then the distccd's
trap 'for p in "${spid[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
declare -A P S
for d in d1 d2; do
    P[$d]=$(port); S[$d]=$(port)
    distccd --daemon --no-detach --allow 127.0.0.1 --listen 127.0.0.1 --port "${P[$d]}" --stats --stats-port "${S[$d]}" \
        --jobs 2 --user nobody --log-stderr --log-level warning 2>"$W/$d.log" &
    pids+=($!)
done
sleep 1
cat > "$W/hosts.yaml" <<H
hosts:
  - {name: here, local: true, slots: 2}
  - {name: d1, kind: distcc, address: 127.0.0.1, port: ${P[d1]}, stats-port: ${S[d1]}, slots: $DSLOTS}
  - {name: d2, kind: distcc, address: 127.0.0.1, port: ${P[d2]}, stats-port: ${S[d2]}, slots: $DSLOTS}
policy:
  - {match: {tags: [compile]}, require: {hosts: [d1, d2]}}
H
export DISTCC_DIR="$W/dd"; mkdir -p "$DISTCC_DIR"
rm -rf "$W/db"
now() { date +%s.%N; }
ninja_mean() { # the .o entries of the last build in .ninja_log: mean compile, compiles in flight
    python3 - "$1/.ninja_log" <<'PY'
import sys
last = {}
every = {}
for l in open(sys.argv[1]).read().splitlines()[1:]:
    f = l.split('\t')
    if len(f) >= 4:
        every[f[3]] = (int(f[0]), int(f[1]))
    if len(f) >= 4 and f[3].endswith('.o'):
        last[f[3]] = (int(f[0]), int(f[1]))
spans = list(last.values())
whole = (max(e for s, e in every.values()) - min(s for s, e in every.values())) / 1000
busy = sum(e - s for s, e in spans)
edges = sorted([(s, 1) for s, e in spans] + [(e, -1) for s, e in spans])
n = peak = 0
for t, d in edges:
    n += d; peak = max(peak, n)
print("%.3f s (%d compiles), in flight %.1f (peak %d), span %.2f s" % (busy / len(spans) / 1000, len(spans),
      busy / (max(e for s, e in spans) - min(s for s, e in spans)), peak, whole))
PY
}
fester_mean() { # the .o actions of the last run: mean exit duration per host, compiles in flight, decision → start
    ${1:-$FESTER} events last --db "$W/db/${2:-t}" | python3 -c '
import sys, json, collections
from datetime import datetime
def ms(t): return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000
d = collections.defaultdict(list); spans = []; decided = {}; waits = []; every = []
for l in sys.stdin:
    try: e = json.loads(l)
    except ValueError: continue
    a = e.get("action", "")
    if e["type"] == "exit": every.append((ms(e["time"]) - e.get("duration_ms", 0), ms(e["time"])))
    if not a.endswith(".o"): continue
    if e["type"] == "schedule_decision": decided[a] = ms(e["time"])
    if e["type"] == "exit":
        dur = e.get("duration_ms", 0); end = ms(e["time"]); d[e["host"]].append(dur); spans.append((end - dur, end))
        if a in decided: waits.append(end - dur - decided[a])
busy = sum(e - s for s, e in spans)
edges = sorted([(s, 1) for s, e in spans] + [(e, -1) for s, e in spans]); n = peak = 0
for t, x in edges:
    n += x; peak = max(peak, n)
waits.sort()
print(", ".join("%s %.3f s (%d)" % (h, sum(v) / len(v) / 1000, len(v)) for h, v in sorted(d.items()))
      + ", in flight %.1f (peak %d), decision to start median %.0f ms, sum %.1f s, span %.2f s" % (
      busy / (max(e for s, e in spans) - min(s for s, e in spans)), peak, waits[len(waits) // 2], sum(waits) / 1000,
      (max(e for s, e in every) - min(s for s, e in every)) / 1000))'
}
# /proc's stat files are read by cat, whose errors are dropped: a process or thread may end between the glob and
# the read (awk would then stop the script, under set -e); each line names its pid (or thread id) first.
tree_ticks() { # the CPU (clock ticks) the process $1 and its live descendants used, with the children they reaped
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{ pid = $1; r = $0; sub(/.*\) /, "", r); split(r, f, " ")
           parent[pid] = f[2]; t[pid] = f[12] + f[13] + f[14] + f[15] }
         END { n = 0; keep[root] = 1
               do { more = 0; for (p in t) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; more = 1 } } while (more)
               for (p in keep) n += t[p]; print n }' root="$1"
}
declare -A spid sdb sxdg slog
served_builds() { grep -c ': exit [0-9]*, [0-9.]* s$' "${slog[$1]}" || true; }
served_run() { # KIND [PREFIX…]: the served build of KIND, handed from a terminal with the server's environment
    local k=$1; shift
    XDG_RUNTIME_DIR=${sxdg[$k]} "$@" $FESTER run "$W/b-$k/build.ninja" --hosts "$W/hosts.yaml" --no-cache --db "${sdb[$k]}"
}
thread_ticks() { # each thread of the process $1: "tid<TAB>name<TAB>ticks" (utime + stime)
    { cat /proc/"$1"/task/*/stat 2>/dev/null || true; } | awk '{ n = $0; sub(/^[0-9]+ \(/, "", n); sub(/\) .*/, "", n)
           r = $0; sub(/.*\) /, "", r); split(r, f, " "); print $1 "\t" n "\t" f[12] + f[13] }'
}
for k in fester-distcc-served fester-distcc-served-alt; do
    [[ " ${builds[*]} " == *" $k "* ]] || continue
    sxdg[$k]=$W/xdg-${k#fester-distcc-}; slog[$k]=$W/serve-${k#fester-distcc-}.log; sdb[$k]=$W/db/${k#fester-distcc-}
    mkdir -p "${sxdg[$k]}"; chmod 700 "${sxdg[$k]}"; rm -rf "${sxdg[$k]}/fester"
    how=${SERVE:-$FESTER serve}
    [ "$k" = fester-distcc-served ] || how=${SERVE_ALT:?set SERVE_ALT to the command that starts the other server}
    # exec: the pid is the server's JVM (bin/fester execs it), whose /proc entry gives its CPU
    # shellcheck disable=SC2086
    (exec env XDG_RUNTIME_DIR="${sxdg[$k]}" $how --db "${sdb[$k]}") >"${slog[$k]}" 2>&1 &
    spid[$k]=$!
    for _ in $(seq 1 300); do grep -q 'serving' "${slog[$k]}" && break; kill -0 "${spid[$k]}" 2>/dev/null || break; sleep 0.1; done
    grep -q 'serving' "${slog[$k]}" || { echo "the server of $k did not start:" >&2; cat "${slog[$k]}" >&2; exit 1; }
    sleep 0.5 # its JVM is still busy starting up (class loading, the database) after the line: not in the first build
    echo "$k: server pid ${spid[$k]}: $how"
    for w in $(seq 1 "${WARMUPS:-1}"); do
        ninja -C "$W/b-$k" -t clean >/dev/null; rm -f "$W/b-$k/.fester_stamps"
        n0=$(served_builds "$k"); t0=$(now)
        served_run "$k" >/dev/null 2>"$W/$k.err" || { cat "$W/$k.err" >&2; exit 1; }
        [ "$(served_builds "$k")" -gt "$n0" ] || { echo "warm-up build $w was not handed to the server:" >&2; cat "$W/$k.err" >&2; exit 1; }
        printf '%s: warm-up %d, untimed: %.2f s (%s)\n' "$k" "$w" "$(echo "$(now) - $t0" | bc)" "$(tail -n 1 "${slog[$k]}")"
    done
done
for r in $(seq 1 "$ROUNDS"); do
    for b in "${builds[@]}"; do
        ninja -C "$W/b-$b" -t clean >/dev/null
        rm -f "$W/b-$b/.fester_stamps"
        T=(/usr/bin/time -f "%U %S" -o "$W/cpu")
        t0=$(now)
        case $b in
            ninja-local) "${T[@]}" ninja -C "$W/b-$b" -j2 >/dev/null ;;
            ninja-distcc) DISTCC_HOSTS="127.0.0.1:${P[d1]}/2 127.0.0.1:${P[d2]}/2" DISTCC_FALLBACK=0 \
                "${T[@]}" ninja -C "$W/b-$b" -j6 >/dev/null ;;
            fester-distcc) "${T[@]}" ${FESTER_DISTCC:-$FESTER} run "$W/b-$b/build.ninja" --hosts "$W/hosts.yaml" --no-cache --db "$W/db/t" >/dev/null 2>"$W/$b.err" || { cat "$W/$b.err" >&2; exit 1; } ;;
            fester-distcc-base) "${T[@]}" $FESTER_BASE run "$W/b-$b/build.ninja" --hosts "$W/hosts.yaml" --no-cache --db "$W/db/base" \
                >/dev/null 2>"$W/$b.err" || { cat "$W/$b.err" >&2; exit 1; } ;;
            fester-distcc-served*) n0=$(served_builds "$b"); c0=$(tree_ticks "${spid[$b]}")
                if [ -n "${SERVED_THREADS:-}" ]; then # not timed then: the poller's awk runs beside the build
                    thread_ticks "${spid[$b]}" >"$W/threads.before"; : >"$W/threads.during"
                    (while :; do thread_ticks "${spid[$b]}" >>"$W/threads.during"; sleep 0.2; done) & poller=$!
                fi
                served_run "$b" "${T[@]}" >/dev/null 2>"$W/$b.err" || { cat "$W/$b.err" >&2; exit 1; }
                c1=$(tree_ticks "${spid[$b]}")
                if [ -n "${SERVED_THREADS:-}" ]; then
                    kill "$poller"; wait "$poller" 2>/dev/null || true; thread_ticks "${spid[$b]}" >>"$W/threads.during"
                    # each thread's last reading less its reading before the build (0 for a thread new in the build)
                    awk -F'\t' -v hz="$(getconf CLK_TCK)" 'FNR == NR { before[$1] = $3; next } { last[$1] = $3; name[$1] = $2 }
                        END { for (t in last) { n = name[t]; gsub(/[0-9-]+$/, "#", n); a[n] += last[t] - before[t] }
                              for (n in a) if (a[n] > 0) printf "%6.2f s  %s\n", a[n] / hz, n }' \
                        "$W/threads.before" "$W/threads.during" | sort -rn >"$W/threads-$b-$r"
                fi
                [ "$(served_builds "$b")" -gt "$n0" ] || { echo "round $r: the served build was not handed to the server:" >&2
                    cat "$W/$b.err" >&2; exit 1; } ;;
            fester-local) "${T[@]}" $FESTER run "$W/b-$b/build.ninja" --jobs 2 --no-cache --db "$W/db/t" >/dev/null 2>"$W/$b.err" || { cat "$W/$b.err" >&2; exit 1; } ;;
        esac
        t1=$(now)
        cpu=$(awk '{ print $1 + $2 }' "$W/cpu"); extra=
        case $b in ninja-*) mean=$(ninja_mean "$W/b-$b") ;; fester-distcc-base) mean=$(fester_mean "$FESTER_BASE" base) ;;
            fester-distcc-served*) mean=$(fester_mean "$FESTER" "${b#fester-distcc-}")
                sc=$(echo "scale=2; ($c1 - $c0) / $(getconf CLK_TCK)" | bc); extra="   server cpu $sc s, client $cpu s"
                cpu=$(echo "$cpu + $sc" | bc) ;;
            *) mean=$(fester_mean) ;; esac
        printf 'round %d  %-20s %7.2f s   cpu %6.2f s   mean compile: %s   load %s%s\n' "$r" "$b" "$(echo "$t1 - $t0" | bc)" \
            "$cpu" "$mean" "$(cut -d' ' -f1 /proc/loadavg)" "$extra"
    done
done
