# shellcheck shell=sh
# Dom0 side of the scheduling scenarios (sched, split-pools): starts
# vgpu-back and a CPU-executor vgpu-worker with an order log, gives every
# guest its vgpu device (vgpu-admin), and drives the guests' load through
# xenstore.
# Staged as /lab/files/sched-dom0.sh (LAB_DOM0_FILES); dom0.sh sources it.
#
# Load protocol (guest side: sched-domU.sh):
#   Dom0 writes /local/domain/DOMID/lab-sched/cmd = "N WORDS..." (N counts
#   up from 1 per guest); the guest runs WORDS and acks with
#   /local/domain/DOMID/data/lab-sched-ack = N. WORDS:
#     flood T K   T threads of `vgpu-client bench nop --count K`, started in
#                 the background (each thread keeps one request in flight)
#     end         wait for the floods, check them, final checks, lab_pass
#   The guest writes data/lab-sched-ready = 1 once /dev/vgpu0 answered.
#
# Gates: sched_freeze stops the worker (SIGSTOP) so that requests pile up
# in the backend's one event FIFO, in arrival order; sched_wait_queued
# reads the backend's debugfs count of a device's unread requests, so Dom0
# knows each burst has arrived before it releases the next; sched_thaw lets
# the worker go, and it reads every waiting event before its first pick.

SCHED_ORDER=$LAB_RUN/order.log
SCHED_WLOG=$LAB_RUN/worker.log
SCHED_DBG=/sys/kernel/debug/vgpu-back
SCHED_DELAY_MS=${SCHED_DELAY_MS:-20}

# The vgpu device of each guest, attached by vgpu-admin from the database
# (vgpu_register, /lab/vgpu-lab.sh: the dom0.sh sources it first), and the
# load protocol's command node.
lab_guest_setup() { # NAME DOMID
	vgpu_guest_setup "$1" "$2"
	lab_xs_write "/local/domain/$2/lab-sched/cmd" "0 none"
}

sched_start_worker() {
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug || lab_fail "mounting debugfs failed"
	modprobe vgpu-back || lab_fail "modprobe vgpu-back failed"
	: >"$SCHED_ORDER"
	vgpu-worker --executor cpu --op-delay-ms "$SCHED_DELAY_MS" \
		--order-log "$SCHED_ORDER" >"$SCHED_WLOG" 2>&1 &
	echo $! >"$LAB_RUN/worker.pid"
	# Whatever happens next, the logs reach the console, and after a
	# failure the guests are told to end instead of waiting it out.
	trap sched_on_exit EXIT
	lab_wait_for 20 "vgpu-worker to open /dev/vgpu-back" \
		sh -c "awk '\$1 == \"worker_open\" && \$2 == 1 { ok = 1 } END { exit !ok }' $SCHED_DBG/stats" ||
		{ sed 's/^/worker| /' "$SCHED_WLOG"; lab_fail "vgpu-worker did not open /dev/vgpu-back within 20s"; }
	lab_step "worker up pid=$(cat "$LAB_RUN/worker.pid") op-delay=${SCHED_DELAY_MS}ms t=$(lab_uptime)"
}

sched_worker_pid() { cat "$LAB_RUN/worker.pid"; }

sched_freeze() {
	kill -STOP "$(sched_worker_pid)" || lab_fail "cannot SIGSTOP the worker"
	lab_step "worker frozen (SIGSTOP) at $(sched_lines) completions t=$(lab_uptime)"
}

sched_thaw() {
	_l=$(sched_lines)
	kill -CONT "$(sched_worker_pid)" || lab_fail "cannot SIGCONT the worker"
	lab_step "worker released (SIGCONT) at $_l completions t=$(lab_uptime)"
}

# sched_lines: completions in the order log so far.
sched_lines() { wc -l <"$SCHED_ORDER" | tr -d ' '; }

# sched_dev NAME KEY: a key of the guest's backend debugfs file.
sched_dev() {
	awk -v k="$2" '$1 == k { print $2 }' "$SCHED_DBG/dev-$(lab_domid "$1")-0" 2>/dev/null
}

# sched_stat KEY: a key of the backend's global stats.
sched_stat() { awk -v k="$1" '$1 == k { print $2 }' "$SCHED_DBG/stats"; }

# Conditions for lab_wait_for (it runs its command again each time).
sched__queued_is() { [ "$(sched_dev "$1" queued)" = "$2" ]; }
sched__lines_ge() { [ "$(sched_lines)" -ge "$1" ]; }

# sched_wait_ready NAME...: each guest has answered through /dev/vgpu0.
# Blocks on a xenstore watch (lab-xs-wait): the guests may still be
# booting meanwhile, and polling would take CPU from them.
sched_wait_ready() {
	_end=$(($(date +%s) + ${SCHED_READY_TIMEOUT:-200}))
	for _g in "$@"; do
		_id=$(lab_domid "$_g")
		lab-xs-wait -t $((_end - $(date +%s))) -d "$_id" \
			"/local/domain/$_id/data/lab-sched-ready" 1 ||
			lab_fail "guest $_g not ready after ${SCHED_READY_TIMEOUT:-200}s (no /dev/vgpu0, or vgpu-client info failed; see guest-$_g.log)"
	done
	lab_step "guests ready: $* t=$(lab_uptime)"
}

# sched_cmd NAME WORDS...: sends a command, waits for the guest's ack.
sched_cmd() {
	_g=$1
	shift
	_id=$(lab_domid "$_g")
	_n=$(($(xenstore-read "/local/domain/$_id/lab-sched/cmd" | cut -d' ' -f1) + 1))
	lab_xs_write "/local/domain/$_id/lab-sched/cmd" "$_n $*"
	lab-xs-wait -t 30 -d "$_id" "/local/domain/$_id/data/lab-sched-ack" "$_n" ||
		lab_fail "guest $_g did not ack command '$*' within 30s"
}

# sched_wait_queued NAME N: the backend holds exactly N unread requests of
# the guest (the worker is frozen).
sched_wait_queued() {
	lab_wait_for 30 "backend to hold $2 requests of $1" \
		sched__queued_is "$1" "$2" ||
		lab_fail "backend holds $(sched_dev "$1" queued) requests of $1, not $2, 30s after its burst (frontend or backend lost some?)"
}

# sched_burst NAME T K QUEUED: T threads of K nops in guest NAME; waits
# until the backend holds QUEUED of its requests (T more than before).
sched_burst() {
	sched_cmd "$1" flood "$2" "$3"
	sched_wait_queued "$1" "$4"
	lab_step "burst $1 threads=$2 count=$3: backend holds $4 t=$(lab_uptime)"
}

# sched_wait_lines N [SECS]: the order log has at least N lines.
sched_wait_lines() {
	lab_wait_for "${2:-60}" "$1 completions in the order log" \
		sched__lines_ge "$1" ||
		lab_fail "the order log has $(sched_lines) completions, $1 expected (worker stuck? see worker.log dump)"
}

# sched_domids: "NAME=DOMID ..." for the order log checker.
sched_domids() {
	for _g in $(lab_guests); do printf '%s=%s ' "$_g" "$(lab_domid "$_g")"; done
}

# sched_check WHAT FROM TO AWK-VARS...: runs orderlog.awk on lines FROM..TO
# of the order log; its LAB-CHECK/FAIL lines go to the console.
sched_check() {
	_what=$1 _from=$2 _to=$3
	shift 3
	_out=$(awk -v check="$_what" -v from="$_from" -v to="$_to" \
		-v names="$(sched_domids)" "$@" -f /lab/files/orderlog.awk "$SCHED_ORDER")
	_rc=$?
	printf '%s\n' "$_out"
	[ $_rc = 0 ] || lab_fail "order log, $_what (lines $_from-$_to): $(printf '%s\n' "$_out" | sed -n 's/^FAIL: //p' | head -n 1)"
}

# sched_dump: the order log and the worker's log, on the console.
sched_dump() {
	echo "LAB-LOG-BEGIN order-log"
	sed 's/^/order| /' "$SCHED_ORDER"
	echo "LAB-LOG-END order-log"
	echo "LAB-LOG-BEGIN worker-log"
	tail -n 80 "$SCHED_WLOG" | sed 's/^/worker| /'
	dmesg | grep 'vgpu-back' | tail -n 40 | sed 's/^/dmesg| /'
	echo "LAB-LOG-END worker-log"
}

# sched_phases CONNECTS HI MDA MDB LO: with the worker up
# (sched_start_worker) and the guests of the four roles named (the phases
# read them as $hi, $mdA, $mdB and $lo): waits for those guests, runs
# order-phase.sh and live-phase.sh, ends every guest, and checks that the
# backend saw CONNECTS connects in all (one per guest: no reconnect) and
# no invalid request.
sched_phases() {
	hi=$2 mdA=$3 mdB=$4 lo=$5
	sched_wait_ready "$hi" "$mdA" "$mdB" "$lo"
	# shellcheck disable=SC1091 # staged by scenario.conf
	. /lab/files/order-phase.sh
	# shellcheck disable=SC1091
	. /lab/files/live-phase.sh
	sched_end "$hi" "$mdA" "$mdB" "$lo"
	lab_expect_eq "backend connects (one per guest, no reconnect)" "$(sched_stat connects)" "$1"
	lab_expect_eq "backend invalid requests" "$(sched_stat invalid)" 0
}

sched_on_exit() {
	sched_dump
	grep -q '^FAIL' "$LAB_VERDICT" 2>/dev/null || return 0
	for _g in $(lab_guests); do
		[ -f "$LAB_GUESTS_DIR/$_g/domid" ] || continue
		_id=$(cat "$LAB_GUESTS_DIR/$_g/domid")
		_n=$(($(xenstore-read "/local/domain/$_id/lab-sched/cmd" 2>/dev/null | cut -d' ' -f1) + 1))
		xenstore-write "/local/domain/$_id/lab-sched/cmd" "$_n end" 2>/dev/null
	done
	kill -CONT "$(sched_worker_pid)" 2>/dev/null
	return 0
}

# sched_end NAME...: tells the guests to finish, waits for them, stops the
# worker (SIGTERM: it drains and prints its metrics).
sched_end() {
	# All at once: each guest then checks its floods and powers off.
	for _g in "$@"; do
		_id=$(lab_domid "$_g")
		_n=$(($(xenstore-read "/local/domain/$_id/lab-sched/cmd" | cut -d' ' -f1) + 1))
		lab_xs_write "/local/domain/$_id/lab-sched/cmd" "$_n end"
	done
	lab_wait_guests || lab_error "not every guest passed"
	kill -TERM "$(sched_worker_pid)" 2>/dev/null
	lab_wait_for 20 "the worker to exit" sh -c "! kill -0 $(sched_worker_pid)" ||
		lab_error "vgpu-worker did not exit within 20s of SIGTERM"
}
