#!/usr/bin/env bash
# bench/cache-miss-cpu.sh prepare|time|sum — the action cache's cost on a build that misses everything (issue 12's
# "< 3 % of the clean build"), measured as the CPU of the whole process tree as well as wall clock, in many short
# ABBA pairs (docs/benchmarks.md, "The all-miss overhead in CPU, ABBA pairs", ADR 0103).
#
#   bench/cache-miss-cpu.sh prepare W SRC
#       (under /work/slot) copies SRC (an unpacked libuv 1.44.2 tree, e.g. /tmp/libuv1_1.44.2.orig.tar.gz unpacked)
#       to W/src and configures W/configured: RelWithDebInfo, no tests (77 actions), cmake -G Ninja.
#   bench/cache-miss-cpu.sh time W PAIRS NAME=DIR…
#       (under /work/quiet) for each variant (DIR holds bin/fester, target/fester.jar, fester-client.jar and its own
#       archive target/fester.jsa) PAIRS pairs of: the cleaned tree built with --no-cache (N) and with an empty
#       local cache (C: every lookup misses, every result is stored); the pairs' order is ABBA (NC CN NC CN …,
#       OFFSET=1 starts with CN), the variants interleaved per pair, their order reversed every other two pairs (OFFSET
#       shifts that too: pairs 1-2 as given, 3-4 reversed, …). Each build is the launcher as typed, a new
#       process, FESTER_SERVE=off, ccache hidden from the PATH (else the misses run under ccache, ADR 0025), under
#       /usr/bin/time: wall, user and sys of the whole process tree (the JVM, the spawner, every compiler and
#       linker: each is waited for by its parent, so its CPU is counted). Lines go to W/pairs.txt:
#       NAME PAIR STEP wall user sys load-before jvm, jvm being the JVM's own user+sys (its threads, not its
#       children: the cache's work is all there, while the compilers' CPU, the same work in both builds, moves
#       with the machine's load), polled from /proc/PID/stat every 50 ms.
#       Each build records into a database of its own, made new for it (W/db-NAME removed first), so that no
#       build of a pair pays for the other's records: with one database per variant for all its builds (DB=shared,
#       the method before ADR 0112) the file grows over the call and a compaction at close (ADR 0107: past 8 MiB
#       and mostly free space) or H2's background moving of chunks lands on whichever build meets it. Two more
#       columns: the database file's size (bytes) before and after the build. And per build, to W/threads.txt:
#       NAME PAIR STEP and the JVM's CPU per thread group (ms; a thread's name without its trailing number,
#       as /proc shows it, cut to 15 characters; polled every 200 ms, so a thread that ends between two polls
#       loses up to 200 ms; "other" is the JVM's total less the groups seen).
#       AA=1: both builds of a pair with --no-cache (an A/A control: the method's own noise, its ratio's spread
#       with no difference to find).
#   bench/cache-miss-cpu.sh sum W
#       per variant: every pair's ratios C/N (CPU = user+sys, and wall), their median, quartiles and range.
set -euo pipefail
cmd=$1; w=$(realpath -m "$2"); shift 2
case $cmd in
prepare)
  src=$(realpath "$1"); mkdir -p "$w"; rm -rf "$w/src" "$w/configured"; cp -a "$src" "$w/src"
  cmake -G Ninja -S "$w/src" -B "$w/configured" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIBUV_BUILD_TESTS=OFF >/dev/null
  echo "prepared $w/configured: $(grep -c '^build ' "$w/configured/build.ninja") build statements" ;;
time)
  pairs=$1; shift
  export FESTER_CACHE=on FESTER_SERVE=off
  unset FESTER_CACHE_DIR XDG_RUNTIME_DIR JAVA_TOOL_OPTIONS CCACHE_DIR
  mkdir -p "$w/nocc"; for f in /usr/bin/*; do [ "${f##*/}" = ccache ] || ln -sf "$f" "$w/nocc/"; done
  echo "# time $(date -u +%FT%TZ), $(cut -d' ' -f1-3 /proc/loadavg)${AA:+, A/A control: C is --no-cache too}" >> "$w/pairs.txt"
  one() { # one NAME DIR STEP PAIR: a cleaned tree, a new process; appends NAME PAIR STEP wall user sys load
    local n=$1 dir=$2 s=$3 p=$4 home="$w/home-$1" args=() load
    rm -rf "$w/build" "$home"; cp -a "$w/configured" "$w/build"; mkdir -p "$home"
    [ "${DB:-}" = shared ] || rm -f "$w/db-$n".*
    [ "$s" = C ] && [ -z "${AA:-}" ] || args=(--no-cache)
    local before; before=$(stat -c %s "$w/db-$n.mv.db" 2>/dev/null || echo 0)
    load=$(cut -d' ' -f1 /proc/loadavg)
    PATH="$w/nocc" JAVA_TOOL_OPTIONS="-Duser.home=$home" FESTER_CACHE_DIR="$home/cache" \
      /usr/bin/time -f "%e %U %S" -o "$w/time.out" "$dir/bin/fester" run "$w/build/build.ninja" -j 2 \
      --db "$w/db-$n" "${args[@]}" >"$w/one.out" 2>&1 & local tp=$!
    jvmcpu "$tp" "$w/groups.out" > "$w/jvm.out"
    wait "$tp" || { echo "$n $s FAILED"; tail -5 "$w/one.out"; exit 1; }
    grep -q "build succeeded" "$w/one.out" || { echo "$n $s: no success line"; tail -5 "$w/one.out"; exit 1; }
    echo "$n $p $s $(cat "$w/time.out") $load $(cat "$w/jvm.out") $before $(stat -c %s "$w/db-$n.mv.db")" \
      | tee -a "$w/pairs.txt"
    echo "$n $p $s $(cat "$w/groups.out")" >> "$w/threads.txt"
  }
  # jvmcpu PID GROUPS: the user+sys CPU (s) of PID's child (the launcher execs java: the JVM, all its threads, live
  # or ended, without its children's), read from /proc every 50 ms until it exits (the last 50 ms can be missed);
  # every fourth poll each live thread's too, written to GROUPS per thread group (ms)
  jvmcpu() { python3 - "$1" "$2" <<'PY'
import os, re, sys, time
tp, j, last, n, threads = int(sys.argv[1]), None, 0, 0, {}
def ticks(path):
    f = open(path).read()
    return f[f.index("(") + 1:f.rindex(")")], f[f.rindex(")") + 2:].split()
while os.path.exists(f"/proc/{tp}"):
    try:
        if j is None:
            c = open(f"/proc/{tp}/task/{tp}/children").read().split()
            j = int(c[0]) if c else None
        if j is not None:
            _, f = ticks(f"/proc/{j}/stat")
            if f[0] != "Z" or last == 0:
                last = int(f[11]) + int(f[12])
            if n % 4 == 0 and f[0] != "Z":
                for t in os.listdir(f"/proc/{j}/task"):
                    try:
                        name, g = ticks(f"/proc/{j}/task/{t}/stat")
                        threads[t] = (name, int(g[11]) + int(g[12]))
                    except (OSError, ValueError, IndexError):
                        pass
    except (OSError, ValueError, IndexError):
        pass
    n += 1
    time.sleep(0.05)
hz = os.sysconf("SC_CLK_TCK")
groups = {}
for name, t in threads.values():
    g = re.sub(r"[-#]?[0-9]+$", "", name).replace(" ", "_") or "unnamed"
    groups[g] = groups.get(g, 0) + t
groups["other"] = max(0, last - sum(groups.values()))
with open(sys.argv[2], "w") as out:
    out.write(" ".join(f"{g}={1000 * t // hz}" for g, t in sorted(groups.items(), key=lambda x: -x[1])) + "\n")
print("%.2f" % (last / hz))
PY
  }
  declare -A dirs; names=()
  for v in "$@"; do names+=("${v%%=*}"); dirs[${v%%=*}]=$(realpath "${v#*=}"); done
  call=$(date -u +%H%M%S)
  for p in $(seq "$pairs"); do
    id=$call-$p
    if [ $(((p + ${OFFSET:-0}) % 2)) = 1 ]; then steps=(N C); else steps=(C N); fi
    # the variants' order alternates too, every other pair of steps (1-2: as given, 3-4: reversed, …), so
    # that no variant always goes first whatever the number of pairs per call
    order=("${names[@]}")
    if [ $((((p - 1 + ${OFFSET:-0}) / 2) % 2)) = 1 ]; then
      order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done
    fi
    for n in "${order[@]}"; do for s in "${steps[@]}"; do one "$n" "${dirs[$n]}" "$s" "$id"; done; done
  done ;;
sum)
  python3 - "$w/pairs.txt" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if l[0].isalpha()]
by = {}
for n, p, s, wall, u, sy, load, *rest in rows:
    by.setdefault(n, {}).setdefault(p, {})[s] = (float(wall), float(u) + float(sy), float(rest[0]) if rest else None,
                                                 *[int(x) for x in rest[1:3]])
def q(xs):
    xs = sorted(xs); m = st.median(xs)
    qs = st.quantiles(xs, n=4) if len(xs) > 1 else [m, m, m]
    return f"median {100*(m-1):+.1f} %, quartiles {100*(qs[0]-1):+.1f} / {100*(qs[2]-1):+.1f} %, range {100*(xs[0]-1):+.1f} … {100*(xs[-1]-1):+.1f} %"
for n, ps in by.items():
    full = [v for v in ps.values() if 'C' in v and 'N' in v]
    cpu = [v['C'][1] / v['N'][1] for v in full]; wall = [v['C'][0] / v['N'][0] for v in full]
    ncpu = [v['N'][1] for v in full]; ccpu = [v['C'][1] for v in full]
    print(f"{n}: {len(full)} pairs; --no-cache CPU median {st.median(ncpu):.2f} s, all-miss {st.median(ccpu):.2f} s")
    print(f"  CPU  (user+sys) all-miss / --no-cache: {q(cpu)}")
    print(f"  wall            all-miss / --no-cache: {q(wall)}")
    jv = [v for v in full if v['C'][2] is not None and v['N'][2] is not None]
    if jv:
        extra = [1 + (v['C'][2] - v['N'][2]) / v['N'][1] for v in jv]
        print(f"  the JVM's own CPU: --no-cache median {st.median([v['N'][2] for v in jv]):.2f} s, all-miss "
              f"{st.median([v['C'][2] for v in jv]):.2f} s; its difference over the --no-cache tree's CPU ({len(jv)} pairs): {q(extra)}")
    shrunk = [(p, s) for p, v in ps.items() for s, r in v.items() if len(r) > 3 and r[4] < 0.9 * r[3]]
    if any(len(v.get('C', ())) > 3 for v in ps.values()):
        print(f"  builds whose database file shrank by over a tenth (a compaction at close): {len(shrunk)} {sorted(shrunk)}")
# the thread groups (W/threads.txt): per variant and group, the median over pairs of all-miss − --no-cache (ms)
try:
    th = {}
    for l in open(sys.argv[1].rsplit('/', 1)[0] + '/threads.txt'):
        n, p, s, *gs = l.split()
        th.setdefault(n, {}).setdefault(p, {})[s] = {g.split('=')[0]: int(g.split('=')[1]) for g in gs}
except OSError:
    th = {}
for n, ps in th.items():
    full = [v for v in ps.values() if 'C' in v and 'N' in v]
    if not full:
        continue
    gs = sorted({g for v in full for s in v.values() for g in s}, key=lambda g: -st.median([v['C'].get(g, 0) for v in full]))
    print(f"{n}: JVM CPU per thread group, ms, median of {len(full)} pairs: --no-cache / all-miss / their difference")
    for g in gs:
        nn = [v['N'].get(g, 0) for v in full]; cc = [v['C'].get(g, 0) for v in full]
        d = [v['C'].get(g, 0) - v['N'].get(g, 0) for v in full]
        if max(cc + nn) >= 20:
            print(f"  {g:18} {st.median(nn):6.0f} {st.median(cc):6.0f} {st.median(d):+6.0f}  (difference's range {min(d):+d} … {max(d):+d})")
PY
  ;;
*) echo "usage: see the head of $0" >&2; exit 2 ;;
esac
