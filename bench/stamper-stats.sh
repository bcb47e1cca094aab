#!/usr/bin/env bash
# stamper-stats.sh FESTER CONFIGURED WORK — counts the Fester JVM's own stat-family system calls in one clean build
# of CONFIGURED (a configured, never-built CMake tree), with strace -f: threads that never exec'd are the JVM's (the
# compilers exec). A count, not a timing (strace slows the build several times): compare two packages' counts, one
# build each (ADR 0115: main 99,300). Run it under /work/slot.
set -u
F=$1; C=$2; W=$3
rm -rf "$W"; mkdir -p "$W"; cp -a "$C" "$W/tree"
FESTER_SERVE=off strace -f -qq -e trace=execve,statx,newfstatat,stat,lstat -o "$W/trace" \
  "$F" run "$W/tree/build.ninja" -j 2 --no-cache --db "$W/db" > "$W/out" 2>&1; echo "rc=$?"
python3 - "$W/trace" <<'PY'
import collections, re, sys
execed = set(); calls = collections.Counter()
for line in open(sys.argv[1]):
    m = re.match(r'(\d+)\s+(\w+)\(', line)
    if not m: continue
    pid, call = m.groups()
    if call == 'execve': execed.add(pid)
    else: calls[pid] += 1
print("stat-family calls by the JVM's threads:", sum(v for p, v in calls.items() if p not in execed),
      " by exec'd processes:", sum(v for p, v in calls.items() if p in execed))
PY
tail -1 "$W/out"
