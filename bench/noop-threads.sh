#!/usr/bin/env bash
# noop-threads.sh TREE ROUNDS ROOT — where a cold no-op `fester run TREE/build.ninja` spends each thread's CPU
# (docs/benchmarks.md, "The cold no-op's threads, sampled"). ROOT: a source tree whose target/ holds fester.jar,
# fester-client.jar and the archive fester.jsa (ROOT/bin/fester --cds-archive). Each of ROUNDS runs is launched
# as bin/fester launches a terminal command (archive, C1, serial GC, no perf data, FESTER_SERVE=off) under JFR,
# with the JDK's default settings but Java execution sampled every 1 ms; TREE must be up to date. One unsampled
# no-op first creates the database, so that every sampled run opens an existing file, as a user's no-op does. Prints the
# samples per thread, the main thread's samples by the first Fester frame on their stack, the samples spent
# spinning method handles (java.lang.invoke: string concatenation, lambdas) and the writer's and the opening
# thread's samples by phase. Samples of a loaded machine count waits for a core too: compare shares.
set -eu
# shellcheck source=noop-run.sh
. "$(dirname "$0")/noop-run.sh"
jfr=$jdk/bin/jfr  # the same JDK as java
# the default settings, Java sampling every 1 ms instead of 20
awk '/<event name="jdk.ExecutionSample">/{s=1} s && /name="period"/{sub(/>20 ms</, ">1 ms<"); s=0} {print}' \
  "$jdk/lib/jfr/default.jfc" >"$work/s.jfc"
grep -A3 '<event name="jdk.ExecutionSample">' "$work/s.jfc" | grep -q 'name="period"[^>]*>1 ms<' \
  || { echo "could not set jdk.ExecutionSample's period to 1 ms in $jdk/lib/jfr/default.jfc" >&2; exit 1; }
# not sampled: the first run on the fresh database creates its file, which no later no-op does
noop -Xlog:jfr=off
for r in $(seq 1 "$rounds"); do
  noop -Xlog:jfr=off -XX:StartFlightRecording=filename="$work/r$r.jfr",settings="$work/s.jfc"
  "$jfr" print --events jdk.ExecutionSample --stack-depth 64 "$work/r$r.jfr" >>"$work/samples.txt"
done
python3 - "$work/samples.txt" <<'PY'
import collections, re, sys
events = open(sys.argv[1]).read().split('jdk.ExecutionSample {')[1:]
threads, main_top, invoke, writer, opening = (collections.Counter() for _ in range(5))
for e in events:
    m = re.search(r'sampledThread = "([^"]*)"', e)
    thread = re.sub(r'\d+$', 'N', m.group(1)) if m else '?'
    frames = re.findall(r'^\s+([\w$.<>]+)\(', e, re.M)  # innermost first
    threads[thread] += 1
    fester = [f for f in frames if f.startswith('io.fester.')]
    if thread == 'main':
        main_top[fester[0] if fester else '(no Fester frame)'] += 1
    if any(f.startswith('java.lang.invoke.') for f in frames):
        kind = ('string concatenation' if any('StringConcatFactory' in f for f in frames)
                else 'lambda' if any('LambdaMetafactory' in f for f in frames) else 'other')
        invoke[(thread, kind)] += 1
    if thread.startswith('fester-timeline-writer'):
        writer['encoding (HotEncoder)' if any('HotEncoder' in f for f in frames)
               else 'H2' if any(f.startswith('org.h2.') for f in frames) else 'other'] += 1
    if thread == 'fester-open-timeline':
        at = frames.index('org.h2.engine.Database.<init>') if 'org.h2.engine.Database.<init>' in frames else -1
        opening[frames[at - 1] if at > 0 else 'Database.<init> itself' if at == 0
                else 'outside Database.<init> (connecting, Fester\'s schema check)'] += 1
def show(title, counter, n=25):
    print(title)
    for k, v in counter.most_common(n):
        print(f'  {v:5d}  {k}')
show('samples per thread', threads)
show('main thread, by its innermost Fester frame', main_top)
show('spinning method handles (thread, kind)', invoke)
show('the timeline writer', writer)
show('opening the timeline (the H2 call under Database.<init>)', opening, 12)
PY
