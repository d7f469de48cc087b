// SoCSim: the observation outputs of socsim_cpu_ports.vh, taken from inside
// the LM32 (included at the end of socsim_tb_top and socsim_soc_top, after
// socsim_cpu.vh, with SOCSIM_CPU_RST defined). CC reads 0 without the cycle
// counter.
assign pc_f = {lm32.cpu.instruction_unit.pc_f, 2'b00};
assign pc_d = {lm32.cpu.instruction_unit.pc_d, 2'b00};
assign pc_x = {lm32.cpu.instruction_unit.pc_x, 2'b00};
assign pc_m = {lm32.cpu.instruction_unit.pc_m, 2'b00};
assign pc_w = {lm32.cpu.instruction_unit.pc_w, 2'b00};
assign valid = {lm32.cpu.valid_w, lm32.cpu.valid_m, lm32.cpu.valid_x,
                lm32.cpu.valid_d, lm32.cpu.valid_f};
assign stall = {lm32.cpu.stall_m, lm32.cpu.stall_x, lm32.cpu.stall_d,
                lm32.cpu.stall_f, lm32.cpu.stall_a};
assign kill  = {lm32.cpu.kill_w, lm32.cpu.kill_m, lm32.cpu.kill_x,
                lm32.cpu.kill_d, lm32.cpu.kill_f};
assign retire  = lm32.cpu.valid_w & ~lm32.cpu.kill_w;
assign rf_we   = lm32.cpu.reg_write_enable_q_w;
assign rf_idx  = lm32.cpu.write_idx_w;
assign rf_data = lm32.cpu.w_result;
assign exc_w   = {lm32.cpu.debug_exception_q_w, lm32.cpu.non_debug_exception_q_w};
assign ie  = lm32.cpu.interrupt_unit.ie;
assign eie = lm32.cpu.interrupt_unit.eie;
assign bie = lm32.cpu.interrupt_unit.bie;
assign ip  = lm32.cpu.interrupt_unit.ip;
assign im  = lm32.cpu.interrupt_unit.im;
`ifdef CFG_CYCLE_COUNTER_ENABLED
assign cc  = lm32.cpu.cc;
`else
assign cc  = 32'd0;
`endif

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

