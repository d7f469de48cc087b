# Model with VCD vs Verilator with its own trace, same program, same run (BENCHMARKS.md, "Waves").
# Usage: swift build -c release && RTL/build.sh && python3 bench/waves/run.py [CYCLES [REPEATS [soc]]]
# With "soc": the milkymist SoC's timer firmware, every signal on both sides.
# The cases run round-robin, REPEATS rounds (default 5); each keeps its least
# wall time and its least CPU time (user + system of the process), so that
# both sides see the same machine conditions. The model's VCD is formatted on
# a thread of its own unless --no-vcd-thread (the same bytes); Verilator
# writes its trace on its simulation thread.
import subprocess, resource, sys, os, time
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B=os.environ.get("SOCSIM", os.path.join(ROOT, ".build/release/socsim"))
PROG=os.path.join(ROOT, "bench/waves/loop.S")
OUT=os.path.join(ROOT, "Waves/out/bench.vcd")
os.makedirs(os.path.dirname(OUT), exist_ok=True)
N=sys.argv[1] if len(sys.argv)>1 else "1000000"
REPEATS=int(sys.argv[2]) if len(sys.argv)>2 else 5
tb="TOP.socsim_tb_top"
cpu_bus=",".join([f"{tb}.{s}" for s in "pc_f pc_d pc_x pc_m pc_w insn_w retire rf_we rf_idx rf_data clk".split()] +
                 [f"{tb}.lm32.{p}_{s}" for p in "ID" for s in "ADR_O DAT_O DAT_I CYC_O STB_O WE_O SEL_O CTI_O ACK_I ERR_I".split()])
SOC=len(sys.argv)>3 and sys.argv[3]=="soc"
RUN=["--soc","milkymist","--firmware","timer"] if SOC else [PROG,"--profile","testbench-nocache"]
if SOC:   # every signal on both sides (the model's socsim_soc_top names; Verilator's whole hierarchy)
    cases=[("model, no VCD (--cycle)",["--cycle"],None),
           ("model, VCD of every signal it has, one thread (--no-vcd-thread)",["--vcd",OUT,"--no-vcd-thread"],OUT),
           ("model, VCD of every signal it has",["--vcd",OUT],OUT),
           ("Verilator SoC, no trace (--rtl)",["--rtl"],None),
           ("Verilator SoC, its own VCD (--rtl --vcd)",["--rtl","--vcd",OUT],OUT)]
else:
    cases=[("model, no VCD (--cycle)",["--cycle"],None),
           ("model, VCD of every signal it has (216 names, 99 ids)",["--vcd",OUT],OUT),
           ("model, VCD of CPU and buses (--vcd-scope, 31 signals), one thread (--no-vcd-thread)",["--vcd",OUT,"--vcd-scope",cpu_bus,"--no-vcd-thread"],OUT),
           ("model, VCD of CPU and buses (--vcd-scope, 31 signals)",["--vcd",OUT,"--vcd-scope",cpu_bus],OUT),
           ("Verilator RTL, no trace (--rtl)",["--rtl"],None),
           ("Verilator RTL, its own VCD (--rtl --vcd, all 867 vars)",["--rtl","--vcd",OUT],OUT)]
one,two,ver=(1,2,4) if SOC else (2,3,5)
cpu=[1e9]*len(cases); wall=[1e9]*len(cases); size=[0]*len(cases)
for r in range(REPEATS):
    for i,(name,args,f) in enumerate(cases):
        r0=resource.getrusage(resource.RUSAGE_CHILDREN); w0=time.monotonic()
        subprocess.run([B,"run"]+RUN+["--max-cycles",N]+args,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        w1=time.monotonic(); r1=resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[i]=min(cpu[i],(r1.ru_utime-r0.ru_utime)+(r1.ru_stime-r0.ru_stime))
        wall[i]=min(wall[i],w1-w0)
        if f: size[i]=os.path.getsize(f); os.unlink(f)
n=int(N)
print("| run | wall s | Mcycles/s (wall) | CPU s | Mcycles/s (CPU) | VCD bytes/cycle |")
print("|---|---|---|---|---|---|")
for i,(name,args,f) in enumerate(cases):
    print(f"| {name} | {wall[i]:.2f} | {n/wall[i]/1e6:.2f} | {cpu[i]:.2f} | {n/cpu[i]/1e6:.2f} | {size[i]/n:.0f} |", flush=True)
print(f"model with its VCD ({'every signal' if SOC else 'CPU and buses'}) / Verilator with its trace, wall time: {wall[ver]/wall[two]:.1f}x "
      f"(one thread: {wall[ver]/wall[one]:.1f}x); CPU time: {cpu[ver]/cpu[two]:.1f}x (one thread: {cpu[ver]/cpu[one]:.1f}x)")
