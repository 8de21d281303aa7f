#!/bin/sh
# Installs the Debian 12 packages privaudit needs to build and test, when missing.
set -eu
PKGS="build-essential autoconf automake pkg-config
      libpcap-dev libndpi-dev libjansson-dev libyaml-dev zlib1g-dev libbrotli-dev
      libssl-dev libnghttp2-dev libpcre2-dev libcmocka-dev
      python3 python3-jsonschema python3-cryptography clang libclang-rt-14-dev tshark curl openssl"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "privaudit: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
