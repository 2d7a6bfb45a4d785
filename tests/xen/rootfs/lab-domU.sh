# shellcheck shell=sh
# Guest (domU) side of the Xen lab library, sourced by the guest /init and
# by every scenario's domU.sh. It defines, from the kernel command line that
# Dom0's lab_create_guest passed (xl extra=):
#   LAB_NAME    the guest's name (column 1 of the guests file)
#   LAB_TYPE    pv, pvh or hvm
#   LAB_KEY_k   one variable per guest key (k with non-alphanumerics as _),
#               e.g. pool=A -> LAB_KEY_pool=A, vm-id=7 -> LAB_KEY_vm_id=7
#   LAB_KEYS    the KEY=VALUE pairs, space separated
#   LAB_DOMID   the guest's domid (from xenstore)

lab__parse_cmdline() {
	LAB_KEYS=
	for _w in $(cat /proc/cmdline); do
		case $_w in
		lab.name=*) LAB_NAME=${_w#lab.name=} ;;
		lab.type=*) LAB_TYPE=${_w#lab.type=} ;;
		lab.key.*=*)
			_kv=${_w#lab.key.}
			_k=$(echo "${_kv%%=*}" | tr -c 'A-Za-z0-9_\n' _)
			eval "LAB_KEY_$_k=\${_kv#*=}"
			LAB_KEYS="$LAB_KEYS $_kv"
			;;
		esac
	done
	LAB_NAME=${LAB_NAME:-unknown} LAB_TYPE=${LAB_TYPE:-unknown}
	export LAB_NAME LAB_TYPE LAB_KEYS
}
lab__parse_cmdline
LAB_DOMID=$(xenstore-read domid 2>/dev/null || echo unknown)
export LAB_DOMID

# lab_key KEY [DEFAULT]: the value of one of this guest's keys.
lab_key() {
	_v=
	_found=1
	for _kv in $LAB_KEYS; do
		[ "${_kv%%=*}" = "$1" ] && _v=${_kv#*=} _found=0
	done
	[ $_found = 0 ] || _v=${2:-}
	echo "$_v"
	[ $_found = 0 ] || [ $# -ge 2 ]
}

# lab_xs_read PATH: xenstore-read (relative paths are under
# /local/domain/DOMID); a failure is a lab_fail.
lab_xs_read() { xenstore-read "$1" || lab_fail "xenstore-read $1 failed"; }

# lab_wait_dev PATH [TIMEOUT]: waits for a device node (e.g. /dev/xvda).
lab_wait_dev() {
	lab_wait_for "${2:-30}" "$1" test -e "$1" || lab_fail "$1 did not appear"
}

# lab_quiet CMD [ARGS...]: runs CMD while the rest of the lab is idle, for
# measurements. The guest asks Dom0 (data/lab-quiet=request) and waits
# until Dom0 writes lab-quiet=go, which it does, one guest at a time, once
# every other running guest is also waiting for its turn or gone, and Dom0
# itself only waits in lab_wait_guests. After LAB_QUIET_WAIT seconds
# (default 150) without a turn, CMD runs anyway and a warning says so.
lab_quiet() {
	xenstore-write data/lab-quiet request ||
		{ echo "lab: cannot ask for a quiet turn; measuring anyway"; "$@"; return; }
	# Blocks on a xenstore watch: a poll loop here would itself disturb
	# the other guest's measurement.
	lab-xs-wait -t "${LAB_QUIET_WAIT:-150}" "/local/domain/$LAB_DOMID/lab-quiet" go ||
		echo "lab: WARNING: no quiet turn after ${LAB_QUIET_WAIT:-150}s; measuring anyway"
	"$@"
	_rc=$?
	xenstore-write data/lab-quiet "done"
	return $_rc
}

# lab_anchor_blk [DEV] [blkbench options]: the blkfront anchors of this
# guest, measured in a quiet turn (lab_quiet): O_DIRECT 4 KiB read latency (p50/p99 over 2000 reads by default) and
# 1 MiB read throughput on DEV (default /dev/xvda), printed as one line
#   ANCHOR guest=NAME type=pv|pvh blk4k_p50_us=... blk4k_p99_us=...
#          blk1m_MBps=... (and more; see tests/xen/guest/blkbench.c)
# which the harness collects into metrics.txt. Benchmarks print BENCH lines
# in the same format and compare against these from the same boot.
lab_anchor_blk() {
	_dev=${1:-/dev/xvda}
	[ $# -gt 0 ] && shift
	lab_wait_dev "$_dev"
	_out=$(lab_quiet blkbench "$@" "$_dev") || lab_fail "blkbench $_dev failed: $_out"
	echo "ANCHOR guest=$LAB_NAME type=$LAB_TYPE $_out"
}

# lab_bench KEY=VALUE ...: prints a BENCH line in the same format.
lab_bench() { echo "BENCH guest=$LAB_NAME type=$LAB_TYPE $*"; }
