#!/usr/bin/env bash
# setup.sh TREE WORK FESTER — makes everything bench/noop-floor/pair.sh times, untimed (run it under /work/slot):
# NoopFloor.java compiled into WORK/noop-floor.jar; its proof of TREE (WORK/proof, `NoopFloor prepare`); an AppCDS
# archive each for the floor's check and for the empty main (-XX:ArchiveClassesAtExit over one run, with the
# flags they are timed with); the launchers WORK/floor and WORK/empty, which exec java with the flags bin/fester
# gives a terminal `run` (its archive, -Xshare:auto, C1 only, the serial collector, no perf data, and
# -XX:+UseTransparentHugePages where THP's mode is madvise); a database WORK/db in which FESTER (a bin/fester)
# has run TREE twice. Then, from one more run of each with -Xlog:class+load, how many classes each loads and from
# where. TREE must be up to date (ninja -C TREE says "no work to do"); FESTER_SERVE=off throughout.
set -eu
tree=$(cd "$1" && pwd -P); work=$2; fester=$3
here=$(cd "$(dirname "$0")" && pwd -P)
mkdir -p "$work"; work=$(cd "$work" && pwd -P)
ninja -C "$tree" | grep -q "no work to do" || { echo "setup: $tree is not up to date: run ninja -C $tree first" >&2; exit 1; }
rm -rf "$work/classes" "$work"/*.jsa "$work/journal" "$work/train-journal" "$work/db"*
# -XDstringConcat=inline as Fester is built (pom.xml): with invokedynamic concatenation the check spins ~40
# method-handle classes at run time that no archive holds
javac -XDstringConcat=inline -d "$work/classes" "$here/NoopFloor.java"
jar --create --file "$work/noop-floor.jar" -C "$work/classes" .
java -cp "$work/noop-floor.jar" NoopFloor prepare "$tree" "$work/proof"
thp=
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
  read -r thp </sys/kernel/mm/transparent_hugepage/enabled || :
  case $thp in *"[madvise]"*) thp=-XX:+UseTransparentHugePages ;; *) thp= ;; esac
fi
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData $thp"
for name in floor empty; do
  main=NoopFloor; [ $name = floor ] || main=EmptyMain
  args=; [ $name = empty ] || args="check $tree $work/proof $work/train-journal"
  # shellcheck disable=SC2086
  java -XX:ArchiveClassesAtExit="$work/$name.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off $flags \
    -cp "$work/noop-floor.jar" $main $args >/dev/null
  printf '#!/bin/sh\nexec java -XX:SharedArchiveFile=%s -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off %s -cp %s %s "$@"\n' \
    "$work/$name.jsa" "$flags" "$work/noop-floor.jar" $main >"$work/$name"
  chmod +x "$work/$name"
done
for _ in 1 2; do FESTER_SERVE=off "$fester" run "$tree/build.ninja" --db "$work/db" >/dev/null 2>&1; done
"$work/floor" check "$tree" "$work/proof" "$work/journal" | grep -q " up-to-date" \
  || { echo "setup: the floor's check does not find $tree up to date after Fester's runs" >&2; exit 1; }
echo "flags: $flags"
count() { # NAME LOG
  printf '%-6s %5d classes loaded, %5d from the archives (shared objects file)\n' "$1" \
    "$(grep -c ' source: ' "$2")" "$(grep -c 'source: shared objects file' "$2")"
}
JAVA_TOOL_OPTIONS="-Xlog:class+load:file=$work/empty.classes" "$work/empty" 2>/dev/null; count empty "$work/empty.classes"
JAVA_TOOL_OPTIONS="-Xlog:class+load:file=$work/floor.classes" "$work/floor" check "$tree" "$work/proof" "$work/journal" >/dev/null 2>&1
count floor "$work/floor.classes"
JAVA_TOOL_OPTIONS="-Xlog:class+load:file=$work/base.classes" FESTER_SERVE=off "$fester" run "$tree/build.ninja" --db "$work/db" >/dev/null 2>&1
count fester "$work/base.classes"
