#!/bin/sh
# The Xen lab harness: for each scenario, boots Xen + a busybox Dom0 under
# QEMU (TCG), lets the scenario's dom0.sh create its guests (PV/PVH/HVM, each
# running the scenario's domU.sh), and judges the run from the console
# markers. Exit status 0 only if every scenario passed.
#
# usage: tests/xen/lab.sh [options] SCENARIO...
#   -v            print the whole serial console live (default: steps only)
#   -k            keep the run's images (dom0.cpio) in the run directory
#   -e VAR=VALUE  extra variable for dom0.sh and domU.sh (repeatable)
#   -l            list the scenarios
#   --prepare     only fetch packages and build the cached images
# SCENARIO: a directory name under tests/xen/scenarios/ or a path.
# Documentation/xen-lab.md describes the lab, the scenario interface, the
# caches, the timeouts and how to debug a failure.
set -u
# Variables set here are read by the sourced lib/*.sh.
# shellcheck disable=SC2034
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$LAB_DIR/../.." && pwd)
. "$TOP/versions.env"
. "$TOP/scripts/debian-apt.sh"
. "$TOP/scripts/debian-kernel.sh"
. "$LAB_DIR/lib/prepare.sh"
. "$LAB_DIR/lib/overlay.sh"
. "$LAB_DIR/lib/kernels.sh"

# Host-side step timeouts (seconds), each counted from the previous step.
LAB_T_XEN=${LAB_T_XEN:-60}      # QEMU start -> Xen banner
LAB_T_DOM0=${LAB_T_DOM0:-120}   # Xen banner -> Dom0 /init
LAB_T_TOOLS=${LAB_T_TOOLS:-90}  # Dom0 /init -> xenstored/xenconsoled up
LAB_T_END=${LAB_T_END:-120}     # scenario done -> logs dumped (+ finish wait)
LAB_KEEP_RUNS=${LAB_KEEP_RUNS:-5}
# QEMU: TCG only (KVM cannot run Xen here); +svm,+npt lets Xen run PVH and HVM guests.
LAB_QEMU_ACCEL=${LAB_QEMU_ACCEL:-tcg,thread=multi}
LAB_QEMU_CPU=${LAB_QEMU_CPU:-qemu64,+svm,+npt}
# CPUs: Dom0 and the PV guests share pCPUs 0-1; each PVH/HVM guest gets a pCPU
# of its own (up to LAB_QEMU_SMP_MAX in all; then PVH guests share): QEMU's
# nested SVM corrupts PVH guests (triple faults, page-fault storms) when Xen
# switches other vCPUs onto their pCPU. LAB_QEMU_SMP overrides the count.
LAB_QEMU_SMP=${LAB_QEMU_SMP:-}
LAB_QEMU_SMP_MAX=${LAB_QEMU_SMP_MAX:-6}
LAB_QEMU=${LAB_QEMU:-qemu-system-x86_64}
LAB_QEMU_EXTRA=${LAB_QEMU_EXTRA:-}
LAB_SCENARIOS=$LAB_DIR/scenarios
# An HVM guest's memory unless its memory= key says (lab-dom0.sh: the same).
LAB_HVM_MEMORY=256
LAB_GUEST_BIN=$TOP/build/lab-guest

VERBOSE=0 KEEP=0 PREPARE_ONLY=0 LAB_USER_ENV=
usage() { sed -n '/^# usage/,/^# SCENARIO/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

now() { date +%s; }

# ---- one scenario ------------------------------------------------------------

# Checks the scenario; sets GUEST_NAMES, GUEST_MEM_TOTAL or CHECK_ERR.
check_guests() {
	GUEST_NAMES='' GUEST_MEM_TOTAL=0 GUEST_NPVH=0
	[ -f "$1/guests" ] || { CHECK_ERR="no guests file in $1"; return 1; }
	ln=0
	while read -r n t rest; do
		ln=$((ln + 1))
		case $n in '' | '#'*) continue ;; esac
		echo "$n" | grep -qE '^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$' ||
			{ CHECK_ERR="guests:$ln: bad guest name '$n'"; return 1; }
		case " $GUEST_NAMES " in *" $n "*) CHECK_ERR="guests:$ln: guest '$n' twice"; return 1 ;; esac
		case $t in pv | pvh | hvm) ;; *) CHECK_ERR="guests:$ln: type '$t' is not pv, pvh or hvm"; return 1 ;; esac
		case $t in pvh) mem=$LAB_PVH_MEMORY ;; hvm) mem=$LAB_HVM_MEMORY ;; *) mem=$LAB_GUEST_MEMORY ;; esac
		for kv in $rest; do
			echo "$kv" | grep -qE '^[A-Za-z0-9_.-]+=[A-Za-z0-9_.,:/+@%=-]*$' ||
				{ CHECK_ERR="guests:$ln: '$kv' is not KEY=VALUE (value: letters, digits, _.,:/+@%=-)"; return 1; }
			case $kv in
			memory=*)
				mem=${kv#memory=}
				case $mem in '' | *[!0-9]*) CHECK_ERR="guests:$ln: memory must be MiB"; return 1 ;; esac
				;;
			kernel=*)
				[ "$t" = hvm ] && { CHECK_ERR="guests:$ln: an hvm guest boots the pinned kernel (no kernel=)"; return 1; }
				case " $LAB_GUEST_KERNELS_OK " in
				*" ${kv#kernel=} "*) ;;
				*) CHECK_ERR="guests:$ln: kernel must be one of: $LAB_GUEST_KERNELS_OK"; return 1 ;;
				esac
				;;
			esac
		done
		[ ${#rest} -le 700 ] || { CHECK_ERR="guests:$ln: keys too long for the kernel command line"; return 1; }
		GUEST_NAMES="$GUEST_NAMES $n"
		# HVM guests run under nested SVM like PVH ones: a pCPU each.
		[ "$t" != pv ] && GUEST_NPVH=$((GUEST_NPVH + 1))
		GUEST_MEM_TOTAL=$((GUEST_MEM_TOTAL + mem + 16))
	done <"$1/guests"
	[ -n "$GUEST_NAMES" ] || { CHECK_ERR="guests file lists no guest"; return 1; }
	for f in dom0.sh domU.sh; do
		[ -f "$1/$f" ] || { CHECK_ERR="scenario has no $f"; return 1; }
	done
}

# Prints the serial lines [from, to] that are worth showing live.
show_lines() {
	sed -n "$1,$2p" "$3" | tr -d '\r' | while IFS= read -r l; do
		if [ $VERBOSE = 1 ]; then
			printf '%s\n' "$l"
			continue
		fi
		case $l in
		guest-* | xl-* | dom0-dmesg* | xen-dmesg* | LAB-LOG-*) ;;
		*LAB-STEP* | *LAB-RESULT* | *LAB-ASSERT*)
			printf '  [%4ss] LAB-%s\n' $(($(now) - T0)) "${l#*LAB-}" ;;
		esac
	done
}

# Follows the serial log through the boot steps. Sets MON (end, qemu-exit
# or timeout), MISSING (the step that did not come), LAST (last step seen).
monitor() {
	log=$1 qpid=$2
	set -- "Xen version|$LAB_T_XEN|Xen to print its banner" \
		"LAB-STEP dom0-up|$LAB_T_DOM0|the Dom0 kernel to reach /init" \
		"LAB-STEP xen-tools-up|$LAB_T_TOOLS|xenstored, xen-init-dom0 and xenconsoled" \
		"LAB-STEP scenario-start|30|the scenario to start" \
		"LAB-STEP scenario-done|$((LAB_TIMEOUT + 60))|dom0.sh to finish (LAB_TIMEOUT=$LAB_TIMEOUT)" \
		"LAB-STEP end|$((LAB_T_END + ${LAB_FINISH_TIMEOUT:-60}))|Dom0 to collect the guest logs and power off"
	seen=0 LAST="qemu started" MISSING='' t_step=$(now)
	while :; do
		n=$(wc -l <"$log" 2>/dev/null || echo 0)
		if [ "$n" -gt "$seen" ]; then
			show_lines $((seen + 1)) "$n" "$log"
			seen=$n
		fi
		if grep -aq 'LAB-STEP end' "$log" 2>/dev/null; then
			MON=end
			return
		fi
		if ! kill -0 "$qpid" 2>/dev/null; then
			MON=qemu-exit MISSING=${1%%|*}
			return
		fi
		while [ $# -gt 0 ] && grep -aqF "${1%%|*}" "$log" 2>/dev/null; do
			LAST=${1%%|*}
			shift
			t_step=$(now)
		done
		if [ $# -gt 0 ]; then
			r=${1#*|}
			if [ $(($(now) - t_step)) -gt "${r%%|*}" ]; then
				MON=timeout MISSING=${1%%|*} MISSING_WHAT=${r#*|} MISSING_T=${r%%|*}
				return
			fi
		fi
		sleep 0.5
	done
}

# A line "NAME PASS|FAIL RUNDIR" for each scenario into $LAB_RESULTS_FILE
# (when set): bench/run-lab-bench.sh reads the metrics from there.
record() {
	[ -n "${LAB_RESULTS_FILE:-}" ] && echo "$name $1 ${out:--}" >>"$LAB_RESULTS_FILE"
	[ "$1" = PASS ]
}

run_scenario() {
	name=$1 out=
	case $name in */*) sdir=$(cd "$name" 2>/dev/null && pwd) ;; *) sdir=$LAB_SCENARIOS/$name ;; esac
	name=${sdir##*/}
	T0=$(now)
	if [ ! -d "$sdir" ]; then
		echo "lab: $1 FAIL: no such scenario ($LAB_SCENARIOS/$1)"
		record FAIL
		return 1
	fi
	# Scenario settings (host side), with their defaults.
	LAB_TIMEOUT=300 LAB_GUEST_TIMEOUT=180 LAB_CREATE_TIMEOUT=120
	LAB_FINISH_TIMEOUT=60 LAB_DOM0_MEM=768 LAB_GUEST_MEMORY=128 LAB_PVH_MEMORY=128
	LAB_GUEST_LOGLEVEL=4 LAB_GUEST_KARGS='' LAB_REQUIRES=''
	LAB_DOM0_MODULES_EXTRA='' LAB_DOMU_MODULES_EXTRA=''
	LAB_DOM0_FILES='' LAB_DOMU_FILES='' LAB_XEN_ARGS='' LAB_DOM0_KARGS=''
	# (used by lab_write_env and build_overlays in lib/overlay.sh)
	: "$LAB_GUEST_TIMEOUT $LAB_CREATE_TIMEOUT $LAB_GUEST_LOGLEVEL $LAB_GUEST_KARGS"
	# shellcheck disable=SC1091
	[ -f "$sdir/scenario.conf" ] && . "$sdir/scenario.conf"
	LAB_SCENARIO=$name
	if ! check_guests "$sdir"; then
		echo "lab: $name FAIL: $CHECK_ERR"
		record FAIL
		return 1
	fi
	for r in $LAB_REQUIRES; do
		case " $ART_FOUND " in
		*" $r "*) ;;
		*)
			echo "lab: $name FAIL: needs $r, which is not built (run make; see tests/xen/artefacts)"
			record FAIL
			return 1
			;;
		esac
	done
	LAB_ARTEFACTS=${ART_FOUND# }
	LAB_NCPUS=${LAB_QEMU_SMP:-$((2 + GUEST_NPVH))}
	[ "$LAB_NCPUS" -gt "$LAB_QEMU_SMP_MAX" ] && LAB_NCPUS=$LAB_QEMU_SMP_MAX

	mkdir -p "$LAB_WORK/runs"
	out=$LAB_WORK/runs/$name-$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$out"
	ln -sfn "$out" "$LAB_WORK/runs/$name.last"
	# Older runs of this scenario go, the newest LAB_KEEP_RUNS stay.
	# shellcheck disable=SC2012
	ls -1dt "$LAB_WORK/runs/$name"-2* 2>/dev/null | tail -n +$((LAB_KEEP_RUNS + 1)) |
		while read -r o; do rm -rf "$o"; done

	if ! { lab_prepare_kernels "$sdir" && build_overlays "$sdir" "$out" &&
		build_kernel_overlays "$sdir" "$out"; } >"$out/build.log" 2>&1; then
		echo "lab: $name FAIL: building the images failed:"
		tail -n 20 "$out/build.log" | sed 's/^/  | /'
		record FAIL
		return 1
	fi

	mem=$(((LAB_DOM0_MEM + GUEST_MEM_TOTAL + 192 + 127) / 128 * 128))
	xargs="console=com1 com1=115200,8n1 noreboot dom0_mem=${LAB_DOM0_MEM}M,max:${LAB_DOM0_MEM}M"
	xargs="$xargs dom0_max_vcpus=2 dom0_vcpus_pin bootscrub=false $LAB_XEN_ARGS"
	dargs="console=hvc0 loglevel=4 $LAB_DOM0_KARGS"
	total=$((LAB_T_XEN + LAB_T_DOM0 + LAB_T_TOOLS + 30 + LAB_TIMEOUT + 60 + LAB_T_END + LAB_FINISH_TIMEOUT + 60))
	# shellcheck disable=SC2086
	ng=$(echo $GUEST_NAMES | wc -w)
	echo "lab: $name: booting Xen $XEN_SERIES, Dom0 ${LAB_DOM0_MEM}M + $ng guest(s), QEMU -m $mem -smp $LAB_NCPUS (logs: $out)"
	[ -n "$LAB_ARTEFACTS" ] && echo "lab: $name: artefacts: $LAB_ARTEFACTS"
	echo "$LAB_QEMU ... -append '$xargs' -initrd '$LAB_VMLINUX $dargs,$out/dom0.cpio'" >"$out/qemu.cmd"
	: >"$out/serial.log"
	# shellcheck disable=SC2086
	timeout -s KILL "$total" "$LAB_QEMU" -nodefaults -no-user-config $LAB_QEMU_EXTRA \
		-accel "$LAB_QEMU_ACCEL" -cpu "$LAB_QEMU_CPU" -smp "$LAB_NCPUS" -m "$mem" \
		-display none -serial "file:$out/serial.log" -no-reboot \
		-kernel "$LAB_XEN" -append "$xargs" \
		-initrd "$LAB_VMLINUX $dargs,$out/dom0.cpio" \
		</dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	monitor "$out/serial.log" "$qpid"
	if [ "$MON" = end ]; then
		# Dom0 powers the machine off; give it a moment.
		i=0
		while kill -0 "$qpid" 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
	fi
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qrc=$?
	elapsed=$(($(now) - T0))
	[ $KEEP = 1 ] || rm -f "$out/dom0.cpio"

	# ---- verdict
	tr -d '\r' <"$out/serial.log" >"$out/console.log"
	c=$out/console.log
	reasons=
	add() { reasons="$reasons
  - $*"; }
	case $MON in
	timeout) add "step '$MISSING' did not come within ${MISSING_T}s (waiting for $MISSING_WHAT; last step seen: '$LAST')" ;;
	qemu-exit) add "QEMU exited (status $qrc) before step '$MISSING' (last step seen: '$LAST'); see $out/qemu.log" ;;
	esac
	d0=$(sed -n 's/.*LAB-RESULT dom0 \(.*\)/\1/p' "$c" | tail -n 1)
	case $d0 in
	PASS*) ;;
	'') add "dom0: no LAB-RESULT" ;;
	*) add "dom0: $d0" ;;
	esac
	awk '/^LAB-LOG-BEGIN dom0-debug/{p=1;next} /^LAB-LOG-END dom0-debug/{p=0} p' "$c" >"$out/dom0-debug.log"
	[ -s "$out/dom0-debug.log" ] || rm -f "$out/dom0-debug.log"
	: >"$out/metrics.txt"
	# Why a guest may have died: its kernel's last words, or Xen's.
	crash_hint() {
		h=$(grep -m1 -E 'Kernel panic|BUG: |Oops|general protection fault' "$out/guest-$1.log" |
			sed 's/^\[ *[0-9.]*\] //')
		[ -n "$h" ] && printf ' [guest kernel: %s]' "$h"
		id=$(sed -n "s/.*LAB-STEP guest $1 created domid=\([0-9]*\).*/\1/p" "$c" | tail -n 1)
		[ -n "$id" ] || return 0
		h=$(grep -m1 -E "\(XEN\) d${id}v[0-9]+ Triple fault|Domain $id \(vcpu#[0-9]+\) crashed" "$c" |
			sed 's/^(XEN) //')
		[ -n "$h" ] && printf ' [Xen: %s]' "$h"
		return 0
	}
	failed_guests='' summary=''
	for g in $GUEST_NAMES; do
		sed -n "s/^guest-$g| //p" "$c" >"$out/guest-$g.log"
		gr=$(sed -n "s/.*LAB-RESULT $g \(.*\)/\1/p" "$out/guest-$g.log" | tail -n 1)
		seen0=$(sed -n "s/.*LAB-STEP guest $g result \([A-Z-]*\).*/\1/p" "$c" | tail -n 1)
		sed -n 's/.*\(\(ANCHOR\|BENCH\) .*\)/\1/p' "$out/guest-$g.log" >>"$out/metrics.txt"
		case $gr in
		PASS*) summary="$summary $g=PASS" ;;
		'')
			summary="$summary $g=NONE"
			failed_guests="$failed_guests $g"
			if [ -s "$out/guest-$g.log" ]; then
				add "guest $g: no LAB-RESULT in its console (Dom0 saw: ${seen0:-nothing})$(crash_hint "$g")"
			else
				add "guest $g: no console log (Dom0 saw: ${seen0:-nothing}; not created or Dom0 did not get to dump the logs)"
			fi
			;;
		*)
			summary="$summary $g=FAIL"
			failed_guests="$failed_guests $g"
			add "guest $g: $(echo "$gr" | sed 's/ t=[0-9.]*$//')"
			;;
		esac
	done
	[ -s "$out/metrics.txt" ] || rm -f "$out/metrics.txt"

	if [ -z "$reasons" ]; then
		echo "lab: $name PASS (${elapsed}s; guests:$summary)"
		[ -f "$out/metrics.txt" ] && sed 's/^/lab: metric /' "$out/metrics.txt"
		echo "PASS ${elapsed}s" >"$out/result"
		record PASS
		return 0
	fi
	echo "lab: $name FAIL (${elapsed}s)$reasons"
	echo "--- serial console, last 40 lines (guest logs left out) ---"
	awk '/^LAB-LOG-BEGIN/{p=1} !p{print} /^LAB-LOG-END/{p=0}' "$c" | tail -n 40 | sed 's/^/  | /'
	for g in $failed_guests; do
		if [ -s "$out/guest-$g.log" ]; then
			echo "--- guest $g console, last 25 lines (its dmesg dump is in guest-$g.log) ---"
			grep -v '^dmesg| ' "$out/guest-$g.log" | tail -n 25 | sed 's/^/  | /'
		fi
	done
	[ -f "$out/dom0-debug.log" ] && echo "--- Dom0 debug dump (xl logs, dmesg): $out/dom0-debug.log ---"
	echo "--- full logs: $out/ (console.log, guest-NAME.log) ---"
	echo "FAIL ${elapsed}s$reasons" >"$out/result"
	record FAIL
}

# ---- main ---------------------------------------------------------------------

while [ $# -gt 0 ]; do
	case $1 in
	-v) VERBOSE=1 ;;
	-k) KEEP=1 ;;
	-e)
		[ $# -ge 2 ] || usage
		case $2 in [A-Za-z_]*=*) ;; *) usage ;; esac
		LAB_USER_ENV="$LAB_USER_ENV $2"
		shift
		;;
	-e*) LAB_USER_ENV="$LAB_USER_ENV ${1#-e}" ;;
	-l)
		for d in "$LAB_SCENARIOS"/*/; do
			[ -f "$d/guests" ] && echo "${d%/}" | sed 's|.*/||'
		done
		exit 0
		;;
	--prepare) PREPARE_ONLY=1 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || [ $PREPARE_ONLY = 1 ] || usage
[ "$(id -u)" = 0 ] || lab_die "the lab needs root (apt-get download, mknod, losetup-free cpio of device nodes)"
for t in "$LAB_QEMU" cpio depmod apt-get dpkg xz flock; do
	command -v $t >/dev/null || lab_die "$t missing on the host (run make deps)"
done

t_prep=$(now)
lab_prepare
make -s -C "$LAB_DIR/guest" O="$LAB_GUEST_BIN" >/dev/null ||
	lab_die "building the guest programs (tests/xen/guest) failed"
lab_msg "images ready in $(($(now) - t_prep))s"
[ $PREPARE_ONLY = 1 ] && exit 0
lab_read_artefacts

# One lab at a time: two QEMU boots on a small host slow each other past
# the scenarios' timeouts. LAB_NO_RUN_LOCK=1 skips the wait.
if [ "${LAB_NO_RUN_LOCK:-0}" != 1 ]; then
	exec 7>"$LAB_WORK/.run.lock"
	flock -n 7 || {
		lab_msg "another lab run holds $LAB_WORK/.run.lock; waiting"
		flock 7
	}
fi

passed=0 failed=0
for s in "$@"; do
	if (run_scenario "$s"); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "lab: $passed passed, $failed failed"
[ $failed = 0 ]
