#!/usr/bin/env bash
# The README's two commands on a bare Debian 12, as a new user runs them:
#
#   bash test/fresh.sh
#
# 1. Makes a minimal Debian 12 root (`debootstrap --variant=minbase bookworm`) from the mirror
#    this machine's apt sources name (read at run time), once: the pristine root is cached as a
#    tarball (build/fresh/bookworm-minbase.tar.gz, or $AKOOL_FRESH_CACHE) and unpacked anew for
#    every run. The root gets an /etc/hosts with localhost, as every real install has, and this
#    machine's resolv.conf so that apt reaches the mirror.
# 2. Clones this repository's committed HEAD into the root and, in a chroot:
#    - runs `bash example/demo.sh` (it installs its own packages);
#    - checks that a configure with the tests on, without Boost.Test, fails with a one-line
#      message naming the package (CMake, then Meson);
#    - runs the README's test command limited to one configuration:
#      `AKOOL_CI_CONFIGS=$AKOOL_FRESH_CONFIG bash test/run.sh` (default cmake-gcc-cxx17).
# 3. Prints as its last line:
#      fresh: demo=OK|FAIL tests=N passed, M failed secs=S
#    and exits non-zero unless the demo and the tests passed.
#
# Needs root (debootstrap, chroot, mounts) and installs debootstrap with apt-get when missing.
# Not part of .ci/run (it takes about 15 minutes); run it before closing an issue that touches
# packages, CMake or Meson. Logs: build/fresh/{demo,boost-test,tests}.log.
# Knobs: AKOOL_FRESH_CONFIG, AKOOL_FRESH_CACHE, AKOOL_FRESH_DIR (where the root is unpacked),
# AKOOL_FRESH_MIRROR (overrides the mirror read from the apt sources), AKOOL_FRESH_KEEP=1.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$repo/build/fresh"
cache="${AKOOL_FRESH_CACHE:-$work/bookworm-minbase.tar.gz}"
rootfs="${AKOOL_FRESH_DIR:-$work/root}"
config="${AKOOL_FRESH_CONFIG:-cmake-gcc-cxx17}"
start=$SECONDS
mkdir -p "$work"

die() { echo "fresh: $*" >&2; echo "fresh: demo=FAIL tests=0 passed, 1 failed secs=$((SECONDS - start))"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot and mounts need it)"
if ! command -v debootstrap >/dev/null; then
  echo "fresh: installing debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
    || die "apt-get install debootstrap failed"
fi

# The first Debian mirror of this machine's apt sources (deb822 .sources files or one-line
# sources.list), not its security archive.
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm([ \n]|$)/ && !/bookworm-security/ {
           if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { u=substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", u); print u; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1=="deb" && $0 !~ /security/ && $0 ~ /debian/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f"
  done
}
mirror="${AKOOL_FRESH_MIRROR:-$(find_mirror | head -n 1)}"
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}; set AKOOL_FRESH_MIRROR"

mounted=()
cleanup() {
  local m
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  mounted=()
  if [ "${AKOOL_FRESH_KEEP:-0}" != 1 ] && [ -d "$rootfs" ]; then rm -rf --one-file-system "$rootfs"; fi
}
trap cleanup EXIT INT TERM

# 1. The pristine root, made once.
if [ ! -s "$cache" ]; then
  echo "fresh: debootstrap --variant=minbase bookworm from $mirror (cached as $cache)"
  tmp="$work/debootstrap.tmp"
  rm -rf --one-file-system "$tmp"
  debootstrap --variant=minbase bookworm "$tmp" "$mirror" > "$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
  rm -rf "$tmp"/var/cache/apt/archives/*.deb
  mkdir -p "$(dirname "$cache")"
  { tar -C "$tmp" -czf "$cache.part" . && mv "$cache.part" "$cache"; } || die "cannot write the cache $cache"
  rm -rf --one-file-system "$tmp"
fi

echo "fresh: unpacking a fresh root in $rootfs"
rm -rf --one-file-system "$rootfs"
mkdir -p "$rootfs"
tar -C "$rootfs" -xzf "$cache"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$rootfs/etc/hosts"
cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf" 2>/dev/null || true
for m in proc sys dev dev/pts; do
  case $m in
    proc) mount -t proc proc "$rootfs/proc" ;;
    sys) mount -t sysfs sys "$rootfs/sys" ;;
    *) mount --bind "/$m" "$rootfs/$m" ;;
  esac
  mounted+=("$rootfs/$m")
done
mount -t tmpfs tmpfs "$rootfs/tmp" && mounted+=("$rootfs/tmp")

# The repository as committed (what a user clones), without this checkout's build trees.
git clone -q --no-hardlinks "$repo" "$rootfs/root/akool-cpp"

in_root() {  # a login-like environment: nothing of this machine's but the network
  chroot "$rootfs" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    AKOOL_JOBS="${AKOOL_JOBS:-$(nproc)}" /bin/bash -c "cd /root/akool-cpp && $1"
}

# 2a. The demo.
demo=FAIL
echo "fresh: bash example/demo.sh (log: $work/demo.log)"
if in_root 'bash example/demo.sh' > "$work/demo.log" 2>&1 && grep -q '^demo: your image is .*\.png$' "$work/demo.log"; then
  demo=OK
else
  tail -n 30 "$work/demo.log" | sed 's/^/  | /' >&2
fi

# 2b. Tests on, Boost.Test missing: one clear line, from CMake and from Meson.
boost_test=OK
{
  echo "== cmake"
  in_root 'cmake -S . -B /tmp/no-boost-test -G Ninja' 2>&1 && echo "configure unexpectedly passed"
  echo "== meson"
  in_root 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends meson >/dev/null &&
           meson setup /tmp/no-boost-test-meson' 2>&1 && echo "setup unexpectedly passed"
} > "$work/boost-test.log" 2>&1 || true
for tool in cmake meson; do
  sed -n "/^== $tool/,/^== /p" "$work/boost-test.log" \
    | grep -q 'Boost.Test.*libboost-test1.81-dev.*\(AKOOL_BUILD_TESTS=OFF\|-Dtests=false\)' \
    || { boost_test=FAIL; echo "fresh: $tool did not name libboost-test1.81-dev (log: $work/boost-test.log)" >&2; }
done
grep -q 'unexpectedly passed' "$work/boost-test.log" && boost_test=FAIL
echo "fresh: missing Boost.Test message: $boost_test"

# 2c. The README's test command, one configuration.
echo "fresh: AKOOL_CI_CONFIGS=$config bash test/run.sh (log: $work/tests.log)"
in_root "AKOOL_CI_CONFIGS='$config' bash test/run.sh" > "$work/tests.log" 2>&1 || true
counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/tests.log" | tail -n 1)
[ -n "$counts" ] || { tail -n 30 "$work/tests.log" | sed 's/^/  | /' >&2; counts="0 passed, 1 failed"; }
if [ "$boost_test" != OK ]; then   # counted as one more failure
  p=${counts%% passed*}; f=${counts##*, }; f=${f% failed}
  counts="$p passed, $((f + 1)) failed"
fi
grep -A12 'run.sh: summary' "$work/tests.log" | sed 's/^/  /' || true

echo "fresh: demo=$demo tests=$counts secs=$((SECONDS - start))"
[ "$demo" = OK ] && [[ $counts =~ ^[0-9]+\ passed,\ 0\ failed$ ]] && [[ ! $counts =~ ^0\  ]]
