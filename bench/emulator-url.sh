# Sourced by the benchmarks that start akool-emulator. `emulator_url PID LOG [MORE_LOGS...]`
# waits up to 10 s for the emulator's first line, "listening on URL", in LOG and prints URL.
# When the emulator exits first or never says it, it prints "the emulator did not start" and
# the logs on stderr and fails (use as `url=$(emulator_url ...)` under `set -e`).
emulator_url() {
  local pid=$1 log=$2 url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on //p' "$log" | head -n 1)
    if [[ -n $url ]]; then
      echo "$url"
      return 0
    fi
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  echo "the emulator did not start" >&2
  shift
  cat "$@" >&2
  return 1
}
