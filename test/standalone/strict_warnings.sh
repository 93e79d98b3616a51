#!/usr/bin/env bash
# The library's own lines are warning-free under a strict warning set (what engine and
# drop-in codebases build with, often with -Werror), with g++ and with clang++: each given
# source (programs that instantiate the library's templates: the examples) is compiled syntax
# only, and any warning whose location is a file under INCLUDE_DIR/akool fails the check.
# Warnings in the sources themselves are not the library's and are not counted.
#
# usage: strict_warnings.sh INCLUDE_DIR "CXX..." STD SOURCE...   e.g. include "g++ clang++" c++20 example/*.cpp
set -uo pipefail
inc=$(cd "$1" && pwd) compilers=$2 std=$3
shift 3
(($# > 0)) || { echo "no source given" >&2; exit 2; }
common=(-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wold-style-cast -Wnon-virtual-dtor
        -Woverloaded-virtual -Wdouble-promotion -Wcast-qual -Wextra-semi -Wzero-as-null-pointer-constant
        -Wundef -Wimplicit-fallthrough)
gcc_only=(-Wshadow -Wuseless-cast -Wduplicated-cond -Wlogical-op)
clang_only=(-Wshadow-all -Wcomma -Wnewline-eof -Wdeprecated)
examples=$(cd "$inc/.." && pwd)/example
fails=0 checks=0
for cxx in $compilers; do
  if "$cxx" --version | grep -qi clang; then extra=("${clang_only[@]}"); else extra=("${gcc_only[@]}"); fi
  for src in "$@"; do
    checks=$((checks + 1))
    out=$("$cxx" -std="$std" -fsyntax-only "${common[@]}" "${extra[@]}" -I"$inc" -I"$examples" "$src" 2>&1)
    rc=$?
    ours=$(grep -E "^$inc/akool/[^:]+:[0-9]+:[0-9]+: warning:" <<< "$out" | sort -u)
    if ((rc != 0)); then
      echo "FAIL $cxx -std=$std $src: does not compile"
      echo "$out" | head -n 20
      fails=$((fails + 1))
    elif [[ -n $ours ]]; then
      echo "FAIL $cxx -std=$std $src: warnings in the library"
      echo "$ours"
      fails=$((fails + 1))
    else
      echo "ok   $cxx -std=$std $src"
    fi
  done
done
echo "$((checks - fails)) passed, $fails failed ($checks checks)"
((fails == 0))
