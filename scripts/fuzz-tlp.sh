#!/bin/sh
# Builds the libFuzzer target for the TLP decoder and runs it.
#   scripts/fuzz-tlp.sh [libFuzzer options...]     e.g. -runs=10000000
# The binary and corpus go to .build-fuzz/ (ignored by git). Needs only the Swift toolchain.
set -eu
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/corpus"
cp Fuzz/seeds/*.bin "$out/corpus/"
swiftc -O -g -sanitize=fuzzer,address -parse-as-library \
    -module-name PCIeFuzz \
    Sources/SimKernel/*.swift Sources/PCIe/*.swift Fuzz/TLPDecoderFuzz.swift \
    -o "$out/tlp-decoder-fuzz"
exec "$out/tlp-decoder-fuzz" "$out/corpus" "$@"
