#!/usr/bin/env bash
# The memory a download to memory holds: one 4k 16:9 image of the emulator (about 25 MB,
# akool-emulator --image-scale-down 1), fetched by akool::blocking_client::download and by
# libcurl (the body appended to a std::string by its write callback, as its examples do), one
# process each, ROUNDS times (default 3). Prints per client the body's size, the string's
# capacity and the process's peak RSS (GNU time), then one last line
#   image_mb=B akool_peak_mb=A curl_peak_mb=C ratio=R     (medians; R = A / C)
# libcurl is optional (Debian libcurl4-openssl-dev): without it the curl figures are n/a.
# BUILD_DIR (default <repo>/build-bench) is where akool-emulator is built (Release).
# usage: bash bench/download-memory.sh          (about a minute after the build)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
ROUNDS=${ROUNDS:-3}
CXX=${CXX:-g++}

. "$REPO/bench/need-gnu-time.sh"
. "$REPO/bench/emulator-url.sh"

echo "== building akool-emulator (Release) in $BUILD_DIR, and bench/download_memory.cpp (-O2)"
cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKOOL_BUILD_TESTS=OFF \
  -DAKOOL_BUILD_EXAMPLES=ON -DAKOOL_BUILD_TOOLS=ON > /dev/null
cmake --build "$BUILD_DIR" -j2 --target akool-emulator
work=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
clients=(akool)
if echo '#include <curl/curl.h>' | "$CXX" -x c++ -fsyntax-only - 2> /dev/null; then
  "$CXX" -std=c++17 -O2 -I"$REPO/include" -DAKOOL_BENCH_CURL "$REPO/bench/download_memory.cpp" -o "$work/dl" \
    -lboost_json -lssl -lcrypto -lcurl -pthread
  clients+=(curl)
else
  echo "   libcurl's headers not found: curl n/a" >&2
  "$CXX" -std=c++17 -O2 -I"$REPO/include" "$REPO/bench/download_memory.cpp" -o "$work/dl" \
    -lboost_json -lssl -lcrypto -pthread
fi

"$BUILD_DIR/bin/akool-emulator" --port 0 --image-scale-down 1 --queue-ms 0 --process-ms 0 > "$work/emu.log" 2>&1 &
pid=$!
base=$(emulator_url "$pid" "$work/emu.log")
url=$("$work/dl" url "$base")  # one finished 4k 16:9 task's image URL

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for c in "${clients[@]}"; do
  : > "$work/$c.rss"
  for r in $(seq 1 "$ROUNDS"); do
    out=$(/usr/bin/time -f "peak_kb=%M" "$work/dl" "$c" "$url" 2>&1)
    kb=$(sed -n 's/^peak_kb=//p' <<<"$out")
    echo "$c round $r: $(grep '^bytes=' <<<"$out") peak_rss_mb=$(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}')"
    echo "$kb" >> "$work/$c.rss"
    grep -o 'bytes=[0-9]*' <<<"$out" | cut -d= -f2 > "$work/bytes"
  done
done
image_mb=$(awk -v b="$(cat "$work/bytes")" 'BEGIN{printf "%.1f", b/1048576}')
akool_mb=$(median < "$work/akool.rss" | awk '{printf "%.1f", $1/1024}')
if [[ -s $work/curl.rss ]]; then
  curl_mb=$(median < "$work/curl.rss" | awk '{printf "%.1f", $1/1024}')
  ratio=$(awk -v a="$akool_mb" -v c="$curl_mb" 'BEGIN{printf "%.2f", a/c}')
else
  curl_mb=n/a ratio=n/a
fi
echo "image_mb=$image_mb akool_peak_mb=$akool_mb curl_peak_mb=$curl_mb ratio=$ratio"
