#!/bin/bash
# SPDX-License-Identifier: MIT
# Harness time of `schedcheck run` (issue 3): a scenario of exactly 10 s
# (1 s settle + 9 s hold, 4 cgroups, 8 workers) is run N times; each run's
# wall time minus 10 s is what schedcheck itself added (setup: cgroups,
# spawning, placement; reduction; checks; report; sidecar; cleanup).
# Target: < 0.5 s. Usage: bench/run-overhead.sh [BUILD_DIR] [RUNS]
set -eu
build=${1:-build}
runs=${2:-3}
bin=$build/schedcheck
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat > "$T/ten.json" <<'JSON'
{
  "name": "ten_seconds",
  "settle_ms": 1000,
  "cgroups": [
    { "name": "a", "cpus": "0", "weight": 100, "work": [ { "type": "spin", "workers": 2 } ] },
    { "name": "b", "weight": 300, "work": [ { "type": "spin", "workers": 2 } ] },
    { "name": "c", "work": [ { "type": "futex_pingpong", "workers": 2 } ] },
    { "name": "d", "work": [ { "type": "timer_latency", "workers": 2 } ] }
  ],
  "steps": [ { "hold_ms": 4500 }, { "hold_ms": 4500, "ops": [ { "op": "set_cpuset", "cgroup": "a", "cpus": "0-1" } ] } ]
}
JSON
echo "schedcheck run of a 10.000 s scenario, $runs runs ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
printf "%-5s %10s %12s %8s\n" run wall_s harness_s verdict
worst=0
for i in $(seq "$runs"); do
	start=$(date +%s.%N)
	"$bin" run --no-progress -o "$T/out$i.json" "$T/ten.json" > "$T/out$i.txt" 2>&1 || true
	end=$(date +%s.%N)
	wall=$(echo "$end - $start" | bc -l)
	over=$(echo "$wall - 10" | bc -l)
	printf "%-5s %10.3f %12.3f %8s\n" "$i" "$wall" "$over" "$(head -1 "$T/out$i.txt" | awk '{print $NF}')"
	worst=$(echo "if ($over > $worst) $over else $worst" | bc -l)
done
printf "worst harness time: %.3f s (target < 0.5 s): %s\n" "$worst" \
	"$(echo "$worst < 0.5" | bc -l | sed 's/1/MET/;s/0/NOT MET/')"
