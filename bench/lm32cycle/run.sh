#!/bin/sh
# Release build of LM32Cycle and of bench/lm32cycle/main.swift, then run it.
#   bench/lm32cycle/run.sh [CYCLES] [REPEATS]
set -e
cd "$(dirname "$0")/../.."
B=${LM32CYCLE_BENCH_BUILD:-/tmp/lm32cycle-bench}
swift build -c release --build-path "$B" --target LM32Cycle >/dev/null
R="$B/release"
swiftc -O -wmo -I "$R/Modules" bench/lm32cycle/main.swift \
    "$R"/LM32Cycle.build/*.o "$R"/LM32.build/*.o "$R"/SimBus.build/*.o "$R"/SimKernel.build/*.o \
    -o "$B/lm32cycle-bench"
"$B/lm32cycle-bench" "$@"
