#!/usr/bin/env bash
# Builds test/consumer as a separate project against akool, and runs its core-only program.
#   check.sh add_subdirectory|find_package WORKDIR [CXX]
# find_package first installs akool (headers and CMake package) into WORKDIR/prefix.
set -euo pipefail
mode=$1 work=$2 cxx=${3:-c++}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rm -rf "$work" && mkdir -p "$work"

# The README's first C++ block is the library tour.
awk '/^```cpp$/{on=1; next} /^```$/{if(on) exit} on' "$root/README.md" > "$work/readme_example.cpp"
grep -q 'akool/akool.hpp' "$work/readme_example.cpp" || { echo "no C++ example found in README.md" >&2; exit 1; }

args=(-G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DAKOOL_CONSUME="$mode" -DREADME_EXAMPLE="$work/readme_example.cpp")
if [ "$mode" = find_package ]; then
  cmake -S "$root" -B "$work/akool-build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
    -DAKOOL_BUILD_TESTS=OFF -DAKOOL_BUILD_EXAMPLES=OFF -DAKOOL_BUILD_TOOLS=OFF -DAKOOL_INSTALL=ON \
    -DCMAKE_INSTALL_PREFIX="$work/prefix" > "$work/install.log"
  cmake --install "$work/akool-build" >> "$work/install.log"
  test -f "$work/prefix/include/akool/akool.hpp"
  cmp "$root/LICENSE_1_0.txt" "$work/prefix/share/doc/akool/LICENSE_1_0.txt"
  args+=(-DCMAKE_PREFIX_PATH="$work/prefix")
elif [ "$mode" = add_subdirectory ]; then
  args+=(-DAKOOL_SOURCE_DIR="$root")
else
  echo "unknown mode $mode" >&2; exit 2
fi
cmake -S "$here" -B "$work/build" "${args[@]}"
cmake --build "$work/build" -j "${AKOOL_JOBS:-2}"

out=$("$work/build/core_only")
echo "$out"
# The exact encoding and the validator's fields, as a user sees them.
grep -qx '{"prompt":"A lighthouse in a storm","batch_quantity":2}' <<< "$out"
grep -q '^prompt: ' <<< "$out"
grep -q '^batch_quantity: ' <<< "$out"
grep -q '^scale: ' <<< "$out"
test -x "$work/build/readme_example"
echo "consumer ($mode): ok"
