#!/usr/bin/env bash
# The create reply's decode time against simdjson ondemand (bench/decode_micro.cpp): builds it
# with g++ -O2 in header-only mode and runs it; the last line is
# `single_ns=A single_simdjson_ns=B single_ratio=R batch4_ns=... batch4_simdjson_ns=... batch4_ratio=...`
# (medians of 7 alternating rounds; R is the median of the rounds' akool/simdjson ratios).
# simdjson (Debian: libsimdjson-dev) is optional: without it the simdjson figures are n/a.
# Knobs: ITERS (default 200000), AKOOL_INCLUDE (default include/ of this checkout, e.g. another
# commit's include/ to compare), OUT (the binary, default a temporary file), CXX (default g++).
# usage: bash bench/decode.sh          (from anywhere)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inc=${AKOOL_INCLUDE:-$root/include}
cxx=${CXX:-g++}
out=${OUT:-$(mktemp /tmp/akool-decode-micro.XXXXXX)}
libs=(-lboost_json)
if echo '#include <simdjson.h>' | "$cxx" -x c++ -std=c++17 -fsyntax-only - 2> /dev/null; then
  libs+=(-lsimdjson)
else
  echo "== simdjson.h not found: akool only (apt-get install libsimdjson-dev for the comparison)"
fi
"$cxx" -std=c++17 -O2 -Wall -Wextra -I"$inc" -o "$out" "$root/bench/decode_micro.cpp" "${libs[@]}"
taskset_cmd=()
if command -v taskset > /dev/null && [ -n "${CPU:-}" ]; then taskset_cmd=(taskset -c "$CPU"); fi
"${taskset_cmd[@]}" "$out" "${ITERS:-200000}" "$root/bench/data"
[ -n "${OUT:-}" ] || rm -f "$out"
