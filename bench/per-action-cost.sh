#!/usr/bin/env bash
# per-action-cost.sh [N] — what each way of starting an action costs in CPU outside the JVM, N times each
# (docs/benchmarks.md, "Fester's own cost in a clean build, cut", ADR 0074): ninja's `/bin/sh -c true`,
# `setsid /bin/sh -c true`, Fester's old `setsid perl -e WAITER FILE /bin/sh -c true` (ADR 0026's waiter,
# the text of io.fester.hosts.ExitStatus.WAITER), and Fester's long-lived spawner (ADR 0081, the script
# src/main/resources/io/fester/hosts/spawner.pl) started once and asked N times in a row for `/bin/sh -c
# true`, one start at a time as a bash driver waits for each end, and the same with the native spawner (ADR 0100,
# src/main/resources/io/fester/hosts/spawner.c compiled with cc -O2) (the driver's own CPU not counted, as the
# JVM's is not); user + sys from /usr/bin/time, per start in ms.
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
# the spawners: /usr/bin/time measures each and everything it forks, from its start to its exit
spawner() { # spawner LABEL COMMAND…
  l=$1; shift
  coproc S { /usr/bin/time -f "%U %S" -o "$work/t" "$@"; }
  for i in $(seq "$n"); do
    len=$(( 1 + 1 + ${#i} + 1 + 0 + 1 + ${#work} + 1 + 1 + 1 + 7 + 1 + 2 + 1 + 4 ))
    printf '%d\ns\0%s\0\0%s\0%s\0/bin/sh\0-c\0true' "$len" "$i" "$work" 0 >&"${S[1]}"
    while read -r op id rest <&"${S[0]}"; do [ "$op $id" = "x $i" ] && break; done
  done
  exec {S[1]}>&-
  wait "$S_PID" 2>/dev/null || true
  awk -v l="$l" -v n="$n" '{ printf "%-28s %6.2f ms CPU per start\n", l, ($1 + $2) * 1000 / n }' "$work/t"
}
spawner "spawner (Perl), sh -c" perl -e "$(cat "$here/src/main/resources/io/fester/hosts/spawner.pl")"
# the native spawner (ADR 0100), compiled here as Fester compiles it
cc -O2 -x c -o "$work/spawner" - <"$here/src/main/resources/io/fester/hosts/spawner.c"
spawner "spawner (native), sh -c" "$work/spawner"
