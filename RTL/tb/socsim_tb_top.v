// SoCSim LM32 test-bench top (written for SoCSim; not derived from the
// upstream tb_lm32_system.v). Verilated into one shared library per profile by
// RTL/build.sh; the per-profile CPU options come from the lm32_config.v that the
// script writes next to the build. See docs/rtl.md for the port contract.
//
// Contents:
//   * lm32_top (the LM32 of pythondata-cpu-lm32 0.0.post199)
//   * a 64 KiB Wishbone RAM shared by the instruction and data ports:
//     big-endian byte lanes, reads wrap every 64 KiB (address bits 15:2),
//     writes only when address[31:16] == 0
//   * wait states per bus: a beat is acknowledged in the (wait+1)-th cycle in
//     which CYC & STB is high, counting from the first such cycle or from the
//     cycle after the previous beat's ACK. wait = 0 acknowledges
//     combinationally in the first cycle.
//   * an optional bus-error window per bus: a beat whose address lies in
//     [lo, hi] (inclusive, enable bit set) gets ERR instead of ACK, in the cycle
//     ACK would have come; an errored write does not change memory and is not
//     seen by the test device
//   * the unit-test device (data-bus writes, decoded in the ACK cycle):
//     0xFFFF0000 end, 0xFFFF0004 pass (0) / fail (non-zero), 0xFFFF0008 test
//     name address; 0xFF000000 character port; 0xDEAD0000 <- 0x0000BEEF end
//   * observation outputs (stage PCs, valid bits, retiring instruction word,
//     register-file write port, exception at W, interrupt CSRs, cycle counter)
//
// Timing convention: every output describes the current cycle, i.e. the
// values that the next rising edge of clk acts on.

`include "lm32_include.v"

module socsim_tb_top (
    input  wire        clk,
    input  wire        rst,

    // stimulus
    input  wire [31:0] irq,       // interrupt lines
    input  wire        ext_break,
    input  wire [7:0]  i_wait,
    input  wire [7:0]  d_wait,
    input  wire        i_err_en,
    input  wire [31:0] i_err_lo,
    input  wire [31:0] i_err_hi,
    input  wire        d_err_en,
    input  wire [31:0] d_err_lo,
    input  wire [31:0] d_err_hi,

    // instruction Wishbone port as seen on the bus
    output wire [31:0] i_adr,
    output wire [31:0] i_dat_w,
    output wire [31:0] i_dat_r,
    output wire [3:0]  i_sel,
    output wire [2:0]  i_cti,
    output wire [1:0]  i_bte,
    output wire        i_cyc,
    output wire        i_stb,
    output wire        i_we,
    output wire        i_ack,
    output wire        i_err,

    // data Wishbone port as seen on the bus
    output wire [31:0] d_adr,
    output wire [31:0] d_dat_w,
    output wire [31:0] d_dat_r,
    output wire [3:0]  d_sel,
    output wire [2:0]  d_cti,
    output wire [1:0]  d_bte,
    output wire        d_cyc,
    output wire        d_stb,
    output wire        d_we,
    output wire        d_ack,
    output wire        d_err,

    // pipeline (byte addresses)
    output wire [31:0] pc_f,
    output wire [31:0] pc_d,
    output wire [31:0] pc_x,
    output wire [31:0] pc_m,
    output wire [31:0] pc_w,
    output wire [4:0]  valid,     // {w, m, x, d, f}
    output wire [4:0]  stall,     // {m, x, d, f, a}
    output wire [4:0]  kill,      // {w, m, x, d, f}
    output wire        retire,    // valid_w & ~kill_w: the instruction in W completes at the next edge
    output reg  [31:0] insn_w,    // its instruction word
    output wire        rf_we,     // register-file write port (written at the next edge)
    output wire [4:0]  rf_idx,
    output wire [31:0] rf_data,
    output wire [1:0]  exc_w,     // exception taken by the instruction in W: bit 0 non-debug, bit 1 debug
    output reg  [2:0]  eid_w,     // its exception ID
    output wire        ie,
    output wire        eie,
    output wire        bie,
    output wire [31:0] ip,
    output wire [31:0] im,
    output wire [31:0] cc,

    // test device, decoded combinationally from the data bus (valid in the ACK cycle)
    output wire        tdev_end,      // write to 0xFFFF0000, or 0xBEEF to 0xDEAD0000
    output wire        tdev_result,   // write to 0xFFFF0004 (tdev_data = 0: pass)
    output wire        tdev_name,     // write to 0xFFFF0008 (tdev_data = address of the name)
    output wire        tdev_char,     // write to 0xFF000000 (tdev_data[7:0] = character)
    output wire [31:0] tdev_data
);

// ---------------------------------------------------------------- the CPU
wire [31:0] i_dat_o_cpu;

lm32_top lm32 (
    .clk_i      (clk),
    .rst_i      (rst),
    .interrupt  (irq),
    .ext_break  (ext_break),

    .I_DAT_I    (i_dat_r),
    .I_ACK_I    (i_ack),
    .I_ERR_I    (i_err),
    .I_RTY_I    (1'b0),
    .I_DAT_O    (i_dat_w),
    .I_ADR_O    (i_adr),
    .I_CYC_O    (i_cyc),
    .I_SEL_O    (i_sel),
    .I_STB_O    (i_stb),
    .I_WE_O     (i_we),
    .I_CTI_O    (i_cti),
    .I_LOCK_O   (),
    .I_BTE_O    (i_bte),

    .D_DAT_I    (d_dat_r),
    .D_ACK_I    (d_ack),
    .D_ERR_I    (d_err),
    .D_RTY_I    (1'b0),
    .D_DAT_O    (d_dat_w),
    .D_ADR_O    (d_adr),
    .D_CYC_O    (d_cyc),
    .D_SEL_O    (d_sel),
    .D_STB_O    (d_stb),
    .D_WE_O     (d_we),
    .D_CTI_O    (d_cti),
    .D_LOCK_O   (),
    .D_BTE_O    (d_bte)
);

// ---------------------------------------------------------------- RAM
// 16 Ki words; word k holds bytes 4k..4k+3 with byte 4k in bits 31:24.
// Not marked public: that would stop Verilator from inlining this module and
// cost speed. The bridge reaches the array as rootp->socsim_tb_top__DOT__mem.
reg [31:0] mem [0:16383];

assign i_dat_r = mem[i_adr[15:2]];
assign d_dat_r = mem[d_adr[15:2]];

// ---------------------------------------------------------------- wait states
// cnt counts the cycles the current beat has been waiting.
reg [7:0] i_cnt;
reg [7:0] d_cnt;

wire i_req = i_cyc & i_stb;
wire d_req = d_cyc & d_stb;
wire i_done = i_req & (i_cnt == i_wait);
wire d_done = d_req & (d_cnt == d_wait);

wire i_in_err = i_err_en & (i_adr >= i_err_lo) & (i_adr <= i_err_hi);
wire d_in_err = d_err_en & (d_adr >= d_err_lo) & (d_adr <= d_err_hi);

assign i_ack = i_done & ~i_in_err;
assign i_err = i_done &  i_in_err;
assign d_ack = d_done & ~d_in_err;
assign d_err = d_done &  d_in_err;

always @(posedge clk) begin
    if (rst) begin
        i_cnt <= 8'd0;
        d_cnt <= 8'd0;
    end else begin
        i_cnt <= (i_req & ~i_done) ? i_cnt + 8'd1 : 8'd0;
        d_cnt <= (d_req & ~d_done) ? d_cnt + 8'd1 : 8'd0;
    end
end

// data writes land at the edge that ends the acknowledged beat
wire d_write = d_ack & d_we & (d_adr[31:16] == 16'h0000);
always @(posedge clk) begin
    if (d_write) begin
        if (d_sel[3]) mem[d_adr[15:2]][31:24] <= d_dat_w[31:24];
        if (d_sel[2]) mem[d_adr[15:2]][23:16] <= d_dat_w[23:16];
        if (d_sel[1]) mem[d_adr[15:2]][15:8]  <= d_dat_w[15:8];
        if (d_sel[0]) mem[d_adr[15:2]][7:0]   <= d_dat_w[7:0];
    end
end

// ---------------------------------------------------------------- test device
wire d_wr_ack = d_ack & d_we;
assign tdev_end    = d_wr_ack & ((d_adr == 32'hFFFF0000) |
                                 ((d_adr == 32'hDEAD0000) & (d_dat_w == 32'h0000BEEF)));
assign tdev_result = d_wr_ack & (d_adr == 32'hFFFF0004);
assign tdev_name   = d_wr_ack & (d_adr == 32'hFFFF0008);
assign tdev_char   = d_wr_ack & (d_adr == 32'hFF000000);
assign tdev_data   = d_dat_w;

// ---------------------------------------------------------------- observation
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
assign cc  = lm32.cpu.cc;

// The instruction word follows the instruction down the pipeline with the
// same enables as pc_x / pc_m / pc_w in lm32_instruction_unit.v, and the
// exception ID with those of eid_m / eid_w in lm32_cpu.v (which exist there
// only with CFG_TRACE_ENABLED).
reg [31:0] insn_x;
reg [31:0] insn_m;
reg [2:0]  eid_m;
always @(posedge clk) begin
    if (rst) begin
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

endmodule
