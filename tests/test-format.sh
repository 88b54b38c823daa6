#!/bin/sh
# SPDX-License-Identifier: MIT
# Every C file follows the checked-in .clang-format (kernel-like style).
# Fix with: git ls-files '*.c' '*.h' | xargs clang-format -i
set -u
root=${SC_SOURCE_ROOT:-.}
command -v clang-format >/dev/null 2>&1 || { echo "SKIP: clang-format not installed"; exit 77; }
cd "$root" || exit 1
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find src include tests fuzz bench -name '*.[ch]'); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f"
		bad=1
	fi
done
[ $bad = 0 ] && echo "all C files formatted"
exit $bad
