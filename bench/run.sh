#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the statistics-layer benchmarks from an existing meson build directory
# and prints their output, headed by the machine they ran on.
# Usage: bench/run.sh BUILD_DIR [ROUNDS]   (ROUNDS: repeat the whole set, default 1)
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
	echo "usage: $0 BUILD_DIR [ROUNDS]" >&2
	echo "  e.g. meson setup build-bench --buildtype=release && ninja -C build-bench &&" >&2
	echo "       $0 build-bench" >&2
	exit 2
fi
build=$1
rounds=${2:-1}
case $rounds in
'' | *[!0-9]* | 0)
	echo "$0: ROUNDS must be a positive integer" >&2
	exit 2
	;;
esac

for b in bench-percentile bench-reservoir; do
	if [ ! -x "$build/bench/$b" ]; then
		echo "$0: $build/bench/$b not built; run: ninja -C $build" >&2
		exit 2
	fi
done

buildtype=$(python3 -c 'import json, sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "buildtype":
        print(o["value"])' "$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)

echo "== machine"
echo "date:      $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "kernel:    $(uname -srm)"
echo "cpu:       $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
	"$(nproc) online CPUs"
echo "load:      $(cut -d ' ' -f 1-3 /proc/loadavg) (1, 5, 15 min)"
echo "compiler:  $(${CC:-cc} --version 2>/dev/null | head -n 1)"
echo "build:     $build (buildtype $buildtype)"
if [ "$buildtype" != release ]; then
	echo "warning:   not a release build; numbers are not comparable with docs/benchmarks.md"
fi

status=0
i=1
while [ "$i" -le "$rounds" ]; do
	for b in bench-percentile bench-reservoir; do
		echo
		echo "== $b (round $i of $rounds)"
		"$build/bench/$b" || status=1
	done
	i=$((i + 1))
done
exit $status
