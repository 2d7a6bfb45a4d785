#!/bin/sh
# Called by `make -C tests/unit run`: builds and runs each cmocka test binary
# and prints "unit: N passed, N failed" as the last line. A test case counts
# once; a binary that does not build, or dies before cmocka's summary (an
# ASan or UBSan report aborts it), counts as one more failure. Exits non-zero
# if anything failed or no test ran.
#
# Usage: run-tests.sh BUILD_DIR TEST_NAME...
set -u
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
make=${MAKE:-make}
passed=0
failed=0
# Leaks are failures too; reports go to the log below.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

for t in "$@"; do
	bin=$build/$t
	log=$build/$t.log
	echo "unit: $t"
	if ! $make -s --no-print-directory -C "$here" "$bin"; then
		echo "unit: $t: build failed"
		failed=$((failed + 1))
		continue
	fi
	"$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	# cmocka's summary: "[  PASSED  ] N test(s)." and, if any failed,
	# "[  FAILED  ] N test(s), listed below:".
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' "$log" | tail -n 1)
	if [ -z "$p" ]; then
		# No summary: count the cases that ended before it died,
		# plus one for the death.
		p=$(grep -c '^\[       OK \]' "$log")
		f=$(($(grep -c '^\[  FAILED  \] ' "$log") + 1))
		echo "unit: $t: exited with status $rc before its summary"
	fi
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "unit: $t: exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

if [ $((passed + failed)) -eq 0 ]; then
	echo "unit: no test ran"
	failed=1
fi
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
