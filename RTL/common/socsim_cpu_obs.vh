// SoCSim: the observation outputs of socsim_cpu_ports.vh, taken from inside
// the LM32 (included at the end of socsim_tb_top and socsim_soc_top, after
// socsim_cpu.vh, with SOCSIM_CPU_RST defined): the assignments generated from
// the observation schema (docs/observation.md), and the registers below.
`include "socsim_cpu_obs_assign.vh"

// The instruction word follows the instruction down the pipeline with the
// same enables as pc_x / pc_m / pc_w in lm32_instruction_unit.v, and the
// exception ID with those of eid_m / eid_w in lm32_cpu.v (which exist there
// only with CFG_TRACE_ENABLED).
reg [31:0] insn_x;
reg [31:0] insn_m;
reg [2:0]  eid_m;
always @(posedge clk) begin
    if (`SOCSIM_CPU_RST) begin
        insn_x <= 32'd0;
        insn_m <= 32'd0;
        insn_w <= 32'd0;
        eid_m  <= 3'd0;
        eid_w  <= 3'd0;
    end else begin
        if (~lm32.cpu.stall_x) insn_x <= lm32.cpu.instruction_d;
        if (~lm32.cpu.stall_m) begin
            insn_m <= insn_x;
            eid_m  <= lm32.cpu.eid_x;
        end
        insn_w <= insn_m;
        eid_w  <= eid_m;
    end
end

