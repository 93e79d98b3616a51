#!/usr/bin/env bash
# Builds a separate project that uses akool, the ways a user does, in one configure: README's
# tour (header-only), a core-only program and a compiled-mode program (the static library
# akool::compiled / akool-compiled, AKOOL_SEPARATE_COMPILATION from it); runs the last two:
#   check.sh MODE WORKDIR [CXX [PREFIX]]
#   install_cmake      only installs akool with CMake (`cmake --install`) into WORKDIR/prefix:
#                      find_package and pkg_config given that prefix as PREFIX share it
#   add_subdirectory   CMake, the source tree as a subdirectory
#   find_package       CMake, a copy installed by `cmake --install` into WORKDIR/prefix (or PREFIX)
#   fetchcontent       CMake, FetchContent_Declare(GIT_REPOSITORY file://<a clone>)
#   pkg_config         `pkg-config --cflags --libs akool` (and akool-core, akool-compiled),
#                      installed by CMake (into WORKDIR/prefix, or PREFIX)
#   pkg_config_meson   the same, installed by `meson install`
#   meson_subproject   Meson, subprojects/akool.wrap (packaging/akool.wrap) naming a clone
# The clone is a git repository made of this working tree (committed or not), so that the
# test checks the files on disk and needs no network.
set -euo pipefail
shopt -s inherit_errexit   # a failure inside $(clone_akool) stops the script
mode=$1 work=$2 cxx=${3:-c++} installed=${4:-}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rm -rf "$work" && mkdir -p "$work" && work="$(cd "$work" && pwd)"
prefix=$work/prefix

# The README's first C++ block is the library tour.
awk '/^```cpp$/{on=1; next} /^```$/{if(on) exit} on' "$root/README.md" > "$work/readme_example.cpp"
grep -q 'akool/akool.hpp' "$work/readme_example.cpp" || { echo "no C++ example found in README.md" >&2; exit 1; }

# Installs akool into WORKDIR/prefix with CMake or Meson (the headers and the compiled
# library: no tests, no tools); with PREFIX given to a CMake mode, checks that copy instead.
install_akool() {
  if [ "$1" = cmake ] && [ -n "$installed" ]; then
    prefix=$(cd "$installed" && pwd)
    test -f "$prefix/include/akool/akool.hpp" || { echo "no akool installed in $installed" >&2; exit 1; }
    return 0
  fi
  if [ "$1" = cmake ]; then
    cmake -S "$root" -B "$work/akool-build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
      -DAKOOL_BUILD_TESTS=OFF -DAKOOL_BUILD_EXAMPLES=OFF -DAKOOL_BUILD_TOOLS=OFF -DAKOOL_INSTALL=ON \
      -DCMAKE_INSTALL_PREFIX="$work/configured-prefix" > "$work/install.log"
    cmake --build "$work/akool-build" -j "${AKOOL_JOBS:-2}" >> "$work/install.log"
    # Installed elsewhere than configured, as packagers do: the files must not name the
    # configured prefix.
    cmake --install "$work/akool-build" --prefix "$work/prefix" >> "$work/install.log"
    ! grep -rq "configured-prefix" "$work/prefix" || { echo "an installed file names the configured prefix" >&2; exit 1; }
  else
    CXX=$cxx meson setup "$work/akool-build" "$root" -Dtests=false -Dexamples=false \
      --prefix="$work/prefix" > "$work/install.log"
    meson install -C "$work/akool-build" >> "$work/install.log"
  fi
  test -f "$work/prefix/include/akool/akool.hpp"
  test -f "$work/prefix/include/akool/src.hpp"
  cmp "$root/LICENSE_1_0.txt" "$work/prefix/share/doc/akool/LICENSE_1_0.txt"
  # The static library, in the libdir (lib, or Meson's lib/<multiarch> on Debian).
  find "$work/prefix" -name libakool_compiled.a | grep -q . || { echo "no libakool_compiled.a installed" >&2; exit 1; }
}

# WORKDIR/akool.git: a repository of the working tree (build trees left out), tagged
# consumer-test, as a user's clone of akool-cpp.
clone_akool() {
  local src="$work/akool.git" g=(git -c user.name=akool-consumer-test -c user.email=test@localhost
                                 -c commit.gpgSign=false -c tag.gpgSign=false)
  local skip=(--exclude=./.git --exclude='./build*' --exclude=./out --exclude=./.cache)
  case $work/ in   # a build tree inside the sources (this test's own), whatever its name
    "$root"/*) local rel=${work#"$root"/}; skip+=(--exclude="./${rel%%/*}") ;;
  esac
  mkdir -p "$src"
  tar -C "$root" "${skip[@]}" -cf - . | tar -C "$src" -xf -
  "${g[@]}" -c init.defaultBranch=main -C "$src" init -q
  "${g[@]}" -C "$src" add -A
  "${g[@]}" -C "$src" commit -q -m "akool-cpp working tree"
  "${g[@]}" -C "$src" tag consumer-test
  echo "file://$src"
}

bin="$work/build"
case $mode in
  install_cmake)
    install_akool cmake
    echo "consumer ($mode): ok"
    exit 0
    ;;
  add_subdirectory|find_package|fetchcontent)
    args=(-G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DAKOOL_CONSUME="$mode" -DREADME_EXAMPLE="$work/readme_example.cpp")
    case $mode in
      add_subdirectory) args+=(-DAKOOL_SOURCE_DIR="$root") ;;
      find_package) install_akool cmake; args+=(-DCMAKE_PREFIX_PATH="$prefix") ;;
      fetchcontent) url=$(clone_akool); args+=(-DAKOOL_GIT_REPOSITORY="$url" -DAKOOL_GIT_TAG=consumer-test) ;;
    esac
    cmake -S "$here" -B "$work/build" "${args[@]}"
    cmake --build "$work/build" -j "${AKOOL_JOBS:-2}"
    if [ "$mode" = fetchcontent ]; then   # the sources built are the clone's
      test -f "$work/build/_deps/akool-src/include/akool/akool.hpp"
    fi
    ;;
  pkg_config|pkg_config_meson)
    if [ "$mode" = pkg_config ]; then install_akool cmake; else install_akool meson; fi
    # akool-compiled.pc is in the libdir's pkgconfig, the header-only ones in share/pkgconfig.
    compiled_pc=$(find "$prefix" -name akool-compiled.pc)
    [ "$(wc -l <<< "$compiled_pc")" -eq 1 ] && [ -n "$compiled_pc" ] || { echo "akool-compiled.pc: not one found" >&2; exit 1; }
    export PKG_CONFIG_PATH="$prefix/share/pkgconfig:$(dirname "$compiled_pc")"
    for pc in akool akool-core akool-compiled; do
      [ "$(realpath -m "$(pkg-config --variable=includedir "$pc")")" = "$(realpath -m "$prefix/include")" ] \
        || { echo "$pc.pc: includedir is not $prefix/include" >&2; exit 1; }
    done
    test -f "$(pkg-config --variable=libdir akool-compiled)/libakool_compiled.a"
    echo "pkg-config --cflags --libs akool: $(pkg-config --cflags --libs akool)"
    echo "pkg-config --cflags --libs akool-compiled: $(pkg-config --cflags --libs akool-compiled)"
    mkdir -p "$bin"
    # shellcheck disable=SC2046  # the flags are words
    "$cxx" -std=c++17 "$here/core_only.cpp" -o "$bin/core_only" $(pkg-config --cflags --libs akool-core)
    # shellcheck disable=SC2046
    "$cxx" -std=c++17 "$work/readme_example.cpp" -o "$bin/readme_example" $(pkg-config --cflags --libs akool)
    # shellcheck disable=SC2046
    "$cxx" -std=c++17 "$here/compiled.cpp" -o "$bin/compiled" $(pkg-config --cflags --libs akool-compiled)
    ;;
  meson_subproject)
    src="$work/consumer"
    mkdir -p "$src/subprojects"
    cp "$here/meson.build" "$here/core_only.cpp" "$here/compiled.cpp" "$work/readme_example.cpp" "$src/"
    url=$(clone_akool)
    sed -e "s|^url = .*|url = $url|" -e 's|^revision = .*|revision = consumer-test|' \
      "$root/packaging/akool.wrap" > "$src/subprojects/akool.wrap"
    grep -qx "url = $url" "$src/subprojects/akool.wrap"
    # Forced to the subproject, even where an installed akool.pc would be found.
    CXX=$cxx meson setup "$work/build" "$src" --force-fallback-for=akool,akool-core,akool-compiled
    test -f "$src/subprojects/akool/include/akool/akool.hpp"   # meson cloned it
    ninja -C "$work/build" -j "${AKOOL_JOBS:-2}"
    # The consumer's install holds none of akool's files (headers, license, .pc files).
    meson install -C "$work/build" --destdir "$work/destdir" > "$work/consumer-install.log"
    ! find "$work/destdir" -type f 2> /dev/null | grep -E 'akool|LICENSE_1_0' \
      || { echo "a subproject's install put akool's files into the consumer's" >&2; exit 1; }
    ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac

out=$("$bin/core_only")
echo "$out"
# The exact encoding and the validator's fields, as a user sees them.
grep -qx '{"prompt":"A lighthouse in a storm","batch_quantity":2}' <<< "$out"
grep -q '^prompt: ' <<< "$out"
grep -q '^batch_quantity: ' <<< "$out"
grep -q '^scale: ' <<< "$out"
test -x "$bin/readme_example"

# The compiled mode: the body as above, the refused connection as an error code.
out=$("$bin/compiled") || { echo "$out"; echo "compiled: failed" >&2; exit 1; }
echo "$out"
grep -qx '{"prompt":"A lighthouse in a storm"}' <<< "$out"
grep -q '^create: ' <<< "$out"
# Its static link brought in src.hpp's object only: no webhook verifier.
if nm -C "$bin/compiled" | grep 'akool::verify_webhook' > /dev/null; then
  echo "compiled: the webhook object was linked" >&2; exit 1
fi
echo "consumer ($mode): ok"
