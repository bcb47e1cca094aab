#!/usr/bin/env bash
# read-pair.sh BASE NEW DB RUN ROUNDS — a recorded run's reads, paired: `fester events RUN` (to /dev/null) and
# `fester verify RUN`, each by BASE/bin/fester and NEW/bin/fester (packaged trees, each with its own class-data
# archive), in ABBA order per round, on the one database DB (written by either: its format is the same).
# Prints, per command and tree, the median and fastest in ms, and NEW's median ÷ BASE's. Run it under /work/quiet.
set -eu
base=$1; new=$2; db=$3; run=$4; rounds=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ns() { date +%s%N; }
one() { # TREE NAME CMD...: times one command, appends ms to $work/NAME
  local tree=$1 name=$2; shift 2
  local t; t=$(ns)
  case $1 in
    events) "$tree/bin/fester" events "$run" --db "$db" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; } ;;
    verify) "$tree/bin/fester" verify "$run" --db "$db" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
            grep -q ": same:" "$work/out" || { cat "$work/out" >&2; exit 1; } ;;
  esac
  echo $(( ($(ns) - t) / 1000000 )) >>"$work/$name"
}
for cmd in events verify; do : >"$work/base-$cmd"; : >"$work/new-$cmd"; done
for i in $(seq 1 "$rounds"); do
  for cmd in events verify; do
    one "$base" "base-$cmd" "$cmd"; one "$new" "new-$cmd" "$cmd"; one "$new" "new-$cmd" "$cmd"; one "$base" "base-$cmd" "$cmd"
  done
done
med() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
low() { sort -n "$1" | head -1; }
for cmd in events verify; do
  b=$(med "$work/base-$cmd"); n=$(med "$work/new-$cmd")
  printf '%-7s base median %5d ms (fastest %5d)  new median %5d ms (fastest %5d)  new/base %.3f  (%d each)\n' \
    "$cmd" "$b" "$(low "$work/base-$cmd")" "$n" "$(low "$work/new-$cmd")" "$(echo "$n / $b" | bc -l)" \
    "$(wc -l <"$work/base-$cmd")"
done
