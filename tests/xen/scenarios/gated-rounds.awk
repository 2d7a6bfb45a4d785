# gated-rounds.sh: one round's figures and checks in one process (every
# process costs Dom0 25-150 ms under TCG). Files, in this order:
#   map    NAME DOMID POOL, one line per guest
#   vals   two lines per guest, in map order (one xenstore-read): the
#          guest's data/vgpu-lat ("round=R ops=N samples=.. p50_us=..
#          p99_us=.. max_us=..") and its backend directory's priority
#   log    the round's order-log lines (SEQ DOMID DEVID VM_ID POOL PRIO OP STATUS ...)
# Variable: round. Prints a "demo-lat vm=.. domid=.. pool=.. prio=.. round=.."
# line per guest to stdout, "LAB-CHECK ok: ..." lines, or "FAIL: ..." lines
# and exits 1: each guest reported figures for this round, was served
# (ops > 0), and its OKAY vector adds in the order log are exactly its ops,
# with no other completion.
function fail(m) { print "FAIL: " m; bad++ }
FILENAME == ARGV[1] { name[++n] = $1; dom[n] = $2; pool[n] = $3; idx[$2] = n; next }
FILENAME == ARGV[2] { v[++nv] = $0; next }
{
	if (!($2 in idx)) { fail("order log line of unknown domid " $2 ": " $0); next }
	if ($7 == "vector_add" && $8 == 0) okc[$2]++
	else { other[$2]++; if (other[$2] == 1) print "lab: " name[idx[$2]] ": unexpected completion: " $0 }
}
END {
	for (i = 1; i <= n; i++) {
		lat = v[2 * i - 1]; pr = v[2 * i]
		d = dom[i]
		print "demo-lat vm=" name[i] " domid=" d " pool=" pool[i] " prio=" pr " " lat
		if (lat !~ ("^round=" round " ops=[0-9]+ ")) { fail(name[i] ": no figures for round " round " in data/vgpu-lat: '" lat "'"); continue }
		split(lat, f, " "); sub(/^ops=/, "", f[2]); ops = f[2] + 0
		if (ops > 0) print "LAB-CHECK ok: " name[i] ": served in round " round " (" ops " requests)"
		else fail(name[i] ": not served in round " round)
		if (okc[d] + 0 == ops && other[d] + 0 == 0)
			print "LAB-CHECK ok: " name[i] ": round " round ": its " ops " vector adds are in the order log, all OKAY, nothing else"
		else
			fail(name[i] ": round " round ": order log has " okc[d] + 0 " OKAY vector adds and " other[d] + 0 " other completions; the guest counted " ops)
	}
	exit bad ? 1 : 0
}
