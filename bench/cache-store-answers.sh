#!/usr/bin/env bash
# bench/cache-store-answers.sh W PUSHED SCRATCH PKG… — does a shared store that bench/cache-hits.sh push filled still
# answer? For each launcher PKG (bin/fester, its jars and archive), one build of checkout b with an empty local cache
# against s3proxy serving a copy of W/s3data, and the count of cached actions (ADR 0112). Not timed: under /work/slot.
#
# Nothing under W is written. A RelWithDebInfo build's results are for its checkout's own path only (the objects
# embed it), so the build must run at W/b: a copy of W/b's sources and configured tree (in SCRATCH) is bound over
# W/b in a private mount namespace (unshare -m, as root), where the build directory is made from that copy.
# S3PROXY_CP: a class path with s3proxy (as cache-launcher.sh).
set -euo pipefail
w=$(realpath "$1"); pushed=$2; s=$(realpath -m "$3"); shift 3
: "${S3PROXY_CP:?set S3PROXY_CP to a class path with s3proxy}"
[ -d "$w/s3data/bench/$pushed/ac" ] || { echo "nothing pushed under $w/s3data/bench/$pushed" >&2; exit 1; }
[ -f "$w/s3.properties" ] || { echo "no $w/s3.properties: run bench/cache-launcher.sh hits on W first" >&2; exit 1; }
export FESTER_CACHE=on FESTER_SERVE=off
unset FESTER_CACHE_DIR XDG_RUNTIME_DIR JAVA_TOOL_OPTIONS
mkdir -p "$s"; rm -rf "$s/b"; mkdir -p "$s/b"; cp -a "$w/b/src" "$w/b/configured" "$s/b/"
sp=
trap '[ -z "$sp" ] || kill "$sp" 2>/dev/null || true' EXIT
for pkg in "$@"; do
  pkg=$(realpath "$pkg")
  rm -rf "$s/s3data" "$s/home" "$s/b/build" "$s/db".*; cp -a "$w/s3data" "$s/s3data"; mkdir -p "$s/home"
  port=$(python3 -c 'import socket; x=socket.socket(); x.bind(("127.0.0.1",0)); print(x.getsockname()[1])')
  # the tree's own s3proxy settings (cache-launcher.sh wrote them), on a new port and the copy
  sed -e "s#^s3proxy.endpoint=.*#s3proxy.endpoint=http://127.0.0.1:$port#" \
    -e "s#^jclouds.filesystem.basedir=.*#jclouds.filesystem.basedir=$s/s3data#" "$w/s3.properties" > "$s/s3.properties"
  java -Xmx256m -cp "$S3PROXY_CP" org.gaul.s3proxy.Main --properties "$s/s3.properties" >"$s/s3.log" 2>&1 & sp=$!
  up=
  for i in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { up=1; break; }; sleep 0.2; done
  [ -n "$up" ] || { echo "s3proxy did not answer on port $port within 30 s; its log:" >&2; cat "$s/s3.log" >&2; exit 1; }
  rc=0
  AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=benchsecret AWS_ENDPOINT_URL=http://127.0.0.1:$port \
    JAVA_TOOL_OPTIONS="-Duser.home=$s/home" FESTER_CACHE_DIR="$s/home/cache" \
    unshare -m bash -c 'set -e; mount --make-rprivate /; mount --bind "$1/b" "$2/b"; cp -a "$2/b/configured" "$2/b/build"
      exec "$3/bin/fester" run "$2/b/build/build.ninja" -j 2 --db "$1/db" --remote-cache "s3://bench/$4"' \
    _ "$s" "$w" "$pkg" "$pushed" >"$s/out.txt" 2>&1 || rc=$?
  echo "$pkg: exit $rc; $(grep -m1 'fester: build ' "$s/out.txt" || echo 'no summary line');" \
    "$(grep -m1 'cache layer' "$s/out.txt" || echo 'no layer failed')"
  kill "$sp"; wait "$sp" 2>/dev/null || true; sp=
done
