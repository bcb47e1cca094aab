#!/usr/bin/env bash
# bench/cache-launcher.sh — issue 12's three speed targets measured with the command a user types: bin/fester
# (its jars, its class-data archive, its C1 flags), a new process per build, against ccache's warm rebuild, base
# and new in the same go (docs/benchmarks.md, "The launcher's own command", ADRs 0095, 0096). W is a tree
# prepared by bench/cache-hits.sh prep and push (a warm local cache in W/home-a-PUSHED, the store's prefix
# s3://bench/PUSHED filled by checkout a); each variant is a directory holding bin/fester and target/fester.jar,
# target/fester-client.jar, target/fester.jsa (a copy of a built tree: `bin/fester --cds-archive` made its archive).
#
#   bench/cache-launcher.sh hits W ROUNDS PUSHED NAME=DIR…
#       s3proxy on W/s3data; one shared build of checkout b per variant first (its links, which miss, are pushed:
#       every timed build then sees the same store); then ROUNDS rounds of: ccache warm; per variant (the order
#       turned round each round) the warm local cache of checkout a (a copy of W/home-a-PUSHED's cache per
#       variant), the shared store with an empty local cache (checkout b); ccache warm again.
#   bench/cache-launcher.sh miss W ROUNDS NAME=DIR
#       ROUNDS rounds of: checkout a cleaned, built with an empty local cache (every lookup misses, every result
#       is stored) and with --no-cache, in turn (the order turned round each round); ccache hidden from the PATH
#       (Fester runs the compiles that miss its cache under ccache when it is there, ADR 0025): the cache's
#       lookups and stores alone.
#
# OFFSET=1 turns every round's order round (the second call of a pair starts where the first left off).
# Each build starts from a fresh copy of its configured tree. Figures are appended to W/results.txt with the
# machine's uptime before each round; then each variant's `fester runs` (in-run durations).
set -euo pipefail
cmd=$1; w=$(realpath -m "$2"); rounds=$3; shift 3
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
log() { echo "$*" | tee -a "$w/results.txt"; }
fresh() { rm -rf "$w/$1/build"; cp -a "$w/$1/configured" "$w/$1/build"; }
export FESTER_CACHE=on CCACHE_DIR="$w/ccache" FESTER_SERVE=off
unset FESTER_CACHE_DIR XDG_RUNTIME_DIR JAVA_TOOL_OPTIONS
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
# fester DIR HOME ARGS…: the variant's launcher, as typed, with its own home (user.home) and cache
fester() { local dir=$1 home=$2; shift 2
  JAVA_TOOL_OPTIONS="-Duser.home=$home" FESTER_CACHE_DIR="$home/.local/share/fester/cache" "$dir/bin/fester" "$@"; }
one() { # one NAME DIR LABEL TREE HOME DB [ARGS…]
  local n=$1 dir=$2 label=$3 tree=$4 home=$5 db=$6 t; shift 6
  fresh "$tree"; t=$(date +%s%N)
  fester "$dir" "$w/$home" run "$w/$tree/build/build.ninja" -j 2 --db "$w/$db" "$@" >"$w/one.out" 2>&1 \
    || { log "$n $label FAILED"; cat "$w/one.out"; }
  log "$n $label: $(ms "$t") ms ($(grep -o '[0-9]* cached' "$w/one.out" | head -1))"
  # a layer that failed is said once by Fester; a build timed without its store is not what the line claims
  if grep -q "^fester: the cache layer .* failed" "$w/one.out"; then
    log "  ^ without a layer: $(grep -m1 "^fester: the cache layer .* failed" "$w/one.out")"
  fi
}
ccwarm() { fresh c; local t; t=$(date +%s%N); ninja -C "$w/c/build" -j2 >/dev/null; log "ccache warm: $(ms "$t") ms"; }
names=(); declare -A dirs
case $cmd in
hits)
  pushed=$1; shift
  for v in "$@"; do names+=("${v%%=*}"); dirs[${v%%=*}]=$(realpath "${v#*=}"); done
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
  # checked here, not in the background command's words: an unset S3PROXY_CP there ends only that subshell, and
  # every shared build then goes on without the store (refused connections), a miss throughout (ADR 0112)
  : "${S3PROXY_CP:?set S3PROXY_CP to a class path with s3proxy}"
  [ -d "$w/s3data/bench/$pushed/ac" ] || { echo "nothing pushed under $w/s3data/bench/$pushed: run bench/cache-hits.sh push first" >&2; exit 1; }
  java -Xmx256m -cp "$S3PROXY_CP" org.gaul.s3proxy.Main --properties "$w/s3.properties" >"$w/s3.log" 2>&1 & pids+=("$!")
  up=
  for i in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { up=1; break; }; sleep 0.2; done
  [ -n "$up" ] || { echo "s3proxy did not answer on port $port within 30 s; its log:" >&2; cat "$w/s3.log" >&2; exit 1; }
  export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=benchsecret AWS_ENDPOINT_URL=http://127.0.0.1:$port
  log "hits start $(date -u +%FT%TZ), $(uptime)"
  for n in "${names[@]}"; do
    rm -rf "$w/home-l-$n"; mkdir -p "$w/home-l-$n/.local/share/fester"
    cp -a "$w/home-a-$pushed/.local/share/fester/cache" "$w/home-l-$n/.local/share/fester/"
    rm -rf "$w/home-w-$n"; one "$n" "${dirs[$n]}" warmup-shared b "home-w-$n" "db-l-$n" --remote-cache "s3://bench/$pushed"
  done
  for r in $(seq "$rounds"); do
    log "round $r: $(uptime)"
    ccwarm
    order=("${names[@]}")
    if [ $(((r + ${OFFSET:-0}) % 2)) = 0 ]; then order=(); for ((i=${#names[@]}-1; i>=0; i--)); do order+=("${names[$i]}"); done; fi
    for n in "${order[@]}"; do
      one "$n" "${dirs[$n]}" local a "home-l-$n" "db-l-$n"
      rm -rf "$w/home-s-$n"; one "$n" "${dirs[$n]}" shared b "home-s-$n" "db-l-$n" --remote-cache "s3://bench/$pushed"
    done
    ccwarm
  done ;;
miss)
  for v in "$@"; do names+=("${v%%=*}"); dirs[${v%%=*}]=$(realpath "${v#*=}"); done
  mkdir -p "$w/nocc"; for f in /usr/bin/*; do [ "${f##*/}" = ccache ] || ln -sf "$f" "$w/nocc/"; done
  log "miss start $(date -u +%FT%TZ), $(uptime)"
  for r in $(seq "$rounds"); do
    log "round $r: $(uptime)"
    for n in "${names[@]}"; do
      if [ $(((r + ${OFFSET:-0}) % 2)) = 1 ]; then steps=(cache nocache); else steps=(nocache cache); fi
      for s in "${steps[@]}"; do
        rm -rf "$w/home-m-$n"
        if [ "$s" = cache ]; then PATH="$w/nocc" one "$n" "${dirs[$n]}" all-miss a "home-m-$n" "db-m-$n"
        else PATH="$w/nocc" one "$n" "${dirs[$n]}" no-cache a "home-m-$n" "db-m-$n" --no-cache; fi
      done
    done
  done ;;
*) echo "usage: see the head of $0" >&2; exit 2 ;;
esac
for n in "${names[@]}"; do
  for db in "db-l-$n" "db-m-$n"; do
    [ -f "$w/$db.mv.db" ] || continue
    log "$n $db:"
    fester "${dirs[$n]}" "$w/home-none" runs --db "$w/$db" 2>/dev/null | tail -n $((2 * rounds + 1)) | tee -a "$w/results.txt"
  done
done
log "end $(date -u +%FT%TZ), $(uptime)"
