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

`include "socsim_cpu_ports.vh"

    // test device, decoded combinationally from the data bus (valid in the ACK cycle)
    output wire        tdev_end,      // write to 0xFFFF0000, or 0xBEEF to 0xDEAD0000
    output wire        tdev_result,   // write to 0xFFFF0004 (tdev_data = 0: pass)
    output wire        tdev_name,     // write to 0xFFFF0008 (tdev_data = address of the name)
    output wire        tdev_char,     // write to 0xFF000000 (tdev_data[7:0] = character)
    output wire [31:0] tdev_data
);

// ---------------------------------------------------------------- the CPU
wire [31:0] i_dat_o_cpu;

`define SOCSIM_CPU_RST rst
`define SOCSIM_CPU_IRQ irq
`include "socsim_cpu.vh"

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
`include "socsim_cpu_obs.vh"
`undef SOCSIM_CPU_RST
`undef SOCSIM_CPU_IRQ

endmodule
