#!/usr/bin/env bash
# Runs akool-bench next to the peer clients (wrk, beast_sync, curl_nlohmann, python requests)
# of the peers harness, interleaved, in both CPU layouts, and prints the median tables and
# the akool ratios. One peer is added to the harness's: beast_timeout (bench/beast_timeout.cpp),
# beast_sync's loop with Beast's own timeouts (tcp_stream::expires_after, async write and read),
# since beast_sync's blocking calls have none and akool puts one on every wait.
#
#   bench/run-peers.sh [PEERS_DIR]       (default: ../shared/peers relative to the repo root)
#
# The harness is copied to a scratch directory first (WORK, default a new /tmp/akool-peers.*);
# the original is never written. akool-bench is built in Release (-O2) in BUILD_DIR (default
# <repo>/build-bench) and added to the harness's CLIENTS as two rows per protocol:
# akool (the sync form, client.create in a loop: the exchange runs on the calling thread through
# the transport's blocking send over its kept-alive connection) and akool_async
# (AKOOL_BENCH_MODE=async: a chain of async_create under one ioc.run()).
# Every knob of run-all.sh passes through: ROUNDS N N_PY N_PY_NOREUSE N_PY_NOREUSE_TLS WRK_SECS
# LAYOUTS MICRO_ITERS PY. Shorter runs: NO_PY=1 drops the Python rows, NO_ASYNC=1 the async
# akool row, NO_SERVER_MAX=1 the split layout's wrk -t2 -c64 rows (the server's maximum).
# Besides the ratios of medians it prints the paired ratios: akool / wrk and akool / curl
# within each round (the clients of one round run seconds apart), their median and range,
# and how many rounds met the bar; wrk / curl beside them shows what the curl half allows.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$(cd "${1:-$REPO/../shared/peers}" && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
WORK=${WORK:-$(mktemp -d /tmp/akool-peers.XXXXXX)}

[[ -x $PEERS/run-all.sh ]] || { echo "no peers harness at $PEERS" >&2; exit 2; }

echo "== building akool-bench (Release) in $BUILD_DIR"
cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKOOL_BUILD_TESTS=OFF > /dev/null
cmake --build "$BUILD_DIR" -j2 --target akool-bench

echo "== harness copied to $WORK"
cp -r "$PEERS/." "$WORK/"
rm -rf "$WORK/results" "$WORK/run"
mkdir -p "$WORK/bin"
cp "$BUILD_DIR/bin/akool-bench" "$WORK/bin/akool-bench"
# Built as the harness's Makefile builds beast_sync.
${CXX:-g++} -O2 -std=c++17 -Wall -o "$WORK/bin/beast_timeout" "$REPO/bench/beast_timeout.cpp" -lboost_json -lssl -lcrypto -pthread

# Two akool rows after the curl_nlohmann row of each protocol, and beast_timeout after
# beast_sync ($N, $H and $S stay literal: run-all.sh expands them; it runs the command
# word-split, hence env).
cd "$WORK"
rows() {  # rows URLVAR
  printf '%s' "  \"akool|$2|\$N|bin/akool-bench \$$1 \$N\"\n  \"akool_async|$2|\$N|env AKOOL_BENCH_MODE=async bin/akool-bench \$$1 \$N\""
}
sed -i -e "/^  \"curl_nlohmann|http|/a\\$(rows H http)" -e "/^  \"curl_nlohmann|https|/a\\$(rows S https)" \
  -e '/^  "beast_sync|http|/a\  "beast_timeout|http|$N|bin/beast_timeout $H $N"' \
  -e '/^  "beast_sync|https|/a\  "beast_timeout|https|$N|bin/beast_timeout $S $N"' run-all.sh
if [[ ${NO_PY:-0} == 1 ]]; then sed -i '/^  "py_requests/d' run-all.sh; fi
if [[ ${NO_SERVER_MAX:-0} == 1 ]]; then sed -i '/^  "wrk -t2 -c64|/d' run-all.sh; fi
# The harness's JSON micro-benchmark needs simdjson (Debian: libsimdjson-dev); without it the
# harness's make fails, so drop that one program rather than the whole run.
if ! echo '#include <simdjson.h>' | ${CXX:-g++} -x c++ -fsyntax-only - 2> /dev/null; then
  echo "== simdjson.h not found: the JSON micro-benchmark is skipped (apt-get install libsimdjson-dev)"
  sed -i 's|^all: \(.*\) bin/json_micro|all: \1|' Makefile
  sed -i '/json_micro/d' run-all.sh
fi
[[ $(grep -c '^  "akool|' run-all.sh) == 2 && $(grep -c '^  "akool_async|' run-all.sh) == 2 &&
   $(grep -c '^  "beast_timeout|' run-all.sh) == 2 ]] ||
  { echo "could not add the akool rows to run-all.sh" >&2; exit 1; }
if [[ ${NO_ASYNC:-0} == 1 ]]; then sed -i '/^  "akool_async/d' run-all.sh; fi

./run-all.sh

OUT=$(ls -d results/*/ | tail -n1)
echo
echo "== akool ratios (medians of $OUT/runs.tsv)"
python3 - "$OUT/runs.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = {}
for key in {(r["layout"], r["client"], r["proto"]) for r in rows}:
    med[key] = statistics.median(float(r["rps"]) for r in rows if (r["layout"], r["client"], r["proto"]) == key)
print("| layout | proto | client | req/s | /wrk (bar 0.90) | /beast_sync (bar 0.95) | /beast_timeout | /curl (bar 1.40) |")
print("|---|---|---|--:|--:|--:|--:|--:|")
for layout in dict.fromkeys(r["layout"] for r in rows):
    for proto in ("http", "https"):
        for client in ("akool", "akool_async", "beast_timeout"):
            a = med.get((layout, client, proto))
            if a is None:
                continue
            f = lambda c: f"{a / med[(layout, c, proto)]:.2f}" if (layout, c, proto) in med else "-"
            bt = f('beast_timeout') if client != "beast_timeout" else "-"
            print(f"| {layout} | {proto} | {client} | {a:,.0f} | {f('wrk -t1 -c1')} | {f('beast_sync')} | {bt} | {f('curl_nlohmann')} |")

# Paired: the ratio within each round, then the median (and range) over the rounds.
rps = {(r["layout"], r["client"], r["proto"], r["round"]): float(r["rps"]) for r in rows}
rounds = sorted({r["round"] for r in rows}, key=int)
print()
print(f"paired ratios over {len(rounds)} rounds: median (min-max), rounds meeting the bar")
print("| layout | proto | client | /wrk (bar 0.90) | met | /curl (bar 1.40) | met | /beast_sync (bar 0.95) | met | /beast_timeout | wrk/curl |")
print("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
def paired(layout, proto, num, den):
    return [rps[(layout, num, proto, k)] / rps[(layout, den, proto, k)] for k in rounds
            if (layout, num, proto, k) in rps and (layout, den, proto, k) in rps]
def cell(v, bar):
    if not v:
        return "-", "-"
    return (f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})", f"{sum(x >= bar for x in v)}/{len(v)}")
for layout in dict.fromkeys(r["layout"] for r in rows):
    for proto in ("http", "https"):
        wc = paired(layout, proto, "wrk -t1 -c1", "curl_nlohmann")
        for client in ("akool", "akool_async", "beast_sync", "beast_timeout"):
            if (layout, client, proto, rounds[0]) not in rps:
                continue
            w, wm = cell(paired(layout, proto, client, "wrk -t1 -c1"), 0.90)
            c, cm = cell(paired(layout, proto, client, "curl_nlohmann"), 1.40)
            b, bm = cell(paired(layout, proto, client, "beast_sync"), 0.95) if client != "beast_sync" else ("-", "-")
            t = cell(paired(layout, proto, client, "beast_timeout"), 0)[0] if client.startswith("akool") else "-"
            print(f"| {layout} | {proto} | {client} | {w} | {wm} | {c} | {cm} | {b} | {bm} | {t} | {cell(wc, 1.40)[0]} |")
PY
echo "results in $WORK/$OUT"
