#!/bin/sh
# SPDX-License-Identifier: MIT
# Extra packages for the sched_ext tier (docs/sched_ext.md): Debian's kernel
# source, the kernel build tools (pahole for BTF), and clang-16 / llvm-16 /
# lld-16 for the tree's BPF example schedulers (clang 14 is too old for them).
set -eu
export DEBIAN_FRONTEND=noninteractive
PKGS="linux-source-6.12 dwarves flex bison bc libelf-dev libssl-dev clang-16 llvm-16 lld-16"
if [ "$(id -u)" != 0 ]; then
	echo "install-scx-deps.sh: run as root (apt-get install)" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
