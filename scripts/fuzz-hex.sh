#!/bin/sh
# Builds the libFuzzer target for the Verilog hex loader and runs it.
#   scripts/fuzz-hex.sh [libFuzzer options...]     e.g. -runs=10000000
# The binary and corpus go to .build-fuzz/ (ignored by git). Needs only the Swift toolchain
# (swiftc with -sanitize=fuzzer, as on Linux): Sources/SoC/VerilogHex.swift (no
# dependencies) and Fuzz/HexLoaderFuzz.swift into one instrumented executable (docs/fuzzing.md).
set -eu
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/corpus-hex"
cp Fuzz/seeds-hex/*.hex "$out/corpus-hex/"
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name HexFuzz \
    Sources/SoC/VerilogHex.swift Fuzz/HexLoaderFuzz.swift -o "$out/hex-loader-fuzz"
exec "$out/hex-loader-fuzz" "$out/corpus-hex" "$@"
