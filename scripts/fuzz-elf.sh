#!/bin/sh
# Builds the libFuzzer target for the ELF reader and runs it.
#   scripts/fuzz-elf.sh [libFuzzer options...]     e.g. -runs=10000000
# The binary and corpus go to .build-fuzz/ (ignored by git). Needs only the Swift toolchain
# (swiftc with -sanitize=fuzzer, as on Linux): Sources/ELF/*.swift (no dependencies) and
# Fuzz/ELFReaderFuzz.swift into one instrumented executable (docs/fuzzing.md).
set -eu
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/corpus-elf"
cp Fuzz/seeds-elf/*.elf "$out/corpus-elf/"
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name ELFFuzz \
    Sources/ELF/*.swift Fuzz/ELFReaderFuzz.swift -o "$out/elf-reader-fuzz"
exec "$out/elf-reader-fuzz" "$out/corpus-elf" "$@"
