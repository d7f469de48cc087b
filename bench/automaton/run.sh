#!/bin/sh
# Release build of Automaton and of bench/automaton/main.swift, then run it.
#   bench/automaton/run.sh [STEPS] [REPEATS]
set -e
cd "$(dirname "$0")/../.."
B=${AUTOMATON_BENCH_BUILD:-/tmp/automaton-bench}
swift build -c release --build-path "$B" --target Automaton >/dev/null
R="$B/release"
swiftc -O -wmo -I "$R/Modules" bench/automaton/main.swift \
    "$R"/Automaton.build/*.o "$R"/SimKernel.build/*.o \
    -o "$B/automaton-bench"
"$B/automaton-bench" "$@"
