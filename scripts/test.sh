#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need
# (Verilator and GTKWave from Debian, the LM32 RTL from PyPI into .venv),
# builds the RTL libraries, then runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v verilator >/dev/null 2>&1 || missing+=(verilator)
command -v vcd2fst >/dev/null 2>&1 || missing+=(gtkwave)
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
.venv/bin/pip install --disable-pip-version-check -q pythondata-cpu-lm32==0.0.post199 pyvcd==0.5.1

if [ -x RTL/build.sh ]; then
    RTL/build.sh
fi
# The automaton coprocessor's RTL alone, for Tests/SoCTests/CoprocessorRTLTests.
if [ -x RTL/automaton/build.sh ]; then
    RTL/automaton/build.sh
fi

swift test "$@"
