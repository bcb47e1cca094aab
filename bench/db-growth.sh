#!/usr/bin/env bash
# db-growth.sh RUNS FESTER [JAVA_OPTS] — the timeline database's size after each of RUNS clean builds of a synthetic
# 447-action build.ninja (440 one-line "compiles", 7 links) into one new database (docs/benchmarks.md, "A clean
# build's finish, taken apart, and two cuts", ADR 0107). FESTER is a launcher (bin/fester); JAVA_OPTS, if given,
# go to its JVM through JAVA_TOOL_OPTIONS. Prints "run bytes" lines, then the size of a copy of the last file
# compacted by H2 (SHUTDOWN COMPACT, with the H2 in the launcher's jar): about what the runs' live data take.
# Not a timing: run it under /work/slot.
set -eu
runs=$1; fester=$2; opts=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$(dirname "$0")/synthetic-447.sh" "$work/src"
for r in $(seq "$runs"); do
  rm -rf "$work/tree"; cp -a "$work/src" "$work/tree"
  env FESTER_SERVE=off ${opts:+JAVA_TOOL_OPTIONS="$opts"} "$fester" run "$work/tree/build.ninja" -j 2 --no-cache \
      --db "$work/db" >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; exit 1; }
  echo "$r $(stat -c %s "$work/db.mv.db")"
done
cp "$work/db.mv.db" "$work/copy.mv.db"
jar=$(dirname "$fester")/../target/fester.jar
java -cp "$jar" org.h2.tools.Shell -url "jdbc:h2:file:$work/copy" -user fester -password "" -sql "SHUTDOWN COMPACT" \
    >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; exit 1; }
echo "compacted $(stat -c %s "$work/copy.mv.db")"
