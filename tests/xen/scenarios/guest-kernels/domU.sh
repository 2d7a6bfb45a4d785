# shellcheck shell=sh
# guest-kernels, guest side: this guest runs the kernel its guests-file key
# names, with a vgpu-front.ko built for that kernel; then split-pair's
# basic checks (basic-domU.sh: info, vector adds, memtest, bad input).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

want=$(lab_key kernel)
rel=$(uname -r)
lab_log "kernel $rel (wanted $want)"
case $rel in
"$want".*) echo "LAB-CHECK ok: booted Linux $rel" ;;
*) lab_fail "booted Linux $rel, not $want" ;;
esac
lab_check "vgpu-front loaded" grep -q '^vgpu_front ' /proc/modules
lab_expect_eq "vgpu-front built for this kernel (vermagic)" \
	"$(modinfo -F vermagic "/lib/modules/$rel/extra/vgpu-front.ko" 2>/dev/null | cut -d' ' -f1)" "$rel"
vgpu_wait_device 120
. /lab/split-basic-domU.sh
lab_pass "split-basic on Linux $rel"
