#!/usr/bin/env bash
# bench/cache-hits-local.sh — bench/cache-hits.sh (prep and push the same) with a `time` step for the warm
# local cache only, no shared store (docs/benchmarks.md, "New-JVM hits"):
#
#   bench/cache-hits-local.sh time W ROUNDS NAME=CLASSPATH…
#       per variant a warm `fester serve` on its warm local cache (warmed by one build), then ROUNDS rounds
#       of: ccache warm; per variant the warm local cache in a new JVM with the launcher's flags (C1, serial
#       GC: what `bin/fester run` uses), in a new JVM with the JVM's defaults, handed to the server; ccache
#       warm again. Figures are appended to W/results.txt, then each variant's `fester runs`.
set -euo pipefail
cmd=$1; w=$(realpath -m "$2"); shift 2
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
log() { echo "$*" | tee -a "$w/results.txt"; }
fresh() { rm -rf "$w/$1/build"; cp -a "$w/$1/configured" "$w/$1/build"; }
export FESTER_CACHE=on CCACHE_DIR="$w/ccache" FESTER_SERVE=off
JVM_OPTS=${JVM_OPTS:-}
unset FESTER_CACHE_DIR XDG_RUNTIME_DIR
s3() { # s3 CLASSPATH: starts s3proxy on a free port, exports its endpoint
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$w/s3data/bench"
  cat > "$w/s3.properties" <<P
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=BENCHKEY
s3proxy.credential=benchsecret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$w/s3data
jclouds.identity=x
jclouds.credential=x
P
  java -Xmx256m -cp "$1" org.gaul.s3proxy.Main --properties "$w/s3.properties" >"$w/s3.log" 2>&1 & s3pid=$!
  pids+=("$s3pid")
  for i in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
  export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=benchsecret AWS_ENDPOINT_URL=http://127.0.0.1:$port
}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
fester() { java -Duser.home="$1" -cp "$2" io.fester.cli.Main "${@:3}"; }
case $cmd in
prep)
  src=$(realpath "$1"); shift
  rm -rf "$w"; mkdir -p "$w"
  for t in a b c; do
    mkdir -p "$w/$t"; cp -a "$src" "$w/$t/src"
    extra=(); [ $t = c ] && extra=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
    cmake -G Ninja -S "$w/$t/src" -B "$w/$t/configured" "$@" "${extra[@]}" >/dev/null
  done
  fresh c; ninja -C "$w/c/build" -j2 >/dev/null
  fresh c; ninja -C "$w/c/build" -j2 >/dev/null # ccache warm (the second build is all hits)
  log "prepared $(date -u +%FT%TZ): $(ninja -C "$w/a/configured" -t commands | wc -l) commands" ;;
push)
  name=$1; cp=$2; s3 "$cp"
  rm -rf "$w/home-a-$name"; fresh a
  t=$(date +%s%N)
  fester "$w/home-a-$name" "$cp" run "$w/a/build/build.ninja" -j 2 --db "$w/db-push-$name" \
    --remote-cache "s3://bench/$name" > "$w/push-$name.out" 2>&1
  log "push $name: $(ms "$t") ms, $(tail -1 "$w/push-$name.out")" ;;
time)
  rounds=$1; shift
  names=(); declare -A cps
  for v in "$@"; do names+=("${v%%=*}"); cps[${v%%=*}]=${v#*=}; done
  C1="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Dfester.jit=c1"
  log "start $(date -u +%FT%TZ), $(uptime)"
  declare -A serve
  for n in "${names[@]}"; do
    cp=${cps[$n]}
    java -Duser.home="$w/home-a-$n" -cp "$cp" io.fester.cli.Main serve --db "$w/db-serve-$n" >"$w/serve-$n.log" 2>&1 &
    serve[$n]=$!; pids+=("$!")
  done
  for n in "${names[@]}"; do
    for h in "home-a-$n"; do
      for i in $(seq 300); do ls "$w/$h/.local/share/fester/run/"*.sock >/dev/null 2>&1 && break; sleep 0.2; done
    done
    cp=${cps[$n]}
    fresh a; FESTER_SERVE= fester "$w/home-a-$n" "$cp" run "$w/a/build/build.ninja" -j 2 --db "$w/db-serve-$n" >/dev/null 2>&1
    if [ -n "${FESTER_JFR:-}" ]; then
      mkdir -p "$FESTER_JFR"
      jcmd "${serve[$n]}" JFR.start name=b settings=profile >/dev/null
    fi
  done
  ccwarm() { fresh c; local t; t=$(date +%s%N); ninja -C "$w/c/build" -j2 >/dev/null; log "ccache warm: $(ms "$t") ms"; }
  one() { # one LABEL TREE HOME DB [ARGS…]
    local label=$1 tree=$2 home=$3 db=$4 t; shift 4
    fresh "$tree"; t=$(date +%s%N)
    java $JVM_OPTS -Duser.home="$w/$home" -cp "$cp" io.fester.cli.Main run "$w/$tree/build/build.ninja" -j 2 --db "$w/$db" "$@" >"$w/one.out" 2>&1 \
      || { log "$label FAILED"; cat "$w/one.out"; }
    log "$n $label: $(ms "$t") ms ($(grep -o '[0-9]* cached' "$w/one.out" | head -1))"
  }
  for r in $(seq "$rounds"); do
    log "round $r: $(uptime)"
    ccwarm
    for n in "${names[@]}"; do
      cp=${cps[$n]}
      JVM_OPTS=$C1 one local-c1 a "home-a-$n" "db-$n"
      JVM_OPTS= one local-default a "home-a-$n" "db-$n"
      FESTER_SERVE= one served a "home-a-$n" "db-serve-$n"
    done
    ccwarm
  done
  if [ -n "${FESTER_JFR:-}" ]; then
    for n in "${names[@]}"; do
      jcmd "${serve[$n]}" JFR.dump name=b filename="$FESTER_JFR/serve-$n.jfr" >/dev/null
    done
  fi
  for n in "${names[@]}"; do
    for db in "db-$n" "db-serve-$n"; do
      java -Duser.home="$w/home-none" -cp "${cps[$n]}" io.fester.cli.Main runs --db "$w/$db" 2>/dev/null | tail -n $((2 * rounds)) | tee -a "$w/results.txt"
    done
  done
  log "end $(date -u +%FT%TZ), $(uptime)" ;;
*) echo "usage: see the head of $0" >&2; exit 2 ;;
esac
