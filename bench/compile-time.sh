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
# Knobs: CXX (default g++), EXTRA_FLAGS (added to every compile). GNU time is /usr/bin/time
# (Debian package `time`, installed here when missing and run as root).
# usage: bash bench/compile-time.sh     (from anywhere; about a minute on the 2-core machine)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/bench/compile_time
cxx=${CXX:-g++}
flags=(-std=c++17 -O2 ${EXTRA_FLAGS:-})

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get install -y time > /dev/null
  else
    echo "GNU time (/usr/bin/time, Debian package 'time') is missing; install it and run again" >&2
    exit 2
  fi
fi

echo "== $($cxx --version | head -n 1); flags: ${flags[*]} -c; one TU at a time"
printf '%-20s %8s %8s\n' tu user_s peak_mb

# compile NAME FILE [FLAGS...]: sets the globals user_s and peak_mb ("n/a" when it fails).
compile() {
  local name=$1 file=$2
  shift 2
  local log
  log=$(mktemp)
  if /usr/bin/time -f '%U %M' -o "$log.time" "$cxx" "${flags[@]}" "$@" -c "$file" -o /dev/null 2> "$log"; then
    read -r user_s kb < "$log.time"
    peak_mb=$(( (kb + 512) / 1024 ))
  else
    echo "   $name failed to compile:" >&2
    head -n 5 "$log" >&2
    user_s=n/a peak_mb=n/a
  fi
  rm -f "$log" "$log.time"
  printf '%-20s %8s %8s\n' "$name" "$user_s" "$peak_mb"
}

compile core "$dir/core.cpp" -I"$root/include"
core_s=$user_s
compile core_floor "$dir/core_floor.cpp"
compile core_json "$dir/core_json.cpp" -I"$root/include"
compile facade "$dir/facade.cpp" -I"$root/include" -DAKOOL_SEPARATE_COMPILATION
facade_s=$user_s
compile facade_floor "$dir/facade_floor.cpp"
compile compiled_client "$dir/compiled_client.cpp" -I"$root/include" -DAKOOL_SEPARATE_COMPILATION -std=c++20
compiled_client_s=$user_s
compile asio_floor "$dir/asio_floor.cpp" -std=c++20
compile header_only_client "$dir/readme_tour.cpp" -I"$root/include"
header_only_client_s=$user_s header_only_mb=$peak_mb
compile beast_loop "$dir/beast_sync.cpp"
beast_loop_s=$user_s
if echo '#include <curl/curl.h>
#include <nlohmann/json.hpp>' | "$cxx" -x c++ -std=c++17 -fsyntax-only - 2> /dev/null; then
  compile curl_nlohmann "$dir/curl_nlohmann.cpp"
  curl_nlohmann_s=$user_s
else
  echo "   curl_nlohmann: curl/curl.h or nlohmann/json.hpp not found (n/a)" >&2
  curl_nlohmann_s=n/a
fi

echo "core_s=$core_s facade_s=$facade_s compiled_client_s=$compiled_client_s header_only_client_s=$header_only_client_s header_only_mb=$header_only_mb beast_loop_s=$beast_loop_s curl_nlohmann_s=$curl_nlohmann_s"
