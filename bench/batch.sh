#!/usr/bin/env bash
# The figure of `akool-image batch`: LINES manifest lines (default 200, distinct prompts,
# 1080p) at --concurrency CONCURRENCY (default 16) against
# `akool-emulator --latency-ms 100 --queue-ms 1000 --process-ms 3000` (EMULATOR_ARGS), run
# under /usr/bin/time -v (Debian package `time`; a bench-only tool). Prints the tool's summary
# line, then `lines= concurrency= wall_s= peak_rss_kib= exit=`.
#
#   bench/batch.sh [BIN_DIR]     (default: build-bench/bin; builds akool-image and akool-emulator
#                                 there in Release when BIN_DIR is not given)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
LINES=${LINES:-200}
CONCURRENCY=${CONCURRENCY:-16}
EMULATOR_ARGS=${EMULATOR_ARGS:-"--latency-ms 100 --queue-ms 1000 --process-ms 3000"}

. "$REPO/bench/need-gnu-time.sh"
. "$REPO/bench/emulator-url.sh"
if [[ $# -ge 1 ]]; then
  BIN=$(cd "$1" && pwd)
else
  BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
  cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKOOL_BUILD_TESTS=OFF \
    -DAKOOL_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$BUILD_DIR" -j1 --target akool-image akool-emulator >/dev/null
  BIN=$BUILD_DIR/bin
fi

WORK=$(mktemp -d /tmp/akool-batch-bench.XXXXXX)
EMU_PID=
cleanup() {
  [[ -n $EMU_PID ]] && kill "$EMU_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck disable=SC2086
"$BIN/akool-emulator" $EMULATOR_ARGS >"$WORK/emu.out" 2>"$WORK/emu.err" &
EMU_PID=$!
URL=$(emulator_url "$EMU_PID" "$WORK/emu.out" "$WORK/emu.err")

for i in $(seq "$LINES"); do
  printf '{"prompt":"bench picture %d","resolution":"1080p"}\n' "$i"
done >"$WORK/manifest.jsonl"

set +e
AKOOL_BASE_URL=$URL AKOOL_API_KEY=bench-key /usr/bin/time -v -o "$WORK/time.txt" \
  "$BIN/akool-image" batch "$WORK/manifest.jsonl" --out "$WORK/out" --concurrency "$CONCURRENCY" \
  >"$WORK/stdout.txt" 2>"$WORK/stderr.txt"
rc=$?
set -e
tail -n 1 "$WORK/stdout.txt"
[[ $rc -eq 0 ]] || { echo "akool-image batch exited $rc" >&2; tail -n 5 "$WORK/stderr.txt" >&2; }
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt" |
  awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
saved=$(find "$WORK/out" -name '*.png' | wc -l)
echo "lines=$LINES concurrency=$CONCURRENCY images=$saved wall_s=$wall peak_rss_kib=$rss exit=$rc"
