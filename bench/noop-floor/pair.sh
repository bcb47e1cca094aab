#!/usr/bin/env bash
# pair.sh TREE WORK ROUNDS FESTER — the cold no-op's floor on JDK 17 (ADR 0127), paired in one go: WORK as
# bench/noop-floor/setup.sh made it (same TREE and FESTER), ROUNDS rounds in one order and then ROUNDS in the
# reverse order. Each round runs, one after the other:
#   ninja   ninja -C TREE                                          (must say "no work to do")
#   empty   an empty main with the floor's JVM flags (WORK/empty)  (the JVM's own start and exit)
#   floor   WORK/floor check TREE WORK/proof WORK/journal          (unix view; must report "up-to-date")
#   floorb  the same with BasicFileAttributes and its file key     (basic)
#   floorf  the same, the record forced to the disk                (force)
#   fester  FESTER run TREE/build.ninja, FESTER_SERVE=off, WORK/db (must report its actions up to date)
# and prints per order and command the median, p90 and fastest in ms and each median ÷ ninja's. Run it under
# /work/quiet; it times with date +%s%N around each whole command, as bench/cold-noop-pair.sh does.
set -eu
tree=$(cd "$1" && pwd -P); work=$(cd "$2" && pwd -P); rounds=$3; fester=$4
ns() { date +%s%N; }
names=(ninja empty floor floorb floorf fester)
declare -A cmd=(
  [ninja]="ninja -C $tree"
  [empty]="$work/empty"
  [floor]="$work/floor check $tree $work/proof $work/journal unix"
  [floorb]="$work/floor check $tree $work/proof $work/journal basic"
  [floorf]="$work/floor check $tree $work/proof $work/journal unix force"
  [fester]="env FESTER_SERVE=off $fester run $tree/build.ninja --db $work/db"
)
declare -A want=([ninja]="no work to do" [empty]="" [floor]=" up-to-date" [floorb]=" up-to-date"
  [floorf]=" up-to-date" [fester]=" up-to-date")
row() { # NAME FILE NINJA_MEDIAN: one table row (median, p90, fastest, median ÷ ninja's); NINJA_MEDIAN 0: the median
  sort -n "$2" | awk -v k="$1" -v nm="$3" '{a[NR] = $1} END {
    m = a[int((NR + 1) / 2)]
    if (nm == 0) print m
    else printf "%-8s %6d ms %5d ms %5d ms %7.1f×\n", k, m, a[int(NR * 0.9 + 0.999)], a[1], m / nm }'
}
go() { # ORDER NAME…
  local order=$1; shift
  for k in "$@"; do : >"$work/t-$order-$k"; done
  for _ in $(seq 1 "$rounds"); do
    for k in "$@"; do
      t=$(ns); out=$(${cmd[$k]} 2>&1) || { echo "$k failed: $out" >&2; exit 1; }; d=$(( ($(ns) - t) / 1000000 ))
      [ -z "${want[$k]}" ] || grep -q "${want[$k]}" <<<"$out" || { echo "$k: $out" >&2; exit 1; }
      echo "$d" >>"$work/t-$order-$k"
    done
  done
  nm=$(row ninja "$work/t-$order-ninja" 0)
  echo "order $order: $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '%-8s %8s %8s %8s %8s\n' command median p90 fastest "÷ninja"
  for k in "${names[@]}"; do row "$k" "$work/t-$order-$k" "$((nm > 0 ? nm : 1))"; done
}
echo "start $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
go A "${names[@]}"
reversed=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do reversed+=("${names[$i]}"); done
go B "${reversed[@]}"
echo "end $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg); journal $(wc -l <"$work/journal") records, $(wc -c <"$work/journal") bytes"
