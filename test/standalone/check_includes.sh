#!/usr/bin/env bash
# Fails when one of the given akool headers reaches, directly or not, an Asio, Beast or
# OpenSSL header: the core layer (model, validate, json, ...) must stay free of I/O.
#
# usage: check_includes.sh CXX STD_FLAG AKOOL_INCLUDE_DIR EXTRA_INCLUDE_DIRS HEADER...
#   EXTRA_INCLUDE_DIRS: ';'-separated (CMake list), may be empty
#   HEADER: a name under akool/, e.g. model.hpp; or -DNAME, which defines NAME for the
#   headers after it (e.g. -DAKOOL_SEPARATE_COMPILATION blocking_client.hpp); or +asio, which
#   allows Asio (not Beast, not OpenSSL) in the headers after it (beast_client.hpp in the
#   compiled mode)
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 CXX STD_FLAG AKOOL_INCLUDE_DIR EXTRA_INCLUDE_DIRS HEADER..." >&2
  exit 2
fi
cxx=$1 std=$2 inc=$3 extra=$4
shift 4
flags=("$std" "-I$inc")
IFS=';' read -r -a dirs <<< "$extra"
for d in "${dirs[@]}"; do
  case $d in
    ""|/usr/include|/usr/local/include) ;;  # implicit: an explicit -isystem would break #include_next
    *) flags+=("-isystem" "$d") ;;
  esac
done

status=0
defs=""
banned='(^|/)(boost/asio|boost/beast|openssl)/' what=Asio/Beast/OpenSSL
for h in "$@"; do
  if [[ $h == -D* ]]; then flags+=("$h"); defs+="$h "; continue; fi
  if [ "$h" = +asio ]; then banned='(^|/)(boost/beast|openssl|boost/asio/ssl)/' what=Beast/OpenSSL; continue; fi
  file=$inc/akool/$h
  # -M lists every header the preprocessor opens, system headers included.
  if ! deps=$("$cxx" "${flags[@]}" -x c++ -M "$file" 2>&1); then
    echo "FAIL akool/$h: does not preprocess on its own:"
    echo "$deps"
    status=1
    continue
  fi
  bad=$(tr ' \\' '\n\n' <<< "$deps" | grep -E "$banned" | sort -u || true)
  if [ -n "$bad" ]; then
    echo "FAIL akool/$h reaches $(wc -l <<< "$bad") $what headers, first ones:"
    head -n 5 <<< "$bad" | sed 's/^/  /'
    status=1
  else
    n=$(tr ' \\' '\n\n' <<< "$deps" | grep -c '\.h' || true)
    echo "ok   akool/$h ($n headers, no $what${defs:+; $defs})"
  fi
done
exit $status
