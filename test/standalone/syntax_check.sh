#!/usr/bin/env bash
# Every public header (include/akool/**/*.hpp but detail/ and impl/) compiles on its own,
# included twice, with each given compiler in each given standard, syntax only (-fsyntax-only
# -Wall -Wextra -Werror): the header checks of the sanitizer configurations, which would
# otherwise compile (and instrument) every header once more.
#
# usage: syntax_check.sh INCLUDE_DIR "CXX..." "STD..."     e.g. include "g++ clang++" "c++20"
# A compiler with flags is written with commas: "clang++,-stdlib=libc++".
set -uo pipefail
inc=$1 compilers=$2 stds=$3
jobs=${AKOOL_SYNTAX_JOBS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t headers < <(cd "$inc" && find akool -name '*.hpp' -not -path 'akool/detail/*' -not -path 'akool/impl/*' | sort)
((${#headers[@]} > 0)) || { echo "no header found under $inc" >&2; exit 2; }
jobs_file=$work/jobs
for cxx in $compilers; do
  for std in $stds; do
    for h in "${headers[@]}"; do
      echo "$cxx $std $h" >> "$jobs_file"
    done
  done
done
check_one() {  # cxx std header
  local cxx=$1 std=$2 h=$3 pre=""
  local -a cmd
  IFS=, read -r -a cmd <<<"$cxx"
  cxx=${cxx//,/ }
  case $h in akool/src.hpp|akool/src_webhook.hpp) pre="#define AKOOL_SEPARATE_COMPILATION"$'\n' ;; esac
  if out=$(printf '%s#include <%s>\n#include <%s>\n' "$pre" "$h" "$h" |
           "${cmd[@]}" -std="$std" -fsyntax-only -Wall -Wextra -Werror -I"$inc" -x c++ - 2>&1); then
    echo "ok   $cxx -std=$std $h"
  else
    echo "FAIL $cxx -std=$std $h"
    echo "$out" | head -n 30
    return 1
  fi
}
export -f check_one
export inc
xargs -P "$jobs" -L 1 bash -c 'check_one "$@"' _ < "$jobs_file" > "$work/out"
rc=$?
sort -k2 "$work/out" | grep -v '^ok' || true
echo "$(grep -c '^ok' "$work/out") passed, $(grep -c '^FAIL' "$work/out") failed ($(wc -l < "$jobs_file") checks)"
exit $rc
