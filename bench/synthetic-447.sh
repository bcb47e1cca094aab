#!/usr/bin/env bash
# synthetic-447.sh DIR — writes db-growth.sh's and serve-growth.sh's synthetic build into DIR: a build.ninja of 447
# actions (440 one-line "compiles" of 7 sources, 7 links of 63 or 62 objects each) and its 7 sources.
set -eu
dir=$1
mkdir -p "$dir"
{
  printf 'rule cc\n  command = sh -c %s\n' "'echo compiling \$out; echo x > \$out'"
  printf 'rule link\n  command = cat $in > $out\n'
  for i in $(seq 0 439); do printf 'build obj/o%d.o: cc src%d.c\n' "$i" $((i % 7)); done
  for k in $(seq 0 6); do
    printf 'build lib%d.a: link' "$k"
    for i in $(seq "$k" 7 439); do printf ' obj/o%d.o' "$i"; done
    printf '\n'
  done
} > "$dir/build.ninja"
for k in $(seq 0 6); do echo 'int x;' > "$dir/src$k.c"; done
