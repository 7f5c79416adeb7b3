#!/usr/bin/env bash
# Browser tests drive Debian's chromium. Install it when missing (the test
# machine is root and reaches Debian's packages); say so when it cannot be had.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's chromium for the browser tests (about 30 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
else
  echo "!! chromium is missing and cannot be installed here: browser tests will fail" >&2
fi
