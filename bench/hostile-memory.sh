#!/usr/bin/env bash
# The memory one hostile API reply costs to decode, against nlohmann::json::parse of the same
# body (the curl + nlohmann peer's decoder) in the same run: bench/hostile_memory.cpp, one
# process per figure, for replies of 1 MiB (the client's default max_response_bytes) and
# 8 MiB. Cases: a create reply whose data is [0,0,...]; a create reply of one task id given
# again and again (refused); a result reply with upscaled_urls ["","",...].
# Prints one line per case and size, "<case> <MiB> MiB: akool A MB, nlohmann B MB, ratio R",
# then a last line `zeros_1mib_mb=A dup_ids_1mib_mb=B urls_1mib_mb=C worst_8mib_mb=D worst_ratio=R`
# (MB added to the peak RSS by the decode; ratio akool / nlohmann, the worst over the cases).
# nlohmann (Debian: nlohmann-json3-dev) is optional: without it its figures are n/a.
# Knobs: CXX (default g++), AKOOL_INCLUDE (default include/ of this checkout).
# usage: bash bench/hostile-memory.sh          (from anywhere; about 30 s)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inc=${AKOOL_INCLUDE:-$root/include}
out=$(mktemp /tmp/akool-hostile-memory.XXXXXX)
trap 'rm -f "$out"' EXIT
"${CXX:-g++}" -std=c++17 -O2 -I"$inc" -o "$out" "$root/bench/hostile_memory.cpp" -lboost_json
declare -A fig
worst8=0 worst_ratio=0
for kind in create_zeros create_dup_ids result_urls; do
  for mib in 1 8; do
    a=$("$out" "$kind" "$mib" akool 2> /dev/null)
    n=$("$out" "$kind" "$mib" nlohmann 2> /dev/null)
    ratio=n/a
    if [ "$n" != n/a ]; then
      ratio=$(awk -v a="$a" -v n="$n" 'BEGIN { printf "%.2f", (n > 0 ? a / n : 0) }')
      worst_ratio=$(awk -v r="$ratio" -v w="$worst_ratio" 'BEGIN { print (r > w ? r : w) }')
    fi
    echo "$kind $mib MiB: akool $a MB, nlohmann $n MB, ratio $ratio"
    fig[$kind.$mib]=$a
    [ "$mib" = 8 ] && worst8=$(awk -v a="$a" -v w="$worst8" 'BEGIN { print (a > w ? a : w) }')
  done
done
echo "zeros_1mib_mb=${fig[create_zeros.1]} dup_ids_1mib_mb=${fig[create_dup_ids.1]}" \
     "urls_1mib_mb=${fig[result_urls.1]} worst_8mib_mb=$worst8 worst_ratio=$worst_ratio"
