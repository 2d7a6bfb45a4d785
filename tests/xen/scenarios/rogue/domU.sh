# shellcheck shell=sh
# rogue, guest side. honest: checked vector adds and NOP latency, quiet
# first, then throughout the rogue's cases. rogue: vgpu-rogue.ko runs
# every case (echo NAME > /sys/kernel/debug/vgpu-rogue/case) and reports
# each to Dom0, which checks the host between cases.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

# honest_round: one checked vector add and 40 NOPs; prints the NOPs' p99
# (us), or nothing and status 1 if a request failed or a result was wrong.
honest_round() {
	_o=$(lab_timeout 60 vgpu-client vecadd 4096 2>&1)
	[ "$_o" = "vecadd n=4096 ok" ] || { echo "vecadd: $_o" >&2; return 1; }
	_o=$(lab_timeout 60 vgpu-client bench nop --count 40 2>&1) || { echo "bench: $_o" >&2; return 1; }
	echo "$_o" | tr ' ' '\n' | sed -n 's/^p99_us=//p'
}

# max_of: the largest number on stdin (one per line).
max_of() { sort -n | tail -n 1; }
# median_of: the median of the numbers on stdin.
median_of() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

honest_main() {
	vgpu_wait_device 120
	: >/tmp/quiet
	for _r in 1 2 3 4 5; do
		honest_round >>/tmp/quiet || lab_fail "quiet round $_r failed"
	done
	vgpu_phase quiet-done
	vgpu_wait_ack storm 300
	: >/tmp/storm
	_errors=0 _rounds=0 _end=$(($(date +%s) + LAB_GUEST_TIMEOUT - 120))
	while [ "$(xenstore-read "/local/domain/$LAB_DOMID/vgpu-ack")" != stop ]; do
		[ "$(date +%s)" -lt "$_end" ] || lab_fail "Dom0 never said stop"
		_rounds=$((_rounds + 1))
		if ! honest_round >>/tmp/storm; then
			_errors=$((_errors + 1))
			lab_error "round $_rounds during the rogue's cases failed"
		fi
	done
	_lat="honest_rounds=$_rounds honest_errors=$_errors quiet_p99_us=$(max_of </tmp/quiet) quiet_p99_median_us=$(median_of </tmp/quiet) storm_p99_us=$(max_of </tmp/storm) storm_p99_median_us=$(median_of </tmp/storm)"
	lab_log "$_lat"
	xenstore-write data/honest-lat "$_lat"
	vgpu_phase honest-done
	lab_expect_eq "honest requests that failed or were wrong" "$_errors" 0
	lab_pass "checked work right before and during the rogue's cases"
}

rogue_main() {
	ROGUE_DBGFS=/sys/kernel/debug/vgpu-rogue
	grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug
	lab_check "modprobe vgpu-rogue" modprobe vgpu-rogue
	lab_check "vgpu-front is not loaded here" sh -c '! grep -q "^vgpu_front " /proc/modules'
	xenstore-write device/vgpu/0/state 1 || lab_fail "cannot write device/vgpu/0/state"
	lab_wait_for 60 "vgpu-rogue to bind the device" test -e /sys/bus/xen/drivers/vgpu-rogue/vgpu-0 ||
		lab_fail "vgpu-rogue did not bind device/vgpu/0"
	# The driver's sysfs link appears before its probe has finished.
	lab_wait_for 20 "the first connect" sh -c "echo connect >$ROGUE_DBGFS/case" ||
		lab_fail "echo connect failed"
	_r=$(cat "$ROGUE_DBGFS/result")
	case $_r in *verdict=pass*) ;; *) lab_fail "first connect: $_r" ;; esac
	_cases=$(cat "$ROGUE_DBGFS/cases")
	xenstore-write data/rogue-cases "$(echo "$_cases" | grep -c .)"
	vgpu_phase ready
	vgpu_wait_ack go 300
	_i=0
	for _c in $_cases; do
		_i=$((_i + 1))
		echo "$_c" >"$ROGUE_DBGFS/case" || lab_error "case $_c: the write to $ROGUE_DBGFS/case failed"
		_r=$(cat "$ROGUE_DBGFS/result")
		echo "rogue: $_r"
		case $_r in *"case=$_c verdict=pass"*) ;; *) lab_error "case $_c: $_r" ;; esac
		xenstore-write data/rogue-case "$_c" data/rogue-result "$_r"
		vgpu_phase "done-$_i"
		vgpu_wait_ack "checked-$_i" 300
		case $_r in
		*after=down*)
			# Dom0 has brought the device back (state 1): connect again.
			echo connect >"$ROGUE_DBGFS/case"
			_r=$(cat "$ROGUE_DBGFS/result")
			echo "rogue: after the toolstack's revival: $_r"
			case $_r in *verdict=pass*) ;; *) lab_error "case $_c: no reconnect after the revival: $_r" ;; esac
			;;
		esac
	done
	vgpu_phase all-done
	lab_pass "$_i rogue cases run"
}

case $LAB_NAME in
honest) honest_main ;;
rogue) rogue_main ;;
*) lab_fail "unknown guest $LAB_NAME" ;;
esac
