#!/usr/bin/env bash
# A fuzzing campaign over the libFuzzer targets of test/fuzz (clang++, ASan + UBSan), one
# target at a time on one core, each for SECONDS:
#
#   bench/fuzz.sh SECONDS [TARGET...]     (default: every target; e.g. bench/fuzz.sh 600 url)
#
# Prints one line per target, "<target>: <N> executions, <F> findings, <S> s", then a table.
# The targets run as the fuzz-clang configuration of test/run.sh runs them (the ctest tests
# fuzz.<target>, through test/fuzz/run_target.sh: seeds, dictionary, limits), only longer.
# The corpus grows in BUILD_DIR/runs/<target>/corpus and is kept between campaigns; a finding
# is saved in BUILD_DIR/runs/<target>/findings/ and its report is BUILD_DIR/runs/<target>/log.
# Knobs: BUILD_DIR (default <repo>/build/fuzz-bench), CXX (default clang++; libFuzzer needs
# clang and, on Debian 12, libclang-rt-14-dev), RUNS=N: a target also stops after N executions
# (e.g. RUNS=10000000 bench/fuzz.sh 3600: each target until 10 M executions, at most an hour).
# Exits non-zero when a target had a finding.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build/fuzz-bench}
seconds=${1:?usage: bench/fuzz.sh SECONDS [TARGET...]}
shift
[[ $seconds =~ ^[0-9]+$ ]] || { echo "bench/fuzz.sh: SECONDS must be a whole number" >&2; exit 2; }

echo "== building the fuzz targets in $BUILD_DIR"
mkdir -p "$BUILD_DIR"
cmake -S "$REPO/test/fuzz" -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER="${CXX:-clang++}" \
    -DAKOOL_FUZZ_SECONDS="$seconds" > "$BUILD_DIR/configure.log" 2>&1 ||
  { cat "$BUILD_DIR/configure.log"; exit 1; }
cmake --build "$BUILD_DIR" -j 1 || exit 1

targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cd "$BUILD_DIR" && ctest -N | sed -nE 's/.*Test +#[0-9]+: fuzz\.(.*)$/\1/p')
fi

lines=()
rc=0
for t in "${targets[@]}"; do
  echo "== fuzz.$t for $seconds s"
  out=$(cd "$BUILD_DIR" && AKOOL_FUZZ_RUNS=${RUNS:-} ctest -j 1 -V --timeout $((seconds + 300)) -R "^fuzz\.$t\$" 2>&1)
  line=$(sed -nE "s/^[0-9]+: ($t: [0-9]+ executions, [0-9]+ findings, [0-9]+ s)\$/\1/p" <<< "$out" | tail -n 1)
  if [ -z "$line" ]; then
    echo "$out" | tail -n 40
    line="$t: did not run"
    rc=1
  else
    echo "$line"
    grep -q " 0 findings," <<< "$line" || { echo "$out" | grep -E '^[0-9]+: +\|' | tail -n 40; rc=1; }
  fi
  lines+=("$line")
done

echo "== summary ($seconds s per target, one at a time)"
printf '%-16s %14s %9s %8s %10s\n' target executions findings seconds exec/s
for l in "${lines[@]}"; do
  if [[ $l =~ ^([a-z_]+):\ ([0-9]+)\ executions,\ ([0-9]+)\ findings,\ ([0-9]+)\ s$ ]]; then
    s=${BASH_REMATCH[4]}; ((s > 0)) || s=1
    printf '%-16s %14d %9d %8d %10d\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" \
      "${BASH_REMATCH[4]}" $((BASH_REMATCH[2] / s))
  else
    echo "$l"
  fi
done
exit $rc
