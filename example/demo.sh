#!/usr/bin/env bash
# The README's demo: builds akool-image and the emulator, starts the emulator on a free port,
# generates an image from a prompt with akool-image (showing its progress), saves the PNG under
# out/, prints its path and stops the emulator. Needs no API key and spends no credit.
#
#   bash example/demo.sh ["your prompt"]
#
# As root on Debian/Ubuntu it installs the missing build packages with apt-get first.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${AKOOL_DEMO_BUILD_DIR:-$root/build/demo}"
out="$root/out"
prompt="${1:-A majestic mountain landscape at sunset with golden light}"

# 1. Packages (Debian 12 names: its default libboost-dev is 1.74, the library needs 1.81).
packages=(g++ cmake ninja-build libboost1.81-dev libboost-json1.81-dev libssl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "demo: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "demo: missing packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
fi

# 2. Build only the two programs.
echo "demo: building akool-image and akool-emulator in $build"
# Only what the demo runs: the tools; no tests (they need Boost.Test), no examples.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${AKOOL_DEMO_BUILD_TYPE:-Release}" \
  -DAKOOL_BUILD_TESTS=OFF -DAKOOL_BUILD_EXAMPLES=OFF -DAKOOL_BUILD_TOOLS=ON >/dev/null
cmake --build "$build" --target akool-image akool-emulator -j "${AKOOL_JOBS:-2}"

# 3. The emulator on a free port, with short timings; stopped whatever happens.
log="$(mktemp)"
"$build/bin/akool-emulator" --port 0 --queue-ms 1000 --process-ms 2000 >"$log" 2>&1 &
emulator_pid=$!
cleanup() {
  kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT INT TERM
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on //p' "$log" | head -n 1)"
  [[ -n "$url" ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "demo: the emulator did not start" >&2; cat "$log" >&2; exit 1; }
echo "demo: emulator listening on $url"

# 4. Generate. The emulator accepts any key; the real service needs yours (see README).
mkdir -p "$out"
marker="$log.start"
touch "$marker"
echo "demo: akool-image generate --prompt \"$prompt\" --resolution 1080p --out out"
status=0
AKOOL_BASE_URL="$url" AKOOL_API_KEY="demo-key" \
  "$build/bin/akool-image" generate --prompt "$prompt" --resolution 1080p --out "$out" || status=$?
image="$(find "$out" -maxdepth 1 -name '*.png' -newer "$marker" | head -n 1)"
rm -f "$marker"
if [[ $status -ne 0 || -z "$image" ]]; then
  echo "demo: generation failed (exit code $status)" >&2
  exit "$((status ? status : 1))"
fi
echo "demo: your image is $image"
