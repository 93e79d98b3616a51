#!/usr/bin/env bash
# Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
# The compile errors a user must get: the transport checks, and the headers that need exceptions.
# Each file here but ok_transport.cpp must fail to compile (-fsyntax-only, plus the flags of its
# `// flags:` line, if any) with the text of its `// expect-c++NN:` line in the compiler's
# output; ok_transport.cpp, the control, must compile.
# Usage: run.sh <c++ compiler> <17|20> <akool include dir> [extra compiler flags...]
set -u
cxx=$1 std=$2 inc=$3
shift 3
dir=$(cd "$(dirname "$0")" && pwd)
failed=0
for src in "$dir"/*.cpp; do
    name=$(basename "$src" .cpp)
    expect=$(sed -n "s|^// expect-c++$std: ||p" "$src")
    read -r -a own_flags <<<"$(sed -n 's|^// flags: ||p' "$src")"
    out=$("$cxx" -std=c++"$std" -fsyntax-only -I"$inc" "$@" ${own_flags[@]+"${own_flags[@]}"} "$src" 2>&1)
    rc=$?
    if [ "$name" = ok_transport ]; then
        if [ $rc -ne 0 ]; then echo "FAIL $name (c++$std): the control does not compile:"; echo "$out" | head -20; failed=1
        else echo "ok   $name (c++$std): compiles"; fi
    elif [ $rc -eq 0 ]; then
        echo "FAIL $name (c++$std): compiled, expected an error with: $expect"; failed=1
    elif [ -z "$expect" ] || ! grep -qF -- "$expect" <<<"$out"; then
        echo "FAIL $name (c++$std): the error does not say: $expect"; echo "$out" | head -20; failed=1
    else
        echo "ok   $name (c++$std): $(grep -F -m1 -- "$expect" <<<"$out" | cut -c1-240)"
    fi
done
exit $failed
