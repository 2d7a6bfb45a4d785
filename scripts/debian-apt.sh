# shellcheck shell=sh
# A private apt configuration: a directory of its own with its sources.list,
# lists and cache, so that fetching Debian's packages or sources for this
# tree leaves the host's apt sources and state as they are. Sourced by
# qemu-vgpu-stub/build.sh, and before scripts/debian-kernel.sh by its users
# (scripts/compat-check.sh, tests/xen/lab.sh).

# Debian's archive, for the sources.list lines.
VGPU_DEBIAN_MIRROR=${VGPU_DEBIAN_MIRROR:-http://deb.debian.org/debian}
VGPU_DEBIAN_SECURITY=${VGPU_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
# The key the sources.list lines are signed by (signed-by=).
# shellcheck disable=SC2034 # read by the scripts that source this file
DEBIAN_APT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# debian_apt DIR apt-get|apt-cache ARGS...: runs it on DIR's configuration
# alone (no other sources, preferences, lists or dpkg status; no lock).
debian_apt() {
	apt_dir=$1
	shift
	"$@" -o Dir::Etc::SourceList="$apt_dir/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::Etc::Preferences=/nonexistent \
		-o Dir::Etc::PreferencesParts=/nonexistent \
		-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" \
		-o Dir::State::status=/dev/null -o Debug::NoLocking=1
}

# debian_apt_update DIR: DIR/sources.list becomes the lines on stdin, then
# apt-get update of them, its output in DIR/update.log. Non-zero if it
# failed (the caller says so, with the log's last lines).
debian_apt_update() {
	apt_dir=$1
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	cat >"$apt_dir/sources.list"
	# apt drops privileges to _apt for downloads.
	id _apt >/dev/null 2>&1 && chown -R _apt "$apt_dir/lists" "$apt_dir/cache"
	debian_apt "$apt_dir" apt-get update -qq >"$apt_dir/update.log" 2>&1
}
