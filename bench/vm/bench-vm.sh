#!/bin/sh
# SPDX-License-Identifier: MIT
# VM-mode benchmarks: (1) host-side preparation with a warm cache (kernel
# and guest binary discovery, scenario validation, initramfs cache lookup),
# target < 100 ms; (2) `schedcheck vm` wall time for a scenario with no
# steps and no settle time vs a bare qemu boot of the same kernel to a
# busybox init that powers off at once, interleaved, target <= 1.3x.
#
# usage: bench/vm/bench-vm.sh [ROUNDS]   (env: SCHEDCHECK, SCHEDCHECK_GUEST_BIN,
#        SCHEDCHECK_KERNEL; defaults: ./build/schedcheck, ./build-static/schedcheck,
#        scripts/fetch-test-kernel.sh)
set -eu

rounds=${1:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SCHEDCHECK:-$root/build/schedcheck}
guest=${SCHEDCHECK_GUEST_BIN:-$root/build-static/schedcheck}
kernel=${SCHEDCHECK_KERNEL:-$("$root/scripts/fetch-test-kernel.sh" | tail -n 1)}
topo=${TOPOLOGY:-numa2-2llc}
tmp=$(mktemp -d /tmp/bench-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SCHEDCHECK_CACHE_DIR=$tmp/cache SCHEDCHECK_KERNEL="$kernel"

now_ms() { date +%s%3N; }

cat >"$tmp/empty.json" <<'JSON'
{
  "name": "vm-empty",
  "description": "No steps, no settle time: boot, one cgroup, report, power off.",
  "settle_ms": 0,
  "sample_interval_ms": 100,
  "cgroups": [ { "name": "idle", "work": [ { "type": "yield", "workers": 1 } ] } ],
  "steps": []
}
JSON

# The bare boot: busybox as init, powering off at once.
mkdir -p "$tmp/bare/bin" "$tmp/bare/proc"
cp /bin/busybox "$tmp/bare/bin/busybox"
printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' >"$tmp/bare/init"
chmod +x "$tmp/bare/init"
(cd "$tmp/bare" && find . | /bin/busybox cpio -o -H newc >"$tmp/bare.cpio" 2>/dev/null)

bare_boot() {
	sed -e "s#'-initrd' '[^']*'#'-initrd' '$tmp/bare.cpio'#" \
		-e "s#rdinit=/bin/schedcheck#rdinit=/init#" "$tmp/qemu-cmd" >"$tmp/bare-cmd"
	sh -c "exec $(cat "$tmp/bare-cmd")" </dev/null >/dev/null 2>&1
}

# (1) preparation, cold then warm.
t0=$(now_ms)
"$bin" vm --kernel "$kernel" --guest-binary "$guest" --topology "$topo" --prepare-only \
	"$tmp/empty.json" >/dev/null 2>"$tmp/prep.cold"
t1=$(now_ms)
echo "prep cold: $((t1 - t0)) ms ($(cat "$tmp/prep.cold"))"
best=999999
i=0
while [ $i -lt 10 ]; do
	t0=$(now_ms)
	"$bin" vm --topology "$topo" --guest-binary "$guest" --prepare-only "$tmp/empty.json" \
		>/dev/null 2>&1
	t1=$(now_ms)
	d=$((t1 - t0))
	if [ $d -lt $best ]; then best=$d; fi
	i=$((i + 1))
done
echo "prep warm (whole process, kernel via $SCHEDCHECK_KERNEL, best of 10): $best ms (target < 100)"

# Same machine as `schedcheck vm` builds (its argv), initrd and init swapped.
"$bin" vm --kernel "$kernel" --guest-binary "$guest" --topology "$topo" --accel tcg \
	--print-qemu -o "$tmp/x.json" "$tmp/empty.json" >"$tmp/qemu-cmd"

# (2) interleaved wall times.
i=0
vm_total=0
bare_total=0
while [ $i -lt "$rounds" ]; do
	t0=$(now_ms)
	bare_boot
	t1=$(now_ms)
	"$bin" vm --kernel "$kernel" --guest-binary "$guest" --topology "$topo" --accel tcg \
		--no-progress -o "$tmp/r$i.json" "$tmp/empty.json" >/dev/null 2>&1 ||
		echo "warning: schedcheck vm exited $? in round $i"
	t2=$(now_ms)
	echo "round $i: bare boot $((t1 - t0)) ms, schedcheck vm $((t2 - t1)) ms"
	bare_total=$((bare_total + t1 - t0))
	vm_total=$((vm_total + t2 - t1))
	i=$((i + 1))
done
echo "mean: bare $((bare_total / rounds)) ms, vm $((vm_total / rounds)) ms, ratio" \
	"$(awk "BEGIN { printf \"%.2f\", $vm_total / $bare_total }") (target <= 1.3)"
