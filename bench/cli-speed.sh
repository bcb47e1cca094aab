#!/usr/bin/env bash
# cli-speed.sh TREE ROUNDS FESTER — issue 16's no-op targets, paired against ninja in one go
# (docs/benchmarks.md, "Issue 16's speed targets, re-measured"). TREE: an up-to-date CMake/Ninja build
# directory that Fester has built once (so both tools find nothing to do); FESTER: the launcher to time
# (bin/fester of a source tree, or the installed /usr/bin/fester). Each round runs, one after the other:
#   ninja     ninja -C TREE                                   (must say "no work to do")
#   jvm       the client's JVM printing its version: the floor any Java client pays
#   cold      FESTER run TREE/build.ninja, FESTER_SERVE=off    (a JVM that does it all)
#   handed    FESTER run TREE/build.ninja, to a `FESTER serve` started below (same environment)
# and prints, per command, the median, p90 and fastest in ms, and each one's median ÷ ninja's.
set -eu
tree=$1; rounds=$2; fester=$3
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cold_db=$work/cold; served_db=$work/served
ns() { date +%s%N; }
FESTER_SERVE=off "$fester" run "$tree/build.ninja" --db "$cold_db" >/dev/null 2>&1   # adopt, warm the page cache
"$fester" serve --db "$served_db" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q serving "$work/serve.log" 2>/dev/null && break; sleep 0.2; done
"$fester" run "$tree/build.ninja" --db "$served_db" >/dev/null 2>&1   # the server's first build: its JIT warms
"$fester" run "$tree/build.ninja" --db "$served_db" >/dev/null 2>&1
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
declare -A cmd=(
  [ninja]="ninja -C $tree"
  [jvm]="$java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -version"
  [cold]="env FESTER_SERVE=off $fester run $tree/build.ninja --db $cold_db"
  [handed]="$fester run $tree/build.ninja --db $served_db"
)
order=(ninja jvm cold handed)
for k in "${order[@]}"; do : >"$work/$k"; done
for i in $(seq 1 "$rounds"); do
  for k in "${order[@]}"; do
    t=$(ns); out=$(${cmd[$k]} 2>&1) || { echo "$k failed: $out" >&2; exit 1; }; d=$(( ($(ns) - t) / 1000000 ))
    case $k in
      ninja) grep -q "no work to do" <<<"$out" || { echo "ninja had work: $out" >&2; exit 1; } ;;
      cold|handed) grep -q "up-to-date" <<<"$out" || { echo "$k: $out" >&2; exit 1; } ;;
    esac
    [ "$k" != handed ] || ! grep -q "not handed" <<<"$out" || { echo "declined: $out" >&2; exit 1; }
    echo "$d" >>"$work/$k"
  done
done
stat() { sort -n "$1" | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.9+0.999)]; printf "%d %d %d\n", m, p, a[1]}'; }
read -r nm _ _ < <(stat "$work/ninja")
printf '%-8s %8s %8s %8s %8s\n' command median p90 fastest "÷ninja"
for k in "${order[@]}"; do
  read -r m p f < <(stat "$work/$k")
  printf '%-8s %6d ms %5d ms %5d ms %7.1f×\n' "$k" "$m" "$p" "$f" "$(awk -v a="$m" -v b="$nm" 'BEGIN {print a / (b > 0 ? b : 1)}')"
done
echo "server's own time per handed build (its log):"
grep -o 'exit [0-9]*, [0-9.]* s' "$work/serve.log" | tail -n "$rounds" | awk '{print $3}' | sort -n \
  | awk '{a[NR]=$1} END {printf "  median %.2f s, fastest %.2f s\n", a[int((NR+1)/2)], a[1]}'
