# SPDX-License-Identifier: MIT
# Sourced by tools/libcuda/gen-stubs.sh and tools/libcudart/gen-stubs.sh
# (POSIX sh): how both find the entry points a toolkit header declares and
# write a weak stub for each. Both read $CC (the C compiler) and $INC (the
# toolkit's include directory).

# cpp_flat HEADER [DEFINE ...]
#   HEADER preprocessed as it is, then once with each DEFINE (a -D option:
#   a header declares some names only under it), each one line of text;
#   a declaration split over lines becomes one match for grep -o.
cpp_flat() {
	header=$1
	shift
	for defs in "" "$@"; do
		# shellcheck disable=SC2086 # an empty $defs is no option
		echo "#include <$header>" | $CC -E -P $defs -I"$INC" -x c - |
			tr -s ' \t\n' ' '
		echo
	done
}

# entry_points HEADER RESULT PREFIX [DEFINE ...]
#   The names of the functions HEADER declares that return RESULT and
#   whose names start with PREFIX, sorted (LC_ALL=C), once each; exits 1
#   if there are none (a header that changed shape).
entry_points() {
	header=$1
	result=$2
	prefix=$3
	shift 3
	found=$(cpp_flat "$header" "$@" |
		grep -o "$result ${prefix}[A-Za-z0-9_]* *(" |
		sed "s/$result \\(${prefix}[A-Za-z0-9_]*\\).*/\\1/" | LC_ALL=C sort -u)
	[ -n "$found" ] || {
		echo "gen-stubs.sh: no entry points found in $INC/$header" >&2
		exit 1
	}
	printf '%s\n' "$found"
}

# weak_stub NAME LOGGER
#   A weak definition of NAME that calls LOGGER("NAME") and returns 801
#   (CUDA_ERROR_NOT_SUPPORTED, cudaErrorNotSupported); the library's own
#   definition of NAME, strong, replaces it.
weak_stub() {
	printf '__attribute__((weak, visibility("default"))) int %s(void);\n' "$1"
	printf 'int %s(void) { %s("%s"); return 801; }\n' "$1" "$2" "$1"
}
