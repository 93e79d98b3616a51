#!/usr/bin/env bash
# What compiling one TU costs in instructions (the compiler's, counted by valgrind's callgrind),
# for comparing two versions of the headers: unlike CPU seconds, the count does not move with
# the machine's speed (within 1-2% between runs here), so a change of a few percent shows.
#
#   bash bench/compile-instructions.sh TU [INCLUDE_DIR...]
#
# Compiles TU with g++ -std=c++17 -O2 -c (CXX, EXTRA_FLAGS as in compile-time.sh) once per
# INCLUDE_DIR (default: this checkout's include/) and prints per directory the instructions
# cc1plus executed, in billions. About 50x the TU's compile time (2 minutes for
# bench/compile_time/core.cpp). Example, the core TU before and after a change:
#   git worktree add /tmp/old HEAD~1
#   bash bench/compile-instructions.sh bench/compile_time/core.cpp /tmp/old/include include
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 TU [INCLUDE_DIR...]" >&2; exit 2; }
tu=$1
shift
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$root/include")
cxx=${CXX:-g++}

if ! command -v valgrind > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get install -y valgrind > /dev/null
  else
    echo "valgrind is missing (Debian package 'valgrind'); install it and run again" >&2
    exit 2
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for d in "${dirs[@]}"; do
  rm -f "$work"/cg.*
  # shellcheck disable=SC2086  # EXTRA_FLAGS is a list of flags
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$work/cg.%p" \
    "$cxx" -std=c++17 -O2 ${EXTRA_FLAGS:-} -I"$d" -c "$tu" -o "$work/tu.o" > /dev/null 2> "$work/log" ||
    { echo "$d: the compile failed:" >&2; tail -n 5 "$work/log" >&2; exit 1; }
  # The largest count among the processes is cc1plus's (the driver and the assembler are small).
  ir=$(for f in "$work"/cg.*; do sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$f" | head -n 1; done | sort -n | tail -n 1)
  awk -v d="$d" -v ir="$ir" 'BEGIN { printf "%-40s %8.3f G instructions\n", d, ir / 1e9 }'
done
