#!/usr/bin/env bash
# h2-delete-rounds.sh H2_VERSION ROUNDS MODE [BATCH] — ADR 0114's failing shape and ADR 0120's way out, with plain
# JDBC and no Fester code: each round writes a ~16 MB run into Fester's schema and deletes it in a later opening,
# MODE one (main's single transaction), small (the mark committed alone, then BATCH pages a transaction, a failure
# resumed on a fresh connection) or killed (small in a child JVM killed -9 part way, then resumed); then the file is
# closed with SHUTDOWN COMPACT, reopened and checked (all or nothing, or resumed to nothing). Prints a line per round
# and a summary. Not timed: run it under /work/slot. Uses H2 from the local Maven repository.
set -eu
version=$1; rounds=$2; mode=$3; batch=${4:-16}
jar=$HOME/.m2/repository/com/h2database/h2/$version/h2-$version.jar
[ -f "$jar" ] || ./mvnw -B -q dependency:get -Dartifact="com.h2database:h2:$version"
w=$(mktemp -d); trap 'rm -rf "$w/cls"' EXIT
mkdir -p "$w/cls" "$w/runs"
javac -cp "$jar" -d "$w/cls" "$(dirname "$0")/h2-delete/H2Delete.java"
echo "files of the rounds in $w/runs (a failed round's are kept)"
java -Druns="$w/runs" -cp "$w/cls:$jar" H2Delete "$rounds" "$mode" "$batch"
