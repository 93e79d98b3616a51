#!/usr/bin/env bash
# Builds the API reference and checks it:
#   bash doc/build.sh [OUTDIR]      (default build/doc; open OUTDIR/html/index.html)
# 1. doxygen over include/akool with doc/Doxyfile, OUTPUT_DIRECTORY set to OUTDIR: any
#    warning (an undocumented public name, a wrong parameter name) fails it;
# 2. doc/check_docs.py over the XML output: every enumerator is documented (Doxygen does
#    not warn about one), and every async_ function documents its handler signature,
#    executor, per-operation cancellation and object lifetimes.
# The ctest test docs.doxygen runs it (AKOOL_TEST_DOCS=ON; test/run.sh's cmake-gcc-cxx17).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build/doc}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
command -v doxygen >/dev/null || { echo "doc/build.sh: doxygen not found: install the Debian package doxygen" >&2; exit 1; }
cd "$root"
rm -rf "$out/html" "$out/xml"
# The Doxyfile's paths are relative to the top directory; the output goes to $out.
{ cat doc/Doxyfile; echo "OUTPUT_DIRECTORY = $out"; } | doxygen -
test -f "$out/html/index.html"
python3 doc/check_docs.py "$out/xml"
echo "doc/build.sh: the reference is $out/html/index.html"
