#!/bin/sh
# Release build of Attestation and of bench/attest/main.swift, then run it.
#   bench/attest/run.sh [ROUNDS] [STEPS,STEPS,...] [REPORT.html]
# ATTEST_DEVICE=functional plays the rounds with the attest firmware (default: transaction).
set -e
cd "$(dirname "$0")/../.."
B=${ATTEST_BENCH_BUILD:-/tmp/attest-bench}
swift build -c release --build-path "$B" --target Attestation >/dev/null
R="$B/release"
O=""
for m in Attestation Automaton SimKernel HeapModule SoC PCIe LM32Asm LM32 ELF SimBus; do O="$O $R/$m.build/*.o"; done
# shellcheck disable=SC2086
swiftc -O -wmo -I "$R/Modules" bench/attest/main.swift $O -lm -o "$B/attest-bench"
"$B/attest-bench" "$@"
