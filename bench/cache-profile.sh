#!/usr/bin/env bash
# bench/cache-profile.sh miss|hit PKG OUT TREE — one cache build of a packaged Fester (PKG: bin/fester, its jars and
# archive) under JFR, sampling Java and native stacks every 1 ms (the JDK's profile.jfc with both sampling periods
# set to 1 ms), for "where the time went" (docs/benchmarks.md, ADR 0108). Not timed: run it under /work/slot.
#
#   miss  TREE = the work directory of bench/cache-miss-cpu.sh prepare: a fresh copy of TREE/configured (77 actions)
#         built with an empty local cache (every lookup misses, every result is stored), ccache hidden from the
#         PATH (as cache-miss-cpu.sh does)
#   hit   TREE = the work directory of bench/cache-hits.sh prep and push (push made TREE/home-a-NAME; NAME=base
#         unless VARIANT=… says): a copy of that warm local cache, a fresh copy of checkout a (447 actions) built
#         from it (every lookup hits)
#
# Writes OUT/rec.jfr and OUT/out.txt (OUT removed first) and prints the build's summary. Read the recording with
# `jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 40 OUT/rec.jfr` and count the
# samples of the cache's threads by frame.
set -euo pipefail
mode=$1; pkg=$(realpath "$2"); out=$(realpath -m "$3"); tree=$(realpath "$4")
rm -rf "$out"; mkdir -p "$out/home"
jfc=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc
sed -e 's|\(control="method-sampling-java-interval">\)[^<]*<|\11 ms<|' \
    -e 's|\(control="method-sampling-native-interval">\)[^<]*<|\11 ms<|' "$jfc" > "$out/1ms.jfc"
grep -c 'method-sampling-[a-z]*-interval">1 ms<' "$out/1ms.jfc" | grep -qx 2 || { echo "$jfc: the two sampling periods not found" >&2; exit 1; }
jfr="-XX:StartFlightRecording=filename=$out/rec.jfr,settings=$out/1ms.jfc"
case $mode in
miss)
  cp -a "$tree/configured" "$out/build"
  mkdir -p "$out/nocc"
  for f in /usr/bin/*; do [ "${f##*/}" = ccache ] || ln -sf "$f" "$out/nocc/"; done
  FESTER_CACHE=on FESTER_SERVE=off PATH=$out/nocc JAVA_TOOL_OPTIONS="-Duser.home=$out/home $jfr" \
    FESTER_CACHE_DIR=$out/home/cache "$pkg/bin/fester" run "$out/build/build.ninja" -j 2 --db "$out/db" \
    > "$out/out.txt" 2>&1 ;;
hit)
  cp -a "$tree/home-a-${VARIANT:-base}/.local/share/fester/cache" "$out/home/cache"
  rm -rf "$tree/a/build"; cp -a "$tree/a/configured" "$tree/a/build"
  FESTER_CACHE=on FESTER_SERVE=off JAVA_TOOL_OPTIONS="-Duser.home=$out/home $jfr" FESTER_CACHE_DIR=$out/home/cache \
    "$pkg/bin/fester" run "$tree/a/build/build.ninja" -j 2 --db "$out/db" > "$out/out.txt" 2>&1 ;;
*) echo "usage: bench/cache-profile.sh miss|hit PKG OUT TREE" >&2; exit 2 ;;
esac
tail -2 "$out/out.txt"
