#!/bin/sh
# SPDX-License-Identifier: MIT
# The sched_ext CI tier (issue 5): builds (or finds in the cache) a sched_ext
# kernel and the tree's example schedulers, then runs tests/test-scx.sh.
# Cold: ~11 min kernel (make -j2) + ~15 s schedulers + ~2-3 min test; warm: the test only.
# Needs: linux-source-6.12 dwarves flex bison bc libelf-dev libssl-dev
# clang-16 llvm-16 lld-16 qemu-system-x86 busybox-static (docs/sched_ext.md).
# Keep <cache>/sched-ext-kernels between CI runs (e.g. a CI cache keyed on
# `schedcheck kernel key`) to stay warm. Usage: scripts/ci-scx-tier.sh [BUILD_DIR]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-scx-tier}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root"
fi
ninja -C "$build"
bin=$build/schedcheck

t0=$(date +%s)
"$bin" kernel build --no-progress
t1=$(date +%s)
"$bin" kernel schedulers --no-progress
t2=$(date +%s)
echo "ci-scx-tier: kernel $((t1 - t0)) s, schedulers $((t2 - t1)) s (key $("$bin" kernel key))"

# The test skips (77) only when something is missing: in this tier that is a failure.
rc=0
SC_SOURCE_ROOT=$root SC_BUILD_ROOT=$build SC_SCHEDCHECK_BIN=$bin "$root/tests/test-scx.sh" || rc=$?
if [ "$rc" -eq 77 ]; then
	echo "ci-scx-tier: tests/test-scx.sh skipped: the tier's environment is incomplete" >&2
	exit 1
fi
echo "ci-scx-tier: test $(($(date +%s) - t2)) s, exit $rc"
exit "$rc"
