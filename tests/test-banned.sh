#!/bin/sh
# SPDX-License-Identifier: MIT
# STYLE.md forbids strcpy, strcat, sprintf, vsprintf, strtok, gets, atoi and
# friends (git's banned.h): unbounded or error-swallowing. This fails on any
# use of them in the project's C sources, tests, fuzz targets and benchmarks.
set -u
root=${SC_SOURCE_ROOT:-.}
hits=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi|atol|atoll)[[:space:]]*\(' \
	"$root/src" "$root/include" "$root/tests" "$root/fuzz" "$root/bench" \
	--include='*.c' --include='*.h' 2>/dev/null)
if [ -n "$hits" ]; then
	echo "banned functions in use (see STYLE.md):"
	echo "$hits"
	exit 1
fi
echo "no banned function in use"
