#!/usr/bin/env bash
# The frame and memory figures of a generate, against the emulator: 4 images at 4k 16:9
# (25 MB PNGs: akool-emulator --image-scale-down 1 --queue-ms 200 --process-ms 500).
#
#   bash bench/game-loop.sh            (about 2 minutes after the build, 3 rounds)
#
# Prints, ROUNDS times each (default 3), then the medians:
#   frame   example/game_loop, the io_context polled once per 16 ms frame: its last line,
#           frames=F saved=S max_frame_ms=M p99_frame_ms=P secs=T cpu_max_frame_ms=C cpu_p99_frame_ms=Q
#           (M, P: a frame's work by the wall clock; C, Q: by the process's CPU time)
#   thread  the same generate on a run() thread (game_loop --run-thread): secs=T
#   cli     akool-image generate --count 4 --resolution 4k --scale 16:9: peak RSS
#           (/usr/bin/time's maximum resident set size) and seconds
# LAYOUT=shared (default) lets the scheduler put the emulator and the client on any CPU;
# LAYOUT=split pins the emulator to CPU 0 and the client to CPU 1 (taskset), as a remote
# service would be. On a 2-core machine the emulator writes 100 MB to the client in about a
# second, and when it shares the client's CPU a frame's time includes the emulator's turns:
# its wall time then exceeds its CPU time.
# BUILD_DIR (default <repo>/build-bench) is where game_loop, akool-image and akool-emulator
# are built (Release).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
ROUNDS=${ROUNDS:-3}
LAYOUT=${LAYOUT:-shared}

. "$REPO/bench/need-gnu-time.sh"
. "$REPO/bench/emulator-url.sh"

echo "== building game_loop, akool-image, akool-emulator (Release) in $BUILD_DIR"
cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKOOL_BUILD_TESTS=OFF \
  -DAKOOL_BUILD_EXAMPLES=ON -DAKOOL_BUILD_TOOLS=ON > /dev/null
cmake --build "$BUILD_DIR" -j2 --target game_loop akool-image akool-emulator
bin=$BUILD_DIR/bin

case $LAYOUT in
  shared) server_pin=() client_pin=() ;;
  split) server_pin=(taskset -c 0) client_pin=(taskset -c 1) ;;
  *) echo "LAYOUT is shared or split" >&2; exit 2 ;;
esac

work=$(mktemp -d /tmp/akool-game-loop.XXXXXX)
log=$work/emulator.log
"${server_pin[@]}" "$bin/akool-emulator" --port 0 --image-scale-down 1 --queue-ms 200 --process-ms 500 \
  > "$log" 2>&1 &
emulator_pid=$!
trap 'kill $emulator_pid 2> /dev/null; wait $emulator_pid 2> /dev/null; rm -rf "$work"' EXIT
url=$(emulator_url "$emulator_pid" "$log")
export AKOOL_BASE_URL=$url AKOOL_API_KEY=bench-key-0123456789
echo "== emulator at $url, layout $LAYOUT, $ROUNDS round(s), $(nproc) CPUs"

# field NAME LINE: the value of NAME=... in LINE.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<< "$2"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }  # KiB -> MiB
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -a p99 maxf cp99 cmax fsecs tsecs rss csecs
for ((r = 1; r <= ROUNDS; r++)); do
  rm -rf "$work/out"
  line=$("${client_pin[@]}" "$bin/game_loop" --count 4 --resolution 4k --scale 16:9 --out "$work/out" | tail -n 1)
  [[ $(field saved "$line") == 4 ]] || { echo "game_loop did not save 4 images: $line" >&2; exit 1; }
  echo "frame  $line"
  p99+=("$(field p99_frame_ms "$line")") maxf+=("$(field max_frame_ms "$line")") fsecs+=("$(field secs "$line")")
  cp99+=("$(field cpu_p99_frame_ms "$line")") cmax+=("$(field cpu_max_frame_ms "$line")")

  rm -rf "$work/out"
  line=$("${client_pin[@]}" "$bin/game_loop" --count 4 --resolution 4k --scale 16:9 --out "$work/out" --run-thread | tail -n 1)
  [[ $(field saved "$line") == 4 ]] || { echo "game_loop --run-thread did not save 4 images: $line" >&2; exit 1; }
  echo "thread secs=$(field secs "$line")"
  tsecs+=("$(field secs "$line")")

  rm -rf "$work/out"
  "${client_pin[@]}" /usr/bin/time -f '%M %e' -o "$work/time" "$bin/akool-image" generate --prompt "a lighthouse" \
    --count 4 --resolution 4k --scale 16:9 --out "$work/out" > /dev/null
  [[ $(find "$work/out" -name '*.png' | wc -l) == 4 ]] || { echo "akool-image did not save 4 images" >&2; exit 1; }
  read -r kb secs < "$work/time"
  echo "cli    peak_rss_mib=$(mib "$kb") secs=$secs"
  rss+=("$kb") csecs+=("$secs")
done

m() { printf '%s\n' "$@" | median; }
echo "game_loop_p99_ms=$(m "${p99[@]}") game_loop_max_ms=$(m "${maxf[@]}") game_loop_s=$(m "${fsecs[@]}")" \
  "game_loop_cpu_p99_ms=$(m "${cp99[@]}") game_loop_cpu_max_ms=$(m "${cmax[@]}")" \
  "run_thread_s=$(m "${tsecs[@]}") cli_peak_rss_mib=$(mib "$(m "${rss[@]}")")" \
  "cli_s=$(m "${csecs[@]}") layout=$LAYOUT"
