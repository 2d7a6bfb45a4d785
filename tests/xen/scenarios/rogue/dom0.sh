# shellcheck shell=sh
# rogue, Dom0 side: vgpu-back and a CPU worker serve an honest guest while
# the rogue guest's vgpu-rogue.ko runs every case of its list (see
# tests/xen/rogue/rogue_cases.c). After each case Dom0 checks: no oops,
# BUG, WARNING or KASAN report in its kernel log, vgpu-back still loaded,
# the worker alive, the rogue device's gauges (outstanding, grefs_held,
# indirect_pages) back to 0; and it prints what the backend did (debugfs
# counter deltas, its log lines). A case that makes the backend unregister
# the device (a frontend state that is no number, as in every Linux
# backend) is followed by the toolstack's revival: state 1 in the backend
# directory, which probes the device again.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

ROGUE_DMESG=$VGPU_RUN/dmesg.all
ROGUE_BAD='Oops|BUG:|WARNING:|KASAN|general protection|Call Trace|kernel BUG|refcount_t'
ROGUE_KEYS="requests invalid errors copy_errors ring_errors connects disconnects dropped stalls no_worker"

# Both devices are made while the guests are paused (the guest must not
# see a device whose backend directory it cannot read yet). The rogue's
# frontend state is Closed, not Initialising, so that its xenbus ignores it
# at boot and no vgpu-front is loaded there; the rogue guest writes
# Initialising once vgpu-rogue.ko is loaded, and that one binds it.
lab_guest_setup() {
	case $1 in
	honest) vgpu_guest_setup "$@" ;;
	rogue)
		vgpu_guest_setup "$@"
		lab_xs_write "/local/domain/$2/device/vgpu/0/state" 6
		;;
	esac
}

# rogue_dmesg: Dom0's kernel lines since the last call (also kept whole).
rogue_dmesg() { dmesg -c | tee -a "$ROGUE_DMESG"; }

# rogue_gauges_zero FILE: the device's gauges all 0.
rogue_gauges_zero() {
	awk '$1 ~ /^(outstanding|grefs_held|indirect_pages)$/ && $2 != 0 { bad = 1 }
		END { exit bad }' "$1"
}

# rogue_check I NAME: Dom0's checks and report after the rogue's case I.
rogue_check() {
	_i=$1 _name=$2
	_res=$(xenstore-read "/local/domain/$ROGUE/data/rogue-result" 2>/dev/null)
	_f=$VGPU_DBG/dev-$ROGUE-0
	_gone=
	if [ -r "$_f" ]; then
		lab_wait_for 30 "the rogue device's gauges to return to 0" rogue_gauges_zero "$_f" ||
			lab_error "case $_name: gauges not 0 after 30 s: $(grep -E '^(outstanding|grefs_held|indirect_pages) ' "$_f" | tr '\n' ' ')"
		_d=
		for _k in $ROGUE_KEYS; do
			_v=$(vgpu_stat "$_k" "dev-$ROGUE-0")
			_p=0
			eval "_p=\${ROGUE_PREV_$_k:-0}"
			[ "$_v" != "$_p" ] && _d="$_d $_k+$((_v - _p))"
			eval "ROGUE_PREV_$_k=$_v"
		done
	else
		_gone=1
		_d=" device unregistered"
		for _k in $ROGUE_KEYS; do eval "ROGUE_PREV_$_k=0"; done
	fi
	_dm=$(rogue_dmesg)
	_bad=$(echo "$_dm" | grep -E "$ROGUE_BAD")
	if [ -n "$_bad" ]; then
		ROGUE_OOPS=$((ROGUE_OOPS + 1))
		lab_error "case $_name: Dom0's kernel logged: $(echo "$_bad" | head -n 3)"
	fi
	grep -q '^vgpu_back ' /proc/modules || lab_fail "case $_name: vgpu-back is no longer loaded"
	kill -0 "$(vgpu_worker_pid)" 2>/dev/null || lab_fail "case $_name: the worker died"
	_n=$(echo "$_dm" | grep -c 'vgpu-back')
	_top=$(echo "$_dm" | grep 'vgpu-back' | sed 's/^\[[^]]*\] //; s/vgpu-back: //; s/ (id [0-9]*, op [0-9]*)//; s/[0-9][0-9]*/N/g' |
		sort | uniq -c | sort -rn | head -n 3 | sed 's/^ *//' | tr '\n' ';')
	case $_res in *verdict=pass*) ROGUE_PASS=$((ROGUE_PASS + 1)) ;; esac
	echo "ROGUE case $_i $_name | guest: ${_res:-no result}"
	echo "ROGUE case $_i $_name | backend:${_d:- no counter moved} | dmesg: $_n vgpu-back lines${_top:+: $_top}"
	if [ -n "$_gone" ]; then
		lab_log "reviving the rogue device (state 1 in its backend directory)"
		lab_xs_write "/local/domain/0/backend/vgpu/$ROGUE/0/state" 1
		lab_wait_for 20 "vgpu-back to probe the rogue device again" test -r "$_f" ||
			lab_error "case $_name: the rogue device was not probed again"
	fi
}

vgpu_backend_up
# The cases reconnect the rogue device dozens of times to test the
# backend; the worker's own connect limit (its unit test is
# test_worker_cuda's test_connect_storm) would refuse them after five.
vgpu_worker_start --connect-interval-ms 0
vgpu_register	# the rogue's mem-quota (64 MiB): no case can take the worker's memory
: >"$ROGUE_DMESG"
rogue_dmesg >/dev/null
lab_create_guests
HONEST=$(lab_domid honest)
ROGUE=$(lab_domid rogue)

vgpu_wait_phase rogue ready 240 || lab_fail "the rogue device did not connect"
NCASES=$(lab_xs_read "/local/domain/$ROGUE/data/rogue-cases")
vgpu_wait_phase honest quiet-done 300 || lab_fail "the honest guest did not measure its quiet latency"
vgpu_ack honest storm
vgpu_ack rogue go
lab_step "rogue: $NCASES cases against vgpu-back while the honest guest works"

ROGUE_OOPS=0 ROGUE_PASS=0
i=1
while [ "$i" -le "$NCASES" ]; do
	vgpu_wait_phase rogue "done-$i" 300 || lab_fail "the rogue guest did not finish case $i"
	rogue_check "$i" "$(xenstore-read "/local/domain/$ROGUE/data/rogue-case")"
	vgpu_ack rogue "checked-$i"
	i=$((i + 1))
done
vgpu_wait_phase rogue all-done 120 || lab_fail "the rogue guest did not finish"
vgpu_ack honest stop
vgpu_wait_phase honest honest-done 120 || lab_fail "the honest guest did not stop"
LAT=$(xenstore-read "/local/domain/$HONEST/data/honest-lat" 2>/dev/null)
lab_wait_guests 120 || lab_error "not every guest passed"

_bad=$(grep -E "$ROGUE_BAD" "$ROGUE_DMESG"; dmesg | grep -E "$ROGUE_BAD")
[ -z "$_bad" ] || lab_error "Dom0's kernel logged: $(echo "$_bad" | head -n 3)"
lab_check "vgpu-back still loaded" grep -q '^vgpu_back ' /proc/modules
lab_check "the worker still runs" kill -0 "$(vgpu_worker_pid)"
lab_step "rogue summary: cases=$NCASES passed=$ROGUE_PASS dom0_oopses=$ROGUE_OOPS ${LAT:-honest: no figures}"
vgpu_worker_log | grep -v 'metrics: ' | tail -n 40
lab_expect_eq "rogue cases that passed" "$ROGUE_PASS" "$NCASES"
lab_pass "$NCASES rogue cases: backend up, no oops, honest guest right throughout"
