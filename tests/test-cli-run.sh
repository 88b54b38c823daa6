#!/bin/bash
# SPDX-License-Identifier: MIT
# Integration tests of the real binary: schedcheck run end to end (pass,
# forced fail, bad input, interrupt by SIGINT and SIGTERM leaving nothing
# behind), list / show-scenario / checks, --json, and merge of real sidecars.
set -u
BIN=${SC_SCHEDCHECK_BIN:-./build/schedcheck}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (cgroups, workers in cgroups)"
	exit 77
fi

# 1. The default scenario passes and writes a well-formed sidecar.
"$BIN" run --no-progress -o "$T/a.json" > "$T/a.txt" 2>&1
rc=$?
[ $rc = 0 ] || { fail "default run exited $rc"; cat "$T/a.txt" >&2; }
head -1 "$T/a.txt" | grep -q "steady: PASS" || fail "report does not start with the verdict"
[ "$(json_get "$T/a.json" "d['runs'][0]['scenario']")" = steady ] || fail "sidecar scenario"
[ "$(json_get "$T/a.json" "d['schema_version']")" = 1 ] || fail "schema_version"
[ "$(json_get "$T/a.json" "len(d['result']['stats']['phases'])")" = 2 ] || fail "two phases"
[ "$(json_get "$T/a.json" "d['runs'][0]['interrupted']")" = False ] || fail "interrupted flag"

# A short scenario for the rest.
cat > "$T/short.json" <<'JSON'
{
  "name": "short",
  "settle_ms": 200,
  "cgroups": [ { "name": "s", "work": [ { "type": "spin", "workers": 2 } ] } ],
  "steps": [ { "hold_ms": 600 } ],
  "checks": { "max_spread_pct": null }
}
JSON

# 2. A forced failure: a work rate no machine reaches.
"$BIN" run --no-progress -o "$T/f.json" --check min_iteration_rate=1e15 "$T/short.json" > "$T/f.txt" 2>&1
rc=$?
[ $rc = 1 ] || fail "forced failure exited $rc, want 1"
grep -q "FAIL *iteration_rate *s " "$T/f.txt" || { fail "failure not named"; cat "$T/f.txt" >&2; }

# 3. Bad input names the place and runs nothing.
printf '{\n  "name": "bad",\n  "cgroups": [ { "name": "x", "wieght": 3 } ]\n}\n' > "$T/bad.json"
"$BIN" run --no-progress -o "$T/bad-out.json" "$T/bad.json" > "$T/bad.txt" 2>&1
rc=$?
[ $rc = 2 ] || fail "bad scenario exited $rc, want 2"
grep -q "bad.json:3:[0-9]*: cgroups\[0\].wieght: unknown key" "$T/bad.txt" || { fail "bad scenario message"; cat "$T/bad.txt" >&2; }
[ ! -e "$T/bad-out.json" ] || fail "a sidecar was written for a scenario that never ran"
"$BIN" run --no-progress --check nonsense=1 "$T/short.json" > /dev/null 2>&1
[ $? = 2 ] || fail "unknown --check not refused with 2"
"$BIN" run --no-progress no_such_scenario > /dev/null 2>&1
[ $? = 2 ] || fail "unknown scenario not refused with 2"

# 4. Interrupts: exit 130, partial result kept, no cgroup or worker left.
cat > "$T/long.json" <<'JSON'
{
  "name": "long",
  "settle_ms": 300,
  "cgroups": [ { "name": "l", "work": [ { "type": "spin", "workers": 3 }, { "type": "futex_pingpong", "workers": 2 } ] } ],
  "steps": [ { "hold_ms": 30000 } ]
}
JSON
for sig in INT TERM; do
	"$BIN" run --no-progress -o "$T/int-$sig.json" "$T/long.json" > "$T/int-$sig.txt" 2>&1 &
	pid=$!
	sleep 1.5
	kill -"$sig" $pid
	wait $pid
	rc=$?
	[ $rc = 130 ] || fail "SIG$sig: exit $rc, want 130"
	[ "$(json_get "$T/int-$sig.json" "d['runs'][0]['interrupted']")" = True ] || fail "SIG$sig: not marked interrupted"
	[ "$(json_get "$T/int-$sig.json" "[o['kind'] for o in d['result']['outcomes'] if o['detail']['check']=='run']")" = "['inconclusive']" ] ||
		fail "SIG$sig: the partial result is not marked inconclusive"
	[ "$(json_get "$T/int-$sig.json" "d['result']['stats']['cgroups'][0]['num_workers']")" = 5 ] || fail "SIG$sig: workers' reports lost"
	left=$(ls -d /sys/fs/cgroup/*/schedcheck-$pid-* /sys/fs/cgroup/schedcheck-$pid-* 2>/dev/null)
	[ -z "$left" ] || fail "SIG$sig: cgroups left behind: $left"
	for p in /proc/[0-9]*; do
		if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q "$T/long.json"; then
			fail "SIG$sig: process ${p#/proc/} left behind"
		fi
	done
done

# 5. list / show-scenario / checks, and a canned scenario round-tripped through a file.
n=$("$BIN" list | wc -l)
[ "$n" -ge 12 ] || fail "list shows $n scenarios"
"$BIN" show-scenario cgroup_add > "$T/cg.json" || fail "show-scenario"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/cg.json" || fail "show-scenario is not JSON"
"$BIN" show-scenario nope > /dev/null 2>&1 && fail "show-scenario of an unknown name succeeded"
"$BIN" checks | grep -q "weighted_fairness" || fail "checks lacks weighted_fairness"

# 6. --json prints the result on stdout; merge combines real sidecars.
"$BIN" run --json -o "$T/j.json" "$T/short.json" > "$T/j.out" 2> "$T/j.err"
rc=$?
[ $rc = 0 ] || { fail "--json run exited $rc"; cat "$T/j.err" >&2; }
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['result']['stats']['cgroups'][0]['cgroup_name']=='s'" "$T/j.out" || fail "--json output"
"$BIN" merge -o "$T/m.json" "$T/a.json" "$T/j.json" > "$T/m.txt" 2>&1
rc=$?
[ $rc = 0 ] || { fail "merge exited $rc"; cat "$T/m.txt" >&2; }
[ "$(json_get "$T/m.json" "len(d['runs'])")" = 2 ] || fail "merge: two runs"
[ "$(json_get "$T/m.json" "len(d['result']['stats']['cgroups'])")" = 3 ] || fail "merge: three cgroups"
"$BIN" merge -o "$T/m2.json" "$T/a.json" "$T/f.json" > /dev/null 2>&1
[ $? = 1 ] || fail "merge with a failing shard does not exit 1"

# 7. Without root: the run still runs what it can and Skips what needs cgroups.
if command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$T"
	mkdir "$T/nobody" && chmod 777 "$T/nobody"
	cp "$BIN" "$T/nobody/schedcheck" && chmod 755 "$T/nobody/schedcheck"
	(cd "$T/nobody" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		./schedcheck run --no-progress -v -o "$T/nobody/n.json" "$T/short.json") > "$T/n.txt" 2>&1
	rc=$?
	[ $rc = 0 ] || { fail "unprivileged run exited $rc"; cat "$T/n.txt" >&2; }
	grep -q "SKIP *isolation.*no cgroups of its own" "$T/n.txt" || fail "unprivileged run: isolation not skipped with a reason"
	grep -q "PASS *not_starved" "$T/n.txt" || fail "unprivileged run measured nothing"
fi

if [ $fails != 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "all cli-run checks passed"
