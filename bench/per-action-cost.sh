#!/usr/bin/env bash
# per-action-cost.sh [N] — what each way of starting an action costs in CPU outside the JVM, N times each
# (docs/benchmarks.md, "Fester's own cost in a clean build, cut", ADR 0074): ninja's `/bin/sh -c true`,
# `setsid /bin/sh -c true`, and Fester's `setsid perl -e WAITER FILE /bin/sh -c true` (ADR 0026's waiter,
# the text of io.fester.hosts.ExitStatus.WAITER); user + sys from /usr/bin/time, per start in ms.
set -eu
n=${1:-300}
here=$(cd "$(dirname "$0")/.." && pwd)
waiter=$(sed -n '/String WAITER = /,/;$/p' "$here/src/main/java/io/fester/hosts/ExitStatus.java" \
  | sed -e 's/.*WAITER = //' -e 's/^ *+ *//' | tr -d '\n' | sed -e 's/";$//' -e 's/^"//' -e 's/" *"//g' \
  | sed -e 's/\\"/"/g' -e 's/\\\\n/\\n/g')
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export W="$waiter" F="$work/report"
one() { # one LABEL COMMAND…
  l=$1; shift
  /usr/bin/time -f "%U %S" -o "$work/t" bash -c 'for i in $(seq '"$n"'); do "$@" >/dev/null; done' _ "$@"
  awk -v l="$l" -v n="$n" '{ printf "%-28s %6.2f ms CPU per start\n", l, ($1 + $2) * 1000 / n }' "$work/t"
}
one "sh -c" /bin/sh -c true
one "setsid sh -c" setsid /bin/sh -c true
one "setsid perl WAITER sh -c" setsid perl -e "$W" "$F" /bin/sh -c true
cat "$F"
