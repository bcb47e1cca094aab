#!/usr/bin/env python3
import sys, re, json, statistics as st, datetime
# chain-trace.py OUT: the links of the slots' chains from what chain-trace.sh recorded in OUT.
d = sys.argv[1]
off = float(open(d + '/offset').read())
# spawner: the perl (or native spawner's) process that forks children which exec /bin/sh
forks = {}   # child -> (parent, t)
execs = {}   # pid -> (t, file) first exec
exits = {}   # pid -> t
waits = {}   # (pid, ret) -> t
rx = re.compile(r'^\s*(\S.*?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)$')
with open(d + '/perf.txt', errors='replace') as f:
    for line in f:
        m = rx.match(line)
        if not m: continue
        comm, pid, tid, t, ev, rest = m.groups(); pid = int(pid); t = float(t) + off
        if ev == 'sched:sched_process_fork':
            mm = re.search(r'comm=(.*) pid=(\d+) child_comm=.* child_pid=(\d+)', rest)
            forks[int(mm.group(3))] = (int(mm.group(2)), t, mm.group(1))
        elif ev == 'sched:sched_process_exec':
            mm = re.search(r'filename=(\S+)', rest)
            execs.setdefault(pid, (t, mm.group(1) if mm else '?'))
        elif ev == 'sched:sched_process_exit':
            exits[pid] = t
        elif ev == 'syscalls:sys_exit_wait4':
            r = int(rest.strip().split()[-1], 16) if rest.strip().startswith('0x') else int(rest.strip().split()[-1])
            waits.setdefault(pid, []).append((t, r))
# the spawner (Fester's Perl one, its native one (comm spawner-HASH, ADR 0100), or ninja): the process whose children exec /bin/sh the most
cand = {}
for c, (p, t, pc) in forks.items():
    if (pc in ('perl', 'ninja') or pc.startswith('spawner-')) and c in execs and execs[c][1] == '/bin/sh':
        cand[p] = cand.get(p, 0) + 1
sp = max(cand, key=cand.get)
kids = sorted([c for c, (p, t, pc) in forks.items() if p == sp], key=lambda c: forks[c][1])
print('spawner', sp, 'children', len(kids), '(a link: an exit followed by a fork within 1 s)')
print('limits: a link closes at the spawner\'s next fork after the exit, whichever slot that fork is for;')
print('  the trace has no action ids, so "reaped -> exit event posted" and "exit event -> next fork" pair the reap')
print('  with the first exit event of ANY action in the timeline at or after it (-2 ms), on the timeline\'s 1 ms')
print('  clock: an approximation at 1 ms resolution; a median under 1 ms is shown as "< 1 ms"')
reap = {r: t for t, r in waits.get(sp, []) if r > 0}
import bisect
# events
ev = [json.loads(l) for l in open(d + '/events.jsonl')]
def ts(s): return datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()
exitev = [ts(e['time']) for e in ev if e['type'] == 'exit']
exitev.sort()
A=[];B=[];C=[];D=[];G=[]
forkt = sorted(forks[c][1] for c in kids)
for c in kids:
    if c not in exits or c not in reap: continue
    te = exits[c]; tr = reap[c]
    # the spawner's next fork after this exit, whichever slot it is for (with -j2 it may be the other slot's
    # start, if that slot's action ended just before): the link is "this exit -> the next start", not per slot
    i = bisect.bisect_left(forkt, te)
    if i >= len(forkt): continue
    tf = forkt[i]
    if tf - te > 1.0: continue   # nothing ready: not a chain link
    # not this action's exit event: the first of any action's at or after the reap (-2 ms for the ms clock);
    # the trace carries no action id or pid to match by (an approximation at 1 ms resolution)
    k = bisect.bisect_left(exitev, tr - 0.002)
    tx = exitev[k] if k < len(exitev) else None
    G.append(tf - te); A.append(tr - te)
    if tx is not None and tx < tf + 0.002:
        B.append(tx - tr); C.append(tf - tx)
for c in kids:
    if c in execs: D.append(execs[c][0] - forks[c][1])
def s(n, x, approx=False):
    x = sorted(x)
    if not x: print(n, 'none'); return
    med = 1000*st.median(x)
    m = '   < 1 ms' if approx and med < 1 else f'{med:7.2f} ms'
    print(f'{n:54s} n={len(x):4d} median {m}  p10 {1000*x[len(x)//10]:7.2f}  p90 {1000*x[9*len(x)//10]:7.2f}  mean {1000*st.mean(x):7.2f}')
s('exit -> next fork (whole link)', G)
s('exit -> spawner reaps', A)
s('reap -> exit event posted (approx., any action, 1 ms)', B, True)
s('exit event -> next fork (approx., any action, 1 ms)', C, True)
s('fork -> exec /bin/sh (child setup)', D)
