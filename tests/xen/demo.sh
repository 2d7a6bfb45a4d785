#!/bin/sh
# `make demo`: installs what the lab needs (scripts/install-deps.sh, as
# `make check` does), builds everything, boots the Xen lab's
# priority-demo scenario (tests/xen/scenarios/priority-demo: six PV guests
# in pools A and B, one per pool at each of high, medium and low) and
# prints what the scheduler did under contention: all guests are released
# at once behind one gate (the worker stopped until every guest's first
# requests wait in the backend) into a worker that takes at least
# DEMO_OP_DELAY_MS per request, so a queue forms; per VM the wait each
# guest saw (its own p50/p99, vgpu-client stress --latency) next to the
# worker's figures, one verdict per level computed from them; then a live
# priority change (`vgpu-admin vm set a-low priority high` + `vgpu-admin
# apply a-low`) and the mover's wait before and after; and what
# `vgpu-admin status` said in Dom0.
#
# usage: tests/xen/demo.sh [lab.sh options, e.g. -v]
# Environment: DEMO_THREADS (client threads per guest, 2), DEMO_SECS_1 and
# DEMO_SECS_2 (seconds of load in rounds 1 and 2: 12, 8), DEMO_OP_DELAY_MS
# (the worker's --op-delay-ms, 20), DEMO_SCHED (the worker's --sched,
# weighted: every level makes progress, so every level's wait shows;
# strict starves low while high has work). Exit status: the scenario's (0
# when every check passed); the verdicts are figures, never checks.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)

die() { echo "demo: $*" >&2; exit 1; }

"$top/scripts/install-deps.sh" || die "installing the packages failed (scripts/install-deps.sh; run as root)"
echo "demo: building (make all)"
mkdir -p "$top/build"
make -s -C "$top" all >"$top/build/demo-build.log" 2>&1 ||
	die "the build failed (see $top/build/demo-build.log)"

res=$(mktemp)
trap 'rm -f "$res"' EXIT

for v in DEMO_THREADS DEMO_SECS_1 DEMO_SECS_2 DEMO_OP_DELAY_MS DEMO_SCHED; do
	eval "x=\${$v:-}"
	[ -n "$x" ] && set -- -e "$v=$x" "$@"
done
echo "demo: booting the Xen lab: 6 guests in pools A and B, priorities high, medium, low; two gated rounds of checked vector adds"
LAB_RESULTS_FILE=$res "$top/tests/xen/lab.sh" "$@" priority-demo
rc=$?
read -r _ verdict dir <"$res" || die "the lab did not run the scenario"
log=$dir/console.log
[ -s "$log" ] || die "no console log in $dir"

echo
echo "demo: $verdict (logs: $dir)"
grep -q '^demo| ' "$log" || { echo "demo: the scenario printed no table (see $log)"; rc=1; }
sed -n 's/^demo| //p' "$log"
echo
echo "demo: the operator's view, \`vgpu-admin status\` in Dom0 after round 2:"
sed -n 's/^admin-status| /  /p' "$log"
exit $rc
