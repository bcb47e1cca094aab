#!/usr/bin/env bash
# close-compact.sh FILE ROUNDS BASE NEW — what a close that compacts costs (ADR 0107): `fester runs` (open, list,
# close) on a fresh copy of one timeline file (FILE, a .mv.db) per Fester per round, BASE's and NEW's launchers
# alternating (ABBA over two rounds); prints each one's wall time and the file's size after it. Time it under
# /work/quiet.
set -eu
src=$1; rounds=$2; base=$3; new=$4; w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
one() { rm -rf "$w/d"; mkdir "$w/d"; cp "$src" "$w/d/t.mv.db"; s=$(date +%s%N)
  env FESTER_SERVE=off "$2" runs --db "$w/d/t" >/dev/null; e=$(date +%s%N)
  echo "$1 $(( (e - s) / 1000000 )) ms, file $(stat -c %s "$w/d/t.mv.db")"; }
for i in $(seq "$rounds"); do
  if [ $((i % 2)) = 1 ]; then one base "$base"; one new "$new"
  else one new "$new"; one base "$base"; fi
done
