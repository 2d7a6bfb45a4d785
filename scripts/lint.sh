#!/bin/sh
# `make lint`: static checks of the sources; exits non-zero if any finding.
#   kernel C (frontend/ backend/ tests/kunit/ tests/xen/rogue/ include/):
#     checkpatch.pl --no-tree from the cached linux-source tree
#     (scripts/kunit-src.sh);
#   userspace C (dom0-worker/ exporter/ lib/ tools/ tests/unit/ tests/sim/ tests/fuzz/
#   tests/xen/guest/): cppcheck.
# Ends with "lint: N files checked, N problems".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
outdir=$top/build/lint
mkdir -p "$outdir/cppcheck" || exit 1

src=$("$top/scripts/kunit-src.sh") || {
	echo "lint: no kernel source tree for checkpatch.pl" >&2
	exit 1
}

# Source files under the given directories whose names match $pattern:
# tracked or new but not ignored, so build output (*.mod.c) is left out.
list_files() {
	dirs=""
	for d in "$@"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	[ -n "$dirs" ] || return 0
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# shellcheck disable=SC2086 # word splitting of the list is intended
		git ls-files -co --exclude-standard -- $dirs |
			while read -r f; do
				# shellcheck disable=SC2254 # $pattern is a glob
				case ${f##*/} in $pattern) [ -f "$f" ] && echo "$f" ;; esac
			done | sort
	else
		# shellcheck disable=SC2086
		find $dirs -type f -name "$pattern" ! -name '*.mod.c' | sort
	fi
}

# --- kernel code: checkpatch ------------------------------------------------
pattern='*.[ch]'
kfiles=$(list_files frontend backend tests/kunit tests/xen/rogue include)
nk=$(printf '%s' "$kfiles" | grep -c .)
# Kernel version tests live in the one compat header (include/vgpu/
# xen_compat.h), not as #if all over the drivers, so only it may test
# LINUX_VERSION_CODE. Its VGPU_XENBUS_REMOVE defines a whole function, so
# the return in it is not flow control hidden from a caller.
compat=$(printf '%s\n' "$kfiles" | grep -E '(^|/)[^/]*compat[^/]*\.h$')
plain=$(printf '%s\n' "$kfiles" | grep -vE '(^|/)[^/]*compat[^/]*\.h$')
: >"$outdir/checkpatch.txt"
crc=0
checkpatch() {
	# shellcheck disable=SC2068 # one argument per option and file
	"$src/scripts/checkpatch.pl" --no-tree --quiet --terse --show-types \
		$@ >>"$outdir/checkpatch.txt" 2>&1 || crc=1
}
# shellcheck disable=SC2086 # one argument per file
[ -z "$plain" ] || checkpatch --file $plain
# shellcheck disable=SC2086
[ -z "$compat" ] ||
	checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_WITH_FLOW_CONTROL \
		--file $compat
grep -v '^total: ' "$outdir/checkpatch.txt"
kproblems=$(grep -cE '^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):' "$outdir/checkpatch.txt")
kbad=$(grep -E '^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):' "$outdir/checkpatch.txt" |
	cut -d: -f1 | sort -u | grep -c .)
[ "$crc" -ne 0 ] && [ "$kproblems" -eq 0 ] && kproblems=1
echo "lint: checkpatch: $nk files, $kproblems problems in $kbad files"

# --- userspace code: cppcheck -----------------------------------------------
# Suppressed, and why:
#   missingIncludeSystem  system headers are not given to cppcheck on purpose
#                         (parsing glibc makes it slow and adds nothing);
#   variableScope         the project follows kernel style, which declares
#                         variables at the top of a block;
#   unusedStructMember    structs shared with the kernel and the wire carry
#                         explicit padding and reserved members that no code
#                         reads; their layout is the ABI.
# Anything else: fix it, or suppress one line with a comment saying why:
#   /* cppcheck-suppress <id> */
pattern='*.c'
ufiles=$(list_files dom0-worker exporter lib tools tests/unit tests/sim tests/fuzz tests/xen/guest bench tests/gpu)
nu=$(printf '%s' "$ufiles" | grep -c .)
uproblems=0
if [ "$nu" -gt 0 ]; then
	# shellcheck disable=SC2086 # one argument per file
	cppcheck --quiet --error-exitcode=1 --inline-suppr \
		--enable=warning,style,performance,portability \
		--std=c11 --language=c --platform=unix64 \
		--cppcheck-build-dir="$outdir/cppcheck" \
		-I "$top/include" -I "$top" -I "$top/dom0-worker" -D__linux__ \
		--suppress=missingIncludeSystem --suppress=variableScope \
		--suppress=unusedStructMember \
		--template='{file}:{line}: {severity} ({id}): {message}' \
		$ufiles 2>"$outdir/cppcheck.txt"
	rc=$?
	cat "$outdir/cppcheck.txt"
	uproblems=$(grep -cE '^[^ ]+:[0-9]+: ' "$outdir/cppcheck.txt")
	[ "$rc" -ne 0 ] && [ "$uproblems" -eq 0 ] && uproblems=1
fi
echo "lint: cppcheck: $nu files, $uproblems problems"

total=$((kproblems + uproblems))
echo "lint: $((nk + nu)) files checked, $total problems"
[ "$total" -eq 0 ]
