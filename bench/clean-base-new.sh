#!/usr/bin/env bash
# clean-base-new.sh CONFIGURED ROUNDS BASE NEW [fester options…] — ninja's clean build, a base Fester's and
# a new Fester's, in one go (docs/benchmarks.md, "Fester's own cost in a clean build, cut", ADR 0073):
# each round copies CONFIGURED (a CMake build directory configured with -G Ninja, never built) three times
# and builds one copy with `ninja -j2`, one with `BASE run build.ninja -j 2 --no-cache` and one with NEW
# the same way, rotating the order from round to round; wall and CPU (user + sys, the whole process
# tree's, compilers included) from /usr/bin/time, and for the Festers the JVM's own CPU ("jvm": its
# utime + stime from /proc/PID/stat, read every 0.5 s while it runs, the largest read kept, so at most the last
# half second is missed): the compilers' CPU varies by several seconds from build to build on a shared machine, the JVM's
# own much less. BASE and NEW are launchers (bin/fester) with their jars.
# CACHE=on: both Festers with the action cache on, starting empty (see clean-pair.sh).
# FIRST=N: number the rounds from N (the order rotates with the round's number: one round per call, as
# /work/quiet wants, can still take each of the three orders).
# Each Fester's wall − span is printed too (ADR 0107): "start" from the command's start to its first action's
# process start, "finish" from its last action's end to the command's end, the actions' times from the run's own
# timeline (`fester events`, read after the build, outside its timing; an exit's time less its duration is the
# action's start).
# PHASES=1: each Fester's start taken apart from its timeline as well (bench/start-phases.py, ADR 0111), on stderr.
set -eu
phases=$(dirname "$0")/start-phases.py
configured=$1; rounds=$2; base=$3; new=$4; shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tm() { /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; exit 1; }; cat "$work/t"; }
# ends START_MS END_MS FESTER: "start finish" in seconds, from the run's exits in the database; when they cannot be
# read, says why on stderr and prints "? ?" (the table then says "unread")
ends() {
  env FESTER_SERVE=off "$3" events --db "$work/db" last >"$work/events" 2>"$work/events.err" || {
    echo "$3 events: $(tail -1 "$work/events.err")" >&2; echo "? ?"; return; }
  python3 -c '
import json, sys, datetime
t0, t1 = int(sys.argv[1]), int(sys.argv[2]); first = last = None
for line in sys.stdin:
    e = json.loads(line)
    if e.get("type") != "exit": continue
    end = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp() * 1000
    start = end - e.get("duration_ms", 0)
    first = start if first is None else min(first, start); last = end if last is None else max(last, end)
if first is None:
    print("no exit in the run read", file=sys.stderr); print("? ?")
else:
    print("%.2f %.2f" % ((first - t0) / 1000, (t1 - last) / 1000))' "$1" "$2" <"$work/events" || echo "? ?"
}
cpu() { head -1 | sed "s/.*) //" | awk '{ print $12 + $13 }'; } # a /proc/PID/stat line's utime + stime, in ticks
build() { # build WHICH: prints "wall cpu jvm start finish"
  local which=$1
  rm -rf "$work/tree" "$work/db"* "$work/home"; cp -a "$configured" "$work/tree"; mkdir "$work/home"
  case $1 in
    ninja) set -- ninja -C "$work/tree" -j2 ;;
    *) f=$base; [ "$1" = new ] && f=$new
       if [ "${CACHE:-off}" = on ]; then
         set -- env FESTER_SERVE=off HOME="$work/home" JAVA_TOOL_OPTIONS="-Duser.home=$work/home" \
           FESTER_CACHE_DIR="$work/home/cache" "$f" run "$work/tree/build.ninja" -j 2 --db "$work/db" $opts
       else
         set -- env FESTER_SERVE=off "$f" run "$work/tree/build.ninja" -j 2 --no-cache --db "$work/db" $opts
       fi ;;
  esac
  rm -f "$work/jstat"
  # keeps the read with the most CPU: a read that catches the JVM as it exits (a zombie's stat says 0) is not kept
  ( while sleep 0.5; do
      p=$(pgrep -f "io.fester.cli.Main run $work/tree/" | head -1) || continue
      cat "/proc/$p/stat" >"$work/jstat.tmp" 2>/dev/null || continue
      if [ ! -f "$work/jstat" ] || [ "$(cpu <"$work/jstat.tmp")" -ge "$(cpu <"$work/jstat")" ]; then
        mv "$work/jstat.tmp" "$work/jstat"
      fi
    done ) & poller=$!
  t0=$(date +%s%3N)
  r=$(tm "$@")
  t1=$(date +%s%3N)
  kill "$poller"; wait "$poller" 2>/dev/null || true
  [ -z "${DEBUG:-}" ] || cat "$work/jstat" >&2 || true
  jvm=$( [ "$1" != ninja ] && [ -f "$work/jstat" ] && head -1 "$work/jstat" | sed "s/.*) //" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($12 + $13) / hz }' || echo -)
  se="- -"
  [ "$1" = ninja ] || se=$(ends "$t0" "$t1" "$f")
  [ -z "${PHASES:-}" ] || [ "$1" = ninja ] || echo "phases $which: $(python3 "$phases" "$t0" <"$work/events")" >&2
  echo "$r" | awk -v j="$jvm" -v se="$se" '{ printf "%.1f %.1f %s %s\n", $1, $2 + $3, j, se }'
}
opts="$*"
printf '%-6s %-6s %8s %8s   %s\n' round tool wall cpu "÷ninja (wall, cpu), the JVM's own CPU"
for i in $(seq "${FIRST:-1}" $(( ${FIRST:-1} + rounds - 1 ))); do
  case $((i % 3)) in 1) order="ninja base new" ;; 2) order="base new ninja" ;; 0) order="new ninja base" ;; esac
  declare -A w c j s e
  for t in $order; do read -r w[$t] c[$t] j[$t] s[$t] e[$t] < <(build "$t"); done
  for t in ninja base new; do
    awk -v i="$i" -v t="$t" -v w="${w[$t]}" -v c="${c[$t]}" -v j="${j[$t]}" -v s="${s[$t]}" -v e="${e[$t]}" -v nw="${w[ninja]}" -v nc="${c[ninja]}" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
      printf "%-6s %-6s %7.1fs %7.1fs   %.3f× %.3f×   jvm %ss%s%s\n", i, t, w, c, w / nw, c / nc, j,
        (t == "ninja" ? "" : s == "?" ? "   wall - span: unread" : "   wall - span: start " s " s, finish " e " s"), (t == "new" ? "   (load after: " load ")" : "") }'
  done
done
