#!/usr/bin/env bash
# learn-pair.sh BASE_PKG NEW_PKG [ROUNDS] [ACTIONS] — a run's learning (HistoryStore.learn, ADR 0131) timed for two
# packaged Festers (each PKG/target/fester.jar) in one JVM with a terminal command's flags (C1 only, the serial
# collector), each jar in a class loader of its own, alternating which goes first: per sample a fresh timeline and
# three learnings into it, the first (ACTIONS outcomes, every action new: a fresh libuv build's end), the second
# (the same actions again, every one known) and one of 8 (a rebuild of a few). Round 1 is each jar's H2 cold in
# its loader and is reported apart. Two JVMs: base first in round 1, then new first. Defaults: 41 rounds, 447
# actions (libuv). Run it under /work/quiet.
set -eu
base=$1; new=$2; rounds=${3:-41}; actions=${4:-447}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
javac -d "$work/cls" "$(dirname "$0")/learn-pair/LearnPair.java"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for first in base new; do
  echo "== $first first"
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -cp "$work/cls" LearnPair \
      "$base/target/fester.jar" "$new/target/fester.jar" "$rounds" "$actions" "$work/runs-$first" "$first"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
