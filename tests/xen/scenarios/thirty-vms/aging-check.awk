# thirty-vms: the aging mode's order rules, from the worker's own records.
# Files, in this order:
#   worker.log  vgpu-worker --log-level debug: a "request domid=D devid=N
#               id=I op=OP len=L queued" line (with its millisecond
#               timestamp) each time it queued a request, in the order it
#               read them: the arrival order, and the time that
#               `sched-aging-ms` counts from
#   order.log   a line per completion, SEQ DOMID DEVID VM_ID POOL PRIO OP
#               STATUS: with the CPU executor one request runs at a time,
#               so this is the order requests started in
# Variables: aging (ms), from (first order-log line to judge: the round),
# tol (ms, default 20): what a key may exceed the rule by. The log's time
# of a request is read just after the worker queued it, truncated to the
# millisecond; if Xen deschedules Dom0's vCPU in between (30 guests and
# Dom0 share 2 pCPUs here), the request looks younger than it was by as
# long as that lasted. The first lab run with tol 2 failed on an excess of
# 8 ms, which the scheduler's code (sched_next_level: the earliest
# t_enqueue + level x aging goes) cannot produce from its own clock. The
# largest excess is printed whatever it is.
#
# A VM's requests start in its arrival order, so the k-th completion of a
# VM is its k-th queued request: its arrival. The rule of `sched aging`
# (scheduler.md): the request with the earliest arrival + level x aging
# (high 0, medium 1, low 2) starts first, ties to the higher level. So for
# R started after Q where R arrived before Q (R was waiting when Q was
# picked), Q's key must not be later than R's. Checking it against the
# latest-arriving earlier start of each level covers every pair. Also
# printed: per level, how much younger than a request the youngest request
# that started before it was (the doc's bound: at most level x aging).
# Output: "LAB-CHECK ok: ..." and "aging: ..." lines, or "FAIL: ..." lines
# and exit 1.

function fail(m) { if (++bad <= 10) print "FAIL: " m }
function lvl(p) { return p == "high" ? 0 : p == "medium" ? 1 : p == "low" ? 2 : -1 }
function ms(ts,   t, h) {
	# 2026-12-05T04:41:09.123Z
	split(substr(ts, 12, 12), t, /[:.]/)
	h = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4]
	if (h + day < last - 43200000) day += 86400000
	last = h + day
	return last
}
BEGIN {
	tol = tol == "" ? 20 : tol + 0; aging += 0; from += 0
	lv[0] = "high"; lv[1] = "medium"; lv[2] = "low"
}
FILENAME == ARGV[1] {
	if ($0 !~ / debug: request domid=[0-9]+ devid=[0-9]+ id=[0-9]+ .* queued$/) next
	d = $0; sub(/.* debug: request domid=/, "", d); sub(/ .*/, "", d)
	n = ++arrivals
	q[d, ++nq[d]] = n
	at[n] = ms($1)
	next
}
{
	d = $2; l = lvl($6)
	if (l < 0) { fail("order log line " FNR ": unknown priority " $6); next }
	if (++started[d] > nq[d]) { fail("order log line " FNR ": domid " d " started more requests than the worker logged queued"); next }
	i = q[d, started[d]]; a = at[i]
	if (FNR < from) { upd(l, i, a); next }
	judged++
	for (k = 0; k <= 2; k++) {
		if (!(k in mi) || mi[k] <= i) continue
		# A request of level k that arrived after this one started first.
		young = ma[k] - a
		if (young > maxyoung[l]) maxyoung[l] = young
		ex = ma[k] + k * aging - (a + l * aging)
		if (ex > maxex) maxex = ex
		if (ex > tol)
			fail("order log line " FNR ": domid " d " (" $6 ", arrived " a " ms) started after a " lv[k] " request that arrived " young " ms after it: key " ma[k] + k * aging " > " a + l * aging)
	}
	upd(l, i, a)
}
function upd(l, i, a) { if (!(l in mi) || i > mi[l]) { mi[l] = i; ma[l] = a } }
END {
	if (!judged) fail("no order-log line from line " from)
	for (k = 0; k <= 2; k++)
		printf "aging: %s requests: the youngest request that started before one of them arrived %d ms after it (bound %d ms)\n",
			lv[k], maxyoung[k] + 0, k * aging
	printf "aging: the largest excess of a start over the rule: %d ms (tolerance %d ms)\n", maxex, tol
	if (!bad) print "LAB-CHECK ok: aging order: " judged " starts of the round, each VM in its arrival order, never before a request with an earlier arrival + level x " aging " ms (+" tol " ms for the log's timing)"
	exit bad ? 1 : 0
}
