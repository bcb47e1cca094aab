#!/usr/bin/env bash
# bench/cache-compat.sh W WRITER READER — results stored by one Fester are hits for another (ADR 0108: the stored
# results and manifest entries are the mapper's bytes, so two versions share a cache both ways). Not timed: run it
# under /work/slot.
#
#   W       the work directory of bench/cache-miss-cpu.sh prepare (W/configured: the 77-action libuv tree);
#           this script uses W/compat (removed first) and leaves W/configured alone
#   WRITER  a packaged Fester (bin/fester, target/fester.jar, fester-client.jar, its own archive): builds a fresh
#           copy of the tree with an empty local cache (every action misses and is stored)
#   READER  another: builds a fresh copy at the same path from that cache (every action should be a hit), then
#           its `fester verify` checks both runs, and WRITER's `fester verify` checks READER's run
#
# Each build is the launcher as typed, FESTER_SERVE=off, a home of its own under W/compat. Prints each build's
# summary line and each verify's verdict; exits non-zero when a build fails, READER's build is not all hits,
# or a verify does not say the run is the same.
set -euo pipefail
w=$(realpath -m "$1"); writer=$(realpath "$2"); reader=$(realpath "$3")
c=$w/compat
rm -rf "$c"; mkdir -p "$c/home"
export FESTER_CACHE=on FESTER_SERVE=off JAVA_TOOL_OPTIONS="-Duser.home=$c/home" FESTER_CACHE_DIR=$c/home/cache
build() { # PKG: a fresh copy of the configured tree at the same path, built into the one database
  rm -rf "$c/build"; cp -a "$w/configured" "$c/build"
  "$1/bin/fester" run "$c/build/build.ninja" -j 2 --db "$c/db" > "$c/out.txt" 2>&1 || { cat "$c/out.txt"; exit 1; }
  grep "build succeeded" "$c/out.txt"
}
build "$writer"
second=$(build "$reader")
echo "$second"
echo "$second" | grep -Eq "build succeeded: [0-9]+ cached in" || { echo "reader: not every action a hit" >&2; exit 1; }
verdicts=0
for v in "$reader 1" "$reader 2" "$writer 2"; do
  set -- $v
  out=$("$1/bin/fester" verify "$2" --db "$c/db" 2>&1 | tail -1)
  echo "$(basename "$1") verify $2: $out"
  case $out in *same*) ;; *) verdicts=1 ;; esac
done
exit $verdicts
