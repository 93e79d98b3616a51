#!/usr/bin/env bash
# Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
# libc++ (clang++ -stdlib=libc++: the standard library of Xcode and the Android NDK; Debian:
# libc++-14-dev, libc++abi-14-dev): every public header alone, C++17 and C++20, syntax only
# (syntax_check.sh), then libcxx_smoke.cpp built and run against akool-emulator (a generate of
# two images over real sockets). libc++ 14 has neither <memory_resource> nor a floating-point
# std::from_chars: the headers take their fallbacks (detail/beast_connection.hpp,
# impl/json_decode.ipp).
# usage: libcxx.sh INCLUDE_DIR AKOOL_EMULATOR
set -euo pipefail
inc=$1 emulator=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
emulator_pid=""
cleanup() {
  [[ -n $emulator_pid ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo '#include <new>' | clang++ -stdlib=libc++ -x c++ -fsyntax-only - 2>/dev/null ||
  { echo "libcxx: clang++ -stdlib=libc++ does not compile (Debian: apt-get install libc++-14-dev libc++abi-14-dev)" >&2; exit 1; }

bash "$here/syntax_check.sh" "$inc" "clang++,-stdlib=libc++" "c++17 c++20"

clang++ -stdlib=libc++ -std=c++17 -O0 -Wall -Wextra -I"$inc" "$here/libcxx_smoke.cpp" -o "$work/smoke" \
  -lssl -lcrypto -pthread
"$emulator" --port 0 --queue-ms 0 --process-ms 0 > "$work/emulator.log" 2>&1 &
emulator_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on //p' "$work/emulator.log" | head -n 1)
  [[ -n $url ]] && break
  sleep 0.1
done
[[ -n $url ]] || { echo "libcxx: the emulator did not start" >&2; cat "$work/emulator.log" >&2; exit 1; }
mkdir "$work/out"
"$work/smoke" "$url" "$work/out"
echo "libcxx: $(find "$work/out" -name '*.png' | wc -l) images saved by the libc++ build"
