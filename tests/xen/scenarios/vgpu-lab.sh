# shellcheck shell=sh
# Helpers for the split-driver scenarios (split-*), sourced by their dom0.sh
# and domU.sh after the lab library. A scenario gets this file with
#   LAB_DOM0_FILES="tests/xen/scenarios/vgpu-lab.sh:/lab/vgpu-lab.sh"
#   LAB_DOMU_FILES="tests/xen/scenarios/vgpu-lab.sh:/lab/vgpu-lab.sh"
# in its scenario.conf. Not a scenario itself (no guests file).
#
# Dom0 and a guest talk through xenstore: the guest writes its phase to
# data/vgpu-phase (its own, writable node); Dom0 answers in
# /local/domain/DOMID/vgpu-ack (which the guest may read, not write).

VGPU_RUN=${LAB_RUN:-/run/lab}
VGPU_WORKER_LOG=$VGPU_RUN/worker.log
VGPU_ORDER_LOG=$VGPU_RUN/order.log
VGPU_DBG=/sys/kernel/debug/vgpu-back

# vgpu_watch_for PATH VALUE SECS [DOMID]: 0 once xenstore PATH reads VALUE,
# non-zero after SECS (or, with DOMID, once that domain is gone). Blocks on a
# xenstore watch (lab-xs-wait) instead of polling: under TCG every process
# a waiting guest starts is CPU taken from the guests still booting.
vgpu_watch_for() {
	lab-xs-wait -t "$3" ${4:+-d "$4"} "$1" "$2"
}

# ---- Dom0 ----------------------------------------------------------------------

# ---- the operator's tool (vgpu-admin) -----------------------------------------
# Guests get their vgpu device the way an operator's host does: each guest
# is a VM in vgpu-admin's database (its default, /var/lib/vgpu/vgpu.db),
# registered by name with its Xen UUID and its guests-file keys, and
# `vgpu-admin attach` (or the watcher, `vgpu-admin watch`) writes the
# xenstore directories from the database.

# Guests-file keys that become `vgpu-admin vm add` options when present
# (backend: the domain that serves the device, a driver domain's name).
VGPU_LIMIT_KEYS="max-inflight max-queued rate-limit rate-burst mem-quota backend"

# vgpu_admin ARGS...: vgpu-admin ARGS, its output on the console with an
# "admin| " prefix; a non-zero exit fails the scenario.
vgpu_admin() {
	_va_o=$(vgpu-admin "$@" 2>&1)
	_va_rc=$?
	[ -n "$_va_o" ] && printf '%s\n' "$_va_o" | sed 's/^/admin| /'
	[ $_va_rc = 0 ] || lab_fail "vgpu-admin $* exited $_va_rc: $(printf '%s' "$_va_o" | tail -n 1)"
}

# vgpu_register [NAME...]: creates the database (first call), the pools the
# guests name, and each guest (default: all) as a VM: name, UUID, pool,
# priority, vm-id and the limits of VGPU_LIMIT_KEYS it has.
# shellcheck disable=SC2120 # the scenarios pass names; vgpu_lab_up none
vgpu_register() {
	_vr_t0=$(lab_uptime)
	if [ ! -f "$VGPU_RUN/admin-pools" ]; then
		vgpu_admin init
		: >"$VGPU_RUN/admin-pools"
	fi
	# shellcheck disable=SC2048 # guest names have no spaces
	for _vr_g in ${*:-$(lab_guests)}; do
		_vr_p=$(lab_key "$_vr_g" pool) || lab_fail "guest $_vr_g has no pool key"
		if ! grep -qx "$_vr_p" "$VGPU_RUN/admin-pools"; then
			vgpu_admin pool add "$_vr_p" --description "lab pool $_vr_p"
			echo "$_vr_p" >>"$VGPU_RUN/admin-pools"
		fi
		_vr_lim=
		for _vr_k in $VGPU_LIMIT_KEYS; do
			_vr_v=$(lab_key "$_vr_g" "$_vr_k") && _vr_lim="$_vr_lim --$_vr_k $_vr_v"
		done
		# shellcheck disable=SC2086 # the limits: words without spaces
		vgpu_admin vm add "$_vr_g" --uuid "$(lab_guest_uuid "$_vr_g")" \
			--pool "$_vr_p" --priority "$(lab_key "$_vr_g" priority)" \
			--vm-id "$(lab_key "$_vr_g" vm-id)" $_vr_lim
	done
	_vr_n=${*:-$(lab_guests)}
	lab_step "vgpu-admin registered: ${_vr_n% } t=$_vr_t0-$(lab_uptime)"
}

# vgpu_guest_setup NAME DOMID: a lab_create_guest hook, the explicit way of
# an xl host: between `xl create -p` and `xl unpause`, `vgpu-admin attach
# NAME` writes the guest's vgpu device 0 from the database.
vgpu_guest_setup() {
	vgpu_admin attach "$1"
	lab_step "guest $1 vgpu attached by vgpu-admin domid=$2 t=$(lab_uptime)"
}

# vgpu_lab_up: the usual start of a scenario: vgpu-back, a CPU worker with
# its defaults, every guest registered, then created and attached the
# explicit way (vgpu_guest_setup as the lab_create_guest hook).
# shellcheck disable=SC2119 # each with its defaults, not this one's args
vgpu_lab_up() {
	# shellcheck disable=SC2317 # called by lab_create_guest, the hook
	lab_guest_setup() { vgpu_guest_setup "$@"; }
	vgpu_backend_up
	vgpu_worker_start
	vgpu_register
	lab_create_guests
}

# vgpu_backend_dir NAME: the guest's vgpu backend directory (device 0).
vgpu_backend_dir() { echo "/local/domain/0/backend/vgpu/$(lab_domid "$1")/0"; }

# vgpu_backend_up [KO]: loads vgpu-back (modprobe, or insmod KO: a driver
# domain gets the module as a scenario file) and mounts debugfs for its
# counters.
# shellcheck disable=SC2120 # a driver domain passes the module
vgpu_backend_up() {
	if [ -n "${1:-}" ]; then
		lab_check "insmod $1" insmod "$1"
	else
		lab_check "modprobe vgpu-back" modprobe vgpu-back
	fi
	# -e VGPU_WORKER_RINGS=1: the worker gets the shared rings instead of
	# read() and write() (0, the default; backend.md, the shared rings).
	if [ -n "${VGPU_WORKER_RINGS:-}" ]; then
		lab_check "worker_rings=$VGPU_WORKER_RINGS" sh -c \
			"echo $VGPU_WORKER_RINGS >/sys/module/vgpu_back/parameters/worker_rings"
	fi
	grep -q ' /sys/kernel/debug ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug
	lab_check "vgpu-back counters in debugfs" test -r "$VGPU_DBG/stats"
}

# vgpu_stat KEY [FILE]: one counter of $VGPU_DBG/FILE (default stats).
vgpu_stat() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { exit !f }' "$VGPU_DBG/${2:-stats}"; }

# vgpu_dev_stat NAME KEY: one counter of guest NAME's device 0.
vgpu_dev_stat() { vgpu_stat "$2" "dev-$(lab_domid "$1")-0"; }

# vgpu_worker_start [OPTIONS]: starts vgpu-worker (CPU executor, order log
# unless VGPU_ORDER_LOG is empty) in the background, appending to
# $VGPU_WORKER_LOG; waits until it holds /dev/vgpu-back (worker_open 1).
# shellcheck disable=SC2120 # scenarios pass options; vgpu_lab_up none
vgpu_worker_start() {
	echo "=== worker start t=$(lab_uptime): $*" >>"$VGPU_WORKER_LOG"
	vgpu-worker --executor cpu ${VGPU_ORDER_LOG:+--order-log "$VGPU_ORDER_LOG"} "$@" \
		>>"$VGPU_WORKER_LOG" 2>&1 &
	echo $! >"$VGPU_RUN/worker.pid"
	lab_wait_for 20 "the worker to open /dev/vgpu-back" \
		sh -c "[ \"\$(awk '\$1 == \"worker_open\" { print \$2 }' $VGPU_DBG/stats)\" = 1 ]" ||
		{ vgpu_worker_log; lab_fail "vgpu-worker did not open /dev/vgpu-back"; }
	lab_log "worker started, pid $(cat "$VGPU_RUN/worker.pid")"
}

vgpu_worker_pid() { cat "$VGPU_RUN/worker.pid"; }

# vgpu_worker_metrics: SIGUSR1 to the worker; prints the metrics block it
# wrote (the lines between "metrics: begin reason=sigusr1" and "metrics:
# end"), waiting at most 10 s for it.
vgpu_worker_metrics() {
	_n0=$(grep -c 'metrics: end' "$VGPU_WORKER_LOG")
	kill -USR1 "$(vgpu_worker_pid)" || lab_fail "cannot signal the worker"
	lab_wait_for 10 "the worker's metrics" \
		sh -c "[ \$(grep -c 'metrics: end' $VGPU_WORKER_LOG) -gt $_n0 ]" ||
		lab_fail "the worker printed no metrics after SIGUSR1"
	awk '/metrics: begin reason=sigusr1/ { p = 1; o = "" }
		p && /metrics: / { o = o $0 "\n" }
		/metrics: end/ { if (p) last = o; p = 0 }
		END { printf "%s", last }' "$VGPU_WORKER_LOG"
}

# vgpu_metric_field LINE FIELD: FIELD=VALUE out of a "metrics: vm ..." line.
vgpu_metric_field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# vgpu_worker_stop: SIGTERM (drain, final metrics, exit 0), at most 30 s.
vgpu_worker_stop() {
	_p=$(vgpu_worker_pid)
	kill -TERM "$_p" 2>/dev/null || lab_fail "the worker (pid $_p) is not running"
	lab_wait_for 30 "the worker to exit after SIGTERM" sh -c "! kill -0 $_p" ||
		{ kill -KILL "$_p"; lab_fail "vgpu-worker did not exit within 30 s of SIGTERM"; }
}

# vgpu_check_shutdown NAME...: each guest, now gone, shut its vgpu device
# down cleanly: a frontend waits up to 5 s at shutdown for its backend to
# reach Closing, and logs "timeout closing device" when it does not.
vgpu_check_shutdown() {
	for _g in "$@"; do
		_l=$(grep -m1 'device/vgpu/[0-9]* timeout closing device' "$(lab_guest_log "$_g")")
		if [ -n "$_l" ]; then
			lab_error "$_g: vgpu-back never reached Closing at the guest's shutdown: $_l"
		else
			echo "LAB-CHECK ok: $_g shut its vgpu device down without a timeout"
		fi
	done
}

# vgpu_worker_log: the worker's log on the console, "worker| " prefixed.
vgpu_worker_log() { sed 's/^/worker| /' "$VGPU_WORKER_LOG" 2>/dev/null; }

# vgpu_wait_phase NAME PHASE [TIMEOUT]: waits (default 120 s) until guest
# NAME wrote PHASE to its data/vgpu-phase; status 1 (and a message) after
# TIMEOUT or when the guest is gone.
vgpu_wait_phase() {
	_id=$(lab_domid "$1")
	vgpu_watch_for "/local/domain/$_id/data/vgpu-phase" "$2" "${3:-120}" "$_id" && return 0
	lab_log "guest $1 did not reach phase $2 within ${3:-120}s (it is at '$(xenstore-read "/local/domain/$_id/data/vgpu-phase" 2>/dev/null)'$(xenstore-exists "/local/domain/$_id" || echo ', domain gone'))"
	return 1
}

# vgpu_ack NAME VALUE: Dom0's answer to guest NAME.
vgpu_ack() { lab_xs_write "/local/domain/$(lab_domid "$1")/vgpu-ack" "$2"; }

# ---- guests --------------------------------------------------------------------

# vgpu_phase PHASE: tells Dom0 where this guest is.
vgpu_phase() {
	xenstore-write data/vgpu-phase "$1" || lab_fail "cannot write data/vgpu-phase=$1"
	lab_log "phase $1 t=$(lab_uptime)"
}

# vgpu_wait_ack VALUE [TIMEOUT]: waits (default 120 s) for Dom0's answer.
vgpu_wait_ack() {
	vgpu_watch_for "/local/domain/$LAB_DOMID/vgpu-ack" "$1" "${2:-120}" ||
		lab_fail "Dom0 did not answer '$1' within ${2:-120}s"
}

# vgpu_wait_device [TIMEOUT]: /dev/vgpu0 exists (the frontend connected).
vgpu_wait_device() { lab_wait_dev /dev/vgpu0 "${1:-60}"; }

# vgpu_client_expect DESC TIMEOUT WANT ARGS...: runs `vgpu-client ARGS`
# under a hard timeout; its exit status must be 0 and its whole output
# (stdout and stderr) WANT.
vgpu_client_expect() {
	_d=$1 _t=$2 _w=$3
	shift 3
	_o=$(lab_timeout "$_t" vgpu-client "$@" 2>&1)
	_rc=$?
	[ $_rc = 137 ] && lab_fail "$_d: vgpu-client $* did not finish within ${_t}s"
	[ $_rc = 0 ] || lab_fail "$_d: vgpu-client $* exited $_rc: $_o"
	lab_expect_eq "$_d" "$_o" "$_w"
}
