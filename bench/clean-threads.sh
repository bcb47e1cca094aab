#!/usr/bin/env bash
# clean-threads.sh FESTER CONFIGURED [JVM options…] — the Fester JVM's own CPU in one clean build of CONFIGURED (a
# configured, never-built CMake tree, copied first), by thread (docs/benchmarks.md, "The clean build's JVM CPU, and
# the ratio over rounds", ADR 0123): `FESTER run build.ninja -j 2 --no-cache`, every thread's utime + stime read from
# /proc/PID/task/*/stat every 0.2 s while it runs, each thread's largest read kept (a thread that ended before the
# next read loses at most 0.2 s), summed by thread name (the kernel's first 15 characters, a trailing number folded: "fester-timeline"
# is the run writer). JVM options given are passed through JAVA_TOOL_OPTIONS (the JVM reads them before its command
# line, so the launcher's own flags win where both set one). CPU, not wall: run it
# under /work/slot for shares, under /work/quiet to compare figures. OUT=FILE keeps the command's output there (what
# -XX:+CITime prints, say); KEEP=DIR keeps the built tree and its database there (DIR must not exist).
set -eu
f=$1; configured=$2; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$configured" "$work/tree"
opts="$*"
( while sleep 0.2; do
    p=$(pgrep -f "io.fester.cli.Main run $work/tree/" | head -1) || continue
    for t in /proc/"$p"/task/*; do
      s=$(cat "$t/stat" 2>/dev/null) || continue
      echo "${t##*/} $s"
    done >>"$work/reads"
  done ) & poller=$!
t0=$(date +%s%3N)
env FESTER_SERVE=off ${opts:+JAVA_TOOL_OPTIONS="$opts"} "$f" run "$work/tree/build.ninja" -j 2 --no-cache \
  --db "$work/db" >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; kill "$poller"; exit 1; }
t1=$(date +%s%3N)
kill "$poller"; wait "$poller" 2>/dev/null || true
tail -1 "$work/out"
[ -z "${OUT:-}" ] || cp "$work/out" "$OUT"
[ -z "${KEEP:-}" ] || { mkdir "$KEEP" && cp -a "$work/tree" "$work"/db* "$KEEP/"; }
python3 - "$work/reads" "$(getconf CLK_TCK)" "$(( t1 - t0 ))" <<'PY'
import collections, re, sys
hz = int(sys.argv[2]); best = {}
for line in open(sys.argv[1]):
    tid, rest = line.split(' ', 1)
    m = re.match(r'\d+ \((.*)\) (.*)', rest)
    if not m: continue
    name, f = m.group(1), m.group(2).split()
    ticks = int(f[11]) + int(f[12])
    if ticks >= best.get(tid, ('', -1))[1]: best[tid] = (re.sub(r'\d+$', 'N', name), ticks)
by = collections.Counter()
for name, ticks in best.values(): by[name] += ticks
total = sum(by.values())
print("wall %.1f s, the JVM's threads %.2f s of CPU" % (int(sys.argv[3]) / 1000, total / hz))
for name, ticks in by.most_common():
    if ticks: print("  %-28s %6.2f s" % (name, ticks / hz))
PY
