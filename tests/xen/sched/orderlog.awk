# The scheduling scenarios' judge: reads vgpu-worker's order log
# (Documentation/worker.md) and checks lines FROM..TO of it. Staged as
# /lab/files/orderlog.awk; sched_check in sched-dom0.sh runs it.
#
# Line format: SEQ DOMID DEVID VM_ID POOL PRIO OP STATUS [ARR SEEN]
#   The worker writes a line per completion; with the CPU executor it runs
#   one request at a time, so the order of the lines is the order requests
#   started in. ARR and SEEN are optional (a later worker format): ARR is
#   the request's arrival number (1, 2, ... across all VMs, in the order
#   the worker read the requests), SEEN the number of requests the worker
#   had read when it picked this one. When both are there, the exact rules
#   are checked on every line (see exact() below); without them the checks
#   use what the scenario's gates guarantee.
#
# Variables (awk -v):
#   check   seq | flood | live
#   from,to line numbers (1-based) of the order log to judge
#   names   "NAME=DOMID ..." (guests)
#   seq:    expect  the guest names of lines FROM..TO, in order
#   flood:  threads "NAME=T ...", count "NAME=K ..." (each guest ran T
#           threads of K requests, all started behind the gate),
#           first   "NAME NAME ..." per level with several guests: their
#                   gate (arrival) order, e.g. "mdB mdA"
#   live:   x, y    the guest whose priority changes, and the other one
#           s0, s1  order-log lines just before / after the write
#           xprio   the level x must show after the change; yprio y's
#           xthreads, xtotal  x's flood; slack  ops the change may take
#           ymin    y completions expected before the change
#   skip    guests left out of the exact level rule (their level changed)
# Output: "LAB-CHECK ok: ..." lines; "FAIL: ..." lines and exit 1.

function fail(m) {
	if (++bad <= 10) print "FAIL: " m
	else if (bad == 11) print "FAIL: (more failures left out)"
}
function ok(m) { print "LAB-CHECK ok: " m }
function kv(s, a,   n, i, p, t) {
	n = split(s, t, " ")
	for (i = 1; i <= n; i++) {
		p = index(t[i], "=")
		if (p) a[substr(t[i], 1, p - 1)] = substr(t[i], p + 1)
	}
}
function lvl(p) { return p == "high" ? 0 : p == "medium" ? 1 : p == "low" ? 2 : 9 }
function lvlname(l) { return l == 0 ? "high" : l == 1 ? "medium" : l == 2 ? "low" : "?" }

BEGIN {
	kv(names, dom)
	for (n in dom) name[dom[n]] = n
	from += 0; to += 0
	if (from < 1 || to < from) { fail("bad range " from ".." to); exit 1 }
}
NR >= from && NR <= to {
	i = NR - from + 1
	N = i
	g[i] = ($2 in name) ? name[$2] : "dom" $2
	pr[i] = $6; lv[i] = lvl($6); op[i] = $7; st[i] = $8
	if (NF >= 10) { arr[i] = $9 + 0; seen[i] = $10 + 0; narr++ }
	cnt[g[i]]++
	if (st[i] != 0) fail("line " NR ": " g[i] " " op[i] " completed with status " st[i])
	if (op[i] != "nop") fail("line " NR ": " g[i] " op " op[i] ", only nops expected")
}

# Exact rules from ARR/SEEN: for lines i before j (i started first), if j
# had arrived when i was picked (ARR[j] <= SEEN[i]), then j is not of a
# higher level than i, and of the same level only if it arrived after i
# (FIFO by arrival, whatever the pool); each VM's requests start in
# arrival order.
function exact(   i, j, v, c, b0) {
	b0 = bad
	if (narr < N) {
		print "lab: order log without ARR/SEEN columns: exact arrival checks skipped"
		return
	}
	c = 0
	for (i = 1; i <= N; i++) {
		if (g[i] in lastarr && arr[i] <= lastarr[g[i]])
			fail("line " (from + i - 1) ": " g[i] " request ARR " arr[i] " started after its own ARR " lastarr[g[i]])
		lastarr[g[i]] = arr[i]
		for (j = i + 1; j <= N; j++) {
			if (arr[j] > seen[i]) continue
			# A guest whose priority changed in the range: the level it
			# had when i was picked is not in the log (check_live judges it).
			if (index(" " skip " ", " " g[i] " ") || index(" " skip " ", " " g[j] " ")) continue
			c++
			if (lv[j] < lv[i])
				fail("line " (from + i - 1) ": " g[i] " (" pr[i] ") started while " g[j] " (" pr[j] ", ARR " arr[j] ", line " (from + j - 1) ") was waiting")
			else if (lv[j] == lv[i] && arr[j] < arr[i])
				fail("line " (from + i - 1) ": " g[i] " (ARR " arr[i] ") started before " g[j] " (ARR " arr[j] ", same level " pr[i] ", line " (from + j - 1) ")")
		}
	}
	if (bad == b0) ok("exact: " N " starts checked against " c " waiting requests: strict priority, FIFO by arrival, each VM in order")
}

function check_seq(   n, e, i, s) {
	n = split(expect, e, " ")
	if (N != n) fail(n " completions expected in lines " from ".." to ", found " N)
	s = ""
	for (i = 1; i <= N; i++) s = s " " g[i]
	for (i = 1; i <= n && i <= N; i++) {
		if (g[i] != e[i]) {
			fail("completion " i " (line " (from + i - 1) ") is " g[i] ", expected " e[i] "; order:" s)
			return
		}
	}
	if (!bad) ok("order" s)
}

function check_flood(   T, K, v, l, i, p, e, steady, c, f, n, k, want, nw, tmp, run, maxrun, last, lim) {
	kv(threads, T); kv(count, K)
	for (v in T) {
		if (cnt[v] != T[v] * K[v]) fail(v ": " cnt[v] + 0 " completions, expected " T[v] * K[v])
	}
	# The level of each guest, and the line where each guest enters its
	# tail (its last T requests: its threads start to finish, and the
	# guest may then have nothing queued for a moment).
	for (i = 1; i <= N; i++) {
		v = g[i]; gl[v] = lv[i]; c[v]++
		if (c[v] == T[v] * K[v] - T[v]) tail[v] = i
	}
	# Behind the gate every guest had T requests queued, and it keeps at
	# least one queued until its tail: so up to the first tail of a level,
	# no request of a lower level may start.
	for (l = 0; l <= 2; l++) {
		steady[l] = 0
		for (v in T) if (gl[v] == l && (!steady[l] || tail[v] < steady[l])) steady[l] = tail[v]
	}
	for (l = 0; l < 2; l++) {
		if (!steady[l]) continue
		for (i = 1; i <= steady[l]; i++) {
			if (lv[i] > l) {
				fail("line " (from + i - 1) ": " g[i] " (" pr[i] ") started while " lvlname(l) " guests still had requests queued (until line " (from + steady[l] - 1) ")")
				break
			}
		}
		if (i > steady[l]) ok("no request below " lvlname(l) " started while " lvlname(l) " guests were flooding (lines " from ".." (from + steady[l] - 1) ")")
	}
	# Within a level: the gate's arrival order, then FIFO keeps the guests
	# taking turns (a guest can have at most T requests older than the
	# other's oldest waiting one; 2T leaves room for a slow guest).
	n = split(first, f, " ")
	if (n) {
		l = gl[f[1]]
		want = ""
		for (k = 1; k <= n; k++) for (p = 0; p < T[f[k]]; p++) want = want " " f[k]
		e = ""; p = 0; nw = split(want, tmp, " ")
		for (i = 1; i <= N && p < nw; i++) if (lv[i] == l) { e = e " " g[i]; p++ }
		if (e != want) fail(lvlname(l) " level: first completions" e ", expected" want " (FIFO by arrival behind the gate, across pools)")
		else ok(lvlname(l) " level: first completions in gate arrival order:" e)
		maxrun = 0; run = 0; last = ""
		for (i = 1; i <= steady[l]; i++) {
			if (lv[i] != l) continue
			run = g[i] == last ? run + 1 : 1
			last = g[i]
			if (run > maxrun) maxrun = run
			lim = 2 * T[g[i]]
			if (run > lim) {
				fail("line " (from + i - 1) ": " g[i] " started " run " requests in a row while the other " lvlname(l) " guests were waiting (FIFO allows " T[g[i]] ")")
				break
			}
		}
		if (maxrun && i > steady[l]) ok(lvlname(l) " level: guests took turns, longest run " maxrun)
	}
}

function check_live(   i, f, e, c, xn, yb, lim) {
	s0 += 0; s1 += 0; slack += 0
	yb = 0
	for (i = 1; i <= N && from + i - 1 <= s0; i++) {
		if (g[i] == x) { fail("line " (from + i - 1) ": " x " (" pr[i] ") ran before its priority changed, while " y " flooded"); return }
		if (g[i] == y) yb++
	}
	if (yb < ymin) fail("only " yb " completions of " y " before the change, expected at least " ymin)
	else ok(x " had none of its queued requests run while " y " (" yprio ") flooded: " yb " completions of " y " first")
	f = 0; xn = 0
	for (i = 1; i <= N; i++) {
		if (g[i] == y && pr[i] != yprio) fail("line " (from + i - 1) ": " y " logged as " pr[i] ", expected " yprio)
		if (g[i] != x) continue
		xn++
		if (!f) f = i
		if (pr[i] != xprio) fail("line " (from + i - 1) ": " x " logged as " pr[i] ", expected " xprio " after the change")
		if (xn == xtotal - xthreads) e = i
	}
	if (!f) { fail(x " has no completion at all after the change"); return }
	if (xn != xtotal) fail(x ": " xn " completions, expected " xtotal)
	lim = s1 + slack
	if (from + f - 1 > lim) fail(x "'s first request ran at line " (from + f - 1) ", more than " slack " completions after the change (order log at " s1 " when xenstore-write returned)")
	else ok(x " ran first at line " (from + f - 1) " (change written between lines " s0 " and " s1 ")")
	for (i = f; i <= e; i++) {
		if (g[i] == y) { fail("line " (from + i - 1) ": " y " (" yprio ") ran while " x " (" xprio ") still had requests queued"); return }
	}
	ok(x " (" xprio ") ran lines " (from + f - 1) ".." (from + e - 1) " with no " y " (" yprio ") request between")
}

END {
	if (bad) exit 1
	if (N != to - from + 1) { fail("order log has " (N ? from + N - 1 : "fewer than " from) " lines, " to " expected"); exit 1 }
	exact()
	if (check == "seq") check_seq()
	else if (check == "flood") check_flood()
	else if (check == "live") check_live()
	else fail("unknown check " check)
	exit (bad ? 1 : 0)
}
