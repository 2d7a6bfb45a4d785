#!/bin/sh
# Runs each libFuzzer target of build/fuzz for FUZZ_SECONDS (default 60)
# and prints one line per target: executions, crashes, corpus size.
#   run-fuzz.sh BUILD_DIR TARGET...
# Corpus: the committed seeds in tests/fuzz/corpus/TARGET/ (read only) and
# what the runs found, kept in BUILD_DIR/corpus/TARGET/ between runs.
# A crash stops that target's run; its input is saved as
# BUILD_DIR/crashes/TARGET/crash-* (reproduce: BUILD_DIR/TARGET FILE).
# Exit status 1 if any target crashed.
set -u
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
secs=${FUZZ_SECONDS:-60}
status=0
for t in "$@"; do
	corpus=$build/corpus/$t
	crashes=$build/crashes/$t
	log=$build/$t.log
	mkdir -p "$corpus" "$crashes" "$here/corpus/$t"
	"$build/$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$corpus" "$here/corpus/$t" \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" = 0 ]; then
		crashed=0
	else
		crashed=1
		status=1
	fi
	printf '%s: %s executions in %ss, %s crashes, corpus %s files\n' \
		"$t" "${execs:-?}" "$secs" "$crashed" \
		"$(find "$corpus" -type f | wc -l)"
	[ "$crashed" = 0 ] || {
		grep -m1 -E 'ERROR|runtime error|abort|^[a-z_]+: ' "$log"
		ls "$crashes" | sed 's/^/  saved: /'
		echo "  log: $log"
	}
done
exit $status
