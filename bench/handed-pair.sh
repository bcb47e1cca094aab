#!/usr/bin/env bash
# handed-pair.sh TREE ROUNDS NEW BASE — the handed no-op (issue 16), this launcher against another, paired in one go
# (docs/benchmarks.md, "The handed no-op with the Perl client"). TREE: an up-to-date CMake/Ninja build directory
# that Fester has built once; NEW, BASE: the launchers to compare (bin/fester of two source trees). Each launcher
# gets a `serve` of its own (its own database); each round runs, one after the other:
#   ninja        ninja -C TREE                                         (must say "no work to do")
#   perl         perl -e 1: the floor of a Perl client
#   jvm          java -version with the launcher's terminal flags: the floor of a JVM client
#   new          NEW run TREE/build.ninja, handed to NEW's server       (the Perl client)
#   new-java     the same with FESTER_SERVE=java                        (NEW's JVM client)
#   base         BASE run TREE/build.ninja, handed to BASE's server
# and prints per command the median, p90 and fastest in ms and the median ÷ ninja's and ÷ base's; then each
# server's own time per handed build (its log).
set -eu
tree=$1; rounds=$2; new=$3; base=$4
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
ns() { date +%s%N; }
for who in new base; do
  launcher=${!who}
  FESTER_SERVE=off "$launcher" run "$tree/build.ninja" --db "$work/$who" >/dev/null 2>&1   # adopt, warm the page cache
  "$launcher" serve --db "$work/$who" >"$work/$who.serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do grep -q serving "$work/$who.serve.log" 2>/dev/null && break; sleep 0.2; done
  for _ in 1 2 3; do "$launcher" run "$tree/build.ninja" --db "$work/$who" >/dev/null 2>&1; done   # the server's JIT warms
done
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
declare -A cmd=(
  [ninja]="ninja -C $tree"
  [perl]="perl -e 1"
  [jvm]="$java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -version"
  [new]="$new run $tree/build.ninja --db $work/new"
  [new-java]="env FESTER_SERVE=java $new run $tree/build.ninja --db $work/new"
  [base]="$base run $tree/build.ninja --db $work/base"
)
order=(ninja perl jvm new new-java base)
for k in "${order[@]}"; do : >"$work/$k"; done
for i in $(seq 1 "$rounds"); do
  for k in "${order[@]}"; do
    t=$(ns); out=$(${cmd[$k]} 2>&1) || { echo "$k failed: $out" >&2; exit 1; }; d=$(( ($(ns) - t) / 1000000 ))
    case $k in
      ninja) grep -q "no work to do" <<<"$out" || { echo "ninja had work: $out" >&2; exit 1; } ;;
      new|new-java|base) grep -q "up-to-date" <<<"$out" || { echo "$k: $out" >&2; exit 1; }
         ! grep -q "not handed" <<<"$out" || { echo "declined: $out" >&2; exit 1; } ;;
    esac
    echo "$d" >>"$work/$k"
  done
done
stat() { sort -n "$1" | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.9+0.999)]; printf "%d %d %d\n", m, p, a[1]}'; }
read -r nm _ _ < <(stat "$work/ninja")
read -r bm _ _ < <(stat "$work/base")
printf '%-9s %8s %8s %8s %8s %8s\n' command median p90 fastest "÷ninja" "÷base"
for k in "${order[@]}"; do
  read -r m p f < <(stat "$work/$k")
  printf '%-9s %6d ms %5d ms %5d ms %7.1f× %7.2f×\n' "$k" "$m" "$p" "$f" \
    "$(awk -v a="$m" -v b="$nm" 'BEGIN {print a / (b > 0 ? b : 1)}')" "$(awk -v a="$m" -v b="$bm" 'BEGIN {print a / b}')"
done
for who in new base; do
  echo "$who server's own time per handed build (its log, the timed rounds):"
  n=$rounds; [ "$who" != new ] || n=$(( 2 * rounds ))   # new's server took the Perl and the JVM client's
  grep -o 'exit [0-9]*, [0-9.]* s' "$work/$who.serve.log" | tail -n "$n" \
    | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {printf "  median %.3f s, fastest %.3f s (%d builds)\n", a[int((NR+1)/2)], a[1], NR}'
done
