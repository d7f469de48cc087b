# The cycle-exact milkymist SoC model against the verilated SoC, same programs,
# same run (BENCHMARKS.md, "Cycle-exact LM32 on the milkymist SoC").
# Usage: swift build -c release --product socsim && RTL/build.sh milkymist && python3 bench/milkymist/compare.py
# Each side times only its run loop (socsim --stats; the C++ driver's CPU time),
# best of 3; both run exactly the same number of cycles from reset.
import os, re, subprocess, sys, tempfile
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S = os.environ.get("SOCSIM", os.path.join(ROOT, ".build/release/socsim"))
DRIVER = os.path.join(ROOT, "RTL/build/milkymist/socsim_rtl_driver")
FW = os.path.join(ROOT, "Sources/SoC/Firmware")
tmp = tempfile.mkdtemp(prefix="socsim-bench-")
with open(os.path.join(tmp, "soc.inc"), "w") as f:
    f.write(subprocess.run([S, "header", "--asm"], check=True, capture_output=True, text=True).stdout)

def image(name, main):
    out = os.path.join(tmp, name + ".bin")
    subprocess.run([S, "asm", os.path.join(FW, "boot.S"), main, "-I", tmp, "--format", "bin", "-o", out], check=True)
    return out

def model(binary, cycles):
    r = subprocess.run([S, "run", "--soc", "milkymist", "--cycle", binary, "--max-cycles", str(cycles), "--stats"],
                       capture_output=True, text=True)
    m = re.search(r"socsim: (\d+) cycles.* ([0-9.]+) million cycles/s", r.stderr)
    return int(m.group(1)), float(m.group(2))

def rtl(binary, cycles):
    r = subprocess.run([DRIVER, "image", binary, str(cycles)], capture_output=True, text=True, check=True)
    m = re.search(r"cycles=(\d+) .* ([0-9.]+) Mcycles/s", r.stdout)
    return int(m.group(1)), float(m.group(2))

cases = [("timer-interrupt firmware (to its halt)", image("timer", os.path.join(FW, "timer_ticks.S")), 452147),
         ("CPU-bound loop (bench/milkymist/loop.S)", image("loop", os.path.join(ROOT, "bench/milkymist/loop.S")),
          int(sys.argv[1]) if len(sys.argv) > 1 else 20000000)]
print("| workload | cycles | model Mcycles/s | Verilator Mcycles/s | ratio |")
print("|---|---|---|---|---|")
for name, binary, cycles in cases:
    mc, mr = zip(*[model(binary, cycles) for _ in range(3)])
    rc, rr = zip(*[rtl(binary, cycles) for _ in range(3)])
    assert mc[0] == rc[0] == cycles, (mc, rc, cycles)
    print(f"| {name} | {cycles:,} | {max(mr):.2f} | {max(rr):.2f} | {max(mr) / max(rr):.2f} |", flush=True)
