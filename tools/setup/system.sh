#!/usr/bin/env bash
# Installs the Debian packages the tests and the local demo need. Idempotent: installs only what is missing.
set -euo pipefail
want=(iptables iproute2 procps psmisc curl openssl)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then echo "system packages missing (${missing[*]}); run this script as root" >&2; exit 1; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
