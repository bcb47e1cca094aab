#!/usr/bin/env python3
"""start-phases.py [T0_MS] < EVENTS — a run's start taken apart from its own timeline (ADR 0111).

Reads a run's events (`fester events --db DB last`) and prints, in seconds from T0_MS (the command's start, ms
since the epoch) or, without it, from the run_request, when the run reached each step before its first action:
  request   the run_request observed (the manifest read, the up-to-date check and the timeline opened)
  history   the history observed: the plan search runs on it
  next      the first observation after the plan decision (the loop free again: the search's end at the latest)
  up        the last host's first "up" (the first dispatch waits for every host, ADR 0020)
  decision  the first schedule_decision
  start     the first action's process start (its exit's time less its duration)
and "tried N", the orders the plan search simulated. Times are the timeline's, to the millisecond.
"""
import datetime
import json
import sys


def ms(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000


marks = {}
tried = "-"
after_plan = False
up = {}
first_start = None
for line in sys.stdin:
    e = json.loads(line)
    t, kind = ms(e["time"]), e.get("type")
    if after_plan and e.get("kind") == "observation" and "next" not in marks:
        marks["next"] = t
    if kind == "run_request":
        marks.setdefault("request", t)
    elif kind == "history":
        marks.setdefault("history", t)
    elif kind == "plan":
        tried, after_plan = len(e.get("tried", [])), True
    elif kind == "node" and e.get("state") == "up":
        up.setdefault(e["host"], t)
    elif kind == "schedule_decision":
        marks.setdefault("decision", t)
    elif kind == "exit":
        s = t - e.get("duration_ms", 0)
        first_start = s if first_start is None else min(first_start, s)
if up:
    marks["up"] = max(up.values())
if first_start is not None:
    marks["start"] = first_start
t0 = float(sys.argv[1]) if len(sys.argv) > 1 else marks.get("request", 0)
print("  ".join("%s %s" % (k, "%.2f" % ((marks[k] - t0) / 1000) if k in marks else "-")
                for k in ("request", "history", "next", "up", "decision", "start")) + "  tried %s" % tried)
