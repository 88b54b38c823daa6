#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the sidecar fuzzer (clang, libFuzzer + ASan + UBSan) in build-fuzz and
# runs it for a bounded time over a copy of fuzz/corpus/sidecar.
# Usage: scripts/fuzz-sidecar.sh [seconds]   (default 60; non-zero exit on a crash)
set -eu

secs=${1:-60}
case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [seconds]" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz

if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$root" -Dfuzz=true -Dtests=disabled >/dev/null
else
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Dtests=disabled
fi
ninja -C "$build" fuzz/fuzz-sidecar

# New inputs go to a scratch copy; crash reproducers land in fuzz/ (ignored by git).
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-fuzz-sidecar.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus"
cp "$root"/fuzz/corpus/sidecar/* "$work/corpus/"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
"$build/fuzz/fuzz-sidecar" \
	-max_total_time="$secs" \
	-timeout=10 \
	-rss_limit_mb=4096 \
	-max_len=65536 \
	-dict="$root/fuzz/sidecar.dict" \
	-artifact_prefix="$root/fuzz/" \
	-print_final_stats=1 \
	"$work/corpus" || status=$?

if [ "$status" -ne 0 ]; then
	echo "fuzz-sidecar: failed (exit $status); reproducers are in $root/fuzz/ (crash-*, leak-*, timeout-*)" >&2
	exit "$status"
fi
echo "fuzz-sidecar: no crash in ${secs}s"
