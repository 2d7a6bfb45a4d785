# shellcheck shell=sh
# Dom0 side of the Xen lab library, sourced by the Dom0 /init and by every
# scenario's dom0.sh. Public functions are documented in
# Documentation/xen-lab.md; the rest (lab__*) are internal.
#
# Per-guest state lives in $LAB_RUN/guests/NAME/:
#   type keys (KEY=VALUE lines, last one wins) uuid domid xl.cfg create.log
#   disks (xl disk specs) cfg-extra (raw xl.cfg lines) disk-sha256 result
#   domids (every domid the guest had, when it was created again)

LAB_GUESTS_DIR=$LAB_RUN/guests
LAB_CREATE_TIMEOUT=${LAB_CREATE_TIMEOUT:-120}
LAB_GUEST_TIMEOUT=${LAB_GUEST_TIMEOUT:-180}
LAB_GUEST_MEMORY=${LAB_GUEST_MEMORY:-128}
LAB_PVH_MEMORY=${LAB_PVH_MEMORY:-128}
LAB_HVM_MEMORY=256
LAB_GUEST_LOGLEVEL=${LAB_GUEST_LOGLEVEL:-4}
LAB_KERNEL=${LAB_KERNEL:-/lab/vmlinux}
LAB_RAMDISK=${LAB_RAMDISK:-/lab/domU.cpio}
LAB_DISK_DIR=${LAB_DISK_DIR:-/var/lib/lab-disks}
LAB_SCENARIO_DIR=${LAB_SCENARIO_DIR:-/lab/scenario}

lab__gdir() {
	[ -f "$LAB_GUESTS_DIR/$1/type" ] || lab_fail "no guest named '$1' in the guests file"
	echo "$LAB_GUESTS_DIR/$1"
}

# ---- guests file and keys ------------------------------------------------

# Reads $LAB_SCENARIO_DIR/guests ("NAME TYPE [KEY=VALUE ...]" per line).
lab__load_guests() {
	mkdir -p "$LAB_GUESTS_DIR"
	: >"$LAB_RUN/guest-list"
	_k=0
	_np=$((${LAB_NCPUS:-2} - 2))
	while read -r _n _t _rest; do
		case $_n in '' | '#'*) continue ;; esac
		mkdir -p "$LAB_GUESTS_DIR/$_n"
		echo "$_t" >"$LAB_GUESTS_DIR/$_n/type"
		# pCPUs (see LAB_QEMU_SMP in lab.sh): PV guests share 0-1 with Dom0,
		# PVH and HVM guests get 2, 3, ... round-robin.
		if [ "$_t" != pv ] && [ $_np -gt 0 ]; then
			echo $((2 + _k % _np)) >"$LAB_GUESTS_DIR/$_n/cpus"
			_k=$((_k + 1))
		else
			echo 0-1 >"$LAB_GUESTS_DIR/$_n/cpus"
		fi
		: >"$LAB_GUESTS_DIR/$_n/keys"
		for _kv in $_rest; do echo "$_kv" >>"$LAB_GUESTS_DIR/$_n/keys"; done
		# The Xen UUID, fixed for the whole run (key uuid= or a random
		# one): a toolstack knows a VM by it, whatever its domid.
		_u=$(sed -n 's/^uuid=//p' "$LAB_GUESTS_DIR/$_n/keys" | tail -n 1)
		[ -n "$_u" ] || _u=$(cat /proc/sys/kernel/random/uuid)
		echo "$_u" >"$LAB_GUESTS_DIR/$_n/uuid"
		echo "$_n" >>"$LAB_RUN/guest-list"
	done <"$LAB_SCENARIO_DIR/guests"
}

# lab_guests: the guest names, in guests-file order, space separated.
lab_guests() { tr '\n' ' ' <"$LAB_RUN/guest-list"; }

# lab_guest_type NAME: pv, pvh or hvm.
lab_guest_type() { cat "$(lab__gdir "$1")/type"; }

# lab_key NAME KEY [DEFAULT]: the guest's KEY from the guests file (or set
# by lab_set_key); DEFAULT (or empty, status 1) when it has none.
lab_key() {
	_f=$(lab__gdir "$1")/keys
	if grep -q "^$2=" "$_f"; then
		sed -n "s/^$2=//p" "$_f" | tail -n 1
	else
		echo "${3:-}"
		[ $# -ge 3 ]
	fi
}

# lab_set_key NAME KEY VALUE: adds/overrides a key before the guest is
# created: it reaches the guest's kernel command line and xenstore like the
# keys of the guests file. VALUE: no spaces or quotes.
lab_set_key() {
	_d=$(lab__gdir "$1")
	case $3 in *[\ \"\'\\]*) lab_fail "lab_set_key $1 $2: value '$3' has a space or a quote" ;; esac
	echo "$2=$3" >>"$_d/keys"
}

# lab_guest_uuid NAME: the guest's Xen UUID (xl.cfg uuid=), the same each
# time it is created.
lab_guest_uuid() { cat "$(lab__gdir "$1")/uuid"; }

# lab_domid NAME: domain id of a created guest.
lab_domid() {
	_d=$(lab__gdir "$1")
	[ -f "$_d/domid" ] || lab_fail "lab_domid $1: guest not created yet"
	cat "$_d/domid"
}

# ---- guest configuration --------------------------------------------------

# lab_cfg NAME LINE: appends a raw xl.cfg line (e.g. 'max_grant_frames = 64').
lab_cfg() { echo "$2" >>"$(lab__gdir "$1")/cfg-extra"; }

# lab_add_disk NAME SPEC: adds an xl disk spec, e.g. "phy:/dev/loop0,xvdb,r".
lab_add_disk() { echo "$2" >>"$(lab__gdir "$1")/disks"; }

# lab_loop_attach FILE: attaches FILE to a free loop device, prints it.
lab_loop_attach() {
	_i=0
	while [ $_i -lt 5 ]; do
		_l=$(losetup -f) && losetup "$_l" "$1" 2>/dev/null && {
			echo "$_l"
			return 0
		}
		_i=$((_i + 1))
	done
	lab_fail "cannot attach $1 to a loop device"
}

# lab_make_disk NAME SIZE_MIB [VDEV] [MODE]: a file of SIZE_MIB MiB of random
# data on a loop device, given to the guest as VDEV (default xvda, mode w).
# Prints nothing; the sha256 of the contents: lab_disk_sha256 NAME. The
# guests-file key disk=SIZE_MIB does this in lab_create_guest.
lab_make_disk() {
	_d=$(lab__gdir "$1")
	_v=${3:-xvda}
	_f=$LAB_DISK_DIR/$1-$_v.img
	mkdir -p "$LAB_DISK_DIR"
	dd if=/dev/urandom of="$_f" bs=1M count="$2" 2>/dev/null ||
		lab_fail "cannot write $2 MiB to $_f (Dom0 memory?)"
	_l=$(lab_loop_attach "$_f") || exit 1
	sha256sum "$_f" | cut -d' ' -f1 >"$_d/disk-sha256"
	[ "$_v" = xvda ] || sha256sum "$_f" | cut -d' ' -f1 >"$_d/disk-sha256-$_v"
	lab_add_disk "$1" "phy:$_l,$_v,${4:-w}"
	lab_step "guest $1 disk $_v=$_l ${2}MiB sha256=$(cut -c1-16 "$_d/disk-sha256")..."
}

# lab_disk_sha256 NAME [VDEV]: sha256 of the disk lab_make_disk made.
lab_disk_sha256() {
	_d=$(lab__gdir "$1")
	if [ -z "${2:-}" ] || [ "$2" = xvda ]; then cat "$_d/disk-sha256"; else cat "$_d/disk-sha256-$2"; fi
}

lab__write_cfg() {
	_n=$1
	_d=$LAB_GUESTS_DIR/$_n
	_t=$(cat "$_d/type")
	_x="console=hvc0 loglevel=$LAB_GUEST_LOGLEVEL lab.name=$_n lab.type=$_t"
	while IFS= read -r _kv; do _x="$_x lab.key.$_kv"; done <"$_d/keys"
	# PVH guests calibrate the TSC against the PIT, and every PIT read is a
	# nested-SVM exit under TCG (tens of seconds): give them Xen's figure.
	[ "$_t" = pvh ] && [ -s "$LAB_RUN/cpu_khz" ] && _x="$_x tsc_early_khz=$(cat "$LAB_RUN/cpu_khz")"
	[ -n "${LAB_GUEST_KARGS:-}" ] && _x="$_x $LAB_GUEST_KARGS"
	{
		echo "name = \"$_n\""
		echo "uuid = \"$(cat "$_d/uuid")\""
		echo "type = \"$_t\""
		# Key kernel=NAME: that kernel and its image (lib/kernels.sh).
		_kn=$(lab_key "$_n" kernel)
		if [ "$_t" = hvm ]; then
			# QEMU boots the bzImage (lib/kernels.sh stages it and
			# the device model); no display, PV console only.
			echo 'kernel = "/lab/vmlinuz"'
			echo "ramdisk = \"$LAB_RAMDISK\""
			echo 'device_model_version = "qemu-xen"'
			echo 'vga = "none"'
			echo 'vnc = 0'
			echo 'sdl = 0'
			echo 'nographic = 1'
		elif [ -n "$_kn" ]; then
			echo "kernel = \"/lab/vmlinux-$_kn\""
			echo "ramdisk = \"/lab/domU-$_kn.cpio\""
		else
			echo "kernel = \"$LAB_KERNEL\""
			echo "ramdisk = \"$LAB_RAMDISK\""
		fi
		echo "extra = \"$_x\""
		case $_t in pvh) _m=$LAB_PVH_MEMORY ;; hvm) _m=$LAB_HVM_MEMORY ;; *) _m=$LAB_GUEST_MEMORY ;; esac
		echo "memory = $(lab_key "$_n" memory "$_m")"
		echo "vcpus = $(lab_key "$_n" vcpus 1)"
		echo "cpus = \"$(cat "$_d/cpus")\""
		echo 'on_poweroff = "destroy"'
		echo 'on_reboot = "destroy"'
		echo 'on_crash = "destroy"'
		if [ -s "$_d/disks" ]; then
			printf 'disk = [ '
			sed 's/.*/"&"/' "$_d/disks" | paste -sd, | tr -d '\n'
			echo ' ]'
		fi
		[ -f "$_d/cfg-extra" ] && cat "$_d/cfg-extra"
	} >"$_d/xl.cfg"
}

# ---- creating guests --------------------------------------------------------

# lab_create_guest NAME [HOOK]: writes the xl config, `xl create -p` (the
# domain starts paused), writes the guest's keys to
# /local/domain/DOMID/lab/KEY, runs `HOOK NAME DOMID` (default: the
# scenario's lab_guest_setup function when defined) for setup that needs the
# domid, such as backend/frontend xenstore nodes, then unpauses the guest.
# A failing step is a lab_fail.
lab_create_guest() {
	_n=$1
	_hook=${2:-}
	_d=$(lab__gdir "$_n")
	[ -f "$_d/domid" ] && lab_fail "guest $_n created twice"
	_sz=$(lab_key "$_n" disk)
	if [ -n "$_sz" ] && [ ! -f "$_d/disk-sha256" ]; then
		lab_make_disk "$_n" "$_sz"
	fi
	lab__write_cfg "$_n"
	lab_step "guest $_n creating type=$(cat "$_d/type") t=$(lab_uptime)"
	if ! lab_timeout "$LAB_CREATE_TIMEOUT" xl create -p "$_d/xl.cfg" >"$_d/create.log" 2>&1; then
		sed "s/^/xl-create-$_n| /" "$_d/create.log" | tail -n 40
		lab_fail "xl create $_n failed or took more than ${LAB_CREATE_TIMEOUT}s"
	fi
	_id=$(xl domid "$_n") || lab_fail "guest $_n: no domid after xl create"
	echo "$_id" >"$_d/domid"
	lab_step "guest $_n created domid=$_id t=$(lab_uptime)"
	set --
	while IFS= read -r _kv; do
		set -- "$@" "/local/domain/$_id/lab/${_kv%%=*}" "${_kv#*=}"
	done <"$_d/keys"
	set -- "$@" "/local/domain/$_id/lab/name" "$_n"
	xenstore-write "$@" || lab_fail "guest $_n: cannot write its keys to xenstore"
	if [ -z "$_hook" ] && type lab_guest_setup >/dev/null 2>&1; then
		_hook=lab_guest_setup
	fi
	if [ -n "$_hook" ]; then
		"$_hook" "$_n" "$_id" || lab_fail "guest $_n: setup hook $_hook failed"
		_d=$LAB_GUESTS_DIR/$_n
	fi
	xl unpause "$_n" || lab_fail "xl unpause $_n failed"
	lab_uptime >"$_d/started"
	lab_step "guest $_n unpaused t=$(lab_uptime)"
}

# lab_destroy_guest NAME: `xl destroy` of a running guest; waits until its
# domain is gone from xenstore and records result DESTROYED. The guest may
# then be created again (lab_recreate_guest).
lab_destroy_guest() {
	_id=$(lab_domid "$1") || exit 1
	xl destroy "$1" || lab_fail "xl destroy $1 failed"
	lab_wait_for 30 "domain $_id of $1 to be gone" sh -c "! xenstore-exists /local/domain/$_id" ||
		lab_fail "guest $1: /local/domain/$_id still there 30 s after xl destroy"
	echo DESTROYED >"$(lab__gdir "$1")/result"
	lab_step "guest $1 result DESTROYED domid=$_id t=$(lab_uptime)"
}

# lab_recreate_guest NAME [HOOK]: lab_create_guest again for a guest whose
# domain is gone (destroyed, or ended): same name, UUID and keys, a new
# domid. The old domid is kept in the guest's domids file; its console log
# so far becomes /var/log/xen/guest-NAME~N.log (dumped as NAME~N), so the
# guest's verdict is the new domain's.
lab_recreate_guest() {
	_d=$(lab__gdir "$1")
	[ -f "$_d/domid" ] || lab_fail "lab_recreate_guest $1: never created"
	_old=$(cat "$_d/domid")
	lab__domain_alive "$_old" && lab_fail "lab_recreate_guest $1: domain $_old still exists"
	cat "$_d/domid" >>"$_d/domids"
	_k=$(wc -l <"$_d/domids" | tr -d ' ')
	mv "$(lab_guest_log "$1")" "/var/log/xen/guest-$1~$_k.log" 2>/dev/null
	rm -f "$_d/domid" "$_d/result" "$_d/started"
	lab_create_guest "$@"
}

# lab_create_guests [HOOK]: lab_create_guest for every guest not yet created,
# in guests-file order, LAB_CREATE_JOBS (default 2: Dom0 has 2 vCPUs) at a
# time; domids then follow the order in which creations finish. Fails if any
# creation failed.
lab_create_guests() {
	_jobs=${LAB_CREATE_JOBS:-2}
	_batch='' _n=0 _bad=''
	for _g in $(lab_guests) ''; do
		if [ -n "$_g" ]; then
			[ -f "$LAB_GUESTS_DIR/$_g/domid" ] && continue
			(lab_create_guest "$_g" "${1:-}") &
			_batch="$_batch $_g:$!"
			_n=$((_n + 1))
			[ $_n -lt "$_jobs" ] && continue
		fi
		for _p in $_batch; do
			wait "${_p##*:}" || _bad="$_bad ${_p%:*}"
		done
		_batch='' _n=0
	done
	[ -z "$_bad" ] || lab_fail "creating guest(s)$_bad failed"
}

# ---- xenstore helpers ------------------------------------------------------

# lab_xs_write PATH VALUE [PATH VALUE ...] / lab_xs_read PATH: xenstore
# access that fails the scenario when xenstore says no.
lab_xs_write() { xenstore-write "$@" || lab_fail "xenstore-write $*"; }
lab_xs_read() { xenstore-read "$1" || lab_fail "xenstore-read $1"; }

# ---- waiting for guests ------------------------------------------------------

# lab_guest_log NAME: the guest's console log (xenconsoled --log=guest).
lab_guest_log() { echo "/var/log/xen/guest-$1.log"; }

# lab_guest_result NAME: PASS, FAIL or NONE from the guest's console log.
lab_guest_result() {
	_r=$(tr -d '\r' <"$(lab_guest_log "$1")" 2>/dev/null |
		sed -n "s/.*LAB-RESULT $1 \([A-Z]*\).*/\1/p" | tail -n 1)
	echo "${_r:-NONE}"
}

lab__domain_alive() { xenstore-exists "/local/domain/$1" 2>/dev/null; }

# Quiet turns (see lab_quiet in lab-domU.sh), granted from the
# lab_wait_guests loop: one holder at a time, and only when every other
# running guest asks for a turn too.
lab__quiet_tick() { # running guests
	_h=$(cat "$LAB_RUN/quiet-holder" 2>/dev/null)
	if [ -n "$_h" ]; then
		_hid=$(cat "$LAB_GUESTS_DIR/$_h/domid")
		case " $* " in
		*" $_h "*)
			[ "$(xenstore-read "/local/domain/$_hid/data/lab-quiet" 2>/dev/null)" = request ] &&
				return 0
			;;
		esac
		rm -f "$LAB_RUN/quiet-holder"
		xenstore-rm "/local/domain/$_hid/lab-quiet" 2>/dev/null
	fi
	_first=
	for _g in "$@"; do
		_st=$(xenstore-read "/local/domain/$(cat "$LAB_GUESTS_DIR/$_g/domid")/data/lab-quiet" 2>/dev/null)
		[ "$_st" = request ] || return 0
		[ -n "$_first" ] || _first=$_g
	done
	[ -n "$_first" ] || return 0
	echo "$_first" >"$LAB_RUN/quiet-holder"
	xenstore-write "/local/domain/$(cat "$LAB_GUESTS_DIR/$_first/domid")/lab-quiet" go
	lab_step "guest $_first quiet turn t=$(lab_uptime)"
}

# lab_wait_guests [TIMEOUT] [NAME ...]: waits until the guests (default:
# every created one) have ended (they power off after their verdict), at
# most TIMEOUT seconds (default LAB_GUEST_TIMEOUT); a guest still running
# then is destroyed. Prints "LAB-STEP guest NAME result R" for each.
# Status 0 only if each guest reported PASS.
lab_wait_guests() {
	_to=${1:-$LAB_GUEST_TIMEOUT}
	[ $# -gt 0 ] && shift
	_names=${*:-}
	if [ -z "$_names" ]; then
		for _g in $(lab_guests); do
			[ -f "$LAB_GUESTS_DIR/$_g/domid" ] && _names="$_names $_g"
		done
	fi
	_end=$(($(date +%s) + _to))
	_rc=0
	while :; do
		_pending=
		for _g in $_names; do
			_d=$LAB_GUESTS_DIR/$_g
			[ -f "$_d/result" ] && continue
			if lab__domain_alive "$(cat "$_d/domid")"; then
				_pending="$_pending $_g"
				continue
			fi
			# Gone: xenconsoled may still be flushing the last lines.
			sleep 0.3
			_r=$(lab_guest_result "$_g")
			echo "$_r" >"$_d/result"
			lab_step "guest $_g result $_r t=$(lab_uptime)"
		done
		[ -z "$_pending" ] && break
		# shellcheck disable=SC2086
		lab__quiet_tick $_pending
		if [ "$(date +%s)" -ge "$_end" ]; then
			for _g in $_pending; do
				echo TIMEOUT >"$LAB_GUESTS_DIR/$_g/result"
				lab_step "guest $_g result TIMEOUT (still running after ${_to}s; destroyed)"
				xl destroy "$_g" 2>/dev/null
			done
			break
		fi
		# Until something changes under /local/domain (a verdict, a
		# quiet-turn request, a domain gone), at most 5 s: polling every
		# second cost several processes per guest, CPU the guests lacked.
		lab-xs-wait -t 5 /local/domain >/dev/null 2>&1
		case $? in 0 | 2) ;; *) sleep 1 ;; esac
	done
	for _g in $_names; do
		[ "$(cat "$LAB_GUESTS_DIR/$_g/result")" = PASS ] || _rc=1
	done
	return $_rc
}

# ---- Dom0 bring-up and tear-down (used by /init) ----------------------------

lab__start_xen() {
	for _m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc \
		xen-blkback loop; do
		modprobe "$_m" || { lab_error "modprobe $_m failed"; return 1; }
	done
	mount -t xenfs xenfs /proc/xen || { lab_error "mount xenfs failed"; return 1; }
	mkdir -p /run/xen /run/xenstored /var/log/xen /var/lib/xen \
		/var/lib/xenstored /var/lock
	xenstored --pid-file=/run/xen/xenstored.pid ||
		{ lab_error "xenstored did not start"; return 1; }
	lab_wait_for 20 xenstored xenstore-exists / || { lab_error "xenstored not answering"; return 1; }
	xen-init-dom0 >/run/lab/xen-init-dom0.log 2>&1 ||
		{ cat /run/lab/xen-init-dom0.log; lab_error "xen-init-dom0 failed"; return 1; }
	xenconsoled --log=guest --log-dir=/var/log/xen \
		--pid-file=/run/xen/xenconsoled.pid ||
		{ lab_error "xenconsoled did not start"; return 1; }
	xl info | awk '/^cpu_mhz/ { printf "%d\n", $3 * 1000 }' >"$LAB_RUN/cpu_khz"
	lab_step "xen-tools-up t=$(lab_uptime) cpu_khz=$(cat "$LAB_RUN/cpu_khz")"
}

# Waits for guests the scenario left running, then prints every guest's
# console log with a "guest-NAME| " prefix.
lab__finish() {
	_left=
	for _g in $(lab_guests); do
		[ -f "$LAB_GUESTS_DIR/$_g/domid" ] && [ ! -f "$LAB_GUESTS_DIR/$_g/result" ] &&
			_left="$_left $_g"
	done
	# shellcheck disable=SC2086
	[ -n "$_left" ] && lab_wait_guests "${LAB_FINISH_TIMEOUT:-60}" $_left
	for _g in $(lab_guests); do
		_d=$LAB_GUESTS_DIR/$_g
		if [ ! -f "$_d/domid" ]; then
			lab_step "guest $_g result NOT-CREATED"
		fi
	done
	return 0
}

lab__dump_logs() {
	for _f in /var/log/xen/guest-*.log; do
		[ -f "$_f" ] || continue
		_g=${_f#/var/log/xen/guest-}
		_g=${_g%.log}
		echo "LAB-LOG-BEGIN $_g"
		tr -d '\r' <"$_f" | sed "s/^/guest-$_g| /"
		echo "LAB-LOG-END $_g"
	done
}

lab__dump_debug() {
	echo "LAB-LOG-BEGIN dom0-debug"
	for _f in /var/log/xen/xl-*.log; do
		[ -f "$_f" ] && tail -n 30 "$_f" | sed "s/^/${_f##*/}| /"
	done
	for _g in $(lab_guests); do
		[ -f "$LAB_GUESTS_DIR/$_g/create.log" ] &&
			tail -n 20 "$LAB_GUESTS_DIR/$_g/create.log" | sed "s/^/xl-create-$_g| /"
	done
	xl list 2>&1 | sed 's/^/xl-list| /'
	dmesg | tail -n 60 | sed 's/^/dom0-dmesg| /'
	xl dmesg 2>/dev/null | tail -n 40 | sed 's/^/xen-dmesg| /'
	echo "LAB-LOG-END dom0-debug"
}
