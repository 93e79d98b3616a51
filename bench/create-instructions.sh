#!/usr/bin/env bash
# The client's own work per create call, in instructions (valgrind's callgrind), beside the
# hand-written Beast loop of the peers harness (beast_sync) against the same canned nginx. The
# count is the caller's CPU cost of a call; unlike req/s it barely moves with the machine's
# load (within ~1% between runs here), so a change of a few percent shows.
#
#   bash bench/create-instructions.sh [PEERS_DIR]     (default: ../shared/peers)
#
# Each client runs N1 and N2 sequential creates over one kept-alive connection (default 500
# and 2500); instructions per create = (count at N2 - count at N1) / (N2 - N1), so start-up,
# connect and the TLS handshake drop out. Rows: beast_sync, akool (the sync form) and
# akool_async (AKOOL_BENCH_MODE=async), over http and https. The last line:
#   http_akool=A http_akool_async=B http_beast_sync=C https_akool=D https_akool_async=E https_beast_sync=F
# About 2 minutes after the build. Debian packages: valgrind, nginx-light, openssl, python3,
# and the library's build dependencies.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$(cd "${1:-$REPO/../shared/peers}" && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
N1=${N1:-500} N2=${N2:-2500}
[[ -x $PEERS/start-nginx.sh ]] || { echo "no peers harness at $PEERS" >&2; exit 2; }

missing=()
for tool in valgrind:valgrind nginx:nginx-light openssl:openssl python3:python3; do
  command -v "${tool%%:*}" > /dev/null || missing+=("${tool#*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
    apt-get install -y "${missing[@]}" > /dev/null
  else
    echo "missing Debian packages: ${missing[*]}" >&2
    exit 2
  fi
fi

echo "== building akool-bench (Release) in $BUILD_DIR"
cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAKOOL_BUILD_TESTS=OFF > /dev/null
cmake --build "$BUILD_DIR" -j2 --target akool-bench > /dev/null

WORK=$(mktemp -d /tmp/akool-instr.XXXXXX)
cp -r "$PEERS/." "$WORK/"
rm -rf "$WORK/results" "$WORK/run" "$WORK/bin"
cd "$WORK"
make -s bin/beast_sync
trap './stop-nginx.sh > /dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
NGINX_CPU= ./start-nginx.sh > /dev/null

P=/api/open/v4/content/image/createBySourcePrompt
AKOOL=$BUILD_DIR/bin/akool-bench
export AKOOL_CA_FILE=$WORK/tls/ca.crt CA=$WORK/tls/ca.crt  # akool-bench's and beast_sync's CA for https
instructions() {  # instructions N CMD... : what callgrind counted for CMD with N creates
  local n=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file=cg.out "$@" "$n" > out.log 2> vg.log ||
    { echo "failed: $* $n" >&2; tail -n 5 out.log vg.log >&2; exit 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' vg.log
}
per_create() {  # per_create CMD...
  local a b
  a=$(instructions "$N1" "$@")
  b=$(instructions "$N2" "$@")
  echo $(((b - a) / (N2 - N1)))
}

summary=()
printf '%-6s %-12s %12s %10s\n' proto client instr/create /beast_sync
for proto in http https; do
  if [[ $proto == http ]]; then url=http://127.0.0.1:18080$P; else url=https://127.0.0.1:18443$P; fi
  beast=$(per_create bin/beast_sync "$url")
  sync=$(per_create "$AKOOL" "$url")
  export AKOOL_BENCH_MODE=async  # (not through env(1): callgrind would count env, not the child)
  async=$(per_create "$AKOOL" "$url")
  unset AKOOL_BENCH_MODE
  for row in "akool $sync" "akool_async $async" "beast_sync $beast"; do
    set -- $row
    printf '%-6s %-12s %12d %10s\n' "$proto" "$1" "$2" "$(python3 -c "print(f'{$2 / $beast:.2f}')")"
    summary+=("${proto}_$1=$2")
  done
done
echo "${summary[*]}"
