#!/usr/bin/env bash
# Installs what the S3 integration tests need (Ceph radosgw, mon, osd, mgr from Debian), only when missing.
# Idempotent: does nothing (and runs no apt-get) when everything is present. Needs root (apt-get).
set -euo pipefail

missing=()
command -v radosgw >/dev/null 2>&1 || missing+=(radosgw)
command -v ceph-mon >/dev/null 2>&1 || missing+=(ceph-mon)
command -v ceph-osd >/dev/null 2>&1 || missing+=(ceph-osd)
command -v ceph-mgr >/dev/null 2>&1 || missing+=(ceph-mgr)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "s3 test tools: all present (radosgw, ceph-mon, ceph-osd, ceph-mgr)" >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
echo "s3 test tools: installing ${missing[*]} (apt-get)" >&2
# Waits for the dpkg lock rather than failing when another installer (the Kafka one, say) runs at once.
LOCK=(-o DPkg::Lock::Timeout=120)
"${SUDO[@]}" apt-get "${LOCK[@]}" update -qq >&2
# ceph-authtool, monmaptool, radosgw-admin and the ceph CLI come with hard dependencies (ceph-common, ceph-base).
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${LOCK[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "s3 test tools: installed ${missing[*]}" >&2
