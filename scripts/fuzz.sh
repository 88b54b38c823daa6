#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds one libFuzzer target (clang, libFuzzer + ASan + UBSan) in build-fuzz and
# runs it for a bounded time over a copy of fuzz/corpus/TARGET.
# Usage: scripts/fuzz.sh TARGET [seconds]   (TARGET: sidecar, scenario, frame; default 60 s)
set -eu

target=${1:-}
secs=${2:-60}
case $target in
sidecar | scenario | frame) ;;
*)
	echo "usage: $0 sidecar|scenario|frame [seconds]" >&2
	exit 2
	;;
esac
case $secs in
'' | *[!0-9]*)
	echo "usage: $0 TARGET [seconds]" >&2
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
ninja -C "$build" "fuzz/fuzz-$target"

# New inputs go to a scratch copy; crash reproducers land in fuzz/ (ignored by git).
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-fuzz-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus"
cp "$root"/fuzz/corpus/"$target"/* "$work/corpus/"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
dict=
[ -f "$root/fuzz/$target.dict" ] && dict="-dict=$root/fuzz/$target.dict"
"$build/fuzz/fuzz-$target" \
	-max_total_time="$secs" \
	-timeout=10 \
	-rss_limit_mb=4096 \
	-max_len=65536 \
	$dict \
	-artifact_prefix="$root/fuzz/" \
	-print_final_stats=1 \
	"$work/corpus" || status=$?

if [ "$status" -ne 0 ]; then
	echo "fuzz-$target: failed (exit $status); reproducers are in $root/fuzz/ (crash-*, leak-*, timeout-*)" >&2
	exit "$status"
fi
echo "fuzz-$target: no crash in ${secs}s"
