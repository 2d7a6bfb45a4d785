# shellcheck shell=sh
# Guest side of the scheduling scenarios (sched, split-pools): the
# other end of the load protocol in sched-dom0.sh. Staged as
# /lab/files/sched-domU.sh (LAB_DOMU_FILES); domU.sh sources it.

SCHED_G=$LAB_RUN/sched
mkdir -p "$SCHED_G"

# sched_info_is KEY VALUE: `vgpu-client info` reports KEY=VALUE.
sched_info_is() {
	_i=$(lab_timeout 30 vgpu-client info 2>&1) || lab_fail "vgpu-client info failed: $_i"
	lab_expect_eq "vgpu-client info $1" "$(printf '%s\n' "$_i" | sed -n "s/^$1=//p")" "$2"
}

# sched_ready: /dev/vgpu0 is up and reports our keys; tells Dom0.
sched_ready() {
	lab_wait_dev /dev/vgpu0 60
	sched_info_is pool "$(lab_key pool)"
	sched_info_is priority "$(lab_key priority)"
	sched_info_is vm_id "$(lab_key vm-id)"
	xenstore-write data/lab-sched-ready 1 || lab_fail "cannot write data/lab-sched-ready"
}

# sched_loop: runs Dom0's commands until "end", then waits for the floods
# (at most SCHED_FLOOD_WAIT seconds, default 90) and checks each one's
# exit status and op count.
sched_loop() {
	_last=0
	_p=/local/domain/$LAB_DOMID/lab-sched/cmd
	: >"$SCHED_G/floods"
	while :; do
		_c=$(xenstore-read "$_p" 2>/dev/null)
		_n=${_c%% *}
		if [ -n "$_n" ] && [ "$_n" != 0 ] && [ "$_n" != "$_last" ]; then
			_last=$_n
			# shellcheck disable=SC2086
			set -- ${_c#* }
			case $1 in
			flood)
				echo "$_n $2 $3" >>"$SCHED_G/floods"
				(
					vgpu-client bench nop --threads "$2" --count "$3" >"$SCHED_G/flood-$_n.out" 2>&1
					echo $? >"$SCHED_G/flood-$_n.rc"
				) &
				echo "lab: flood $_n: $2 threads x $3 nops started t=$(lab_uptime)"
				;;
			end) ;;
			*) lab_fail "unknown command from Dom0: '$_c'" ;;
			esac
			xenstore-write data/lab-sched-ack "$_n" || lab_fail "cannot ack command $_n"
			[ "$1" = end ] && break
			continue
		fi
		# Block until the command changes: polling would cost a fork
		# and exec several times a second, which PV guests under TCG
		# pay dearly for, and the guests share two CPUs.
		lab-xs-wait -t 60 -n "$_p" "$_c"
		case $? in 0 | 2) ;; *) sleep 1 ;; esac
	done
	# (sf_* names: lab_wait_for uses _t, _d and _end itself)
	while read -r sf_n sf_t sf_k; do
		lab_wait_for "${SCHED_FLOOD_WAIT:-90}" "flood $sf_n to finish" test -f "$SCHED_G/flood-$sf_n.rc" ||
			lab_fail "flood $sf_n ($sf_t threads x $sf_k nops) still running ${SCHED_FLOOD_WAIT:-90}s after Dom0 said end"
		sf_o=$(cat "$SCHED_G/flood-$sf_n.out")
		echo "lab: flood $sf_n: $sf_o"
		[ "$(cat "$SCHED_G/flood-$sf_n.rc")" = 0 ] || lab_fail "flood $sf_n: vgpu-client failed: $sf_o"
		case $sf_o in
		*" total=$((sf_t * sf_k)) "*) echo "LAB-CHECK ok: flood $sf_n completed $((sf_t * sf_k)) nops" ;;
		*) lab_fail "flood $sf_n: expected total=$((sf_t * sf_k)) in: $sf_o" ;;
		esac
	done <"$SCHED_G/floods"
}
