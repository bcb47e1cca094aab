#!/usr/bin/env bash
# bench/plan-search.sh BUILD.ninja HOSTS ROUNDS SEARCHES [SEED] — the plan search's time on a Ninja build with its
# .ninja_log as history (ADR 0132), base against new, paired: each round runs bench/plan-search/PlanBench.java in a
# fresh JVM per jar, in ABBA order (base, new, new, base), SEARCHES searches each. HOSTS: a hosts file (the farm's, as
# bench/distcc-farm.sh writes it: its distccd's need not run, the plan is made before any host is probed) or
# local:N (fester run --jobs N). SEED: compile-like durations for the .o actions (see PlanBench.java).
# BASE_JAR, NEW_JAR: the two fester.jar (default /tmp/base-pkg/target/fester.jar and target/fester.jar).
# JAVA_OPTS (optional): the JVM's options, e.g. bin/fester's "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" (C1 only, as a
#             run's JVM; the default is the JVM's own, C2 too).
# Prints per run: the first search (cold JVM) and the median of the others, in ms; then per jar the medians over
# the rounds and new/base ratios; and whether both chose the same plan decision (they must).
# Timed: run it under /work/quiet.
set -euo pipefail
ninja=$1; hosts=$2; rounds=$3; searches=$4; seed=${5:-}
base=${BASE_JAR:-/tmp/base-pkg/target/fester.jar}; new=${NEW_JAR:-target/fester.jar}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
javac -cp "$base" -d "$w" "$(dirname "$0")/plan-search/PlanBench.java"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
    for which in base new new base; do
        jar=$base; [ "$which" = new ] && jar=$new
        java ${JAVA_OPTS:-} -cp "$jar:$w" PlanBench "$ninja" "$hosts" "$searches" $seed > "$w/out"
        grep '^choice:' "$w/out" > "$w/choice-$which"
        first=$(grep '^first' "$w/out" | awk '{print $2}')
        rest=$(grep '^ms:' "$w/out" | cut -d' ' -f3- | tr ' ' '\n' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
        orders=$(grep '^orders' "$w/out" | awk '{print $3}')
        echo "round $r $which first $first ms, median of the other $((searches - 1)) $rest ms, orders $orders"
        echo "$which $first $rest" >> "$w/all"
    done
done
cmp -s "$w/choice-base" "$w/choice-new" && echo "same plan decision: yes" || { echo "same plan decision: NO"; cat "$w"/choice-*; }
python3 - "$w/all" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
m = {w: (st.median(float(r[1]) for r in rows if r[0] == w), st.median(float(r[2]) for r in rows if r[0] == w)) for w in ("base", "new")}
for w in ("base", "new"):
    print("%s: first (cold) median %.1f ms, warm median %.1f ms" % (w, m[w][0], m[w][1]))
print("new/base: cold %.2f, warm %.2f" % (m["new"][0] / m["base"][0], m["new"][1] / m["base"][1]))
PY
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
