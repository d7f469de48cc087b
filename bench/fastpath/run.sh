#!/bin/bash
# The cycle model against the fastest Verilator build of the same RTL, same
# program, same cycles, in one run: prints both rates (simulated Mcycles/s,
# CPU time of the thread, best of REPEATS runs, the two sides alternating) and
# the ratio, and checks that both ended in the same cycle with the same stage
# PCs.
#   bench/fastpath/run.sh [CYCLES] [REPEATS]
# Workloads: bench/loop.S on testbench-nocache and testbench-cache,
# bench/fastpath/compiled.S on both, bench/milkymist/loop.S on the SoC.
# Needs `RTL/build.sh --speed` (built here when missing); BENCHMARKS.md,
# "Instruction-level fast path".
set -e
cd "$(dirname "$0")/../.."
CYCLES=${1:-20000000}
REPEATS=${2:-3}
B=${FASTPATH_BENCH_BUILD:-.build}
swift build -c release --build-path "$B" --product socsim >/dev/null
R="$B/release"
swiftc -O -wmo -I "$R/Modules" bench/fastpath/main.swift \
    "$R"/LM32Cycle.build/*.o "$R"/LM32.build/*.o "$R"/SimBus.build/*.o "$R"/SimKernel.build/*.o \
    "$R"/SoCCycle.build/*.o "$R"/SoC.build/*.o "$R"/LM32Asm.build/*.o "$R"/ELF.build/*.o \
    "$R"/Automaton.build/*.o "$R"/PCIe.build/*.o "$R"/HeapModule.build/*.o "$R"/InternalCollectionsUtilities.build/*.o \
    -o "$B/fastpath-bench"
RTL/build.sh --speed testbench-nocache testbench-cache milkymist >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
S="$R/socsim"
"$S" asm bench/loop.S -o "$T/loop.bin"
"$S" asm bench/fastpath/compiled.S -o "$T/compiled.bin"
"$S" header --asm > "$T/soc.inc"
# the SoC's system and PCIe user clock periods (ps), for the Verilator driver
read -r SYS_PS USER_PS < <("$S" map | sed -nE 's/.*clock sys_clk .*\(period ([0-9]+) ps\).*/\1/p; s/^Clock domain pcie_user_clk .*\(period ([0-9]+) ps\).*/\1/p' | paste -sd' ')
[ -n "${USER_PS:-}" ] || { echo "error: no clock periods in socsim map" >&2; exit 1; }
"$S" asm Sources/SoC/Firmware/boot.S bench/milkymist/loop.S -I "$T" -o "$T/soc-loop.bin"
max() { if [ "$(echo "$2 > $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
printf '| workload | profile | cycles | model Mcycles/s | Verilator Mcycles/s | ratio |\n|---|---|---|---|---|---|\n'
for w in "loop.S:testbench-nocache:loop" "loop.S:testbench-cache:loop" \
         "compiled.S:testbench-nocache:compiled" "compiled.S:testbench-cache:compiled" \
         "milkymist/loop.S:milkymist:soc-loop"; do
    IFS=: read -r name profile bin <<<"$w"
    clocks=(); [ "$profile" = milkymist ] && clocks=("$SYS_PS" "$USER_PS")
    # the two sides alternate, one run each, so that both see the same
    # load on a shared machine; each keeps its best rate
    mr=0; vr=0
    for _ in $(seq "$REPEATS"); do
        m=$("$B/fastpath-bench" "$profile" "$T/$bin.bin" "$CYCLES" 1)
        v=$(RTL/build/speed/$profile/socsim_rtl_speed "$T/$bin.bin" "$CYCLES" 1 "${clocks[@]}")
        # the SoC has no cycle counter: compare the PCs only there
        mc=$(grep -o 'pc_f=.*' <<<"$m"); vc=$(grep -o 'pc_f=.*' <<<"$v")
        [ "$profile" = milkymist ] && { mc=${mc% cc=*}; vc=${vc% cc=*}; }
        [ "$mc" = "$vc" ] || { echo "error: $name $profile ended differently: model $mc, Verilator $vc" >&2; exit 1; }
        mr=$(max "$mr" "$(sed -E 's/.* ([0-9.]+) Mcycles.*/\1/' <<<"$m")")
        vr=$(max "$vr" "$(sed -E 's/.* ([0-9.]+) Mcycles.*/\1/' <<<"$v")")
    done
    printf '| %s | %s | %s | %s | %s | %.1f |\n' "$name" "$profile" "$CYCLES" "$mr" "$vr" "$(echo "$mr / $vr" | bc -l)"
done
