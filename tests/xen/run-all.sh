#!/bin/sh
# Runs every scenario named in tests/xen/scenarios/CHECK_LIST (one name a
# line, '#' starts a comment) in one harness run: one boot per scenario, the
# package and image caches prepared once. Options go to lab.sh (e.g. -v).
# The last line is the total, "lab: N passed, N failed"; the exit status is
# non-zero when any scenario failed. `make lab` runs this.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
list=$dir/scenarios/CHECK_LIST
names=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" 2>/dev/null | grep -v '^$')
if [ -z "$names" ]; then
	echo "lab: no scenario in $list"
	echo "lab: 0 passed, 0 failed"
	exit 1
fi
# shellcheck disable=SC2086
exec "$dir/lab.sh" "$@" $names
