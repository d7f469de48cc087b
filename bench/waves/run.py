# Model with VCD vs Verilator with its own trace, same program, same run (BENCHMARKS.md, "Waves").
# Usage: swift build -c release && RTL/build.sh && python3 bench/waves/run.py [CYCLES]
import subprocess, resource, sys, os
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B=os.environ.get("SOCSIM", os.path.join(ROOT, ".build/release/socsim"))
PROG=os.path.join(ROOT, "bench/waves/loop.S")
OUT=os.path.join(ROOT, "Waves/out/bench.vcd")
os.makedirs(os.path.dirname(OUT), exist_ok=True)
N=sys.argv[1] if len(sys.argv)>1 else "1000000"
tb="TOP.socsim_tb_top"
cpu_bus=",".join([f"{tb}.{s}" for s in "pc_f pc_d pc_x pc_m pc_w insn_w retire rf_we rf_idx rf_data clk".split()] +
                 [f"{tb}.lm32.{p}_{s}" for p in "ID" for s in "ADR_O DAT_O DAT_I CYC_O STB_O WE_O SEL_O CTI_O ACK_I ERR_I".split()])
cases=[("model, no VCD (--cycle)",["--cycle"],None),
       ("model, VCD of every signal it has (216 names, 99 ids)",["--vcd",OUT],OUT),
       ("model, VCD of CPU and buses (--vcd-scope, 31 signals)",["--vcd",OUT,"--vcd-scope",cpu_bus],OUT),
       ("Verilator RTL, no trace (--rtl)",["--rtl"],None),
       ("Verilator RTL, its own VCD (--rtl --vcd, all 867 vars)",["--rtl","--vcd",OUT],OUT)]
rates={}
for name,args,f in cases:
    best=1e9; size=0
    for i in range(3):
        r0=resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([B,"run",PROG,"--profile","testbench-nocache","--max-cycles",N]+args,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        r1=resource.getrusage(resource.RUSAGE_CHILDREN)
        t=(r1.ru_utime-r0.ru_utime)+(r1.ru_stime-r0.ru_stime)
        best=min(best,t)
        if f: size=os.path.getsize(f); os.unlink(f)
    rates[name]=int(N)/best/1e6
    print(f"| {name} | {best:.2f} | {rates[name]:.2f} | {size/int(N):.0f} |", flush=True)
model=rates[cases[2][0]]; rtl=rates[cases[4][0]]
print(f"model with the VCD of CPU and buses / Verilator with its trace: {model:.2f} / {rtl:.2f} = {model/rtl:.1f}x")
