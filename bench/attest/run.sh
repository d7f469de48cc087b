#!/bin/sh
# Release build of Attestation and of bench/attest/main.swift, then run it.
#   bench/attest/run.sh [ROUNDS] [STEPS,STEPS,...] [REPORT.html]
set -e
cd "$(dirname "$0")/../.."
B=${ATTEST_BENCH_BUILD:-/tmp/attest-bench}
swift build -c release --build-path "$B" --target Attestation >/dev/null
R="$B/release"
swiftc -O -wmo -I "$R/Modules" bench/attest/main.swift \
    "$R"/Attestation.build/*.o "$R"/Automaton.build/*.o "$R"/SimKernel.build/*.o "$R"/HeapModule.build/*.o \
    -lm -o "$B/attest-bench"
"$B/attest-bench" "$@"
