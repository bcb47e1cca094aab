#!/usr/bin/env bash
# noop-phases.sh TREE ROUNDS NAME=ROOT[=OPTIONS]… — where a cold no-op `fester run TREE/build.ninja` spends its time,
# read from its class log (docs/benchmarks.md, "The cold no-op's phases"). ROOT: a source tree whose
# target/ holds fester.jar, fester-client.jar and the CDS archive fester.jsa (run `ROOT/bin/fester
# --cds-archive` first); several ROOTs alternate round by round. Each run is launched as bin/fester
# launches a terminal command (archive, C1, serial GC, no perf data), plus OPTIONS when given (JVM options, split
# at spaces, e.g. "-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0", which ADR 0105 measured
# and rejected; a collector named there, e.g. "-XX:+UseG1GC -XX:ParallelGCThreads=1", replaces the serial one;
# ADR 0119), FESTER_SERVE=off, with
# -Xlog:class+load:…:uptime, and must report 447 up-to-date… (any "N up-to-date"). Per run it prints the wall
# time, the classes loaded, and the JVM uptime (s) at the first load of the classes that mark the phases:
#   main      io.fester.cli.Main                  the JVM started, the launcher's own code begins
#   stamps    io.fester.uptodate.Stamps           the command line is read; the manifest load begins
#                                                 (the timeline opens on another thread from here)
#   h2        org.h2.Driver                       that thread reaches H2's first connection
#   loaded    io.fester.graph.NinjaLoader$Loaded  the manifest is parsed and its graph built (main thread)
#   opened    io.fester.timeline.AppendOnlyTrigger the timeline's file is open, its schema checked (the other)
#   uptodate  io.fester.uptodate.UpToDate         manifest loaded, timeline open: the check begins
#   writer    io.fester.timeline.RunWriter        checked, history read: the run's record begins
#   journal   io.fester.timeline.Journal$Noop     checked, nothing to run: the run is journaled (ADR 0083)
#   last      the last class loaded               (from here to the exit: the record's end, the JVM's exit)
set -eu
tree=$1; rounds=$2; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
# one untimed run per launcher first: a database's first run is written to it directly (and leaves the journal's
# state, on a launcher that has one: ADR 0083), so that every timed run is the no-op a user's is
root() { local r=${1#*=}; echo "${r%%=*}"; }
opts() { local r=${1#*=}; [ "$r" = "${r#*=}" ] || echo "${r#*=}"; }
# the serial collector unless one OPTIONS word names a collector (-XX:+UseG1GC…; not -XX:ParallelGCThreads=1)
gc() { local w; for w in $(opts "$1"); do case $w in -XX:+Use*GC) return 0 ;; esac; done; echo -XX:+UseSerialGC; }
for v in "$@"; do
  target=$(cd "$(root "$v")" && pwd -P)/target
  # shellcheck disable=SC2046
  FESTER_SERVE=off "$java" $(opts "$v") -XX:SharedArchiveFile="$target/fester.jsa" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off \
    -cp "$target/fester-client.jar:$target/fester.jar" io.fester.cli.Main run "$tree/build.ninja" --db "$work/db-${v%%=*}" \
    >/dev/null 2>&1
done
for r in $(seq 1 "$rounds"); do
  for v in "$@"; do
    name=${v%%=*}; target=$(cd "$(root "$v")" && pwd -P)/target
    log=$work/$name-$r.log
    t=$(date +%s%N)
    # shellcheck disable=SC2046
    FESTER_SERVE=off "$java" $(opts "$v") -XX:SharedArchiveFile="$target/fester.jsa" -Xshare:auto -Xlog:cds=off \
      -Xlog:cds+dynamic=off -XX:TieredStopAtLevel=1 $(gc "$v") -XX:-UsePerfData \
      -Xlog:class+load:file="$log":uptime -cp "$target/fester-client.jar:$target/fester.jar" io.fester.cli.Main \
      run "$tree/build.ninja" --db "$work/db-$name" >"$work/out" 2>&1
    d=$(( ($(date +%s%N) - t) / 1000000 ))
    grep -q " up-to-date" "$work/out" || { echo "$name: not a no-op:" >&2; cat "$work/out" >&2; exit 1; }
    mark() { grep -m1 -F " $1 " "$log" | sed 's/^\[\([0-9.]*\)s\].*/\1/'; }
    printf '%-6s round %2d  wall %5d ms  classes %4d  main %s  stamps %s  h2 %s  loaded %s  opened %s  uptodate %s  writer %s  journal %s  last %s\n' \
      "$name" "$r" "$d" "$(wc -l <"$log")" "$(mark io.fester.cli.Main)" "$(mark io.fester.uptodate.Stamps)" \
      "$(mark org.h2.Driver)" \
      "$(mark 'io.fester.graph.NinjaLoader$Loaded')" "$(mark io.fester.timeline.AppendOnlyTrigger)" "$(mark io.fester.uptodate.UpToDate)" "$(mark io.fester.timeline.RunWriter)" \
      "$(mark 'io.fester.timeline.Journal$Noop')" \
      "$(tail -n 1 "$log" | sed 's/^\[\([0-9.]*\)s\].*/\1/')"
  done
done
