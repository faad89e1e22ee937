#!/usr/bin/env bash
# Installs what the dashboard's browser tests need (Debian's chromium), only when it is missing.
# Idempotent: does nothing (and runs no apt-get) when /usr/bin/chromium is present. Needs root (apt-get).
# Never downloads a browser any other way: playwright-core drives this one (no `playwright install`).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "browser test tools: all present (chromium)" >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
echo "browser test tools: installing chromium (apt-get)" >&2
# Waits for the dpkg lock rather than failing when another installer (the Kafka or S3 one) runs at once.
LOCK=(-o DPkg::Lock::Timeout=120)
"${SUDO[@]}" apt-get "${LOCK[@]}" update -qq >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${LOCK[@]}" install -y -qq chromium >&2
echo "browser test tools: installed chromium" >&2
