#!/usr/bin/env bash
# bench/cache-speed.sh SRC CLASSPATH [ROUNDS] — the action cache's speed targets (issue 12), in one go, paired:
#   1. all-miss overhead: Fester --no-cache vs Fester with an empty local cache (every lookup misses, every
#      result is stored), alternated ROUNDS times on the same checkout;
#   2. warm local cache vs ccache's warm rebuild, alternated ROUNDS times;
#   3. a second checkout (another path) with an empty local cache from the shared store (s3proxy on
#      loopback) vs ccache's warm rebuild, alternated ROUNDS times;
#   and ninja's clean build once per round for scale.
# SRC: an unpacked CMake tree (libuv1: apt-get source libuv1), configured Release, BUILD_TESTING=OFF, -j2.
# CLASSPATH: target/classes plus the test class path (s3proxy), e.g.
#   ./mvnw -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt
#   bench/cache-speed.sh /tmp/libuv target/classes:$(cat cp.txt) 3
# Each build starts from a fresh copy of its configured tree and runs in a new JVM (as a user runs it).
# SERVE=1 also times the two cached builds handed to a running 'fester serve' (ADR 0054; a server per home,
# each warmed by one build first): the warm local cache, and the shared store with the server's local
# cache emptied before each build.
# JFR: FESTER_JFR=DIR records each Fester build into DIR/NAME.jfr.
set -euo pipefail
src=$(realpath "$1"); cp=$2; rounds=${3:-3}
w=$(mktemp -d /tmp/cache-speed.XXXXXX); cd "$w"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
fester() { # fester HOME NAME args…
  local jfr=()
  if [ -n "${FESTER_JFR:-}" ]; then mkdir -p "$FESTER_JFR"; jfr=(-XX:StartFlightRecording=filename=$FESTER_JFR/$2.jfr,settings=profile); fi
  "${java:-java}" "${jfr[@]}" -Duser.home="$1" -cp "$cp" io.fester.cli.Main "${@:3}"
}
conf() { mkdir -p "$1"; cp -a "$src" "$1/src"
  cmake -G Ninja -S "$1/src" -B "$1/configured" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF "${@:2}" >/dev/null; }
fresh() { rm -rf "$1/build"; cp -a "$1/configured" "$1/build"; }
log() { echo "$*" | tee -a "$w/results.txt"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p s3data/bench
cat > s3.properties <<P
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=BENCHKEY
s3proxy.credential=benchsecret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$w/s3data
jclouds.identity=x
jclouds.credential=x
P
java -Xmx256m -cp "$cp" org.gaul.s3proxy.Main --properties s3.properties >s3.log 2>&1 & s3pid=$!
trap 'kill $s3pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$w"' EXIT
for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=benchsecret AWS_ENDPOINT_URL=http://127.0.0.1:$port
export FESTER_CACHE=on CCACHE_DIR="$w/ccache"
unset FESTER_CACHE_DIR XDG_RUNTIME_DIR
# a new JVM per build unless a step says otherwise (SERVE=1 adds builds handed to a running 'fester serve')
export FESTER_SERVE=off
conf a; conf b; conf c -DCMAKE_C_COMPILER_LAUNCHER=ccache
remote=(--remote-cache s3://bench/libuv)
log "start $(date -u +%FT%TZ), $(uptime)"
# warm-ups: ccache (C), the store (A pushes to it), the local cache (A's home)
fresh c; ninja -C c/build -j2 >/dev/null
fresh a; fester "$w/home-a" push run a/build/build.ninja -j 2 --db "$w/db" "${remote[@]}" >/dev/null 2>&1
# a PATH without ccache: Fester runs the compiles that miss its cache under ccache when ccache is on the PATH
# (ADR 0025); with it hidden, an all-miss build measures the lookups and stores alone
mkdir -p nocc; for f in /usr/bin/*; do [ "${f##*/}" = ccache ] || ln -s "$f" nocc/; done
java=$(command -v java)
nocache() { fresh a; t=$(date +%s%N); fester "$w/home-none" nocache-$r run a/build/build.ninja -j 2 --db "$w/db" --no-cache >/dev/null 2>&1
  log "fester --no-cache clean: $(ms "$t") ms"; }
miss() { rm -rf "$w/home-miss"; fresh a; t=$(date +%s%N)
  PATH="$w/nocc" fester "$w/home-miss" miss-$r run a/build/build.ninja -j 2 --db "$w/db" >/dev/null 2>&1
  log "fester empty local cache (all miss, ccache hidden): $(ms "$t") ms"; }
missccache() { rm -rf "$w/home-missc"; fresh a; t=$(date +%s%N)
  fester "$w/home-missc" missc-$r run a/build/build.ninja -j 2 --db "$w/db" >/dev/null 2>&1
  log "fester empty local cache (all miss, misses under a cold ccache): $(ms "$t") ms"; }
ccwarm() { fresh c; t=$(date +%s%N); ninja -C c/build -j2 >/dev/null; log "ccache warm: $(ms "$t") ms"; }
warm() { fresh a; t=$(date +%s%N); fester "$w/home-a" local-$r run a/build/build.ninja -j 2 --db "$w/db" >"$w/local.out" 2>&1
  log "fester warm local cache: $(ms "$t") ms ($(grep -o '[0-9]* cached' "$w/local.out" | head -1))"; }
shared() { rm -rf "$w/home-b"; fresh b; t=$(date +%s%N)
  fester "$w/home-b" shared-$r run b/build/build.ninja -j 2 --db "$w/db" "${remote[@]}" >"$w/shared.out" 2>&1
  log "fester shared store, empty local cache, other checkout: $(ms "$t") ms ($(grep -o '[0-9]* cached' "$w/shared.out" | head -1))"; }
servepid= servepid2=
if [ -n "${SERVE:-}" ]; then # a warm server (ADR 0054) with A's home: its local cache is the warm one
  FESTER_SERVE= "${java:-java}" -Duser.home="$w/home-a" -cp "$cp" io.fester.cli.Main serve --db "$w/db-serve" >serve.log 2>&1 & servepid=$!
  trap 'kill $s3pid $servepid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$w"' EXIT
  for i in $(seq 300); do ls "$w/home-a/.local/share/fester/run/"*.sock >/dev/null 2>&1 && break; sleep 0.2; done
  fresh a; FESTER_SERVE= fester "$w/home-a" serve-warmup run a/build/build.ninja -j 2 --db "$w/db-serve" >/dev/null 2>&1
  # a second server for the shared store: its local cache (under home-s) is emptied before each of its builds
  FESTER_SERVE= "${java:-java}" -Duser.home="$w/home-s" -cp "$cp" io.fester.cli.Main serve --db "$w/db-serve2" >serve2.log 2>&1 & servepid2=$!
  trap 'kill $s3pid $servepid $servepid2 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$w"' EXIT
  for i in $(seq 300); do ls "$w/home-s/.local/share/fester/run/"*.sock >/dev/null 2>&1 && break; sleep 0.2; done
  fresh b; FESTER_SERVE= fester "$w/home-s" serve-warmup2 run b/build/build.ninja -j 2 --db "$w/db-serve2" "${remote[@]}" >/dev/null 2>&1
fi
served() { [ -n "$servepid" ] || return 0
  fresh a; t=$(date +%s%N); FESTER_SERVE= fester "$w/home-a" served-$r run a/build/build.ninja -j 2 --db "$w/db-serve" >"$w/served.out" 2>&1
  log "fester warm local cache, handed to 'fester serve': $(ms "$t") ms ($(grep -o '[0-9]* cached' "$w/served.out" | head -1))"; }
servedshared() { [ -n "$servepid" ] || return 0
  rm -rf "$w/home-s/.local/share/fester/cache"; fresh b; t=$(date +%s%N)
  FESTER_SERVE= fester "$w/home-s" servedshared-$r run b/build/build.ninja -j 2 --db "$w/db-serve2" "${remote[@]}" >"$w/served.out" 2>&1
  log "fester shared store, empty local cache, other checkout, handed to 'fester serve': $(ms "$t") ms ($(grep -o '[0-9]* cached' "$w/served.out" | head -1))"; }
for r in $(seq "$rounds"); do
  log "round $r: $(uptime)"
  fresh a; t=$(date +%s%N); ninja -C a/build -j2 >/dev/null; log "ninja clean: $(ms "$t") ms"
  # each pair alternates its order from round to round
  if [ $((r % 2)) = 1 ]; then nocache; miss; missccache; ccwarm; warm; ccwarm; shared; served; ccwarm; servedshared
  else missccache; miss; nocache; warm; ccwarm; shared; ccwarm; served; servedshared; ccwarm; fi
done
fester "$w/home-none" runs runs --db "$w/db" 2>/dev/null | tee -a "$w/results.txt"
[ -z "$servepid" ] || fester "$w/home-none" runs runs --db "$w/db-serve" 2>/dev/null | tee -a "$w/results.txt"
[ -z "$servepid" ] || fester "$w/home-none" runs runs --db "$w/db-serve2" 2>/dev/null | tee -a "$w/results.txt"
log "end $(date -u +%FT%TZ), $(uptime)"
cat "$w/results.txt" > "${OUT:-/dev/null}"
