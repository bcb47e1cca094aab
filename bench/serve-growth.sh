#!/usr/bin/env bash
# serve-growth.sh RUNS FESTER [WORK] — the timeline database's size while one `fester serve` holds it open: db-growth.sh's
# synthetic 447-action build.ninja (440 one-line "compiles", 7 links), a clean build RUNS times, each handed by
# `fester run` to the server (docs/benchmarks.md, "A served timeline's growth", ADR 0134). FESTER is a launcher
# (bin/fester). The server gets a HOME and an XDG_RUNTIME_DIR of its own (its socket's directory), so no other
# engineer's server is reached. Prints, per build: its number, whether the server ran it ("handed": the server's log
# has one more "exit" line), the file's bytes, and H2's own figures for the open file read through the server
# (info.FILE_SIZE, info.CHUNKS_FILL_RATE, info.CHUNK_COUNT); then the server's log (each build's time, each
# compaction between builds with its time), the file's size after the server stopped, and the size of a copy of it
# compacted by H2 (SHUTDOWN COMPACT): about what the runs' live data take. WORK (default: a temporary directory,
# removed) keeps the files. The sizes depend on the builds' time (H2 appends a chunk per write delay), so compare
# only series run under the same conditions; the times in the server's log are only under /work/quiet. A size is
# read as the build's exit code comes back, when the server starts its compaction: either side of it.
set -eu
runs=$1; fester=$2; work=${3:-}
if [ -z "$work" ]; then work=$(mktemp -d); trap 'kill "$spid" 2>/dev/null || true; rm -rf "$work"' EXIT
else rm -rf "$work"; mkdir -p "$work"; trap 'kill "$spid" 2>/dev/null || true' EXIT; fi
spid=
jar=$(cd "$(dirname "$fester")/.." && pwd)/target/fester.jar
"$(dirname "$0")/synthetic-447.sh" "$work/src"
export HOME=$work/home XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
unset FESTER_SERVE
h2() { # one query through the server (AUTO_SERVER): a session of its own, gone before the next build
  java -cp "$jar" org.h2.tools.Shell -url "jdbc:h2:file:$work/db;AUTO_SERVER=TRUE" -user fester -password "" \
      -sql "SELECT SETTING_NAME, SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME IN
            ('info.FILE_SIZE', 'info.CHUNKS_FILL_RATE', 'info.CHUNK_COUNT') ORDER BY SETTING_NAME" 2>&1 \
    | awk '/^info\./ { printf "%s=%s ", substr($1, 6), $3 }'
}
"$fester" serve --db "$work/db" >"$work/serve.out" 2>&1 & spid=$!
for i in $(seq 100); do grep -q 'serving' "$work/serve.out" 2>/dev/null && break; sleep 0.2; done
grep -q 'serving' "$work/serve.out" || { cat "$work/serve.out" >&2; exit 1; }
for r in $(seq "$runs"); do
  before=$(grep -c ': exit ' "$work/serve.out" || true)
  rm -rf "$work/tree"; cp -a "$work/src" "$work/tree"
  ( cd "$work/tree" && "$fester" run build.ninja -j 2 --no-cache --db "$work/db" >"$work/out" 2>&1 ) \
      || { tail -5 "$work/out" >&2; exit 1; }
  after=$(grep -c ': exit ' "$work/serve.out" || true)
  [ "$after" -gt "$before" ] && handed=handed || handed=NOT-handed
  echo "$r $handed $(stat -c %s "$work/db.mv.db") $(h2)"
done
kill -TERM "$spid"; wait "$spid" || true; spid= # not INT: a background job of a script ignores it
sed "s/^/server: /" "$work/serve.out" # a line per build with its time, and each compaction with its own
echo "after the server stopped $(stat -c %s "$work/db.mv.db")"
cp "$work/db.mv.db" "$work/copy.mv.db"
java -cp "$jar" org.h2.tools.Shell -url "jdbc:h2:file:$work/copy" -user fester -password "" -sql "SHUTDOWN COMPACT" \
    >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; exit 1; }
echo "compacted $(stat -c %s "$work/copy.mv.db")"
