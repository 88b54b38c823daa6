#!/bin/bash
# SPDX-License-Identifier: MIT
# Holdout-style scenarios on this host: a SCHED_FIFO hog starves a pinned
# SCHED_OTHER worker (not_starved fails naming it), a 1:4 weight pair gets
# its shares (pass) while a pair capped by cpu.max does not (fail), and a
# clean scenario passes 10 runs out of 10 on this noisy machine.
set -u
BIN=${SC_SCHEDCHECK_BIN:-./build/schedcheck}
SRC=${SC_SOURCE_ROOT:-.}
D="$SRC/tests/data/scenarios"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (cgroups, SCHED_FIFO)"
	exit 77
fi

"$BIN" run --no-progress -o "$T/fifo.json" "$D/fifo_starves.json" > "$T/fifo.txt" 2>&1
rc=$?
[ $rc = 1 ] || fail "fifo_starves exited $rc, want 1"
grep -q "FAIL *not_starved *victim" "$T/fifo.txt" || { fail "fifo_starves: victim not named"; cat "$T/fifo.txt" >&2; }
grep -q "FAIL *not_starved *hog" "$T/fifo.txt" && fail "fifo_starves: the hog itself reported starved"

"$BIN" run --no-progress -o "$T/wf.json" weighted_fairness > "$T/wf.txt" 2>&1
rc=$?
[ $rc = 0 ] || { fail "weighted_fairness exited $rc, want 0"; cat "$T/wf.txt" >&2; }
"$BIN" run --no-progress -v -o "$T/wf2.json" weighted_fairness > "$T/wf2.txt" 2>&1
grep -q "PASS *weighted_fairness" "$T/wf2.txt" || { fail "weighted_fairness not judged"; cat "$T/wf2.txt" >&2; }

"$BIN" run --no-progress -o "$T/wm.json" "$D/weighted_misconfigured.json" > "$T/wm.txt" 2>&1
rc=$?
[ $rc = 1 ] || fail "weighted_misconfigured exited $rc, want 1"
grep -q "FAIL *weighted_fairness" "$T/wm.txt" || { fail "weighted_misconfigured: no fairness failure"; cat "$T/wm.txt" >&2; }

passes=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	if "$BIN" run --no-progress -o "$T/c$i.json" "$D/clean_short.json" > "$T/c$i.txt" 2>&1; then
		passes=$((passes + 1))
	else
		cat "$T/c$i.txt" >&2
	fi
done
[ $passes = 10 ] || fail "clean_short passed $passes of 10 runs"

if [ $fails != 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "all holdout checks passed (clean scenario: 10/10)"
