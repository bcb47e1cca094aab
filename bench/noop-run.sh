# noop-run.sh — sourced by bench/noop-threads.sh and bench/noop-profile.sh, whose arguments are TREE ROUNDS ROOT: sets
# tree, rounds, target (ROOT/target), work (a temporary directory, removed at the exit), java and jdk (its JDK); then
# noop [JVM OPTION…] runs one cold no-op
# `fester run $tree/build.ninja --db $work/db` as bin/fester launches a terminal command (the archive in $target,
# C1, serial GC, no perf data, FESTER_SERVE=off), plus the options given, with $java; its output in $work/out.
# Fails unless the summary names no state but up-to-date (every action up to date, nothing ran).
tree=$1; rounds=$2; target=$(cd "$3" && pwd -P)/target
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v "$java")")")")
noop() {
  FESTER_SERVE=off "$java" -XX:SharedArchiveFile="$target/fester.jsa" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData "$@" \
    -cp "$target/fester-client.jar:$target/fester.jar" io.fester.cli.Main run "$tree/build.ninja" --db "$work/db" \
    >"$work/out" 2>&1
  grep -Eq '^fester: build succeeded: [0-9]+ up-to-date in ' "$work/out" \
    || { echo "not a no-op:" >&2; cat "$work/out" >&2; exit 1; }
}
