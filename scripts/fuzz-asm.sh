#!/bin/sh
# Builds the libFuzzer target for the assembler and linker and runs it.
#   scripts/fuzz-asm.sh [libFuzzer options...]     e.g. -runs=10000000
# The binary and corpus go to .build-fuzz/ (ignored by git). Needs only the Swift toolchain
# (swiftc with -sanitize=fuzzer, as on Linux). ELF and LM32 are built as their own modules
# (LM32 without Core.swift and Trace.swift, the functional core the assembler does not use,
# which would bring in SimBus and SimKernel), then Sources/LM32Asm/*.swift and
# Fuzz/AssemblerFuzz.swift into one instrumented executable (docs/fuzzing.md).
set -eu
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/corpus-asm"
# seeds: the repository's own small programs and error cases, plus Fuzz/seeds-asm/
for f in Fuzz/seeds-asm/*.S bench/loop.S bench/fastforward/idle.S Sources/SoC/Firmware/hello.S \
         Tests/LM32AsmTests/Corpus/asm/macro_recursion.S Tests/LM32AsmTests/Corpus/asm/symbol_loop.S; do
    cp "$f" "$out/corpus-asm/$(echo "$f" | tr / -)"
done
flags="-O -g -sanitize=fuzzer,address -parse-as-library"
swiftc $flags -module-name ELF -emit-module -emit-module-path "$out/ELF.swiftmodule" \
    -emit-library -static -o "$out/libELF.a" Sources/ELF/*.swift
swiftc $flags -module-name LM32 -emit-module -emit-module-path "$out/LM32.swiftmodule" \
    -emit-library -static -o "$out/libLM32.a" \
    $(ls Sources/LM32/*.swift | grep -v -e /Core.swift -e /Trace.swift)
swiftc $flags -module-name LM32AsmFuzz -I "$out" -L "$out" -lELF -lLM32 \
    Sources/LM32Asm/*.swift Fuzz/AssemblerFuzz.swift -o "$out/assembler-fuzz"
exec "$out/assembler-fuzz" "$out/corpus-asm" "$@"
