#!/usr/bin/env bash
# chain-trace.sh CONFIGURED FESTER|ninja OUT — one clean build of CONFIGURED (a CMake build directory configured
# with -G Ninja, never built; copied, not changed) with `FESTER run build.ninja -j 2 --no-cache` (or `ninja -j2`)
# under system-wide perf tracepoints: every fork, exec and exit, and wait4's returns, on CLOCK_MONOTONIC (its offset
# to the wall clock kept, to line the trace up with the timeline's event times). Then `chain-trace.py OUT` times
# each link of the slots' chains: an action's process exits -> the spawner (or ninja) reaps it -> Fester posts the
# exit -> the next action is forked -> its /bin/sh is exec'd (docs/benchmarks.md, ADR 0097). Needs perf and
# root (or perf_event_paranoid -1). Time it under /work/quiet; FOPTS: more `fester run` options.
set -eu
configured=$1; f=$2; out=$3
rm -rf "$out"; mkdir -p "$out"
cp -a "$configured" "$out/tree"
perf record -q -a -k CLOCK_MONOTONIC -o "$out/perf.data" \
  -e sched:sched_process_fork -e sched:sched_process_exec -e sched:sched_process_exit \
  -e syscalls:sys_exit_wait4 &
pp=$!
sleep 1
python3 -c "import time; print(time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_MONOTONIC))" >"$out/offset"
rc=0
if [ "$f" = ninja ]; then
  /usr/bin/time -f "%e %U %S" -o "$out/time" ninja -C "$out/tree" -j2 >"$out/run.log" 2>&1 || rc=$?
else
  /usr/bin/time -f "%e %U %S" -o "$out/time" env FESTER_SERVE=off "$f" run "$out/tree/build.ninja" -j 2 --no-cache \
      --db "$out/db" ${FOPTS:-} >"$out/run.log" 2>&1 || rc=$?
fi
kill -INT "$pp"; wait "$pp" || true
if [ "$rc" -ne 0 ]; then
  # a failed or partial build has fewer links, and different ones: its table would not compare with the others
  echo "chain-trace.sh: the build failed (exit $rc; see $out/run.log, last lines below): no table" >&2
  tail -n 20 "$out/run.log" >&2
  rm -rf "$out/perf.data"
  exit 1
fi
echo "$out: wall, user, sys: $(cat "$out/time"); load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$f" = ninja ]; then : >"$out/events.jsonl"
else env FESTER_SERVE=off "$f" events last --db "$out/db" >"$out/events.jsonl"; fi
perf script -i "$out/perf.data" -F comm,pid,tid,time,event,trace >"$out/perf.txt" 2>/dev/null
rm -rf "$out/perf.data" "$out/tree"
python3 "$(dirname "$0")/chain-trace.py" "$out"
