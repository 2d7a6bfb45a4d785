# priority-demo's table and verdicts (dom0.sh runs it in Dom0; `make demo`
# prints its lines). Input files, in this order:
#   lat-1.txt      round 1, one line per VM: demo-lat vm= domid= pool= prio=
#                  round=1 ops= samples= p50_us= p99_us= max_us= (the
#                  guest's own figures: vgpu-client stress --latency)
#   metrics-1.txt  the worker's SIGUSR1 metrics after round 1
#   lat-2.txt      round 2, as lat-1.txt
# Variables: mover, from, to (the live change), delay (ms), mode, threads,
# secs1, secs2. Every figure printed is measured; a verdict compares them
# and says what they show, whichever way it goes.

function kv(line, a,   n, i, p, t) {
	split("", a)
	n = split(line, t, " ")
	for (i = 1; i <= n; i++) {
		p = index(t[i], "=")
		if (p) a[substr(t[i], 1, p - 1)] = substr(t[i], p + 1)
	}
}
function ms(us) { return sprintf("%.1f", us / 1000) }
function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "n/a" }
function lvl(p) { return p == "high" ? 1 : p == "medium" ? 2 : p == "low" ? 3 : 9 }

FNR == 1 { file++ }
file == 1 || file == 3 {
	kv($0, f)
	r = file == 1 ? 1 : 2
	v = f["vm"]
	if (r == 1) vms[++nv] = v
	pool[v] = f["pool"]; prio[r, v] = f["prio"]; ops[r, v] = f["ops"]
	p50[r, v] = f["p50_us"]; p99[r, v] = f["p99_us"]
	id[f["domid"]] = v
	next
}
file == 2 && /^metrics: vm / {
	kv($0, f)
	v = f["domid"] in id ? id[f["domid"]] : ""
	if (v == "") next
	wdone[v] = f["done"]; wp50[v] = f["p50_us"]; wp99[v] = f["p99_us"]; wwait[v] = f["wait_mean_us"]
}

# Level figures of round R: the mean of its VMs' p50 and p99, and their
# requests; per pool too.
function levels(r,   i, v, l) {
	split("", L50); split("", L99); split("", LN); split("", LOPS)
	split("", P50); split("", PN)
	for (i = 1; i <= nv; i++) {
		v = vms[i]; l = prio[r, v]
		L50[l] += p50[r, v]; L99[l] += p99[r, v]; LN[l]++; LOPS[l] += ops[r, v]
		P50[l, pool[v]] += p50[r, v]; PN[l, pool[v]]++
	}
	for (l in LN) { L50[l] /= LN[l]; L99[l] /= LN[l] }
	for (i in PN) P50[i] /= PN[i]
}
function sorted(r,   i, j, t) {
	for (i = 1; i <= nv; i++) ord[i] = vms[i]
	for (i = 2; i <= nv; i++) {
		t = ord[i]
		for (j = i - 1; j >= 1 && (lvl(prio[r, ord[j]]) > lvl(prio[r, t]) ||
		     (lvl(prio[r, ord[j]]) == lvl(prio[r, t]) && pool[ord[j]] > pool[t])); j--)
			ord[j + 1] = ord[j]
		ord[j + 1] = t
	}
}
function verdicts(r,   l, a, b, s, x, n) {
	levels(r)
	for (n = 1; n <= 2; n++) {
		l = n == 1 ? "high" : "medium"
		if (!(l in LN) || !("low" in LN)) continue
		a = L50[l] / (L50["low"] > 0 ? L50["low"] : 1)
		printf "  %-6s waited %s what low waited (p50 %s vs %s ms; p99 %s vs %s ms, %s)%s\n", l,
			ratio(L50[l], L50["low"]), ms(L50[l]), ms(L50["low"]),
			ms(L99[l]), ms(L99["low"]), ratio(L99[l], L99["low"]),
			a < 1 ? "" : ": NOT less than low"
	}
	if (("high" in LOPS) && ("low" in LOPS) && LOPS["low"] > 0)
		printf "  served: high %d, medium %d, low %d requests (high/low %s)\n",
			LOPS["high"], LOPS["medium"], LOPS["low"], ratio(LOPS["high"], LOPS["low"])
	s = ""; x = 1
	# Round 2's pool A has the mover at its new level: pools compared in round 1.
	for (n = 1; n <= 3 && r == 1; n++) {
		l = n == 1 ? "high" : n == 2 ? "medium" : "low"
		if (!((l, "A") in PN) || !((l, "B") in PN)) continue
		a = P50[l, "A"]; b = P50[l, "B"]
		s = s sprintf(" %s %s/%s ms (%s);", l, ms(a), ms(b), ratio(a, b))
		if (b <= 0 || a / b > 1.5 || a / b < 1 / 1.5) x = 0
	}
	if (s != "")
		printf "  pools A vs B at each level, p50:%s %s\n", s,
			x ? "within 1.5x of each other: one queue, served alike" :
			    "NOT alike: a pool was served differently at one level"
}

END {
	printf "round 1: %d VMs x %d threads of checked vector adds, released at once by one gate and stopped %d s later by another\n", nv, threads, secs1
	printf "worker: --sched %s%s, CPU executor, one request at a time, each at least %d ms (--op-delay-ms)\n", mode,
		mode == "weighted" ? " (default shares 4:2:1)" : "", delay
	sorted(1)
	fmt = "  %-8s %-4s %-8s | %8s %8s %8s | %8s %8s %8s %9s\n"
	printf "  %-22s | %-26s | %s\n", "", "as the guest saw it", "in the worker (read to end)"
	printf fmt, "VM", "pool", "priority", "requests", "p50 ms", "p99 ms", "done", "p50 ms", "p99 ms", "wait mean"
	for (i = 1; i <= nv; i++) {
		v = ord[i]
		printf fmt, v, pool[v], prio[1, v], ops[1, v], ms(p50[1, v]), ms(p99[1, v]),
			wdone[v], ms(wp50[v]), ms(wp99[v]), ms(wwait[v])
	}
	print "  (guest: every request of the round but each thread's first and last, which waited for the gates;"
	print "  worker: its metrics at the end of the round, before the closing gate; done counts from the VM's connect)"
	print "verdict, round 1 (a level's p50/p99: the mean of its VMs' guest-side figures):"
	verdicts(1)
	printf "round 2: %s moved %s -> %s live (vgpu-admin vm set + apply; no reconnect), then all %d VMs again for %d s\n", mover, from, to, nv, secs2
	sorted(2)
	fmt2 = "  %-8s %-4s %-8s | %8s %9s %9s\n"
	printf fmt2, "VM", "pool", "priority", "requests", "p50 ms", "p99 ms"
	for (i = 1; i <= nv; i++) {
		v = ord[i]
		printf fmt2, v, pool[v], prio[2, v], ops[2, v], ms(p50[2, v]), ms(p99[2, v])
	}
	print "verdict, round 2:"
	verdicts(2)
	if (mode == "weighted") {
		levels(2)
		printf "  (weighted shares are per level, split among its VMs: now %d high, %d medium, %d low VMs)\n", LN["high"], LN["medium"], LN["low"]
	}
	note = ""
	if (lvl(to) < lvl(from) && p50[2, mover] + 0 >= p50[1, mover] + 0) note = ": NOT less after moving up"
	printf "  %s: p50 %s ms at %s -> %s ms at %s (%s); p99 %s -> %s ms (%s)%s\n", mover,
		ms(p50[1, mover]), from, ms(p50[2, mover]), to, ratio(p50[2, mover], p50[1, mover]),
		ms(p99[1, mover]), ms(p99[2, mover]), ratio(p99[2, mover], p99[1, mover]), note
}
