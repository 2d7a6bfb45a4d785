# shellcheck shell=sh
# split-bench, Dom0 side: vgpu-back and a CPU worker (default settings) for
# two guests that measure, each in a quiet turn of the lab, the blkfront
# anchors and the vgpu figures (domU.sh). Timing never fails this
# scenario; it fails only when a measurement could not be made.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

# The worker as an operator runs it: no order log (a test aid, which costs
# a write() per batch of completions). -e VGPU_BENCH_ORDER_LOG=1 keeps it,
# as the benchmark ran until 2026-12-05.
if [ "${VGPU_BENCH_ORDER_LOG:-0}" = 0 ]; then
	# shellcheck disable=SC2034 # vgpu_worker_start reads it
	VGPU_ORDER_LOG=
fi
vgpu_lab_up
lab_wait_guests || lab_error "not every guest passed"
m=$(vgpu_worker_metrics | sed 's/^.*metrics: /metrics: /')
echo "$m"
# The worker's system calls and context switches per request (both guests,
# NOPs and MEM_WRITEs together): what the hop through the worker costs. On
# the shared rings (the worker logs "shared rings") read and write are 0.
echo "$m" | awk '/^metrics: begin/ {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	r = v["requests"]; if (r < 1) exit
	s = v["polls"] + v["event_reads"] + v["completion_writes"] + v["copies"] + v["enters"]
	printf "worker-hop: %d requests; per request: %.2f ppoll, %.2f read, %.2f write, %.2f copy ioctl, %.2f rings enter = %.2f system calls; %.2f voluntary and %.2f involuntary context switches\n",
		r, v["polls"] / r, v["event_reads"] / r, v["completion_writes"] / r,
		v["copies"] / r, v["enters"] / r, s / r, v["csw_voluntary"] / r, v["csw_involuntary"] / r
}'
grep -E '^(copy_ops|copy_bytes|requests|responses|errors) ' "$VGPU_DBG/stats" | sed 's/^/backend: /'
vgpu_worker_stop
lab_pass "figures measured"
