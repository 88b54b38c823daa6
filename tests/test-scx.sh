#!/bin/sh
# SPDX-License-Identifier: MIT
# Integration test of issue 5 (sched_ext end to end) under TCG: steady under
# scx_simple on a 2-node topology passes with the ops name recorded;
# scx_qmap -t 5 (its user-task stall knob) ends as Fail naming the runnable
# task stall; the same with "expect": {"scheduler_error": ...} passes.
#
# It needs a cached sched_ext kernel and its schedulers, which take about
# 11 min (kernel, make -j2) + 15 s (schedulers) to build cold, so it is a
# CI tier of its own (scripts/ci-scx-tier.sh builds them, then runs this);
# without them it skips (77) with the command that makes them. ~1-2 min.
set -u

. "${SC_SOURCE_ROOT:-$(dirname "$0")/..}/tests/vm-common.sh"

# The sched_ext kernel and schedulers from the cache (the default cache rule).
kernel=$("$bin" kernel path 2>/dev/null) ||
	skip "no sched_ext kernel cached: run scripts/ci-scx-tier.sh (or schedcheck kernel build && schedcheck kernel schedulers; ~11 min cold)"
simple=$("$bin" kernel path scx_simple 2>/dev/null) ||
	skip "scx_simple not built: run schedcheck kernel schedulers"
qmap=$("$bin" kernel path scx_qmap 2>/dev/null) ||
	skip "scx_qmap not built: run schedcheck kernel schedulers"

vm_guest_binary

tmp=$(mktemp -d /tmp/test-scx.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
data=$SC_SOURCE_ROOT/tests/data/scx
t0=$(date +%s)

# get FILE.json EXPR: a value from the sidecar, printed by python.
get() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["result"]
m = r.get("measurements", {})
def meas(k):
    v = m.get(k)
    return v.get("value") if isinstance(v, dict) else v
print(eval(sys.argv[2], {"d": d, "r": r, "meas": meas}))
EOF
}

run_vm() {
	# run_vm NAME EXPECTED_EXIT ARGS...
	name=$1
	want=$2
	shift 2
	"$bin" vm --guest-binary "$guest" --kernel "$kernel" --accel tcg --no-progress \
		-o "$tmp/$name.json" "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	# TCG occasionally trips an int3 oops while the kernel patches its own
	# text at boot (seen once in ttwu_do_activate, 2.7 s in, before schedcheck
	# ran): an emulator flake, not the scheduler's doing. schedcheck rightly
	# calls it a Fail; the test gives that boot one more try.
	# (Whatever the exit code: a case that expects a Fail must not pass on it.)
	if grep -q "Oops: int3" "$tmp/$name.out"; then
		echo "note: $name: the guest kernel hit an int3 oops under TCG; retrying once"
		"$bin" vm --guest-binary "$guest" --kernel "$kernel" --accel tcg --no-progress \
			-o "$tmp/$name.json" "$@" >"$tmp/$name.out" 2>&1
		rc=$?
	fi
	if [ "$rc" -ne "$want" ]; then
		cat "$tmp/$name.out"
		tail -n 30 "$tmp/$name.console.log" 2>/dev/null
		fail "$name: exit $rc, wanted $want"
	fi
	[ -f "$tmp/$name.json" ] || fail "$name: no sidecar"
}

# 1. steady under scx_simple on 2 nodes: Pass, ops recorded, scheduler stayed enabled.
run_vm simple 0 --topology numa2-2llc --scheduler "$simple" steady
[ "$(get "$tmp/simple.json" 'meas("vm.scheduler.ops")')" = simple ] ||
	fail "simple: vm.scheduler.ops is not 'simple'"
[ "$(get "$tmp/simple.json" 'meas("vm.scheduler.failed")')" = False ] ||
	fail "simple: the scheduler is recorded as failed"
grep -q 'nodes=2\|numa2-2llc' "$tmp/simple.json" || fail "simple: topology not recorded"
echo "ok 1 steady under scx_simple on numa2-2llc passes (ops simple)"

# 2. scx_qmap -t 5: disabled by the watchdog; Fail naming the stall, checks still reported.
run_vm qmap 1 --topology numa2-2llc --scheduler "$qmap" "$data/stall.json" -- -t 5
grep -q 'runnable task stall' "$tmp/qmap.out" || {
	cat "$tmp/qmap.out"
	fail "qmap: the report does not name the runnable task stall"
}
[ "$(get "$tmp/qmap.json" 'meas("vm.scheduler.kernel_reason")')" = "runnable task stall" ] ||
	fail "qmap: vm.scheduler.kernel_reason"
[ "$(get "$tmp/qmap.json" 'meas("vm.scheduler.ops")')" = qmap ] || fail "qmap: ops"
get "$tmp/qmap.json" '[o for o in r["outcomes"] if o["kind"] == "fail" and o["detail"]["check"] == "scheduler"][0]["detail"]["message"]' |
	grep -q 'runnable task stall' || fail "qmap: no scheduler Fail outcome naming the stall"
# The run ended early, well before its 30 s, and still measured its cgroups.
[ "$(get "$tmp/qmap.json" 'len(r["stats"]["cgroups"])')" = 2 ] ||
	fail "qmap: the cgroups' measurements are missing"
grep -q 'ended early' "$tmp/qmap.json" || fail "qmap: no note that the run ended early"
echo "ok 2 scx_qmap -t 5 ends as Fail naming the runnable task stall"

# 3. The same with the error declared as expected: Pass.
run_vm qmap-expected 0 --topology numa2-2llc --scheduler "$qmap" "$data/stall-expected.json" -- -t 5
get "$tmp/qmap-expected.json" '[o for o in r["outcomes"] if o["detail"]["check"] == "scheduler"][0]["kind"]' |
	grep -qi pass || fail "qmap-expected: the scheduler outcome is not a pass"
echo "ok 3 the expected stall is the Pass"

# 4. An expected error that does not happen (scx_simple): Fail.
run_vm simple-expected 1 --topology tiny-1llc --scheduler "$simple" "$data/stall-expected.json" \
	--timeout 600
# Normally nothing happens; on a heavily loaded host scx_simple may itself be
# disabled for something else: either way the expectation is not met.
grep -q 'none happened\|not with the expected error' "$tmp/simple-expected.out" ||
	fail "simple-expected: the unmet expectation is not named"
echo "ok 4 an expected error that does not happen is a Fail"

# 5. Scenario ops detach, re-attach and replace the scheduler between steps.
run_vm switch 0 --topology tiny-1llc --scheduler "$simple" "$data/switch.json" --timeout 600
[ "$(grep -c 'scheduler "simple" detached' "$tmp/switch.out")" -eq 2 ] ||
	fail "switch: the scheduler was not detached twice"
# Enabled at boot, then again after the detach and after the replace.
[ "$(grep -c 'scheduler "simple" enabled after' "$tmp/switch.out")" -eq 3 ] ||
	fail "switch: the scheduler was not attached again twice"
grep -q "FAIL *op\|SKIP *op" "$tmp/switch.out" && fail "switch: an op failed"
# On a host without a scheduler the same ops are Skips naming what they need.
"$bin" run --no-progress -o "$tmp/switch-host.json" "$data/switch.json" >"$tmp/switch-host.out" 2>&1
grep -q "SKIP *op.*needs a sched_ext scheduler" "$tmp/switch-host.out" ||
	fail "switch on the host: the scheduler ops are not Skips"
echo "ok 5 detach, attach and replace between steps"

echo "test-scx: all passed in $(($(date +%s) - t0)) s"
