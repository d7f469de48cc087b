#!/usr/bin/env bash
# Build the stand-alone test bench of the automaton coprocessor's RTL:
#   RTL/build/automaton/socsim_automaton_tb   (RTL/soc/socsim_automaton.v + RTL/automaton/tb.cpp)
# Rebuilt only when one of the two sources, this script or Verilator changed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/RTL/build/automaton"
command -v verilator >/dev/null || { echo "error: verilator not found (apt-get install verilator)" >&2; exit 2; }
SRC=("$REPO/RTL/soc/socsim_automaton.v" "$HERE/tb.cpp" "$HERE/build.sh")
STAMP="$( (cat "${SRC[@]}"; verilator --version) | sha256sum | cut -d' ' -f1)"
if [ -x "$OUT/socsim_automaton_tb" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then exit 0; fi
rm -rf "$OUT"
mkdir -p "$OUT"
verilator --cc --exe --build -Wall -O2 -j "${SOCSIM_RTL_JOBS:-2}" --top-module socsim_automaton \
    -Mdir "$OUT/obj" -o socsim_automaton_tb \
    "$REPO/RTL/soc/socsim_automaton.v" "$HERE/tb.cpp" >"$OUT/build.log" 2>&1 \
    || { cat "$OUT/build.log" >&2; exit 1; }
mv "$OUT/obj/socsim_automaton_tb" "$OUT/"
echo "$STAMP" >"$OUT/stamp"
