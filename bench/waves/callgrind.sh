#!/bin/bash
# Deterministic cost of the model with its VCD of CPU and buses (the case of
# bench/waves/run.py): host instructions per simulated cycle, valgrind
# --tool=callgrind, a 500 000-cycle run minus a 100 000-cycle run (start-up
# and assembling cancel out), on one thread (--no-vcd-thread; with the writer
# thread callgrind counts both threads, which run one at a time under it).
# Usage: bench/waves/callgrind.sh [SOCSIM...]   (default .build/release/socsim)
# BENCHMARKS.md, "Waves".
set -e
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- .build/release/socsim
tb=TOP.socsim_tb_top
scope="$tb.pc_f,$tb.pc_d,$tb.pc_x,$tb.pc_m,$tb.pc_w,$tb.insn_w,$tb.retire,$tb.rf_we,$tb.rf_idx,$tb.rf_data,$tb.clk"
for p in I D; do for s in ADR_O DAT_O DAT_I CYC_O STB_O WE_O SEL_O CTI_O ACK_I ERR_I; do scope="$scope,$tb.lm32.${p}_$s"; done; done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {print $4}'
}
for bin in "$@"; do
    a=$(count "$bin" run bench/waves/loop.S --profile testbench-nocache --max-cycles 500000 --vcd "$out/a.vcd" --vcd-scope "$scope" --no-vcd-thread)
    b=$(count "$bin" run bench/waves/loop.S --profile testbench-nocache --max-cycles 100000 --vcd "$out/b.vcd" --vcd-scope "$scope" --no-vcd-thread)
    echo "$bin model with the VCD of CPU and buses: $(( (a - b) / 400000 )) host instructions per cycle"
done
