#!/usr/bin/env bash
# The report test opens report.html in headless Chromium; install Debian's package when missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "chromium is missing: install it (sudo apt-get install chromium) to run the browser tests." >&2
    exit 1
fi
