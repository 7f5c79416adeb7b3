#!/usr/bin/env bash
# The Redis rate-limit tests start a throw-away server from Debian's
# `redis-server` (on a Unix socket in a temporary folder, no TCP port).
# Install it when missing (the test machine is root and reaches Debian's
# packages); say so when it cannot be had: those tests then skip, naming why.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's redis-server for the Redis rate-limit tests (about 10 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # the package's own service is not used (and may not start in a container)
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null || command -v redis-server >/dev/null
else
  echo "!! redis-server is missing and cannot be installed here: the Redis rate-limit tests will skip" >&2
fi
