#!/usr/bin/env bash
# bench/journal-ref-compat.sh W NEW OLD — a Fester before ADR 0109 (OLD) after runs journaled by reference (NEW)
# gives no printed run number again, and NEW folds the journal OLD set aside once it is moved back. Not timed: run
# it under /work/slot.
#
#   W    a work directory (W/journal-ref, removed first, holds a one-action tree, its database and a home)
#   NEW  a packaged Fester of journal format 2 (bin/fester, target/fester.jar, ...): builds the tree (run 1), then
#        three no-ops journaled (runs 2-4, 3 and 4 by reference to 2's request)
#   OLD  a packaged Fester of journal format 1: one no-op, which sets the format-2 journal aside as another
#        version's (reserving its runs' numbers); then NEW folds what OLD journaled, the set-aside journal is
#        moved back, NEW folds it and verifies every printed run the timeline holds
#
# Each run is the launcher as typed, FESTER_SERVE=off. Prints each run's number as printed, the journal's
# references, what the folds say, the runs the timeline holds and which printed runs it does not hold; exits
# non-zero when a number is printed twice or a run the timeline holds does not verify.
set -euo pipefail
w=$(realpath -m "$1"); new=$(realpath "$2"); old=$(realpath "$3")
c=$w/journal-ref
rm -rf "$c"; mkdir -p "$c/home" "$c/tree"
export FESTER_SERVE=off JAVA_TOOL_OPTIONS="-Duser.home=$c/home"
printf 'rule cp\n  command = cp $in $out\nbuild a.out: cp a.txt\n' > "$c/tree/build.ninja"
echo a > "$c/tree/a.txt"
printed=()
run() { # PKG LABEL: one run of the tree; its printed number kept
  "$1/bin/fester" run "$c/tree/build.ninja" --db "$c/db/timeline" > "$c/out.txt" 2>&1 || { cat "$c/out.txt"; exit 1; }
  n=$(grep -o '(run [0-9]*)' "$c/out.txt" | head -1 | tr -dc 0-9)
  [ -n "$n" ] || { cat "$c/out.txt"; echo "no run number printed" >&2; exit 1; }
  echo "$2: run $n"
  printed+=("$n")
}
run "$new" new; run "$new" new; run "$new" new; run "$new" new
echo "references in the journal: $(grep -c $'^r\t' "$c/db/timeline.journal" || true)"
run "$old" old
aside=$(ls "$c/db" | grep 'timeline.journal.other-version-' || true)
echo "set aside by old: ${aside:-none}"
dup=$(printf '%s\n' "${printed[@]}" | sort | uniq -d)
[ -z "$dup" ] || { echo "run number printed twice: $dup" >&2; exit 1; }
"$new/bin/fester" runs --db "$c/db/timeline" > /dev/null 2>&1 # folds what old journaled (format 1)
[ -n "$aside" ] && mv "$c/db/$aside" "$c/db/timeline.journal"
"$new/bin/fester" runs --db "$c/db/timeline" 2>&1 | tee "$c/runs.txt"
held=(); missing=()
for n in "${printed[@]}"; do
  if grep -Eq "^ +$n +run " "$c/runs.txt"; then
    "$new/bin/fester" verify "$n" --db "$c/db/timeline" > "$c/verify.txt" 2>&1 \
      || { cat "$c/verify.txt"; echo "run $n does not verify" >&2; exit 1; }
    held+=("$n")
  else
    missing+=("$n")
  fi
done
echo "printed: ${printed[*]}; in the timeline and verified: ${held[*]}; not folded: ${missing[*]:-none}"
ls "$c/db" | grep -E 'journal\.(conflict|unread|other)' || true
