# shellcheck shell=sh
# Functions shared by the Dom0 and the domU side of the Xen lab. Sourced by
# /init and by every scenario script (dom0.sh, domU.sh) before they run.
#
# Verdicts: a domain PASSes only when its script called lab_pass and nothing
# called lab_fail/lab_error. The first failure message is the reason that
# the harness prints. The verdict lives in a file so that it survives
# subshells, pipelines and the `timeout` wrapper around the scenario.

LAB_RUN=${LAB_RUN:-/run/lab}
LAB_VERDICT=$LAB_RUN/verdict

# Console protocol (see Documentation/xen-lab.md): one line per event.
lab_step() { echo "LAB-STEP $*"; }
lab_log() { echo "lab: $*"; }

lab_uptime() { cut -d' ' -f1 /proc/uptime; }

# lab_error MSG: records a failure and carries on.
lab_error() {
	mkdir -p "$LAB_RUN"
	echo "LAB-ASSERT FAIL: $*"
	grep -q '^FAIL' "$LAB_VERDICT" 2>/dev/null ||
		echo "FAIL ${*:-failed}" >"$LAB_VERDICT"
	return 1
}

# lab_fail MSG: records a failure and ends the current (sub)shell.
lab_fail() {
	lab_error "$@"
	exit 1
}

# lab_pass [MSG]: records success unless a failure was recorded before.
# A later lab_fail/lab_error still turns the verdict into FAIL.
lab_pass() {
	mkdir -p "$LAB_RUN"
	grep -q '^FAIL' "$LAB_VERDICT" 2>/dev/null && return 0
	echo "PASS ${*:-}" >"$LAB_VERDICT"
	echo "LAB-ASSERT PASS${*:+: $*}"
}

# lab_check DESC CMD [ARGS...]: runs CMD; a non-zero exit is a failure
# (lab_fail, so the script stops there).
lab_check() {
	_d=$1
	shift
	if "$@"; then
		echo "LAB-CHECK ok: $_d"
	else
		lab_fail "$_d (command failed: $*)"
	fi
}

# lab_expect_eq WHAT GOT WANT: string equality; a mismatch is a failure.
lab_expect_eq() {
	if [ "$2" = "$3" ]; then
		echo "LAB-CHECK ok: $1 = '$3'"
	else
		lab_fail "$1: got '$2', expected '$3'"
	fi
}

# lab_verdict: prints "PASS ..." or "FAIL reason" (or nothing).
lab_verdict() { cat "$LAB_VERDICT" 2>/dev/null; }

# lab_timeout SECS CMD [ARGS...]: CMD killed (SIGKILL) after SECS seconds;
# exit status 137 then.
lab_timeout() {
	_t=$1
	shift
	timeout -s KILL "$_t" "$@"
}

# lab_wait_for SECS DESC CMD [ARGS...]: polls CMD every 0.2 s until it
# succeeds; returns 1 (and says what it waited for) after SECS seconds.
lab_wait_for() {
	_t=$1 _d=$2
	shift 2
	_end=$(($(date +%s) + _t))
	while ! "$@" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$_end" ]; then
			echo "lab: timed out after ${_t}s waiting for $_d"
			return 1
		fi
		sleep 0.2
	done
}

# lab_modules_coldplug [WAIT]: loads the driver of every xenbus device
# present (modprobe by modalias, as udev would at boot). A xenbus frontend
# driver's modprobe returns only once its devices connected (xenbus waits up
# to 5 minutes for them), so each modprobe runs in the background and this
# waits at most WAIT seconds (default 60), then names the ones still busy.
lab_modules_coldplug() {
	_pids=
	for _m in /sys/bus/xen/devices/*/modalias /sys/bus/xen-backend/devices/*/modalias; do
		[ -r "$_m" ] || continue
		_a=$(cat "$_m")
		case " $_pids " in *" $_a:"*) continue ;; esac
		modprobe -q -b "$_a" &
		_pids="$_pids $_a:$!"
	done
	_end=$(($(date +%s) + ${1:-60}))
	while :; do
		_busy=
		for _p in $_pids; do
			kill -0 "${_p##*:}" 2>/dev/null && _busy="$_busy ${_p%:*}"
		done
		[ -z "$_busy" ] && break
		if [ "$(date +%s)" -ge "$_end" ]; then
			echo "lab: WARNING: still loading after ${1:-60}s:$_busy (a frontend waits for its backend to connect)"
			break
		fi
		sleep 0.2
	done
	return 0
}

lab_mount_basics() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs -o mode=755 tmpfs /run
	mkdir -p "$LAB_RUN"
	[ -x /sbin/ldconfig ] && ldconfig 2>/dev/null
	# No hotplug daemon (mdev -d rescans all of /sys, which costs tens of
	# seconds under TCG): /init loads the drivers of the devices present at
	# boot; a scenario that adds devices later calls lab_modules_coldplug.
}
