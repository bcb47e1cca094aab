#!/usr/bin/env bash
# h2-compact-kill.sh FILE.mv.db FESTER_JAR — a served timeline's compaction between builds (ADR 0134) killed -9 part
# way: for each delay, a copy of FILE is opened with Fester's URL options and compacted (SHUTDOWN COMPACT, as
# TimelineStore.compactWhileOpen does) by a JVM killed that long after it opened the file; the copy is then opened
# again and its runs, event pages and events' characters counted against the original's. Prints SAME or DIFFERENT
# per delay. Not a timing: run it under /work/slot.
set -eu
src=$1; jar=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
javac -d "$work" -cp "$jar" "$(dirname "$0")/h2-compact-kill/K.java"
cp "$src" "$work/orig.mv.db"; ref=$(java -cp "$jar:$work" K "$work/orig" check)
echo "original: runs, pages, characters $ref"
for d in 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.5 0.6; do
  rm -f "$work"/k.*; cp "$src" "$work/k.mv.db"; : > "$work/k.out"
  java -cp "$jar:$work" K "$work/k" compact > "$work/k.out" 2>&1 & p=$!
  while ! grep -q open "$work/k.out"; do sleep 0.01; done
  sleep "$d"; kill -9 "$p" 2>/dev/null && state=killed || state=finished; wait "$p" 2>/dev/null || true
  left=$(cd "$work" && ls k.* | grep -v k.out | tr '\n' ' ')
  got=$(java -cp "$jar:$work" K "$work/k" check 2>&1 | tail -1)
  echo "delay $d s: $state, left $left-> $got $([ "$got" = "$ref" ] && echo SAME || echo DIFFERENT)"
done
