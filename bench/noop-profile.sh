#!/usr/bin/env bash
# noop-profile.sh TREE ROUNDS ROOT — a cold no-op `fester run TREE/build.ninja`'s Java samples, by phase and by
# frame (docs/benchmarks.md, "The cold no-op's check and record, profiled", ADR 0118). ROOT: a source tree whose
# target/ holds fester.jar, fester-client.jar and the archive fester.jsa (ROOT/bin/fester --cds-archive). Each of
# ROUNDS runs is launched as bin/fester launches a terminal command (archive, C1, serial GC, no perf data,
# FESTER_SERVE=off) under JFR with the JDK's profile settings, Java sampled every 1 ms; TREE must be up to date.
# Two unsampled no-ops first create the database and journal the first no-op, so every sampled run is a journaled
# no-op as a user's is. Prints every thread's samples (Java, and native: in a native method) by phase (the outermost of the marks below on the stack) and,
# per phase, the innermost Fester frame and the innermost frame. Not timed: run it under /work/slot; samples of a
# loaded machine count waits for a core too, so compare shares.
set -eu
# shellcheck source=noop-run.sh
. "$(dirname "$0")/noop-run.sh"
sed -e 's|\(control="method-sampling-java-interval">\)[^<]*<|\11 ms<|' \
    -e 's|\(control="method-sampling-native-interval">\)[^<]*<|\11 ms<|' "$jdk/lib/jfr/profile.jfc" >"$work/s.jfc"
grep -c 'method-sampling-[a-z]*-interval">1 ms<' "$work/s.jfc" | grep -qx 2 \
  || { echo "$jdk/lib/jfr/profile.jfc: the two sampling periods not found" >&2; exit 1; }
noop -Xlog:jfr=off
noop -Xlog:jfr=off
for r in $(seq 1 "$rounds"); do
  noop -Xlog:jfr=off -XX:StartFlightRecording=filename="$work/r$r.jfr",settings="$work/s.jfc"
  "$jdk/bin/jfr" print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 96 "$work/r$r.jfr" >>"$work/samples.txt"
done
python3 - "$work/samples.txt" "$rounds" <<'PY'
import collections, re, sys
parts = re.split(r'jdk\.(ExecutionSample|NativeMethodSample) \{', open(sys.argv[1]).read())[1:]
events = [(parts[i] == 'NativeMethodSample', parts[i + 1]) for i in range(0, len(parts), 2)]
# outermost first: the first of these found from the stack's bottom names the phase
marks = [('check', 'io.fester.uptodate.UpToDate.'), ('stamps', 'io.fester.uptodate.Stamps.'), ('load', 'io.fester.graph.'),
         ('commit: encode', 'io.fester.timeline.HotEncoder.'), ('commit: write', 'io.fester.timeline.Journal$Noop.commit'),
         ('engine', 'io.fester.engine.'), ('run loop', 'io.fester.session.RunLoop'), ('stamper', 'io.fester.uptodate.Stamper'),
         ('timeline', 'io.fester.timeline.')]
phase, top, fester = collections.Counter(), collections.defaultdict(collections.Counter), collections.defaultdict(collections.Counter)
for native, e in events:
    m = re.search(r'sampledThread = "([^"]*)"', e)
    thread = re.sub(r'\d+$', 'N', m.group(1)) if m else '?'
    thread += ' (native)' if native else ''
    frames = re.findall(r'^\s+([\w$.<>]+)\(', e, re.M)  # innermost first
    p = 'other'
    for name, prefix in marks:
        if any(f.startswith(prefix) for f in frames):
            p = name
            break
    key = (thread, p)
    phase[key] += 1
    top[key][frames[0] if frames else '?'] += 1
    fester[key][next((f for f in frames if f.startswith('io.fester.')), '(none)')] += 1
print(f'{len(events)} samples in {sys.argv[2]} runs; by thread and phase:')
for (t, p), n in phase.most_common(30):
    print(f'  {n:5d}  {t:28s} {p}')
for key, n in phase.most_common(8):
    print(f'{key[0]} / {key[1]} ({n}): innermost Fester frame')
    for f, c in fester[key].most_common(10):
        print(f'  {c:5d}  {f}')
    print('  innermost frame')
    for f, c in top[key].most_common(8):
        print(f'  {c:5d}  {f}')
PY
