#!/bin/sh
# Builds the libFuzzer target for the VCD reader and runs it.
#   scripts/fuzz-vcd.sh [libFuzzer options...]     e.g. -runs=10000000
# The binary and corpus go to .build-fuzz/ (ignored by git). Needs only the Swift toolchain
# (swiftc with -sanitize=fuzzer, as on Linux): Sources/Waves/*.swift and
# Fuzz/VCDReaderFuzz.swift into one instrumented executable (docs/fuzzing.md).
set -eu
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/corpus-vcd"
cp Fuzz/seeds-vcd/*.seed "$out/corpus-vcd/"
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name WavesFuzz \
    Sources/Waves/*.swift Fuzz/VCDReaderFuzz.swift -o "$out/vcd-reader-fuzz"
exec "$out/vcd-reader-fuzz" "$out/corpus-vcd" "$@"
