#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs everything schedcheck needs to build and test on Debian 12, as root.
# Each package is justified in README.md ("Dependencies").
set -eu
export DEBIAN_FRONTEND=noninteractive
PKGS="gcc make pkg-config meson ninja-build python3 bc \
  libjson-c-dev libcmocka-dev zlib1g-dev libnuma-dev \
  libarchive-dev nettle-dev libacl1-dev libzstd-dev liblz4-dev libbz2-dev liblzma-dev libxml2-dev \
  qemu-system-x86 busybox-static rt-tests linux-perf \
  clang clang-format libclang-rt-14-dev"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (apt-get install)" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# A fresh machine may have no package lists at all (apt-get download needs them too).
if [ -n "$missing" ] || ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
	apt-get update -qq
fi
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
