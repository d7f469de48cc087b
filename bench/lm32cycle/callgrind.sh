#!/bin/bash
# Deterministic cost of the cycle-exact model: host instructions per simulated
# cycle (valgrind --tool=callgrind; a 1 000 000-cycle run minus a 200 000-cycle
# run, so start-up and assembling cancel out), on the CPU-bound loops of the
# test bench (both profiles) and of the milkymist SoC. Idle skipping does not
# apply (the loops never repeat a state).
# Usage: bench/lm32cycle/callgrind.sh [SOCSIM...]   (default .build/release/socsim)
# BENCHMARKS.md, "Cycle-exact LM32 model".
set -e
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- .build/release/socsim
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {print $4}'
}
for bin in "$@"; do
    for w in "testbench-nocache:bench/waves/loop.S --profile testbench-nocache" \
             "testbench-cache:bench/waves/loop.S --profile testbench-cache" \
             "milkymist:--soc milkymist bench/milkymist/loop.S"; do
        name=${w%%:*}; args=${w#*:}
        a=$(count "$bin" run $args --cycle --max-cycles 1000000)
        b=$(count "$bin" run $args --cycle --max-cycles 200000)
        echo "$bin $name $(( (a - b) / 800000 )) host instructions per cycle"
    done
done
