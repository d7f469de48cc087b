#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need
# (Verilator, GTKWave, zlib1g-dev, Icarus Verilog, slurm-wlm, munge and chromium from
# Debian, the LM32 RTL, cocotb and cocotbext-pcie from PyPI into .venv), builds the
# RTL libraries, runs `swift test`, then a sweep plan as a job array on a one-node
# Slurm it starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v verilator >/dev/null 2>&1 || missing+=(verilator)
command -v vcd2fst >/dev/null 2>&1 || missing+=(gtkwave)
command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || missing+=(munge)
# headless Chromium renders the attestation report (Tests/AttestationTests/ReportRenderTests)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# zlib's header: RTL/build.sh compiles Verilator's FST writer (for --fst) against it
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
# Icarus Verilog: the simulator cocotbext-pcie's root complex drives the RTL endpoint in
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Pinned versions; pip does nothing (and needs no network) when they are there.
# pythondata-cpu-lm32: the LM32 RTL and its unit tests, read in place.
# pyvcd: the PyPI VCD reader the wave tests check our reader against (Tests/WavesTests).
# html5lib: the HTML5 parser the attestation report must pass (Tests/AttestationTests).
# cocotb, cocotbext-pcie: an independent PCIe root complex driving the RTL endpoint
#   under Icarus (RTL/cocotb, run by Tests/PCIeTests/RTLEndpointTests); cocotbext-axi
#   is cocotbext-pcie's dependency for host memory, pinned with it.
.venv/bin/pip install --disable-pip-version-check -q pythondata-cpu-lm32==0.0.post199 pyvcd==0.5.1 html5lib==1.1 \
    cocotb==2.1.0 cocotbext-pcie==0.2.16 cocotbext-axi==0.1.28

if [ -x RTL/build.sh ]; then
    RTL/build.sh
fi
# The automaton coprocessor's RTL alone, for Tests/SoCTests/CoprocessorRTLTests.
if [ -x RTL/automaton/build.sh ]; then
    RTL/automaton/build.sh
fi

swift test "$@"

# A small sweep plan as a 3-task Slurm job array and its merge step, on a
# one-node Slurm started and stopped here: the merged records must equal a
# local run of the plan byte for byte (docs/attestation.md, "Sweeps").
scripts/slurm/one-node-test.sh
