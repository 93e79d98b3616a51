#!/usr/bin/env bash
# The library's own lines are warning-free under a strict warning set (what engine and
# drop-in codebases build with, often with -Werror), with g++ and with clang++: each given
# source (programs that instantiate the library's templates: the examples) is compiled syntax
# only, and any warning whose location is a file under INCLUDE_DIR/akool fails the check.
# Warnings in the sources themselves are not the library's and are not counted.
# AKOOL_SYNTAX_JOBS compiles run at once (default 2), as in syntax_check.sh.
#
# usage: strict_warnings.sh INCLUDE_DIR "CXX..." STD SOURCE...   e.g. include "g++ clang++" c++20 example/*.cpp
set -uo pipefail
inc=$(cd "$1" && pwd) compilers=$2 std=$3
shift 3
(($# > 0)) || { echo "no source given" >&2; exit 2; }
jobs=${AKOOL_SYNTAX_JOBS:-2}
examples=$(cd "$inc/.." && pwd)/example
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check_one() {  # cxx family source: prints "ok ..." or "FAIL ..." with the reason
  local cxx=$1 family=$2 src=$3 out rc ours extra
  local common=(-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wold-style-cast -Wnon-virtual-dtor
                -Woverloaded-virtual -Wdouble-promotion -Wcast-qual -Wextra-semi -Wzero-as-null-pointer-constant
                -Wundef -Wimplicit-fallthrough)
  if [[ $family == clang ]]; then
    extra=(-Wshadow-all -Wcomma -Wnewline-eof -Wdeprecated)
  else
    extra=(-Wshadow -Wuseless-cast -Wduplicated-cond -Wlogical-op)
  fi
  out=$("$cxx" -std="$std" -fsyntax-only "${common[@]}" "${extra[@]}" -I"$inc" -I"$examples" "$src" 2>&1)
  rc=$?
  ours=$(grep -E "^$inc/akool/[^:]+:[0-9]+:[0-9]+: warning:" <<< "$out" | sort -u)
  if ((rc != 0)); then
    printf 'FAIL %s -std=%s %s: does not compile\n%s\n' "$cxx" "$std" "$src" "$(head -n 20 <<< "$out")"
    return 1
  elif [[ -n $ours ]]; then
    printf 'FAIL %s -std=%s %s: warnings in the library\n%s\n' "$cxx" "$std" "$src" "$ours"
    return 1
  fi
  echo "ok   $cxx -std=$std $src"
}
export -f check_one
export inc std examples

# One job per compiler and source, each job's report written whole to its own file.
jobs_list=() n=0
for cxx in $compilers; do
  family=gcc
  "$cxx" --version | grep -qi clang && family=clang
  for src in "$@"; do
    n=$((n + 1))
    jobs_list+=("$cxx" "$family" "$src" "$work/$n.out")
  done
done
printf '%s\0' "${jobs_list[@]}" | xargs -0 -n 4 -P "$jobs" bash -c 'check_one "$1" "$2" "$3" > "$4"' _
fails=0
for ((i = 1; i <= n; i++)); do
  # A job that left no verdict (it never ran, or died) is a failure too.
  if ! grep -qE '^(ok|FAIL) ' "$work/$i.out" 2>/dev/null; then
    echo "FAIL job $i of $n (${jobs_list[4 * (i - 1)]} ${jobs_list[4 * (i - 1) + 2]}): no verdict"
    fails=$((fails + 1))
    continue
  fi
  cat "$work/$i.out"
  grep -q '^FAIL' "$work/$i.out" && fails=$((fails + 1))
done
echo "$((n - fails)) passed, $fails failed ($n checks)"
((fails == 0))
