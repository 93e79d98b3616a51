#!/usr/bin/env bash
# Runs one libFuzzer target for a while and prints one line:
#   <name>: <N> executions, <F> findings, <S> s
# Exits non-zero on a finding (saved under WORKDIR/findings/, its report in WORKDIR/log) or
# when the target could not run.
#
#   run_target.sh BINARY SECONDS WORKDIR DICT SEED_DIR...
#
# The corpus grows in WORKDIR/corpus (kept between runs); the seed directories are read only.
# With AKOOL_FUZZ_RUNS=N in the environment the target also stops after N executions.
set -uo pipefail
bin=$1 seconds=$2 work=$3 dict=$4
shift 4
name=$(basename "$bin")
name=${name#akool_fuzz_}
mkdir -p "$work/corpus" "$work/findings"
seed_dirs=()
for d in "$@"; do [ -d "$d" ] && seed_dirs+=("$d"); done
start=$SECONDS
touch "$work/.started"   # findings are the files written after this
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  "$bin" -max_total_time="$seconds" ${AKOOL_FUZZ_RUNS:+-runs=$AKOOL_FUZZ_RUNS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$dict" -artifact_prefix="$work/findings/" "$work/corpus" "${seed_dirs[@]}" > "$work/log" 2>&1
rc=$?
execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$work/log" | tail -n 1)
findings=$(find "$work/findings" -type f -newer "$work/.started" | wc -l)
echo "$name: ${execs:-0} executions, $findings findings, $((SECONDS - start)) s"
if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
  echo "$name: libFuzzer exited with $rc; findings in $work/findings, last lines of $work/log:"
  tail -n 40 "$work/log" | sed 's/^/  | /'
  exit 1
fi
