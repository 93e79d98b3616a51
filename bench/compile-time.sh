#!/usr/bin/env bash
# What one consumer TU costs to compile (issue 14): each TU of bench/compile_time/ compiled
# with g++ -O2 -std=c++17 (-c, no link), one at a time, under GNU time; prints per TU the user
# CPU seconds and the peak memory (maximum resident set size) in MB, then one summary line:
#   core_s=A facade_s=B compiled_client_s=C header_only_client_s=D header_only_mb=E beast_loop_s=F curl_nlohmann_s=G
#
# TUs:
#   core               core.cpp: validate + encode a request (<akool/validate.hpp>,
#                      <akool/json_encode.hpp>), header-only mode              -> core_s
#   core_floor         core_floor.cpp: the standard headers the core is written with, no akool
#                      header: the floor under core (printed, not in the summary)
#   core_json          core_json.cpp: the same through <akool/json.hpp>, which also brings the
#                      Boost.JSON decoders (printed, not in the summary)
#   decode_replies     decode_replies.cpp: decodes a create and a get-result reply
#                      (<akool/json.hpp>), header-only mode (printed, not in the summary)
#   holds_client       holds_client.cpp: <akool/akool.hpp> and an akool::client constructed,
#                      no operation started, header-only mode (printed, not in the summary)
#   header_only_client readme_tour.cpp: README.md's library tour as written
#                      (<akool/akool.hpp>, one generate), header-only mode      -> header_only_client_s, _mb
#   beast_loop         beast_sync.cpp, copied unchanged from the peers harness
#                      (../shared/peers): a hand-written Beast + Boost.JSON loop  -> beast_loop_s
#   curl_nlohmann      curl_nlohmann.cpp, copied unchanged from the same harness -> curl_nlohmann_s
#                      (n/a without libcurl's and nlohmann's headers: Debian libcurl4-openssl-dev,
#                      nlohmann-json3-dev)
#   facade             facade.cpp: <akool/blocking_client.hpp> and one generate, compiled
#                      mode (-DAKOOL_SEPARATE_COMPILATION: no Asio, Beast or OpenSSL
#                      header; <akool/src.hpp> is compiled once elsewhere)          -> facade_s
#   facade_floor       facade_floor.cpp: the headers the facade's interface needs
#                      (boost::system::error_code, std::function, ...) and <iostream>, no
#                      akool header: the floor under facade (printed, not in the summary)
#   compiled_client    compiled_client.cpp: akool::client (<akool/beast_client.hpp>), one
#                      create with a callback and one generate with use_awaitable, compiled
#                      mode, -std=c++20 (coroutines)                                -> compiled_client_s
#   asio_floor         asio_floor.cpp: the same shape with Asio alone (a timer with a callback,
#                      a coroutine with use_awaitable), -std=c++20: the floor under
#                      compiled_client (printed, not in the summary)
#
# Rounds: the machine's speed drifts (up to 1.5x within an hour here), so every TU is compiled
# ROUNDS times (default 3), the rounds interleaved (round 1 compiles every TU, then round 2,
# ...) so that a slow minute falls on all TUs alike. Each row gives the median over the rounds
# and every round's figure; the summary line holds the medians. ROUNDS=1 is a single pass.
# Knobs: CXX (default g++), EXTRA_FLAGS (added to every compile), ROUNDS. GNU time is
# /usr/bin/time (Debian package `time`, installed here when missing and run as root).
# usage: bash bench/compile-time.sh     (from anywhere; 3 to 4 minutes on the 2-core machine)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/bench/compile_time
cxx=${CXX:-g++}
flags=(-std=c++17 -O2 ${EXTRA_FLAGS:-})

. "$root/bench/need-gnu-time.sh"

rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer" >&2; exit 2; }

echo "== $($cxx --version | head -n 1); flags: ${flags[*]} -c; one TU at a time, $rounds interleaved round(s)"

# The TUs in print order: NAME FILE FLAGS... (one line each).
tus=(
  "core $dir/core.cpp -I$root/include"
  "core_floor $dir/core_floor.cpp"
  "core_json $dir/core_json.cpp -I$root/include"
  "decode_replies $dir/decode_replies.cpp -I$root/include"
  "facade $dir/facade.cpp -I$root/include -DAKOOL_SEPARATE_COMPILATION"
  "facade_floor $dir/facade_floor.cpp"
  "compiled_client $dir/compiled_client.cpp -I$root/include -DAKOOL_SEPARATE_COMPILATION -std=c++20"
  "asio_floor $dir/asio_floor.cpp -std=c++20"
  "holds_client $dir/holds_client.cpp -I$root/include"
  "header_only_client $dir/readme_tour.cpp -I$root/include"
  "beast_loop $dir/beast_sync.cpp"
)
if echo '#include <curl/curl.h>
#include <nlohmann/json.hpp>' | "$cxx" -x c++ -std=c++17 -fsyntax-only - 2> /dev/null; then
  tus+=("curl_nlohmann $dir/curl_nlohmann.cpp")
else
  echo "   curl_nlohmann: curl/curl.h or nlohmann/json.hpp not found (n/a)" >&2
fi

# compile NAME FILE [FLAGS...]: appends "user_s peak_mb" (or "n/a n/a" when it fails) to
# $results/NAME.
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
compile() {
  local name=$1 file=$2
  shift 2
  local log=$results/log
  if /usr/bin/time -f '%U %M' -o "$log.time" "$cxx" "${flags[@]}" "$@" -c "$file" -o /dev/null 2> "$log"; then
    local user_s kb
    read -r user_s kb < "$log.time"
    echo "$user_s $(( (kb + 512) / 1024 ))" >> "$results/$name"
  else
    echo "   $name failed to compile:" >&2
    head -n 5 "$log" >&2
    echo "n/a n/a" >> "$results/$name"
  fi
}

for ((r = 1; r <= rounds; r++)); do
  echo "   round $r of $rounds" >&2
  for tu in "${tus[@]}"; do
    # shellcheck disable=SC2086  # the line is NAME FILE FLAGS..., split on purpose
    compile $tu
  done
done

# median COLUMN FILE: the median of a column ("n/a" if any round failed).
median() {
  cut -d' ' -f"$1" "$2" | sort -g | awk '{ if ($1 == "n/a") bad = 1; v[NR] = $1 } END {
    if (bad || NR == 0) { print "n/a"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '%-20s %8s %8s   %s\n' tu user_s peak_mb "rounds (user_s)"
declare -A sec mb
for tu in "${tus[@]}"; do
  name=${tu%% *}
  sec[$name]=$(median 1 "$results/$name")
  mb[$name]=$(median 2 "$results/$name")
  printf '%-20s %8s %8s   %s\n' "$name" "${sec[$name]}" "${mb[$name]}" "$(cut -d' ' -f1 "$results/$name" | tr '\n' ' ')"
done

echo "core_s=${sec[core]} facade_s=${sec[facade]} compiled_client_s=${sec[compiled_client]} header_only_client_s=${sec[header_only_client]} header_only_mb=${mb[header_only_client]} beast_loop_s=${sec[beast_loop]} curl_nlohmann_s=${sec[curl_nlohmann]:-n/a}"
