#!/bin/sh
# The vgpu-stub tests (`make stub-check`; check.sh's stub layer when the
# QEMU build is cached). Needs qemu-vgpu-stub/build.sh to have built the
# current sources: it never builds QEMU itself.
#   qtest    tests/qemu-stub/vgpu-stub-test.c, one TAP line per case
#   pci-id   tests/qemu-stub/pci-id-sysfs.sh: the guest reader on fake sysfs
#   boot     tests/qemu-stub/boot.sh: a Linux guest under TCG reads the device
# Logs in build/qemu-stub/. Prints "stub: N passed, N failed" last.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
logdir=$top/build/qemu-stub
mkdir -p "$logdir"
pass=0 fail=0

# counts LOG PREFIX: adds the "PREFIX: N passed, N failed" line of LOG (or
# one failure when the line is missing).
counts() {
	line=$(grep -E "^$2: [0-9]+ passed, [0-9]+ failed\$" "$1" | tail -n 1)
	if [ -z "$line" ]; then
		echo "stub: $2 printed no summary (log: $1)"
		fail=$((fail + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^[^:]*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	pass=$((pass + p))
	fail=$((fail + f))
}

out=$("$top/qemu-vgpu-stub/build.sh" --print-dir)
if ! "$top/qemu-vgpu-stub/build.sh" --is-warm; then
	echo "stub: no QEMU build for the current sources in $out" \
		"(run qemu-vgpu-stub/build.sh or make stub-check)"
	echo "stub: 0 passed, 1 failed"
	exit 1
fi

# qtest: each case in its own run (-p PATH), so a failed assertion, which
# aborts the program, costs that case only; "ok"/"not ok" lines as TAP.
echo "stub: qtest ($out/bin/vgpu-stub-test)"
export QTEST_QEMU_BINARY="$out/bin/qemu-system-x86_64"
: >"$logdir/qtest.log"
qp=0 qf=0
cases=$(cd "$logdir" && "$out/bin/vgpu-stub-test" -l | grep '^/')
[ -n "$cases" ] || echo "stub: vgpu-stub-test listed no cases"
for c in $cases; do
	if (cd "$logdir" && timeout 300 "$out/bin/vgpu-stub-test" --tap -p "$c") \
		>>"$logdir/qtest.log" 2>&1; then
		qp=$((qp + 1))
	else
		qf=$((qf + 1))
		echo "stub: not ok $c (log: $logdir/qtest.log)"
	fi
done
[ -n "$cases" ] || qf=1
echo "qtest: $qp passed, $qf failed" | tee -a "$logdir/qtest.log"
counts "$logdir/qtest.log" qtest

make -s -C "$top/tools" ../build/tools/vgpu-pci-id >"$logdir/pci-id.log" 2>&1
"$top/tests/qemu-stub/pci-id-sysfs.sh" "$top/build/tools/vgpu-pci-id" \
	>>"$logdir/pci-id.log" 2>&1
tail -n 1 "$logdir/pci-id.log"
counts "$logdir/pci-id.log" pci-id

"$top/tests/qemu-stub/boot.sh" "$out" 2>&1 | tee "$logdir/boot.log"
counts "$logdir/boot.log" boot

echo "stub: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
