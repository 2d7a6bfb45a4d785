# shellcheck shell=sh
# split-bench, guest side. In one quiet turn (nothing else runs in the lab):
#   ANCHOR: blkfront O_DIRECT 4 KiB reads (p50/p99) and 1 MiB reads (MB/s)
#           on our disk (blkbench, as lab_anchor_blk)
#   BENCH:  vgpu null request (NOP ioctl) round trip p50/p99 over
#           BENCH_NOP_COUNT calls; MEM_WRITE of 64 MiB, BENCH_MW_COUNT
#           times, MB/s (10^6 B/s) of wall time; BENCH_MS_COUNT MEM_SETs
#           one ioctl each and in SUBMITs of 64, us per operation
#           (vgpuops2 --bench); then the 4 KiB anchor once more, so that
#           the spread within the boot shows.
# bench/lab-ratios relates them (vgpu_null_vs_blk4k, vgpu_memwrite64m_vs_blk1m,
# vgpu_submit64_vs_single).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
: "${BENCH_NOP_COUNT:=2000}" "${BENCH_MW_COUNT:=8}" "${BENCH_MS_COUNT:=1024}"

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

measure() {
	a=$(blkbench /dev/xvda) || { echo "blkbench failed: $a"; return 1; }
	echo "ANCHOR guest=$LAB_NAME type=$LAB_TYPE $a"
	n=$(lab_timeout 300 vgpu-client bench nop --count "$BENCH_NOP_COUNT" 2>&1) ||
		{ echo "bench nop failed: $n"; return 1; }
	echo "vgpu: $n"
	w=$(lab_timeout 300 vgpu-client bench memwrite 64M --count "$BENCH_MW_COUNT" 2>&1) ||
		{ echo "bench memwrite failed: $w"; return 1; }
	echo "vgpu: $w"
	b=$(lab_timeout 300 vgpuops2 --bench "$BENCH_MS_COUNT" 2>&1) ||
		{ echo "bench submit failed: $b"; return 1; }
	echo "vgpu: $b"
	a2=$(blkbench /dev/xvda) || { echo "blkbench failed: $a2"; return 1; }
	echo "ANCHOR2 guest=$LAB_NAME type=$LAB_TYPE $a2"
	lab_bench "vgpu_null_p50_us=$(field "$n" p50_us) vgpu_null_p99_us=$(field "$n" p99_us)" \
		"vgpu_memwrite64m_MBps=$(field "$w" mb_per_s) vgpu_memwrite64m_p50_us=$(field "$w" p50_us)" \
		"vgpu_memset_us=$(field "$b" memset_us) vgpu_memset_submit64_us=$(field "$b" memset_submit64_us)" \
		"blk4k_p50_us_again=$(field "$a2" blk4k_p50_us)"
}

vgpu_wait_device 120
lab_wait_dev /dev/xvda
vgpu_client_expect "nop" 30 "nop ok" nop
lab_quiet measure >/run/lab/measure.log 2>&1
rc=$?
cat /run/lab/measure.log
lab_expect_eq "measurements made (exit status)" "$rc" 0
lab_pass "anchors and vgpu figures measured"
