#!/usr/bin/env bash
# clean-noop-header.sh FESTER WORK — a clean libuv build, a no-op, an edited header and a rebuild of its dependants,
# then a no-op again, each checked against ninja's dry run (ADR 0115). Not timed: run it under /work/slot.
# WORK gets a copy of libuv's sources (so a header can be edited) and its own CMake tree.
set -u
F=$1; W=$2
rm -rf "$W/src" "$W/tree" "$W"/db*
mkdir -p "$W"
cp -a /tmp/src/libuv1 "$W/src"
cmake -S "$W/src" -B "$W/tree" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
export FESTER_SERVE=off
echo "== clean"; "$F" run "$W/tree/build.ninja" -j 2 --no-cache --db "$W/db" 2>&1 | tail -2 | head -1
echo "== no-op"; "$F" run "$W/tree/build.ninja" -j 2 --no-cache --db "$W/db" 2>&1 | tail -2 | head -1
echo "== ninja -n"; ninja -C "$W/tree" -n | tail -1
echo "// edited" >> "$W/src/src/unix/internal.h"
ninja -C "$W/tree" -n | grep -o 'Building C object .*' | sed 's/Building C object //' | sort > "$W/expected.txt"
echo "== edited src/unix/internal.h: ninja would compile $(wc -l < "$W/expected.txt")"
"$F" run "$W/tree/build.ninja" -j 2 --no-cache --db "$W/db" 2>&1 | tail -2 | head -1
"$F" events --db "$W/db" last | python3 -c '
import json, sys
ran = sorted(set(e["action"] for e in map(json.loads, sys.stdin) if e.get("type") == "exit"))
expected = open(sys.argv[1]).read().split()
objects = [a for a in ran if a.endswith(".o")]
print("ran %d: %d compiles (%s ninja'"'"'s list), the rest: %s" % (len(ran), len(objects),
      "same as" if objects == expected else "NOT", " ".join(a for a in ran if not a.endswith(".o"))))' "$W/expected.txt"
echo "== no-op again"; "$F" run "$W/tree/build.ninja" -j 2 --no-cache --db "$W/db" 2>&1 | tail -2 | head -1
ninja -C "$W/tree" -n | tail -1
