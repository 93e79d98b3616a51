# Sourced by the benchmarks that measure with GNU time: makes sure /usr/bin/time is there
# (Debian package 'time'), installing it when run as root, else says how and exits.
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    # A bare system may have no package lists yet: fetch them once if the install fails.
    apt-get install -y time > /dev/null 2>&1 || { apt-get update -qq && apt-get install -y time > /dev/null; }
  else
    echo "GNU time (/usr/bin/time, Debian package 'time') is missing; install it and run again" >&2
    exit 2
  fi
fi
