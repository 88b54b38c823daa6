#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds and runs the whole test suite. With --sanitize, the same suite in a
# separate build under ASan + UBSan (no recovery: the first report fails).
# Extra arguments are passed to `meson test` (e.g. a test name).
set -eu
cd "$(dirname "$0")/.."
dir=build
opts="-Dwerror=true"
if [ "${1:-}" = "--sanitize" ]; then
	shift
	dir=build-asan
	opts="$opts -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
if [ ! -f "$dir/build.ninja" ]; then
	# shellcheck disable=SC2086
	meson setup "$dir" $opts
fi
ninja -C "$dir"
meson test -C "$dir" --print-errorlogs "$@"
