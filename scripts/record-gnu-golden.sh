#!/usr/bin/env bash
# Records what GNU binutils (lm32-elf) places in memory for each of the 62
# non-MMU upstream unit tests, as section name, address, size and an FNV-1a
# 64-bit hash of the contents, into Tests/LM32AsmTests/GNUGolden/unittests.txt.
# GNUGoldenTests compares our assembler and linker with this file.
#
# Usage: scripts/record-gnu-golden.sh BINUTILS_PREFIX
#   BINUTILS_PREFIX/bin must hold lm32-elf-as, lm32-elf-ld, lm32-elf-objdump,
#   lm32-elf-objcopy. One way to get them on Debian (about 10 minutes):
#     apt-get install -y binutils-source flex bison texinfo
#     tar xf /usr/src/binutils/binutils-*.tar.xz && mkdir build && cd build
#     ../binutils-*/configure --target=lm32-elf --prefix=$PREFIX --disable-nls \
#       --disable-werror --disable-gdb --disable-sim --disable-gprof --disable-gprofng
#     make -j2 all-gas all-ld all-binutils && make install-gas install-ld install-binutils
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: $0 BINUTILS_PREFIX}
bin="$prefix/bin/lm32-elf"
dir=$(.venv/bin/python -c 'import pythondata_cpu_lm32 as p; print(p.data_location)')/test/unittests
out=Tests/LM32AsmTests/GNUGolden/unittests.txt
dis=Tests/LM32AsmTests/GNUGolden/objdump.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin-as" -I "$dir" -o "$work/crt.o" "$dir/crt.S"
fnv() { python3 -c 'import sys
h=0xcbf29ce484222325
for b in open(sys.argv[1],"rb").read():
    h^=b; h=(h*0x100000001b3)&0xffffffffffffffff
print("%016x"%h)' "$1"; }
{
    echo "# GNU binutils $("$bin-as" --version | head -1 | sed 's/.* //') (lm32-elf): crt.S + test, linked with the unit tests' linker.ld."
    echo "# test | section | address | size | fnv1a64 of the contents. Recorded by scripts/record-gnu-golden.sh."
    for src in "$dir"/test_*.S; do
        name=$(basename "$src")
        [ "$name" = test_mmu.S ] && continue
        "$bin-as" -I "$dir" -o "$work/t.o" "$src"
        "$bin-ld" -T "$dir/linker.ld" -o "$work/t.elf" "$work/crt.o" "$work/t.o"
        # sections with contents that are loaded
        "$bin-objdump" -h "$work/t.elf" | awk '/^ *[0-9]+ /{name=$2; size=$3; vma=$4; getline; if ($0 ~ /CONTENTS/ && $0 ~ /LOAD/ && size !~ /^0+$/) print name, vma, size}' |
        while read -r sec vma size; do
            "$bin-objcopy" -O binary --only-section="$sec" "$work/t.elf" "$work/sec.bin"
            hash=$(fnv "$work/sec.bin")
            echo "$name | $sec | 0x$vma | 0x$size | $hash"
        done
    done
} > "$out"
echo "wrote $out ($(grep -vc '^#' "$out") sections)"

# objdump -d of the same executables: the instruction lines (address, bytes,
# disassembly; trailing blanks removed), counted and hashed.
{
    echo "# GNU objdump $("$bin-objdump" --version | head -1 | sed 's/.* //') -d: crt.S + test linked with linker.ld."
    echo "# test | instruction lines | fnv1a64 of those lines (each ending in a newline). Recorded by scripts/record-gnu-golden.sh."
    for src in "$dir"/test_*.S; do
        name=$(basename "$src")
        [ "$name" = test_mmu.S ] && continue
        "$bin-as" -I "$dir" -o "$work/t.o" "$src"
        "$bin-ld" -T "$dir/linker.ld" -o "$work/t.elf" "$work/crt.o" "$work/t.o"
        "$bin-objdump" -d "$work/t.elf" | grep -E '^ +[0-9a-f]+:' | sed 's/[[:space:]]*$//' > "$work/d.txt"
        echo "$name | $(wc -l < "$work/d.txt") | $(fnv "$work/d.txt")"
    done
} > "$dis"
echo "wrote $dis"
