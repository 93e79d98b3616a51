#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#
#   bash test/run.sh
#
# 1. As root on Debian 12, installs the missing Debian packages with apt-get.
# 2. Builds and tests every configuration below, each in build/ci/<name>, each with its own log
#    (build/ci/<name>.log; the tail of a failing one is printed):
#      cmake-gcc-cxx17          g++, C++17: every test, example and tool, the standalone header
#                               checks (also every public header, syntax only, with g++ and
#                               clang++ in C++20: test/standalone/syntax_check.sh, which the
#                               sanitizer configurations rely on), and the consumer projects (test/consumer/check.sh:
#                               add_subdirectory, FetchContent and a Meson subproject from a
#                               git clone, find_package and pkg-config of one copy installed
#                               by CMake, pkg-config of a copy installed by Meson; each builds
#                               header-only programs and a compiled-mode one),
#                               and the API reference (doc/build.sh: Doxygen, warnings fail)
#      cmake-clang-cxx20-asan   clang++, C++20, AddressSanitizer (leaks included): every test (no
#                               examples, no standalone header TUs, no compiled library). With
#                               clang++ rather than g++: the build took 199 s, against about
#                               470 s with g++ (which compiles a test file about twice as slowly
#                               with ASan);
#                               g++ in C++20 is left to the syntax-only checks (every public
#                               header, and the examples under the strict warning set, which
#                               instantiate the client, the transports and the coroutine paths).
#                               cmake-gcc-cxx20-asan, the same with g++, is a knob
#      cmake-clang-cxx20-tsan-compiled
#                               clang++, C++20 under ThreadSanitizer, in compiled mode
#                               (AKOOL_TEST_COMPILED: every test, tool and the emulator link
#                               the static library akool::compiled, AKOOL_SEPARATE_COMPILATION
#                               in every TU): every test and tool (the threaded client test, the
#                               emulator's and the webhook receiver's threads, the blocking
#                               sends); the examples and the standalone header TUs are built by
#                               cmake-gcc-cxx17 and meson-clang-cxx17-ubsan
#      meson-clang-cxx17-ubsan  Meson + Ninja, clang++, C++17, UndefinedBehaviorSanitizer (the
#                               same tests and standalone header checks, the examples but not
#                               the -O2 benchmarks, which cmake-gcc-cxx17 builds; no
#                               precompiled header, so it also proves that each test file
#                               includes what it uses). UBSan is with clang++, which adds
#                               little compile time for it (client_move.cpp: 14.1 s with TSan +
#                               UBSan), where g++ compiles a test file about twice as slowly
#                               (13.2 s plain, 17.0 s ASan, 28.1 s ASan + UBSan); and not with
#                               TSan, whose pipe interceptor reports UBSan's own vptr checks as
#                               races. Without UBSan's `function` check: clang 14 cannot
#                               assemble its prologue data in Boost's inline functions
#                               ("Cannot represent a difference across sections"); it is about
#                               calls through function pointers of another type, which this
#                               code does not make
#      fuzz-clang               the libFuzzer targets of test/fuzz (clang++, ASan + UBSan), each
#                               run for AKOOL_FUZZ_SECONDS (default 20) from its seeds: a
#                               finding fails its test
#      mingw-syntax             every public header through MinGW-w64 g++ (Windows), syntax
#                               only, C++17 and C++20 (test/mingw)
#      i386-unit                g++ -m32 (32-bit pointers and size_t, as on 32-bit ARM) under
#                               -Wconversion -Werror: the unit tests built and run (all but
#                               webhook.cpp and workflow.cpp, which need OpenSSL's i386
#                               headers), and four programs that instantiate the transport,
#                               the client and the CLI, syntax only (test/i386); amd64 hosts
#    Together: g++ and clang++ each in C++17 and C++20 (clang++ C++20 under ASan and under TSan,
#    clang++ C++17 through Meson under UBSan, g++ C++17 plain; g++ C++20 syntax only),
#    header-only and compiled mode (the TSan configuration; standalone.compiled_mode in
#    cmake-gcc-cxx17 and meson-clang-cxx17-ubsan), the fuzz targets, the Windows compile
#    check and a 32-bit target.
#    cmake-clang-cxx17, cmake-clang-cxx20 (no sanitizer), cmake-gcc-cxx20, cmake-gcc-cxx20-asan,
#    meson-gcc-cxx17, ... exist as knobs.
# 3. Prints one line per configuration, and as its last line `N passed, M failed` (test
#    counts over all configurations; a configuration that does not build counts as one
#    failure). Exits non-zero when anything failed.
#
# Knobs: AKOOL_CI_CONFIGS="cmake-gcc-cxx17 meson-clang-cxx17" runs a subset; AKOOL_JOBS (default:
# the number of cores); AKOOL_TEST_JOBS (tests at once in the CMake and Meson configurations,
# default twice AKOOL_JOBS); AKOOL_CI_DIR (default build/ci); AKOOL_NO_INSTALL=1 skips apt-get;
# AKOOL_FUZZ_SECONDS (default 20) per fuzz target.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ci_dir="${AKOOL_CI_DIR:-$root/build/ci}"
jobs="${AKOOL_JOBS:-$(nproc 2>/dev/null || echo 2)}"
# Tests run twice as many at once as there are cores: the longest ones (integration.cli and
# .cli.slow, beast_transport, cli_batch: 28-41 s each) mostly wait on retry backoffs, timeouts
# and the emulator's generation times, not on the CPU.
test_jobs="${AKOOL_TEST_JOBS:-$((jobs * 2))}"
# i386-unit and its g++-multilib on amd64 hosts only (Debian has no multilib for arm64).
amd64=0; [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] && amd64=1
default_configs="cmake-gcc-cxx17 cmake-clang-cxx20-asan cmake-clang-cxx20-tsan-compiled meson-clang-cxx17-ubsan fuzz-clang mingw-syntax"
((amd64)) && default_configs+=" i386-unit"
configs="${AKOOL_CI_CONFIGS:-$default_configs}"

packages=(g++ clang cmake ninja-build meson pkg-config python3 git doxygen openssl
          libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libssl-dev libcurl4-openssl-dev
          libclang-rt-14-dev libc++-14-dev libc++abi-14-dev g++-mingw-w64-x86-64-posix)
((amd64)) && packages+=(g++-multilib qemu-user)  # qemu-i386: a kernel without 32-bit support

install_packages() {
  [ "${AKOOL_NO_INSTALL:-0}" = 1 ] && return 0
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "run.sh: missing packages ${missing[*]}: run as root on Debian 12, or install them" >&2
    exit 1
  fi
  echo "run.sh: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { echo "run.sh: apt-get failed" >&2; exit 1; }
}

total_pass=0 total_fail=0
summary=()

# Adds the counts of a ctest log ("NN% tests passed, F tests failed out of T").
count_ctest() {
  local line t f
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
  if [ -z "$line" ]; then echo "0 1"; return; fi
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<< "$line")
  t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<< "$line")
  echo "$((t - f)) $f"
}

# Adds the counts of a `meson test` log ("Ok: N", "Fail: N", "Timeout: N").
count_meson() {
  local ok fail to
  ok=$(sed -nE 's/^Ok: *([0-9]+).*/\1/p' "$1" | tail -n 1)
  fail=$(sed -nE 's/^Fail: *([0-9]+).*/\1/p' "$1" | tail -n 1)
  to=$(sed -nE 's/^Timeout: *([0-9]+).*/\1/p' "$1" | tail -n 1)
  if [ -z "$ok" ]; then echo "0 1"; return; fi
  echo "$ok $((${fail:-0} + ${to:-0}))"
}

run_cmake() {  # name cxx std [extra cmake args...]
  local name=$1 cxx=$2 std=$3; shift 3
  local dir="$ci_dir/$name"
  rm -rf "$dir"
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_STANDARD="$std" \
      -DCMAKE_CXX_STANDARD_REQUIRED=ON -DAKOOL_WERROR=ON "$@" &&
    cmake --build "$dir" -j "$jobs" &&
    (cd "$dir" && ctest -j "$test_jobs" --output-on-failure --timeout 600)
}

run_meson() {  # name cxx std [extra meson setup args...]
  local name=$1 cxx=$2 std=$3; shift 3
  local dir="$ci_dir/$name"
  rm -rf "$dir"
  CXX=$cxx meson setup "$dir" "$root" --buildtype=plain -Dcpp_std="$std" -Dwerror=true "$@" &&
    ninja -C "$dir" -j "$jobs" &&
    meson test -C "$dir" --num-processes "$test_jobs" --print-errorlogs
}

run_fuzz() {  # name: builds test/fuzz only, ctest runs each target (test/fuzz/run_target.sh)
  local dir="$ci_dir/$1"
  rm -rf "$dir"
  cmake -S "$root/test/fuzz" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DAKOOL_WERROR=ON \
      -DAKOOL_FUZZ_SECONDS="${AKOOL_FUZZ_SECONDS:-20}" &&
    cmake --build "$dir" -j "$jobs" &&
    (cd "$dir" && ctest -j "$jobs" -V --timeout 600)
}

run_mingw() {  # name: one syntax-only compile per public header and standard (test/mingw)
  local dir="$ci_dir/$1"
  rm -rf "$dir"
  cmake -S "$root/test/mingw" -B "$dir" -G Ninja &&
    (cd "$dir" && ctest -j "$jobs" --output-on-failure --timeout 600)
}

run_i386() {  # name: the unit tests built with g++ -m32 and run (test/i386)
  local dir="$ci_dir/$1"
  rm -rf "$dir"
  cmake -S "$root/test/i386" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=g++ &&
    cmake --build "$dir" -j "$jobs" &&
    (cd "$dir" && ctest -j "$jobs" --output-on-failure --timeout 600)
}

run_config() {
  local name=$1 log="$ci_dir/$1.log" start=$SECONDS rc counts cxx
    echo "run.sh: $name (log: $log)"
  case $name in
    cmake-gcc-cxx17)       run_cmake "$name" g++ 17 -DAKOOL_TEST_CONSUMERS=ON -DAKOOL_TEST_DOCS=ON -DAKOOL_TEST_HEADER_SYNTAX=ON ;;
    cmake-gcc-cxx20)       run_cmake "$name" g++ 20 ;;
    cmake-clang-cxx17)     run_cmake "$name" clang++ 17 ;;
    cmake-clang-cxx20)     run_cmake "$name" clang++ 20 ;;
    cmake-clang-cxx20-tsan-compiled) TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
                             run_cmake "$name" clang++ 20 -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
                               -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DAKOOL_BUILD_EXAMPLES=OFF -DAKOOL_CHECK_HEADERS=OFF \
                               -DAKOOL_TEST_COMPILED=ON ;;
    cmake-gcc-cxx20-asan|cmake-clang-cxx20-asan)
                           cxx=g++; [[ $name == *clang* ]] && cxx=clang++
                           ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
                             run_cmake "$name" "$cxx" 20 -DCMAKE_CXX_FLAGS="-fsanitize=address -fno-omit-frame-pointer" \
                               -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address" -DAKOOL_BUILD_EXAMPLES=OFF -DAKOOL_CHECK_HEADERS=OFF \
                               -DAKOOL_BUILD_COMPILED=OFF ;;
    meson-gcc-cxx17)       run_meson "$name" g++ c++17 ;;
    meson-gcc-cxx20)       run_meson "$name" g++ c++20 ;;
    meson-clang-cxx17)     run_meson "$name" clang++ c++17 ;;
    meson-clang-cxx17-ubsan) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                             run_meson "$name" clang++ c++17 \
                               -Dcpp_args="-fsanitize=undefined -fno-sanitize=function -fno-sanitize-recover=undefined" \
                               -Dcpp_link_args=-fsanitize=undefined -Dbench=false ;;
    meson-clang-cxx20)     run_meson "$name" clang++ c++20 ;;
    fuzz-clang)            run_fuzz "$name" ;;
    mingw-syntax)          run_mingw "$name" ;;
    i386-unit)             run_i386 "$name" ;;
    *) echo "run.sh: unknown configuration $name" ; return 1 ;;
  esac > "$log" 2>&1
  rc=$?
  if [[ $name == meson-* ]]; then counts=$(count_meson "$log"); else counts=$(count_ctest "$log"); fi
  read -r p f <<< "$counts"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # did not build, or the runner failed
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  summary+=("$(printf '%-31s %4d passed, %d failed, %ds' "$name" "$p" "$f" $((SECONDS - start)))")
  if [ "$rc" -ne 0 ]; then
    echo "run.sh: $name FAILED, last lines of $log:"
    tail -n 60 "$log" | sed 's/^/  | /'
  fi
}

install_packages
mkdir -p "$ci_dir"
for c in $configs; do run_config "$c"; done
echo "run.sh: summary"
printf '  %s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
