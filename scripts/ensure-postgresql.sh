#!/usr/bin/env bash
# The storage tests start a throw-away PostgreSQL cluster from Debian's
# `postgresql` (initdb and postgres on a Unix socket in a temporary folder).
# Install it when missing (the test machine is root and reaches Debian's
# packages); say so when it cannot be had: those tests then fail, not skip.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's postgresql for the storage tests (about 30 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # the package's own cluster is not used (and may not start in a container)
  apt-get install -y -qq postgresql >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null
else
  echo "!! PostgreSQL is missing and cannot be installed here: the postgres tests will fail" >&2
fi
