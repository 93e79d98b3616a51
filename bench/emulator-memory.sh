#!/usr/bin/env bash
# The emulator's memory over a long run: akool-emulator serves N creates (akool-bench, one
# kept-alive connection), then its peak resident set (VmHWM of /proc/PID/status) is read.
# Each create makes a task the emulator remembers, up to --max-tasks (default 100000); beyond
# it the oldest is forgotten, so the peak stops growing there.
#
#   bash bench/emulator-memory.sh [N...]      (default: 50000 100000 200000; about a minute)
#
# Prints one line per N: `creates=N max_tasks=M emulator_peak_mib=P rps=R`.
# MAX_TASKS (default: the emulator's own) is passed as --max-tasks. BUILD_DIR (default
# <repo>/build-bench) is where akool-emulator and akool-bench are built (Release).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(50000 100000 200000)
for n in "${counts[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive integer: $n" >&2; exit 2; }
done
. "$REPO/bench/emulator-url.sh"
extra=()
[[ -z ${MAX_TASKS:-} ]] || extra=(--max-tasks "$MAX_TASKS")

echo "== building akool-emulator, akool-bench (Release) in $BUILD_DIR"
cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKOOL_BUILD_TESTS=OFF \
  -DAKOOL_BUILD_EXAMPLES=ON -DAKOOL_BUILD_TOOLS=ON > /dev/null
cmake --build "$BUILD_DIR" -j2 --target akool-emulator akool-bench > /dev/null
bin=$BUILD_DIR/bin

work=$(mktemp -d /tmp/akool-emulator-memory.XXXXXX)
emulator_pid=
stop() { [[ -z $emulator_pid ]] || { kill "$emulator_pid" 2> /dev/null; wait "$emulator_pid" 2> /dev/null || true; }; emulator_pid=; }
trap 'stop; rm -rf "$work"' EXIT
for n in "${counts[@]}"; do
  "$bin/akool-emulator" --port 0 "${extra[@]}" > "$work/emulator.log" 2>&1 &
  emulator_pid=$!
  url=$(emulator_url "$emulator_pid" "$work/emulator.log")
  last=$(AKOOL_API_KEY=bench-key-0123456789 "$bin/akool-bench" "$url" "$n" | tail -n 1)
  peak_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$emulator_pid/status")
  stop
  rps=$(sed -n 's/.*rps=\([^ ]*\).*/\1/p' <<< "$last")
  awk -v n="$n" -v m="${MAX_TASKS:-default}" -v k="$peak_kib" -v r="$rps" \
    'BEGIN { printf "creates=%s max_tasks=%s emulator_peak_mib=%.1f rps=%s\n", n, m, k / 1024, r }'
done
