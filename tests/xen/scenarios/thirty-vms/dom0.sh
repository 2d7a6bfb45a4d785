# shellcheck shell=sh
# thirty-vms (`make stress`, issue 17), Dom0 side: 30 guests in two pools
# at three priorities doing checked work at once for a bounded time.
#
# The worker: CPU executor, one request at a time, each at least
# THIRTY_OP_DELAY_MS (10), `--sched aging --sched-aging-ms
# THIRTY_AGING_MS` (100: waiting that long is worth one level), and
# `--log-level debug` so that it logs each request it queues (the arrival
# order and time the aging check needs). One gated round of THIRTY_SECS
# (20) seconds (gated-rounds.sh): the worker stopped, every guest starts
# THIRTY_THREADS (1) threads of checked vector adds, the worker released
# once the backend holds every guest's first requests, stopped again
# THIRTY_SECS later.
#
# Checks: every guest's vector adds right (vgpu-client checks each
# element), every VM connected with its values and served in the round,
# its OKAY vector adds in the order log exactly its requests, the aging
# order rules over every start of the round (aging-check.awk: no request
# started before one with an earlier arrival + level x aging, so none
# waited behind requests more than 2 x aging younger than it), the
# worker's peak RSS (VmHWM) under THIRTY_WORKER_MAX_KB (131072) and Dom0's
# MemAvailable never under THIRTY_DOM0_MIN_KB (65536); gauges 0 after.
# Printed, never asserted: wall times, per-level wait p50/p99 as the
# guests saw it, Dom0's and the worker's memory per VM, and the guests'
# start-up steps (THIRTY-START lines).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
. /lab/files/sched-dom0.sh
. /lab/files/gated-rounds.sh
# The devices come from `vgpu-admin watch` (a daemon, as on an operator's
# host) rather than a `vgpu-admin attach` per guest: each attach is a
# process of about 2 s in this Dom0 while guests boot (measured: 1.8 s
# each, 30 of them, in the first run). The hook only waits, the guest
# paused, until the watcher attached it. (Replaces sched-dom0.sh's hook.)
lab_guest_setup() { # NAME DOMID
	lab-xs-wait -t 120 "/local/domain/0/backend/vgpu/$2/0/frontend-id" "$2" ||
		lab_fail "the watcher did not attach $1 (domid $2) within 120 s"
	lab_step "guest $1 vgpu attached by the watcher domid=$2 t=$(lab_uptime)"
}
: "${THIRTY_SECS:=20}" "${THIRTY_THREADS:=1}" "${THIRTY_OP_DELAY_MS:=10}" "${THIRTY_AGING_MS:=100}"
: "${THIRTY_WORKER_MAX_KB:=131072}" "${THIRTY_DOM0_MIN_KB:=65536}" "${THIRTY_AGING_TOL_MS:=20}"

# mem_used: Dom0's used memory in KiB (MemTotal - MemAvailable).
mem_used() { awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { print t - a }' /proc/meminfo; }
mem_avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
# worker_kb FIELD: VmRSS or VmHWM of the worker, KiB.
worker_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$(vgpu_worker_pid)/status"; }

t0=$(lab_uptime)
used0=$(mem_used)
vgpu_backend_up
vgpu_worker_start --op-delay-ms "$THIRTY_OP_DELAY_MS" --sched aging \
	--sched-aging-ms "$THIRTY_AGING_MS" --log-level debug
rss0=$(worker_kb VmRSS)
vgpu_register
vgpu-admin watch >"$VGPU_RUN/watch.log" 2>&1 &
echo $! >"$VGPU_RUN/watch.pid"
lab_create_guests
n=$(lab_guests | wc -w)
lab_step "thirty: $n guests created t=$(lab_uptime)"
rounds_map
while read -r g id _; do
	lab-xs-wait -t 900 -d "$id" "/local/domain/$id/data/vgpu-phase" ready ||
		lab_fail "guest $g never got its vgpu device ready"
done <"$VGPU_RUN/rounds-map"
t_ready=$(lab_uptime)
used_ready=$(mem_used)
lab_step "thirty: all $n guests ready t=$t_ready"

# Every VM connected with the values of its guests-file line.
o=$(awk 'FILENAME == ARGV[1] { dom[$1] = $2; next }
	FILENAME == ARGV[2] { if ($0 ~ /^#/ || NF < 3) next
		for (i = 3; i <= NF; i++) { split($i, kv, "="); k[$1, kv[1]] = kv[2] }
		want[$1] = "connect: domid=" dom[$1] " devid=0 vm_id=" k[$1, "vm-id"] " pool=" k[$1, "pool"] " prio=" k[$1, "priority"] " "
		names[++n] = $1; next }
	{ for (i = 1; i <= n; i++) if (index($0, want[names[i]])) got[names[i]] = 1 }
	END { for (i = 1; i <= n; i++) if (!got[names[i]]) { print "FAIL: no \"" want[names[i]] "\" in the worker log"; bad = 1 }
		if (!bad) print "LAB-CHECK ok: the worker connected all " n " VMs with their pool, priority and vm-id"
		exit bad }' "$VGPU_RUN/rounds-map" /lab/scenario/guests "$VGPU_WORKER_LOG")
c=$?
printf '%s\n' "$o"
[ $c = 0 ] || lab_fail "$(printf '%s\n' "$o" | sed -n 's/^FAIL: //p' | head -n 1)"

from=$(($(sched_lines) + 1))
rounds_run 1 "$THIRTY_SECS" "$THIRTY_THREADS"
t_round=$(lab_uptime)
avail_min=$(mem_avail)
used_round=$(mem_used)
hwm=$(worker_kb VmHWM)
rss=$(worker_kb VmRSS)

o=$(awk -v aging="$THIRTY_AGING_MS" -v from="$from" -v tol="$THIRTY_AGING_TOL_MS" -f /lab/scenario/aging-check.awk \
	"$VGPU_WORKER_LOG" "$VGPU_ORDER_LOG")
c=$?
printf '%s\n' "$o"
[ $c = 0 ] || lab_fail "aging order: $(printf '%s\n' "$o" | sed -n 's/^FAIL: //p' | head -n 1)"

# Per level, as the guests saw it: the median of the VMs' p50, the
# largest of their p99; requests per level.
awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	l = f["prio"]; n[l]++; p50[l, n[l]] = f["p50_us"]; if (f["p99_us"] > p99[l]) p99[l] = f["p99_us"]; ops[l] += f["ops"]
	if (!(l in lo) || f["ops"] < lo[l]) lo[l] = f["ops"] }
	END { split("high medium low", L, " ")
		for (j = 1; j <= 3; j++) { l = L[j]
			for (a = 1; a <= n[l]; a++) for (b = a + 1; b <= n[l]; b++) if (p50[l, b] < p50[l, a]) { t = p50[l, a]; p50[l, a] = p50[l, b]; p50[l, b] = t }
			printf "THIRTY level=%s vms=%d requests=%d fewest_per_vm=%d wait_p50_ms=%.1f wait_p99_ms=%.1f\n", l, n[l], ops[l], lo[l],
				p50[l, int((n[l] + 1) / 2)] / 1000, p99[l] / 1000 } }' "$VGPU_RUN/lat-1.txt"

lab_check "worker peak RSS ${hwm} KiB under ${THIRTY_WORKER_MAX_KB} KiB" [ "$hwm" -le "$THIRTY_WORKER_MAX_KB" ]
lab_check "Dom0 MemAvailable ${avail_min} KiB at least ${THIRTY_DOM0_MIN_KB} KiB with $n guests" [ "$avail_min" -ge "$THIRTY_DOM0_MIN_KB" ]
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend gauge $k after the round" "$(vgpu_stat $k)" 0
done
rounds_ack_all end
lab_wait_guests 600 || lab_error "not every guest passed"
t_end=$(lab_uptime)
used_end=$(mem_used)
vgpu_worker_stop
kill "$(cat "$VGPU_RUN/watch.pid")" 2>/dev/null
echo "THIRTY memory dom0_used_kb: before=$used0 guests_ready=$used_ready after_round=$used_round guests_gone=$used_end per_vm=$(((used_ready - used0) / n)) worker_rss_kb: start=$rss0 after_round=$rss peak=$hwm per_vm=$(((hwm - rss0) / n))"
echo "THIRTY wall dom0_s: scenario_start=$t0 all_ready=$t_ready round_done=$t_round guests_gone=$t_end round_secs=$THIRTY_SECS"
# The guests' start-up, from Dom0's steps and their own console logs.
for g in $(lab_guests); do
	l=$(lab_guest_log "$g")
	echo "THIRTY-START $g $(grep -m1 'LAB-STEP domU .* up ' "$l" | sed 's/.*t=/init_t=/') $(grep -m1 'LAB-STEP domU .* drivers ' "$l" | sed 's/.*t=/drivers_t=/') $(grep -m1 'phase ready' "$l" | sed 's/.*t=/ready_t=/')"
done
lab_pass "$n VMs in pools A and B at three priorities: every vector add right, every VM served, aging order held, memory bounded"
