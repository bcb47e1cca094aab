#!/usr/bin/env bash
# What holds a cockpit build's turn after its outcome (ADR 0125): a tree with bench/turn-trace.patch applied prints
# "TURNTRACE <thread> <ms since run_finished was recorded> <step>" at each step of a run's end.
#   bench/turn-trace.sh sample TREE       CockpitServeTest in TREE (the window's builds, nice 10; handed builds)
#   bench/turn-trace.sh pinned TREE       the same, its JVM on core 1 beside two busy loops at nice 0 (a loaded
#                                         machine, contained to one core)
#   bench/turn-trace.sh libuv PKG TREEDIR a full libuv build (447 actions) and one of its objects removed, by
#                                         PKG/bin/fester run (FESTER_SERVE=off), in a build tree of its own
# Run it under /work/slot (not timed: the figures are the steps' spacing within one run).
# TREE: a copy of the sources at 367471f with the patch applied (git apply bench/turn-trace.patch).
set -euo pipefail
mode=$1
case "$mode" in
  sample|pinned)
    tree=$2
    cd "$tree"
    ./mvnw -B -q -o test-compile
    pin=()
    hogs=()
    if [ "$mode" = pinned ]; then
      pin=(taskset -c 1)
      for _ in 1 2; do taskset -c 1 sh -c 'while :; do :; done' & hogs+=($!); done
    fi
    "${pin[@]}" ./mvnw -B -q -o test -Dtest=CockpitServeTest > /dev/null 2>&1 || true # the trace fails its output checks
    for h in "${hogs[@]}"; do kill "$h"; done
    grep TURNTRACE target/surefire-reports/io.fester.ui.CockpitServeTest-output.txt
    ;;
  libuv)
    pkg=$2
    build=$3
    rm -rf "$build" "$build.db"
    cmake -S /tmp/src/libuv1 -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
    cd "$build"
    export FESTER_SERVE=off
    "$pkg/bin/fester" run build.ninja --db "$build.db/timeline" --no-cache -j 2 2>&1 | grep -E "TURNTRACE|build (succeeded|failed)"
    rm -f $(find "$build" -name 'uv-common.c.o')
    "$pkg/bin/fester" run build.ninja --db "$build.db/timeline" --no-cache -j 2 2>&1 | grep -E "TURNTRACE|build (succeeded|failed)"
    ;;
  *)
    echo "usage: $0 sample|pinned TREE | libuv PKG TREEDIR" >&2
    exit 2
    ;;
esac
