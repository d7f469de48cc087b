#!/bin/sh
# Builds the libFuzzer target for the TLP decoder and runs it.
#   scripts/fuzz-tlp.sh [libFuzzer options...]     e.g. -runs=10000000
# The binary and corpus go to .build-fuzz/ (ignored by git). Needs only the Swift toolchain
# (swiftc with -sanitize=fuzzer, as on Linux). SimKernel is built as its own module, then
# Sources/PCIe/*.swift and Fuzz/TLPDecoderFuzz.swift into one instrumented executable.
set -eu
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/corpus"
cp Fuzz/seeds/*.bin "$out/corpus/"
flags="-O -g -sanitize=fuzzer,address -parse-as-library"
swiftc $flags -module-name SimKernel -emit-module -emit-module-path "$out/SimKernel.swiftmodule" \
    -emit-library -static -o "$out/libSimKernel.a" Sources/SimKernel/*.swift
swiftc $flags -module-name PCIeFuzz -I "$out" -L "$out" -lSimKernel \
    Sources/PCIe/*.swift Fuzz/TLPDecoderFuzz.swift -o "$out/tlp-decoder-fuzz"
exec "$out/tlp-decoder-fuzz" "$out/corpus" "$@"
