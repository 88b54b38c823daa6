#!/bin/sh
# SPDX-License-Identifier: MIT
# Fetches Debian's newest linux-image-6.12.*-cloud-amd64-unsigned with
# `apt-get download` and unpacks it with `dpkg-deb -x` (nothing is installed)
# into a cache directory; prints the path of the vmlinuz on stdout.
#
# usage: scripts/fetch-test-kernel.sh [CACHE_DIR]
#   CACHE_DIR defaults to $SCHEDCHECK_CACHE_DIR/kernels, else
#   /var/cache/schedcheck/kernels as root, else
#   ${XDG_CACHE_HOME:-$HOME/.cache}/schedcheck/kernels.
# Environment: SCHEDCHECK_KERNEL_SERIES (default 6.12) picks the series.
set -eu

series=${SCHEDCHECK_KERNEL_SERIES:-6.12}
if [ $# -ge 1 ]; then
	cache=$1
elif [ -n "${SCHEDCHECK_CACHE_DIR:-}" ]; then
	cache=$SCHEDCHECK_CACHE_DIR/kernels
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/schedcheck/kernels
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/schedcheck/kernels
fi

die() {
	echo "fetch-test-kernel: $*" >&2
	exit 1
}

command -v apt-cache >/dev/null 2>&1 || die "apt-cache not found (a Debian-based host is needed)"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found"

# The newest linux-image-<series>.N+...-cloud-amd64-unsigned apt knows of.
pkg=$(apt-cache search --names-only "^linux-image-${series}\.[0-9].*-cloud-amd64-unsigned\$" |
	awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || die "no linux-image-${series}.*-cloud-amd64-unsigned in apt's lists (run apt-get update?)"

dest=$cache/$pkg
vmlinuz=$(ls "$dest"/boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
if [ -n "$vmlinuz" ] && [ -f "$dest/.complete" ]; then
	echo "$vmlinuz"
	exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
(cd "$tmp" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
deb=$(ls "$tmp"/*.deb | head -n 1)
mkdir -p "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root" || die "dpkg-deb -x $deb failed"
rm -rf "$dest"
mv "$tmp/root" "$dest"
touch "$dest/.complete"
vmlinuz=$(ls "$dest"/boot/vmlinuz-* | head -n 1)
[ -f "$vmlinuz" ] || die "no boot/vmlinuz-* in $pkg"
echo "$vmlinuz"
