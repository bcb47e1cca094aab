#!/usr/bin/env bash
# bench/cache-cpu-split.sh — the CPU of one shared-store build (447 hits): s3proxy's ticks (/proc/PID/stat) against
# Fester's user+sys (/usr/bin/time), base and new alternating twice; W, the variants and the class path are those of
# docs/benchmarks.md, "The launcher's own command" (not timed figures: run under /work/slot).
#   S3PROXY_CP=$(cat cp.txt) bench/cache-cpu-split.sh W PUSHED NAME=DIR…   (after cache-launcher.sh hits: its W/s3.properties)
set -euo pipefail
w=$(realpath "$1"); pushed=$2; shift 2
declare -A dirs; names=()
for v in "$@"; do names+=("${v%%=*}"); dirs[${v%%=*}]=$(realpath "${v#*=}"); done
export FESTER_CACHE=on FESTER_SERVE=off; unset XDG_RUNTIME_DIR
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s#^s3proxy.endpoint=.*#s3proxy.endpoint=http://127.0.0.1:$port#" $w/s3.properties > $w/s3cpu.properties
: "${S3PROXY_CP:?set S3PROXY_CP to a class path with s3proxy}"   # here, not in the background command (ADR 0112)
java -Xmx256m -cp "$S3PROXY_CP" org.gaul.s3proxy.Main --properties $w/s3cpu.properties >$w/s3cpu.log 2>&1 & sp=$!
trap 'kill $sp' EXIT
up=
for i in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { up=1; break; }; sleep 0.2; done
[ -n "$up" ] || { echo "s3proxy did not answer on port $port within 30 s; its log:" >&2; cat $w/s3cpu.log >&2; exit 1; }
export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=benchsecret AWS_ENDPOINT_URL=http://127.0.0.1:$port
ticks() { awk '{print $14+$15}' /proc/$sp/stat; }
for r in 1 2; do for v in "${names[@]}"; do
  rm -rf $w/b/build; cp -a $w/b/configured $w/b/build; rm -rf $w/home-cpu
  t0=$(ticks)
  /usr/bin/time -f "%e s wall, %U user %S sys" -o $w/time.out env JAVA_TOOL_OPTIONS=-Duser.home=$w/home-cpu FESTER_CACHE_DIR=$w/home-cpu/.local/share/fester/cache \
    "${dirs[$v]}/bin/fester" run $w/b/build/build.ninja -j 2 --db $w/db-cpu-$v --remote-cache "s3://bench/$pushed" > $w/cpu.out 2>&1
  t1=$(ticks)
  echo "$v: fester $(cat $w/time.out); s3proxy $(( (t1 - t0) ))0 ms cpu; $(grep -o '[0-9]* cached' $w/cpu.out | head -1)"
done; done
