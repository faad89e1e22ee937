#!/usr/bin/env bash
# Installs what the Kafka test broker needs (kcat, librdkafka-dev, a C compiler), only the missing parts.
# Idempotent: does nothing (and runs no apt-get) when everything is present. Needs root (apt-get).
set -euo pipefail

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || missing+=(librdkafka-dev)
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "kafka test tools: all present (kcat, librdkafka-dev, cc)" >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
echo "kafka test tools: installing ${missing[*]} (apt-get)" >&2
"${SUDO[@]}" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "kafka test tools: installed ${missing[*]}" >&2
