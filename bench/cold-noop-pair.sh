#!/usr/bin/env bash
# cold-noop-pair.sh TREE ROUNDS NAME=FESTER… — issue 16's cold no-op target, paired against ninja in one go
# (docs/benchmarks.md, "The cold no-op journaled"). TREE: an up-to-date CMake/Ninja build directory; each
# FESTER (a bin/fester whose target/ holds its jars and archive) gets a database of its own, in which it first
# runs the tree three times untimed (adopting ninja's records; a first run in a database is written to it
# directly, and leaves the journal's state where the launcher has one; with the lean no-op, ADR 0129, the third
# is a full no-op that leaves the proof the timed ones check). Each round then runs, one after the other:
#   ninja      ninja -C TREE                                   (must say "no work to do")
#   NAME…      FESTER run TREE/build.ninja, FESTER_SERVE=off   (must report its actions up to date)
# and prints per command the median, p90 and fastest in ms and each median ÷ ninja's.
set -eu
tree=$1; rounds=$2; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ns() { date +%s%N; }
names=(ninja)
declare -A cmd=([ninja]="ninja -C $tree")
for v in "$@"; do
  name=${v%%=*}; fester=${v#*=}
  names+=("$name")
  cmd[$name]="env FESTER_SERVE=off $fester run $tree/build.ninja --db $work/db-$name"
  for _ in 1 2; do ${cmd[$name]} >/dev/null 2>&1; done
  # a third, past FileHashes' racy second after the stamps the first wrote: the proof (ADR 0129) names no file
  # changed within it, so with the lean no-op this full no-op leaves the proof every timed round checks
  sleep 1.2; ${cmd[$name]} >/dev/null 2>&1
done
for k in "${names[@]}"; do : >"$work/$k"; done
for i in $(seq 1 "$rounds"); do
  for k in "${names[@]}"; do
    t=$(ns); out=$(${cmd[$k]} 2>&1) || { echo "$k failed: $out" >&2; exit 1; }; d=$(( ($(ns) - t) / 1000000 ))
    if [ "$k" = ninja ]; then
      grep -q "no work to do" <<<"$out" || { echo "ninja had work: $out" >&2; exit 1; }
    else
      grep -q " up-to-date" <<<"$out" || { echo "$k: $out" >&2; exit 1; }
    fi
    echo "$d" >>"$work/$k"
  done
done
stat() { sort -n "$1" | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.9+0.999)]; printf "%d %d %d\n", m, p, a[1]}'; }
read -r nm _ _ < <(stat "$work/ninja")
printf '%-8s %8s %8s %8s %8s\n' command median p90 fastest "÷ninja"
for k in "${names[@]}"; do
  read -r m p f < <(stat "$work/$k")
  printf '%-8s %6d ms %5d ms %5d ms %7.1f×\n' "$k" "$m" "$p" "$f" "$(awk -v a="$m" -v b="$nm" 'BEGIN {print a / (b > 0 ? b : 1)}')"
done
for v in "$@"; do
  name=${v%%=*}
  ls "$work/db-$name".journal >/dev/null 2>&1 && echo "$name: journal $(wc -c <"$work/db-$name.journal") bytes, $(grep -c '^same	' "$work/db-$name.journal" || :) short records (ADR 0129)" || echo "$name: no journal"
done
