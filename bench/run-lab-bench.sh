#!/bin/sh
# Lab benchmarks (`make bench`): boots each scenario of bench/lab-scenarios
# (default: selftest, which measures only the blkfront anchors) in the Xen lab and
# prints, per guest, the anchors (ANCHOR lines) and benchmark figures (BENCH
# lines) it measured, then the ratios of bench/lab-ratios computed from the
# same guest in the same boot. Under TCG only such ratios mean anything.
# Timing never fails this script; it exits non-zero only when a scenario did
# not run to a verdict. Options go to tests/xen/lab.sh (e.g. -e VAR=VALUE).
set -u
bdir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bdir/.." && pwd)
scen=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$bdir/lab-scenarios" 2>/dev/null | grep -v '^$')
[ -n "$scen" ] || scen=selftest

res=$(mktemp)
trap 'rm -f "$res"' EXIT
# shellcheck disable=SC2086
LAB_RESULTS_FILE=$res "$top/tests/xen/lab.sh" "$@" $scen
rc=$?

echo
echo "lab-bench: === figures (TCG: compare ratios, not absolute values) ==="
while read -r name verdict dir; do
	m=$dir/metrics.txt
	if [ ! -s "$m" ]; then
		echo "lab-bench: $name ($verdict): no ANCHOR/BENCH lines"
		continue
	fi
	echo "lab-bench: $name ($verdict, run $dir)"
	# One line per guest: all its KEY=VALUE pairs of that boot.
	awk '
	{
		g = ""; t = ""
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "guest") g = kv[2]
			else if (kv[1] == "type") t = kv[2]
		}
		key = g " (" t ")"
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "guest" || kv[1] == "type") continue
			val[key, kv[1]] = kv[2]
			line[key] = line[key] " " $i
		}
	}
	END {
		while ((getline r < RATIOS) > 0) {
			sub(/#.*/, "", r)
			nf = split(r, f, " ")
			if (nf < 3) continue
			rn[++nr] = f[1]; num[nr] = f[2]; den[nr] = f[3]
			tgt[nr] = nf >= 4 ? f[4] : ""
		}
		for (j = 1; j <= n; j++) {
			k = order[j]
			printf "  %-14s%s\n", k, line[k]
			for (q = 1; q <= nr; q++)
				if ((k SUBSEP num[q]) in val && (k SUBSEP den[q]) in val && val[k, den[q]] + 0 != 0) {
					x = val[k, num[q]] / val[k, den[q]]
					v = ""
					if (tgt[q] ~ /^<=/) v = (x <= substr(tgt[q], 3) + 0) ? "met" : "MISSED"
					else if (tgt[q] ~ /^>=/) v = (x >= substr(tgt[q], 3) + 0) ? "met" : "MISSED"
					if (v != "") v = sprintf("  (target %s: %s)", tgt[q], v)
					printf "  %-14s ratio %s = %s / %s = %.3f%s\n", k, rn[q], num[q], den[q], x, v
				}
		}
	}' RATIOS="$bdir/lab-ratios" "$m"
done <"$res"
exit $rc
