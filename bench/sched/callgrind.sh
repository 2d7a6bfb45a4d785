#!/bin/sh
# Instructions per scheduling decision, counted by callgrind, for each mode
# and for the anchor (a plain FIFO ring). Each is run alone twice, with N1
# and N2 decisions; the difference of the two totals divided by N2 - N1
# leaves start-up and set-up out.
#   callgrind.sh BENCH_BINARY
set -u
bin=${1:?usage: callgrind.sh BENCH_BINARY}
command -v valgrind >/dev/null 2>&1 || {
	echo "sched-bench: valgrind not found; no instruction count"
	exit 0
}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
n1=20000
n2=220000

# Total instructions of one run (valgrind's "Collected : N" line).
count() {
	valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
		"$bin" "$1" "$2" >/dev/null 2>"$out/log" || {
		echo "sched-bench: callgrind run failed:" >&2
		tail -5 "$out/log" >&2
		return 1
	}
	sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out/log"
}

anchor=""
for what in anchor strict weighted aging; do
	c1=$(count $n1 $what) && c2=$(count $n2 $what) || exit 1
	per=$(awk -v a="$c1" -v b="$c2" -v n1=$n1 -v n2=$n2 \
		'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
	if [ "$what" = anchor ]; then
		anchor=$per
		echo "sched-bench: callgrind anchor fifo-ring $per instructions per decision"
	else
		awk -v p="$per" -v a="$anchor" -v w="$what" 'BEGIN {
			printf "sched-bench: callgrind %-8s %s instructions per decision (%.1f x the anchor)\n", w, p, p / a }'
	fi
done
