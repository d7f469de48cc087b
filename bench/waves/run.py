# Model with VCD vs Verilator with its own trace, same program, same run (BENCHMARKS.md, "Waves").
# Usage: swift build -c release && RTL/build.sh && python3 bench/waves/run.py [CYCLES [REPEATS]]
# The cases run round-robin, REPEATS rounds (default 5), and each keeps its least CPU time
# (user + system of the process), so that both sides see the same machine conditions.
import subprocess, resource, sys, os
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
cases=[("model, no VCD (--cycle)",["--cycle"],None),
       ("model, VCD of every signal it has (216 names, 99 ids)",["--vcd",OUT],OUT),
       ("model, VCD of CPU and buses (--vcd-scope, 31 signals)",["--vcd",OUT,"--vcd-scope",cpu_bus],OUT),
       ("Verilator RTL, no trace (--rtl)",["--rtl"],None),
       ("Verilator RTL, its own VCD (--rtl --vcd, all 867 vars)",["--rtl","--vcd",OUT],OUT)]
best=[1e9]*len(cases); size=[0]*len(cases)
for r in range(REPEATS):
    for i,(name,args,f) in enumerate(cases):
        r0=resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([B,"run",PROG,"--profile","testbench-nocache","--max-cycles",N]+args,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        r1=resource.getrusage(resource.RUSAGE_CHILDREN)
        best[i]=min(best[i],(r1.ru_utime-r0.ru_utime)+(r1.ru_stime-r0.ru_stime))
        if f: size[i]=os.path.getsize(f); os.unlink(f)
rates=[int(N)/b/1e6 for b in best]
for i,(name,args,f) in enumerate(cases):
    print(f"| {name} | {best[i]:.2f} | {rates[i]:.2f} | {size[i]/int(N):.0f} |", flush=True)
print(f"model with the VCD of CPU and buses / Verilator with its trace: {rates[2]:.2f} / {rates[4]:.2f} = {rates[2]/rates[4]:.1f}x")
