# shellcheck shell=sh
# split-pools, guest side: wait for the device, tell Dom0, wait for the
# common start, then SPLIT_THREADS x SPLIT_N vector adds of random length,
# every result checked by vgpu-client against the CPU. Then, if Dom0 gives
# this guest a scheduling role (vgpu-next = sched), the load protocol of
# tests/xen/sched/sched-domU.sh; otherwise (vgpu-next = done) it ends.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
: "${SPLIT_N:=150}" "${SPLIT_THREADS:=2}"

vgpu_wait_device 120
vgpu_client_expect "nop before the burst" 30 "nop ok" nop
vgpu_phase ready
vgpu_wait_ack "go n=$SPLIT_N threads=$SPLIT_THREADS" 400
vgpu_phase running
vgpu_client_expect "stress: $SPLIT_THREADS threads x $SPLIT_N checked vector adds" 420 \
	"stress threads=$SPLIT_THREADS n=$SPLIT_N ops=$((SPLIT_N * SPLIT_THREADS)) ok" \
	stress "$SPLIT_N" --threads "$SPLIT_THREADS"
vgpu_phase finished
vgpu_wait_ack after-pools 300
case $(lab_xs_read vgpu-next) in
sched)
	. /lab/files/sched-domU.sh
	sched_ready
	sched_loop
	sched_info_is priority "$(lab_key final-priority)"
	lab_pass "$((SPLIT_N * SPLIT_THREADS)) vector adds right; every burst completed, priority now $(lab_key final-priority)"
	;;
done) lab_pass "$((SPLIT_N * SPLIT_THREADS)) vector adds right" ;;
*) lab_fail "Dom0 wrote vgpu-next='$(lab_xs_read vgpu-next)'" ;;
esac
