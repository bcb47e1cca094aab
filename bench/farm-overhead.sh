#!/usr/bin/env bash
# bench/farm-overhead.sh start|time|stop WORK [ROUNDS] — the per-action overhead of the compile farms' backends
# against a local run (issue 15), by the method of docs/benchmarks.md "Per-action overhead of the local-like
# backends": N one-line actions, here N compiles of a one-line C file (`gcc -c aNN.c -o aNN.o`, each its own
# output), one slot on the host that runs them, action cache off (--no-cache), outputs removed before each run
# so every action runs; the figure is each action's recorded exit duration_ms (process start to end, as the
# executor measures it), median over the N actions of the run.
#   start (under /work/slot): a distccd (2 jobs) and an icecream farm on loopback in icecream's test mode, as
#         IcecreamFarmTest's (a scheduler, this machine's iceccd with no slots and --no-remote, one farm daemon
#         with 2 slots, a compiler environment made by icecc-create-env, the daemon primed with one compile);
#         they stay up in the background (pids in WORK/pids).
#   time  (under /work/quiet): ROUNDS times (3 by default), in turn: local (a local host, 1 slot), distcc (the
#         compiles required on the distccd, 1 slot), icecream (required on the farm, 1 slot).
#   bare  (under /work/quiet): the same compile (a01.c) run ROUNDS×N times outside Fester, median wall per run:
#         `sh -c 'gcc …'` (ninja's way), Fester's per-action waiter around it (`setsid perl -e WAITER FILE sh -c …`,
#         the text of io.fester.hosts.ExitStatus.WAITER, as bench/per-action-cost.sh), `distcc gcc …` and
#         `icecc gcc …` with the environment the backends set (DistccBackend, IcecreamBackend: the latter with its
#         debug log, which Fester reads for the placement, and without).
#   stop: stops what start started.
# FESTER: how to run Fester (e.g. bin/fester); N: the number of actions (40).
set -euo pipefail
mode=$1; W=$2; ROUNDS=${3:-3}; N=${N:-40}
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
if [ "$mode" = stop ]; then
    [ -f "$W/pids" ] && while read -r p; do kill "$p" 2>/dev/null || true; done < "$W/pids"
    rm -f "$W/pids"
    exit 0
fi
if [ "$mode" = start ]; then
    # the daemons outlive this call: they must not keep /work/slot's locks (fds 8 and 9, inherited), or every
    # /work/quiet call waits for them to be stopped
    exec 8>&- 9>&-
    [ ! -f "$W/pids" ] || "$0" stop "$W" # daemons of an earlier start are stopped before their pid list goes
    # a start that fails half-way stops the daemons it started
    trap '[ "${started:-}" = yes ] || { while read -r p; do kill "$p" 2>/dev/null || true; done < "$W/pids"; } 2>/dev/null' EXIT
    rm -rf "$W"; mkdir -p "$W/spec"; chmod 777 "$W" # the icecream daemons drop to the user icecc
    : > "$W/pids"
    D=$(port); DS=$(port)
    distccd --daemon --no-detach --allow 127.0.0.1 --listen 127.0.0.1 --port "$D" --stats --stats-port "$DS" \
        --jobs 2 --user nobody --log-stderr --log-level warning > "$W/distccd.log" 2>&1 &
    echo $! >> "$W/pids"
    while :; do S=$(port); python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',$S+1))" 2>/dev/null && break; done
    I=$(port); NET=festerbench$$
    export ICECC_TESTS=1 ICECC_TEST_SCHEDULER_PORTS="$S:$((S + 2))"
    icecc-scheduler -p "$S" -n "$NET" -l "$W/scheduler.log" -v -v -v > "$W/scheduler.out" 2>&1 &
    echo $! >> "$W/pids"
    ICECC_TEST_SOCKET="$W/socket-local" iceccd -s "127.0.0.1:$S" -n "$NET" -N local -b "$W/envs-local" \
        -l "$W/local.log" -v -v -v --no-remote -m 0 > "$W/local.out" 2>&1 &
    echo $! >> "$W/pids"
    ICECC_TEST_SOCKET="$W/socket-ice1" iceccd -s "127.0.0.1:$S" -n "$NET" -N ice1 -b "$W/envs-ice1" \
        -l "$W/ice1.log" -v -v -v -p "$I" -m 2 > "$W/ice1.out" 2>&1 &
    echo $! >> "$W/pids"
    mkdir -p "$W/env"
    tar=$(cd "$W/env" && icecc-create-env /usr/bin/gcc --compression none 2>&1 | sed -n 's/.*creating \([^ ]*\.tar\).*/\1/p')
    chmod 644 "$W/env/$tar"
    for _ in $(seq 600); do # the daemons' logins (verbose logs: the scheduler's and the daemons' say what they did)
        grep -q "login local " "$W/scheduler.log" 2>/dev/null && grep -q "login ice1 " "$W/scheduler.log" && break
        sleep 0.1
    done
    grep -q "login ice1 " "$W/scheduler.log" || { echo "the farm daemon did not log in to the scheduler" >&2; exit 1; }
    echo 'int prime(int x) { return x + 1; }' > "$W/prime.c"
    ICECC_TEST_SOCKET="$W/socket-local" ICECC_TEST_REMOTEBUILD=1 ICECC_VERSION="$W/env/$tar" ICECC_PREFERRED_HOST=ice1 \
        icecc gcc -c "$W/prime.c" -o "$W/prime.o"
    grep -q "remote compile for file" "$W/ice1.log" || { echo "the farm daemon did not compile the priming file" >&2; exit 1; }
    for i in $(seq -w 1 "$N"); do echo "int f$i(int x) { return x + $((10#$i)); }" > "$W/spec/a$i.c"; done
    {
        echo "env: {CC: gcc}"
        echo "actions:"
        for i in $(seq -w 1 "$N"); do
            echo "  - {id: c$i, run: \$CC -O2 -c a$i.c -o a$i.o, inputs: [a$i.c], outputs: [a$i.o], tags: [compile]}"
        done
    } > "$W/spec/fester.yaml"
    printf 'hosts:\n  - {name: here, local: true, slots: 1}\n' > "$W/local.yaml"
    printf 'hosts:\n  - {name: here, local: true, slots: 1}\n  - {name: d1, kind: distcc, address: 127.0.0.1, port: %s, stats-port: %s, slots: 1}\npolicy:\n  - {match: {tags: [compile]}, require: {hosts: [d1]}}\n' \
        "$D" "$DS" > "$W/distcc.yaml"
    printf 'hosts:\n  - {name: here, local: true, slots: 1}\n  - {name: ice, kind: icecream, scheduler: 127.0.0.1:%s, socket: %s, environment: %s, test-mode: true, slots: 1}\npolicy:\n  - {match: {tags: [compile]}, require: {hosts: [ice]}}\n' \
        "$S" "$W/socket-local" "$W/env/$tar" > "$W/icecream.yaml"
    echo "farm up: distccd 127.0.0.1:$D, icecream scheduler 127.0.0.1:$S, daemon ice1 127.0.0.1:$I"
    started=yes
    exit 0
fi
: "${FESTER:?set FESTER to the command that runs Fester}"
if [ "$mode" = bare ]; then
    here=$(cd "$(dirname "$0")/.." && pwd)
    waiter=$(sed -n '/String WAITER = /,/;$/p' "$here/src/main/java/io/fester/hosts/ExitStatus.java" \
      | sed -e 's/.*WAITER = //' -e 's/^ *+ *//' | tr -d '\n' | sed -e 's/";$//' -e 's/^"//' -e 's/" *"//g' \
      | sed -e 's/\\"/"/g' -e 's/\\\\n/\\n/g')
    D=$(sed -n 's/.*kind: distcc, address: 127.0.0.1, port: \([0-9]*\),.*/\1/p' "$W/distcc.yaml")
    S=$(sed -n 's/.*scheduler: 127.0.0.1:\([0-9]*\),.*/\1/p' "$W/icecream.yaml")
    tar=$(sed -n 's/.*environment: \([^,]*\),.*/\1/p' "$W/icecream.yaml")
    mkdir -p "$W/bare-distcc"
    cd "$W/spec"
    WAITER="$waiter" D="$D" S="$S" TAR="$tar" STATE="$W/bare-distcc" REPORT="$W/bare-report" N="$N" ROUNDS="$ROUNDS" python3 - <<'PY'
import os, subprocess, time
e = os.environ
cc = "gcc -O2 -c a01.c -o a01.o"
distcc = dict(DISTCC_HOSTS="127.0.0.1:%s/1" % e["D"], DISTCC_FALLBACK="0", DISTCC_SKIP_LOCAL_RETRY="1",
              DISTCC_BACKOFF_PERIOD="1", DISTCC_DIR=e["STATE"])
icecc = dict(ICECC_TEST_SOCKET=os.path.join(os.path.dirname(e["STATE"]), "socket-local"), ICECC_VERSION=e["TAR"],
             ICECC_TEST_REMOTEBUILD="1")
ways = [("sh -c gcc", ["/bin/sh", "-c", cc], {}),
        ("setsid perl WAITER sh -c gcc", ["setsid", "perl", "-e", e["WAITER"], e["REPORT"], "/bin/sh", "-c", cc], {}),
        ("sh -c 'distcc gcc'", ["/bin/sh", "-c", "distcc " + cc], distcc),
        ("sh -c 'icecc gcc', debug log", ["/bin/sh", "-c", "icecc " + cc],
         dict(icecc, ICECC_DEBUG="debug", ICECC_LOGFILE=os.path.join(e["STATE"], "icecc.log"))),
        ("sh -c 'icecc gcc', no log", ["/bin/sh", "-c", "icecc " + cc], icecc)]
times = {w[0]: [] for w in ways}
for r in range(int(e["ROUNDS"])):
    for name, cmd, env in ways:
        for i in range(int(e["N"])):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=dict(os.environ, **env), check=True, stdout=subprocess.DEVNULL)
            times[name].append((time.perf_counter() - t0) * 1000)
base = None
for name, _, _ in ways:
    v = sorted(times[name]); m = v[len(v) // 2]
    base = m if base is None else base
    print("%-32s median %6.1f ms (quartiles %.1f–%.1f, %d runs)  %+.1f ms against sh -c gcc" % (
        name, m, v[len(v) // 4], v[3 * len(v) // 4], len(v), m - base))
PY
    echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
    exit 0
fi
for r in $(seq 1 "$ROUNDS"); do
    for b in local distcc icecream; do
        rm -f "$W"/spec/*.o "$W/spec/.fester_stamps"
        t0=$(date +%s.%N)
        $FESTER run "$W/spec/fester.yaml" --hosts "$W/$b.yaml" --no-cache --db "$W/db/t" > /dev/null 2> "$W/last.err" \
            || { cat "$W/last.err" >&2; exit 1; }
        t1=$(date +%s.%N)
        $FESTER events last --type exit --db "$W/db/t" | python3 -c '
import sys, json, collections
d = collections.defaultdict(list)
for l in sys.stdin:
    try: e = json.loads(l)
    except ValueError: continue
    d[e["host"]].append(e.get("duration_ms", 0))
out = []
for h, v in sorted(d.items()):
    v.sort(); out.append("%s: %d actions, median %d ms (min %d, max %d)" % (h, len(v), v[len(v) // 2], v[0], v[-1]))
print("; ".join(out))' | sed "s/^/round $r  $(printf '%-9s' "$b") run $(echo "$t1 - $t0" | bc | cut -c1-5) s  load $(cut -d' ' -f1 /proc/loadavg)  /"
    done
done
