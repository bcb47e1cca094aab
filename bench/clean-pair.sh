#!/usr/bin/env bash
# clean-pair.sh CONFIGURED ROUNDS FESTER [fester options…] — a clean build against ninja's, paired in one
# go (docs/benchmarks.md, "Issue 16's speed targets, re-measured"). CONFIGURED: a CMake build directory
# configured with -G Ninja and never built. Each round copies it twice, then builds one copy with
# `ninja -j2` and the other with `FESTER run build.ninja -j 2 --no-cache` (the action cache off: both run
# the same compiles), alternating which goes first; wall and CPU (user + sys, the whole process tree's,
# compilers included) from /usr/bin/time.
# CACHE=on: Fester as a user gets it by default, the action cache on, starting empty each round (HOME,
# user.home and FESTER_CACHE_DIR in the round's scratch directory: an empty local cache and a cold ccache,
# every action missing and its result stored), instead of --no-cache (docs/benchmarks.md, ADR 0073).
set -eu
configured=$1; rounds=$2; fester=$3; shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tm() { /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; exit 1; }; cat "$work/t"; }
ninja_() { tm ninja -C "$work/n" -j2; }
if [ "${CACHE:-off}" = on ]; then
  fester_() { rm -rf "$work/home"; mkdir "$work/home"
    tm env FESTER_SERVE=off HOME="$work/home" JAVA_TOOL_OPTIONS="-Duser.home=$work/home" FESTER_CACHE_DIR="$work/home/cache" "$fester" run "$work/f/build.ninja" \
      -j 2 --db "$work/db" "$@"; }
else
  fester_() { tm env FESTER_SERVE=off "$fester" run "$work/f/build.ninja" -j 2 --no-cache --db "$work/db" "$@"; }
fi
printf '%-6s %-6s %8s %8s %8s\n' round tool wall cpu "÷ninja"
for i in $(seq 1 "$rounds"); do
  rm -rf "$work/n" "$work/f" "$work/db"*; cp -a "$configured" "$work/n"; cp -a "$configured" "$work/f"
  if [ $((i % 2)) -eq 1 ]; then read -r nw nu ns < <(ninja_); read -r fw fu fs < <(fester_ "$@")
  else read -r fw fu fs < <(fester_ "$@"); read -r nw nu ns < <(ninja_); fi
  awk -v i="$i" -v nw="$nw" -v nc="$(echo "$nu + $ns" | bc)" -v fw="$fw" -v fc="$(echo "$fu + $fs" | bc)" 'BEGIN {
    printf "%-6s %-6s %7.1fs %7.1fs\n", i, "ninja", nw, nc
    printf "%-6s %-6s %7.1fs %7.1fs %7.3f× wall, %.3f× cpu\n", i, "fester", fw, fc, fw / nw, fc / nc }'
done
