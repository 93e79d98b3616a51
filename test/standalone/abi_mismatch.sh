#!/usr/bin/env bash
# Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
# The compiled mode's link-time check (include/akool/detail/abi_check.hpp): a TU whose settings
# differ from the compiled library's must fail to link, naming the setting, instead of
# crashing at run time. Cases: akool::client from a TU built with -fno-rtti (Asio's type ids),
# the Asio-free facade from a TU built with _GLIBCXX_DEBUG (libstdc++'s debug containers), and
# the controls: the same TUs with the library's own settings link.
# usage: abi_mismatch.sh CXX INCLUDE_DIR LIBAKOOL_COMPILED "EXTRA FLAGS" (the library's build flags)
set -uo pipefail
cxx=$1 inc=$2 lib=$3
read -r -a extra <<<"${4:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/client.cpp" <<'CPP'
#include <akool/beast_client.hpp>
#include <boost/asio/io_context.hpp>
int main() { boost::asio::io_context ioc; akool::client c(ioc); }
CPP
cat > "$work/facade.cpp" <<'CPP'
#include <akool/blocking_client.hpp>
int main() { akool::blocking_client c; }
CPP
failed=0
# link NAME SOURCE EXPECT FLAGS...: EXPECT empty: must link; else must fail with EXPECT in the output.
link() {
  local name=$1 src=$2 expect=$3
  shift 3
  local out rc
  out=$("$cxx" "${extra[@]}" -DAKOOL_SEPARATE_COMPILATION -I"$inc" "$@" "$work/$src" "$lib" \
        -lboost_json -lssl -lcrypto -pthread -o "$work/$name" 2>&1)
  rc=$?
  if [[ -z $expect ]]; then
    if [[ $rc -eq 0 ]]; then echo "ok   $name: links"
    else echo "FAIL $name: the control does not link:"; echo "$out" | head -20; failed=1; fi
  elif [[ $rc -eq 0 ]]; then
    echo "FAIL $name: linked, expected an undefined reference to $expect"; failed=1
  elif grep -qF -- "$expect" <<<"$out"; then
    echo "ok   $name: $(grep -F -m1 -- "$expect" <<<"$out" | sed 's/^.*undefined/undefined/')"
  else
    echo "FAIL $name: the link error does not name $expect:"; echo "$out" | head -20; failed=1
  fi
}
link client_same_settings client.cpp ""
link client_without_rtti client.cpp "akool::detail::abi::asio_rtti_off" -fno-rtti
link facade_same_settings facade.cpp ""
link facade_with_glibcxx_debug facade.cpp "akool::detail::abi::glibcxx_debug_on" -D_GLIBCXX_DEBUG
exit $failed
