#!/bin/sh
# `make demo`: installs what the lab needs (scripts/install-deps.sh, as
# `make check` does), builds everything, boots the Xen lab's split-pools
# scenario (7 guests in pools A, B and C at priorities high, medium and
# low, PV and PVH, all issuing checked vector adds through /dev/vgpu0 at
# once) with a longer load, and prints one table row per VM from the
# worker's own metrics (vgpu-worker's SIGUSR1 "metrics: vm ..." lines):
# domid, vm-id, pool, priority, requests done, errors, latency p50 and p99;
# then what `vgpu-admin status` said in Dom0 (every guest of the lab is a
# VM of vgpu-admin's database, attached by it).
#
# usage: tests/xen/demo.sh [lab.sh options, e.g. -v]
# Environment: DEMO_N (vector adds per thread, default 300), DEMO_THREADS
# (threads per guest, 2), DEMO_OP_DELAY_MS (the worker's --op-delay-ms,
# default 2: each request then takes at least 2 ms in the worker, so the
# 14 client threads keep a queue in it and the priorities show in the
# latencies). Exit status: the scenario's (0 when every check passed).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${DEMO_N:-300}
THREADS=${DEMO_THREADS:-2}
DELAY=${DEMO_OP_DELAY_MS:-2}

die() { echo "demo: $*" >&2; exit 1; }

"$top/scripts/install-deps.sh" || die "installing the packages failed (scripts/install-deps.sh; run as root)"
echo "demo: building (make all)"
mkdir -p "$top/build"
make -s -C "$top" all >"$top/build/demo-build.log" 2>&1 ||
	die "the build failed (see $top/build/demo-build.log)"

res=$(mktemp)
trap 'rm -f "$res"' EXIT
echo "demo: booting the Xen lab: 7 guests x $THREADS threads x $N checked vector adds (worker op delay ${DELAY} ms)"
LAB_RESULTS_FILE=$res "$top/tests/xen/lab.sh" -e SPLIT_N="$N" -e SPLIT_THREADS="$THREADS" \
	-e SPLIT_OP_DELAY_MS="$DELAY" -e SPLIT_SCHED=0 "$@" split-pools
rc=$?
read -r _ verdict dir <"$res" || die "the lab did not run the scenario"
log=$dir/console.log
[ -s "$log" ] || die "no console log in $dir"

echo
echo "demo: per-VM figures from vgpu-worker's metrics (SIGUSR1) after the run ($verdict; logs: $dir)"
awk '
function field(line, k,   n, i, a, kv) {
	n = split(line, a, " ")
	for (i = 1; i <= n; i++) {
		split(a[i], kv, "=")
		if (kv[1] == k) return substr(a[i], length(k) + 2)
	}
	return ""
}
/^LAB-STEP guest [^ ]+ creating type=/ { split($5, t, "="); type[$3] = t[2] }
/^LAB-STEP guest [^ ]+ created domid=/ { split($5, d, "="); name[d[2]] = $3 }
/^LAB-STEP guest [^ ]+ result / { result[$3] = $5 }
/^metrics: vm domid=/ { id = field($0, "domid"); vm[id] = $0 }
END {
	rank["high"] = 0; rank["medium"] = 1; rank["low"] = 2
	n = 0
	for (id in vm) ids[++n] = id
	# Rows by priority, then pool, then domid.
	for (i = 2; i <= n; i++) {
		x = ids[i]
		for (j = i - 1; j >= 1; j--) {
			y = ids[j]
			if (rank[field(vm[y], "prio")] < rank[field(vm[x], "prio")]) break
			if (rank[field(vm[y], "prio")] == rank[field(vm[x], "prio")] &&
			    (field(vm[y], "pool") < field(vm[x], "pool") ||
			     (field(vm[y], "pool") == field(vm[x], "pool") && y + 0 < x + 0))) break
			ids[j + 1] = y
		}
		ids[j + 1] = x
	}
	if (!n) { print "demo: no \"metrics: vm\" line in the console: the worker printed no metrics"; exit 1 }
	fmt = "  %-8s %-4s %5s %6s %4s %-8s %8s %6s %9s %9s  %s\n"
	printf fmt, "VM", "type", "domid", "vm-id", "pool", "priority", "requests", "errors", "p50 (ms)", "p99 (ms)", "guest check"
	for (i = 1; i <= n; i++) {
		id = ids[i]; l = vm[id]; g = (id in name) ? name[id] : "?"
		chk = (g in result) ? result[g] : "?"
		printf fmt, g, (g in type) ? type[g] : "?", id, field(l, "vm_id"), field(l, "pool"),
			field(l, "prio"), field(l, "done"), field(l, "errors"),
			sprintf("%.2f", field(l, "p50_us") / 1000), sprintf("%.2f", field(l, "p99_us") / 1000), chk
	}
	print "  requests: completions the worker wrote for the VM (its vector adds, and a NOP before the start)."
	print "  guest checks: PASS when every vector add result was right (vgpu-client checks each element)."
	print "  latency: in the worker, from reading a request to its end (queue wait + execution)."
}' "$log" || rc=1
echo
echo "demo: the operator's view, \`vgpu-admin status\` in Dom0 after the vector adds:"
sed -n 's/^admin-status| /  /p' "$log"
exit $rc
