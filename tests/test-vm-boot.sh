#!/bin/sh
# SPDX-License-Identifier: MIT
# Integration test of `schedcheck vm`: boots Debian's 6.12 cloud kernel
# under TCG with a 2-node topology, checks the verdict and the guest's own
# view (2 NUMA nodes, 4 CPUs), that a guest panic and a timeout end as Fail
# with the console tail and no qemu left, and that a corrupted frame stream
# is rejected with an error. Skips (77) when qemu or a kernel is unavailable.
set -u

. "${SC_SOURCE_ROOT:-$(dirname "$0")/..}/tests/vm-common.sh"

# A kernel: $SCHEDCHECK_KERNEL, else fetch Debian's (cached).
kernel=${SCHEDCHECK_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$("$SC_SOURCE_ROOT/scripts/fetch-test-kernel.sh" 2>/dev/null | tail -n 1) ||
		skip "no test kernel: scripts/fetch-test-kernel.sh failed (no apt network?)"
fi
[ -f "$kernel" ] || skip "no test kernel at '$kernel'"

vm_guest_binary

tmp=$(mktemp -d /tmp/test-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SCHEDCHECK_CACHE_DIR=$tmp/cache

no_orphans() {
	# Read-only check: no qemu started for this test is still alive.
	if pgrep -f "$tmp" >/dev/null 2>&1; then
		pgrep -af "$tmp"
		fail "a qemu process survived ($1)"
	fi
}

cat >"$tmp/short.json" <<'JSON'
{
  "name": "vm-short",
  "description": "Two spinning cgroups, one per node, for one second. Under TCG on a loaded host timing is emulated: fairness and gap limits are relaxed, the test is about the VM plumbing and the guest's view.",
  "requires": { "min_cpus": 4, "min_numa_nodes": 2 },
  "settle_ms": 200,
  "sample_interval_ms": 100,
  "cgroups": [
    { "name": "node0", "cpus": "0-1", "mems": "0", "work": [ { "type": "spin", "workers": 2 } ] },
    { "name": "node1", "cpus": "2-3", "mems": "1", "work": [ { "type": "spin", "workers": 2 } ] }
  ],
  "steps": [ { "hold_ms": 1000 } ],
  "checks": { "max_spread_pct": null, "max_gap_ms": 5000 }
}
JSON

run_vm() {
	"$bin" vm --kernel "$kernel" --guest-binary "$guest" --accel tcg --no-progress "$@"
}

# 1. A short scenario passes on numa2-2llc; the guest saw 2 nodes and 4 CPUs.
start=$(date +%s)
run_vm --topology numa2-2llc --memory 512 --timeout 180 -o "$tmp/ok.json" "$tmp/short.json" \
	>"$tmp/ok.out" 2>&1
rc=$?
cat "$tmp/ok.out"
[ $rc -eq 0 ] || fail "the short scenario exited $rc (console: $(tail -n 5 "$tmp/ok.console.log"))"
echo "vm run took $(($(date +%s) - start)) s"
grep -q "schedcheck: vm-short: PASS" "$tmp/ok.out" || fail "no PASS line"
grep -q "TCG" "$tmp/ok.out" || fail "no TCG warning in the report"
python3 - "$tmp/ok.json" <<'PY' || fail "sidecar check"
import json, sys
s = json.load(open(sys.argv[1]))
run = s["runs"][0]
assert run["nr_numa_nodes"] == 2, run["nr_numa_nodes"]
assert run["nr_cpus_online"] == 4, run["nr_cpus_online"]
assert run["cpus_online"] == "0-3", run["cpus_online"]
assert run["kernel_release"].startswith("6.12"), run["kernel_release"]
assert run["cgroup_mode"] == "v2", run["cgroup_mode"]
m = s["result"]["measurements"]
assert m["vm.accel"] == {"type": "text", "value": "tcg"}, m["vm.accel"]
assert m["vm.end"]["value"] == "ok"
phases = s["result"]["stats"]["phases"]
assert [p["step_index"] for p in phases] == [0, 1], phases
for p in phases:
    assert set(p["per_cgroup"]) == {"node0", "node1"}, p["per_cgroup"].keys()
    assert p["end_ms"] > p["start_ms"]
    for name, c in p["per_cgroup"].items():
        assert c["total_iterations"] > 0, (name, c)
# cpuset isolation held inside the guest
for c in s["result"]["stats"]["cgroups"]:
    want = {"node0": [0, 1], "node1": [2, 3]}[c["cgroup_name"]]
    assert set(c["cpus_used"]) <= set(want), c
print("sidecar ok: 2 nodes, 4 CPUs, kernel", run["kernel_release"])
PY
no_orphans "after the passing run"

# 2. A corrupted frame stream is rejected with an error naming the offset.
[ -s "$tmp/ok.frames" ] || fail "no frames file beside the sidecar"
"$bin" vm --decode-frames "$tmp/ok.frames" >/dev/null || fail "the intact stream does not decode"
python3 - "$tmp/ok.frames" "$tmp/bad.frames" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x10
open(sys.argv[2], "wb").write(b)
PY
"$bin" vm --decode-frames "$tmp/bad.frames" >"$tmp/bad.out" 2>&1
rc=$?
cat "$tmp/bad.out"
[ $rc -eq 2 ] || fail "a corrupted stream exited $rc, not 2"
grep -q "stream offset" "$tmp/bad.out" || fail "the error does not name the offset"

# 3. A guest whose init dies panics: Fail with the reason and the console tail.
start=$(date +%s)
run_vm --topology tiny-1llc --memory 256 --timeout 120 --append "rdinit=/bin/cat" \
	-o "$tmp/panic.json" steady >"$tmp/panic.out" 2>&1
rc=$?
cat "$tmp/panic.out"
[ $rc -eq 1 ] || fail "a panicking guest exited $rc, not 1"
grep -q "kernel panic" "$tmp/panic.out" || fail "the reason is not a kernel panic"
grep -q "Attempted to kill init" "$tmp/panic.out" || fail "no console tail in the report"
echo "panic run took $(($(date +%s) - start)) s"
no_orphans "after the panic"

# 3b. A scenario op that crashes the guest (sysrq c) mid-run: Fail with the
# console tail, within the timeout, nothing left running.
cat >"$tmp/crash.json" <<'JSON'
{
  "name": "vm-crash",
  "description": "Crashes the guest kernel with sysrq c in its second step.",
  "settle_ms": 200,
  "cgroups": [ { "name": "c", "work": [ { "type": "spin", "workers": 1 } ] } ],
  "steps": [ { "hold_ms": 300 }, { "hold_ms": 5000, "ops": [ { "op": "sysrq", "key": "c" } ] } ]
}
JSON
start=$(date +%s)
run_vm --topology tiny-1llc --memory 256 --timeout 120 -o "$tmp/crash.json.out.json" \
	"$tmp/crash.json" >"$tmp/crash.out" 2>&1
rc=$?
cat "$tmp/crash.out"
[ $rc -eq 1 ] || fail "a guest crashed by sysrq exited $rc, not 1"
grep -qi "panic\|sysrq" "$tmp/crash.out" || fail "the crash is not named"
[ $(($(date +%s) - start)) -lt 120 ] || fail "the crash was not noticed before the timeout"
no_orphans "after the sysrq crash"
# On the host the same op is refused, never run.
"$bin" run --no-progress -o "$tmp/crash-host.json" "$tmp/crash.json" >"$tmp/crash-host.out" 2>&1
grep -q "SKIP *op.*refused outside a schedcheck vm guest" "$tmp/crash-host.out" ||
	fail "sysrq was not refused on the host"

# 4. A timeout kills qemu: Fail naming the timeout, nothing left running.
run_vm --topology tiny-1llc --memory 256 --timeout 2 -o "$tmp/timeout.json" steady \
	>"$tmp/timeout.out" 2>&1
rc=$?
cat "$tmp/timeout.out"
[ $rc -eq 1 ] || fail "a timed-out guest exited $rc, not 1"
grep -q "timeout: no result after 2 s" "$tmp/timeout.out" || fail "the reason is not the timeout"
no_orphans "after the timeout"

# 5. The scenario is validated against the topology before anything boots.
run_vm --topology tiny-1llc "$tmp/short.json" >"$tmp/topo.out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "a scenario naming CPUs outside the topology exited $rc, not 2"
grep -q "topology 1,1,2,1" "$tmp/topo.out" || fail "the error does not name the topology"

echo "PASS"
