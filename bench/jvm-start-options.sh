#!/usr/bin/env bash
# jvm-start-options.sh PKG WORK TREE ROUNDS VARIANT… — the cold no-op (bench/cold-noop-pair.sh) under JVM start
# options (ADR 0119), against PKG/bin/fester (a package made as the brief's
# "Measuring against main": bin/, target/fester.jar, fester-client.jar and its own fester.jsa) in one go, in one
# order and then in the reverse order (ROUNDS 0: only make the archives and launchers, e.g. through /work/slot
# before the timed call). WORK: a scratch directory for the archives and the variant launchers
# (made once, reused when there). Each variant is a launcher that starts a `run` as bin/fester starts a terminal
# command (C1, no perf data, -Dfester.jit=c1, FESTER_SERVE=off) with:
#   dynser   PKG's dynamic archive and the serial collector: bin/fester's own JVM line (the wrapper's cost)
#   dyng1    PKG's dynamic archive, G1 with one parallel and one concurrent GC thread
#   stser    a static archive (the training's class list, JDK and Fester classes in one, dumped under G1 so it
#            carries the archived heap objects), the serial collector (which ignores them)
#   stg1     that static archive, G1 as dyng1 (maps them: "full module graph: enabled")
#   thp      dynser with -XX:+UseTransparentHugePages
#   ci1      dynser with -XX:CICompilerCount=1
#   cts      dynser with -XX:CompileThresholdScaling=0.5
#   aot25s   JDK 25 (JDK25, default /usr/lib/jvm/temurin-25-jdk-amd64) with an AOT cache from the same training
#            (-XX:AOTCacheOutput, JEP 483/514), the serial collector: for the planners, not shipped
#   aot25g   the same under G1 as dyng1
#   aot25t   aot25s with -XX:+UseTransparentHugePages
set -eu
pkg=$(cd "$1" && pwd -P); work=$2; tree=$3; rounds=$4; shift 4
jdk25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
mkdir -p "$work/static/target" "$work/aot/target" "$work/bin"
work=$(cd "$work" && pwd -P)
cp="target/fester-client.jar:target/fester.jar"
st=$work/static
if [ ! -f "$st/target/fester.jsa" ]; then
  cp "$pkg"/target/fester.jar "$pkg"/target/fester-client.jar "$st/target/"
  rm -rf "$work/train"
  FESTER_CACHE_DIR=$work/train/cache "$java" -XX:DumpLoadedClassList="$st/target/fester.classlist" \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dfester.jit=c1 -cp "$st/${cp//:/:$st/}" io.fester.cli.CdsTraining \
    "$work/train/t" >/dev/null
  "$java" -Xshare:dump -XX:+UseG1GC -XX:SharedClassListFile="$st/target/fester.classlist" \
    -XX:SharedArchiveFile="$st/target/fester.jsa" -Xlog:cds=off -cp "$st/${cp//:/:$st/}" >/dev/null
fi
aot=$work/aot
if [ ! -f "$aot/target/fester.aot" ] && [ -x "$jdk25/bin/java" ]; then
  cp "$pkg"/target/fester.jar "$pkg"/target/fester-client.jar "$aot/target/"
  rm -rf "$work/train"
  FESTER_CACHE_DIR=$work/train/cache "$jdk25/bin/java" -XX:AOTCacheOutput="$aot/target/fester.aot" \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Dfester.jit=c1 -cp "$aot/${cp//:/:$aot/}" \
    io.fester.cli.CdsTraining "$work/train/t" >/dev/null 2>"$work/aot-training.err" || :
fi
aotok=1
if [ ! -f "$aot/target/fester.aot" ]; then
  # no cache (no JDK 25 there, or its training failed): no aot25 launcher, which would run without any cache
  aotok=
  rm -f "$work"/bin/aot25*
  echo "jvm-start-options: no AOT cache $aot/target/fester.aot (JDK25=$jdk25; the training's errors:" \
    "$work/aot-training.err): no aot25 variants" >&2
  for v in "$@"; do case $v in aot25*) exit 1 ;; esac; done
fi
rm -rf "$work/train"
term="-XX:TieredStopAtLevel=1 -XX:-UsePerfData -Dfester.jit=c1"
g1="-XX:+UseG1GC -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1"
variant() { # NAME JAVA ROOT SHARE OPTIONS…
  local name=$1 j=$2 root=$3 share=$4; shift 4
  printf '#!/bin/sh\nexec %s %s -Xlog:cds=off -Xlog:cds+dynamic=off %s -cp %s io.fester.cli.Main "$@"\n' \
    "$j" "$share" "$*" "$root/${cp//:/:$root/}" >"$work/bin/$name"
  chmod +x "$work/bin/$name"
}
dyn="-XX:SharedArchiveFile=$pkg/target/fester.jsa -Xshare:auto"
sta="-XX:SharedArchiveFile=$st/target/fester.jsa -Xshare:auto"
variant dynser "$java" "$pkg" "$dyn" "$term -XX:+UseSerialGC"
variant dyng1 "$java" "$pkg" "$dyn" "$term $g1"
variant stser "$java" "$st" "$sta" "$term -XX:+UseSerialGC"
variant stg1 "$java" "$st" "$sta" "$term $g1"
variant thp "$java" "$pkg" "$dyn" "$term -XX:+UseSerialGC -XX:+UseTransparentHugePages"
variant ci1 "$java" "$pkg" "$dyn" "$term -XX:+UseSerialGC -XX:CICompilerCount=1"
variant cts "$java" "$pkg" "$dyn" "$term -XX:+UseSerialGC -XX:CompileThresholdScaling=0.5"
if [ -n "$aotok" ]; then
  variant aot25s "$jdk25/bin/java" "$aot" "-XX:AOTCache=$aot/target/fester.aot" "$term -XX:+UseSerialGC"
  variant aot25g "$jdk25/bin/java" "$aot" "-XX:AOTCache=$aot/target/fester.aot" "$term $g1"
  variant aot25t "$jdk25/bin/java" "$aot" "-XX:AOTCache=$aot/target/fester.aot" "$term -XX:+UseSerialGC -XX:+UseTransparentHugePages"
fi
[ "$rounds" -gt 0 ] || exit 0
args=(main="$pkg/bin/fester")
for v in "$@"; do args+=("$v=$work/bin/$v"); done
here=$(dirname "$0")
echo "== order A $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
"$here/cold-noop-pair.sh" "$tree" "$rounds" "${args[@]}"
rev=(); for a in "${args[@]}"; do rev=("$a" "${rev[@]}"); done
echo "== order B $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
"$here/cold-noop-pair.sh" "$tree" "$rounds" "${rev[@]}"
echo "== end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
