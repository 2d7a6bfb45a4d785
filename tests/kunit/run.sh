#!/bin/sh
# `make kunit`: builds a User Mode Linux kernel with the vgpu KUnit suites
# built in (and KASAN + UBSAN), boots it, and prints
#   kunit: N passed, N failed
# as its last line. Exits non-zero if a test failed or crashed, a KASAN or
# UBSAN report appeared in the kernel log, the build failed, or no test ran.
#
# The kernel tree is Debian's linux-source, extracted once into a cache
# outside the clone (scripts/kunit-src.sh). This directory is linked into it
# as drivers/vgpu_kunit, so the suites' relative #includes of project files
# resolve to this clone and edits rebuild incrementally.
#
# Environment: VGPU_KUNIT_CACHE (default /var/tmp/vgpu-kunit; the tree is in
# linux-src/, the UML build in build/), VGPU_KUNIT_TIMEOUT (seconds the tests
# may run, default 300), JOBS (default nproc).
# Extra arguments go to kunit.py, e.g. a filter glob: run.sh 'vgpu_ring*'.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${VGPU_KUNIT_CACHE:-/var/tmp/vgpu-kunit}
build=$cache/build
timeout=${VGPU_KUNIT_TIMEOUT:-300}
jobs=${JOBS:-$(nproc)}

die() {
	echo "kunit: $*" >&2
	echo "kunit: 0 passed, 1 failed"
	exit 1
}

src=$("$top/scripts/kunit-src.sh") || die "cannot prepare the kernel tree"

# One run at a time per cache: runs share the tree's link and the build.
exec 8>"$cache/.run.lock"
flock 8

# Hook the suites into the tree: a link, one Kconfig line, one obj- line.
link=$src/drivers/vgpu_kunit
if [ "$(readlink "$link" 2>/dev/null)" != "$here" ]; then
	ln -sfn "$here" "$link" || die "cannot link $here into $src"
	# Objects built from another clone may look newer than this one's
	# sources: rebuild them.
	rm -rf "$build/drivers/vgpu_kunit"
fi
grep -qx 'source "drivers/vgpu_kunit/Kconfig"' "$src/drivers/Kconfig" ||
	echo 'source "drivers/vgpu_kunit/Kconfig"' >>"$src/drivers/Kconfig"
# shellcheck disable=SC2016 # $(CONFIG_KUNIT) is make's, not ours
grep -qx 'obj-$(CONFIG_KUNIT) += vgpu_kunit/' "$src/drivers/Makefile" ||
	echo 'obj-$(CONFIG_KUNIT) += vgpu_kunit/' >>"$src/drivers/Makefile"

mkdir -p "$build" || die "cannot create $build"
log=$build/vgpu-kunit.log
json=$build/vgpu-results.json
# test.log is kunit.py's copy of the kernel's console output.
rm -f "$log" "$json" "$build/test.log" "$build/.vgpu-rc"

start=$(date +%s)
{
	python3 "$src/tools/testing/kunit/kunit.py" run \
		--kunitconfig="$here/.kunitconfig" \
		--build_dir="$build" --jobs="$jobs" --timeout="$timeout" \
		--json="$json" "$@" </dev/null 2>&1
	echo $? >"$build/.vgpu-rc"
} | tee "$log"
rc=$(cat "$build/.vgpu-rc" 2>/dev/null || echo 1)
end=$(date +%s)

# Count leaf test cases (a parameterised case counts each parameter).
counts=$(python3 - "$json" <<'EOF'
import json, sys
p = f = s = 0
def walk(g):
    global p, f, s
    for c in g.get("test_cases", []):
        if c["status"] == "PASS":
            p += 1
        elif c["status"] == "SKIP":
            s += 1
        else:
            f += 1
    for sub in g.get("sub_groups", []):
        walk(sub)
try:
    walk(json.load(open(sys.argv[1])))
except (OSError, ValueError):
    print("0 0 0 nojson")
    sys.exit(0)
print(p, f, s, "ok")
EOF
)
# shellcheck disable=SC2086 # split into four words on purpose
set -- $counts
passed=$1 failed=$2 skipped=$3 parsed=$4

# KASAN and UBSAN reports do not fail a test on 6.1: each one counts here.
reports=0
if [ -f "$build/test.log" ]; then
	reports=$(grep -cE 'BUG: KASAN:|UBSAN: ' "$build/test.log")
	if [ "$reports" -gt 0 ]; then
		echo "kunit: $reports sanitizer report(s) in $build/test.log:"
		grep -E -A3 'BUG: KASAN:|UBSAN: ' "$build/test.log"
	fi
fi
failed=$((failed + reports))

if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	[ "$parsed" = ok ] || echo "kunit: no results (build failed or kernel crashed); see $log"
	failed=1
fi
if [ $((passed + failed)) -eq 0 ]; then
	echo "kunit: no test ran"
	failed=1
fi

echo "kunit: took $((end - start)) s; log $log, kernel log $build/test.log"
if [ "$skipped" -gt 0 ]; then
	echo "kunit: $passed passed, $failed failed, $skipped skipped"
else
	echo "kunit: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
