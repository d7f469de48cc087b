// SoCSim Milkymist-style SoC top (written for SoCSim; not derived from
// Milkymist). Verilated by RTL/build.sh (profile milkymist) into
// RTL/build/milkymist/libsocsim_rtl.so. It implements the "Cycle contract"
// of docs/soc.md, which the cycle-exact Swift model shares; the devices
// follow the Swift models in Sources/SoC/Milkymist/. See docs/rtl.md.
//
// Contents:
//   * lm32_top (the LM32 of pythondata-cpu-lm32 0.0.post199), profile milkymist
//   * one shared Wishbone bus, fixed-priority arbiter over the masters of
//     SoCDescription.masters (master 0 = D bus, master 1 = I bus, master 2 =
//     the coprocessor, master 3 = the PCIe endpoint's DMA engine; generated
//     into socsim_soc_arbiter.vh): the owner of
//     the previous cycle keeps the bus while it holds CYC (the coprocessor and
//     the DMA engine, yielding masters, only until the end of each beat), else the
//     lowest-numbered master asserting CYC gets it in the same cycle
//   * a beat is acknowledged in the N-th consecutive granted cycle with
//     CYC & STB (counted from the grant or from the cycle after the previous
//     ACK); N by region of the address with bit 31 ignored:
//       BRAM  64 KiB at 0x00000000            N = 2
//       SDRAM 16 MiB at 0x40000000            N = sdram_latency (>= 1)
//       CSR   64 KiB at 0x60000000            N = 4 (read), 2 (write)
//       anything else                         ERR in the 1st cycle
//   * the CSR bridge: bank = adr[15:12], register index = adr[11:2]; a read
//     returns the device register during the 2nd cycle of the beat (registered
//     at its end), a write is presented to the device during the 2nd cycle (the
//     ACK cycle) and lands at its ending edge; SEL is ignored
//   * UART (bank 0), sysctl (bank 1), the automaton coprocessor (bank 2,
//     socsim_automaton.v), the PCIe endpoint (bank 3, socsim_pcie_endpoint.v,
//     its user clock user_clk and TLP streams pcie_* as ports; its resets
//     pcie_rst and user_rst, not soc_rst: the link survives a system reset);
//     banks 4..15 read 0, ignore writes
//   * interrupt lines: 0 uart, 1 gpio, 2 timer0, 3 timer1, 4 coprocessor,
//     5 pcie, others 0
//   * system reset: a SYSTEM_ID write landing at the edge ending cycle w makes
//     the SoC reset high during w+1 (no beat is answered in that cycle);
//     memories keep their contents
//   * observation outputs identical to socsim_tb_top's (tdev_* are 0)
//
// Timing convention: every output describes the current cycle, i.e. the
// values that the next rising edge of clk acts on.

`include "lm32_include.v"

module socsim_soc_top (
    input  wire        clk,
    input  wire        rst,
    // the PCIe endpoint's user clock domain (SoCDescription.pcieUserClock) and its
    // reset, released by the harness before rst so that the host may enumerate
    input  wire        user_clk,
    input  wire        user_rst,
    input  wire        pcie_rst,      // the endpoint's system-domain reset (not soc_rst: the link survives a system reset)
    // the endpoint's TLP streams (docs/pcie-endpoint.md, "Stream format")
    input  wire [31:0] pcie_rx_data,
    input  wire        pcie_rx_sop,
    input  wire        pcie_rx_eop,
    input  wire        pcie_rx_valid,
    output wire        pcie_rx_ready,
    output wire [31:0] pcie_tx_data,
    output wire        pcie_tx_sop,
    output wire        pcie_tx_eop,
    output wire        pcie_tx_valid,
    input  wire        pcie_tx_ready,

    // stimulus
    input  wire        ext_break,
    input  wire [7:0]  sdram_latency, // cycles per SDRAM beat, >= 1 (0 behaves as 1)
    input  wire [7:0]  gpio_in,       // GPIO input pins
    input  wire        uart_rx,       // UART serial input (idle high)

    // SoC outputs
    output wire [7:0]  gpio_out,
    output wire        uart_tx,       // UART serial output
    output wire        uart_tx_wr,    // an RXTX write lands at this cycle's edge: a byte starts
    output wire [7:0]  uart_tx_data,  // its byte
    output wire        uart_thre,     // the transmitter is idle (STAT.THRE)
    output wire [31:0] irq,           // the CPU's interrupt input
    output wire        soc_rst,       // rst | the system reset of sysctl

    // the coprocessor, observed: its CSR port, its master as on the bus, its IRQ
    output wire        cop_irq,
    output wire        cop_csr_we,    // a CSR write to bank 2 lands at this cycle's edge
    output wire        cop_csr_re,    // a CSR read samples bank 2 in this cycle
    output wire [9:0]  cop_csr_adr,
    output wire [31:0] cop_csr_dat_w,
    output wire [31:0] cop_csr_dat_r,
    output wire        cop_cyc,
    output wire [31:0] cop_adr,
    output wire        cop_ack,
    output wire        cop_err,
    output wire [31:0] cop_dat_r,

    // the PCIe endpoint, observed: its IRQ and its DMA engine's master as on the bus
    output wire        pcie_irq,
    output wire        pcie_cyc,
    output wire [31:0] pcie_adr,
    output wire        pcie_we,
    output wire        pcie_ack,
    output wire        pcie_err,

`include "socsim_cpu_ports.vh"

    // test device of socsim_tb_top: absent here, always 0
    output wire        tdev_end,
    output wire        tdev_result,
    output wire        tdev_name,
    output wire        tdev_char,
    output wire [31:0] tdev_data
);

// ---------------------------------------------------------------- reset
reg sys_rst_q;                 // high during the cycle after a SYSTEM_ID write
assign soc_rst = rst | sys_rst_q;

// ---------------------------------------------------------------- the CPU
`define SOCSIM_CPU_RST soc_rst
`define SOCSIM_CPU_IRQ irq
`include "socsim_cpu.vh"

// ---------------------------------------------------------------- the coprocessor's master port
wire        c_cyc, c_stb, c_we, c_ack, c_err;
wire [31:0] c_adr, c_dat_r;
wire [3:0]  c_sel;
/* verilator lint_off UNUSEDSIGNAL */
wire [2:0]  c_cti;                  // single reads: always 000
/* verilator lint_on UNUSEDSIGNAL */
wire [31:0] c_dat_w = 32'd0;        // it only reads

// ---------------------------------------------------------------- the PCIe endpoint's DMA master port
wire        e_cyc, e_stb, e_we, e_ack, e_err;
wire [31:0] e_adr, e_dat_w, e_dat_r;
wire [3:0]  e_sel;
/* verilator lint_off UNUSEDSIGNAL */
wire [2:0]  e_cti;                  // single beats: always 000
wire [63:0] pcie_cycle;             // the endpoint's counter (observed through its registers)
/* verilator lint_on UNUSEDSIGNAL */

// ---------------------------------------------------------------- arbiter
// owner_v/owner_q, gnt, gnt_<master>, and the granted master's m_adr, m_dat_w,
// m_sel, m_we, m_req: generated from the SoC description's master list.
`include "socsim_soc_arbiter.vh"

// ---------------------------------------------------------------- decoding (bit 31 ignored)
wire sel_bram  = (m_adr[30:16] == 15'h0000);
wire sel_sdram = (m_adr[30:24] == 7'h40);
wire sel_csr   = (m_adr[30:16] == 15'h6000);
wire mapped    = sel_bram | sel_sdram | sel_csr;

wire [7:0] lat = (sdram_latency == 8'd0) ? 8'd1 : sdram_latency;
wire [7:0] n_cycles = sel_bram ? 8'd2 : sel_sdram ? lat : sel_csr ? (m_we ? 8'd2 : 8'd4) : 8'd1;

reg  [7:0] cnt;                 // cycles the current beat has been granted with CYC & STB
wire done  = m_req & (cnt == n_cycles - 8'd1);
wire b_ack = done & mapped;
wire b_err = done & ~mapped;

always @(posedge clk) begin
    if (soc_rst) begin
        owner_v <= 1'b0;
        owner_q <= 0;
        ended_q <= 1'b0;
        cnt     <= 8'd0;
    end else begin
        owner_v <= gnt_v;
        owner_q <= gnt;
        ended_q <= done;
        cnt     <= (m_req & ~done) ? cnt + 8'd1 : 8'd0;
    end
end

// ---------------------------------------------------------------- memories
// Word k holds bytes 4k..4k+3, byte 4k in bits 31:24 (big-endian lanes).
// Not public (that would stop inlining); the bridge reaches them as
// rootp->socsim_soc_top__DOT__bram / __DOT__sdram.
reg [31:0] bram  [0:16383];
reg [31:0] sdram [0:4194303];

wire [31:0] bram_q  = bram[m_adr[15:2]];
wire [31:0] sdram_q = sdram[m_adr[23:2]];

wire mem_write = b_ack & m_we;
always @(posedge clk) begin
    if (mem_write & sel_bram) begin
        if (m_sel[3]) bram[m_adr[15:2]][31:24] <= m_dat_w[31:24];
        if (m_sel[2]) bram[m_adr[15:2]][23:16] <= m_dat_w[23:16];
        if (m_sel[1]) bram[m_adr[15:2]][15:8]  <= m_dat_w[15:8];
        if (m_sel[0]) bram[m_adr[15:2]][7:0]   <= m_dat_w[7:0];
    end
    if (mem_write & sel_sdram) begin
        if (m_sel[3]) sdram[m_adr[23:2]][31:24] <= m_dat_w[31:24];
        if (m_sel[2]) sdram[m_adr[23:2]][23:16] <= m_dat_w[23:16];
        if (m_sel[1]) sdram[m_adr[23:2]][15:8]  <= m_dat_w[15:8];
        if (m_sel[0]) sdram[m_adr[23:2]][7:0]   <= m_dat_w[7:0];
    end
end

// ---------------------------------------------------------------- CSR bridge
// Cycle index 1 of a CSR beat (cnt == 1): a read samples the device there
// (registered at the end), a write is presented there (it is the ACK cycle).
wire        csr_cycle1 = m_req & sel_csr & (cnt == 8'd1);
wire [3:0]  csr_bank   = m_adr[15:12];
wire [9:0]  csr_idx    = m_adr[11:2];
wire        csr_we     = csr_cycle1 & m_we;
wire [31:0] uart_dat_r, sysctl_dat_r, cop_dat_r_w, pcie_dat_r;
reg  [31:0] csr_q;

always @(posedge clk) begin
    if (soc_rst)
        csr_q <= 32'd0;
    else if (csr_cycle1 & ~m_we)
        csr_q <= csr_bank == 4'd0 ? uart_dat_r : csr_bank == 4'd1 ? sysctl_dat_r
               : csr_bank == 4'd2 ? cop_dat_r_w : csr_bank == 4'd3 ? pcie_dat_r : 32'd0;
end

wire [31:0] b_dat_r = sel_bram ? bram_q : sel_sdram ? sdram_q : csr_q;

// ---------------------------------------------------------------- to the masters
`include "socsim_soc_responses.vh"

// ---------------------------------------------------------------- devices
wire uart_irq, gpio_irq, timer0_irq, timer1_irq, coprocessor_irq, pcie_irq_w, reset_request;

socsim_uart uart (
    .clk     (clk),
    .rst     (soc_rst),
    .we      (csr_we & (csr_bank == 4'd0)),
    .adr     (csr_idx),
    .dat_w   (m_dat_w),
    .dat_r   (uart_dat_r),
    .irq     (uart_irq),
    .rx      (uart_rx),
    .tx      (uart_tx),
    .tx_wr   (uart_tx_wr),
    .tx_data (uart_tx_data),
    .thre    (uart_thre)
);

// SYS_CLK_HZ: the description's system clock (generated)
`include "socsim_soc_clocks.vh"

socsim_sysctl #(.FREQUENCY(SYS_CLK_HZ)) sysctl (
    .clk           (clk),
    .rst           (soc_rst),
    .we            (csr_we & (csr_bank == 4'd1)),
    .adr           (csr_idx),
    .dat_w         (m_dat_w),
    .dat_r         (sysctl_dat_r),
    .gpio_irq      (gpio_irq),
    .timer0_irq    (timer0_irq),
    .timer1_irq    (timer1_irq),
    .gpio_in       (gpio_in),
    .gpio_out      (gpio_out),
    .reset_request (reset_request)
);

socsim_automaton coprocessor (
    .clk     (clk),
    .rst     (soc_rst),
    .we      (csr_we & (csr_bank == 4'd2)),
    .adr     (csr_idx),
    .dat_w   (m_dat_w),
    .dat_r   (cop_dat_r_w),
    .irq     (coprocessor_irq),
    .m_cyc   (c_cyc),
    .m_stb   (c_stb),
    .m_adr   (c_adr),
    .m_we    (c_we),
    .m_sel   (c_sel),
    .m_cti   (c_cti),
    .m_dat_r (c_dat_r),
    .m_ack   (c_ack),
    .m_err   (c_err)
);

socsim_pcie_endpoint pcie (
    .user_clk (user_clk),
    .user_rst (user_rst),
    .rx_data  (pcie_rx_data),
    .rx_sop   (pcie_rx_sop),
    .rx_eop   (pcie_rx_eop),
    .rx_valid (pcie_rx_valid),
    .rx_ready (pcie_rx_ready),
    .tx_data  (pcie_tx_data),
    .tx_sop   (pcie_tx_sop),
    .tx_eop   (pcie_tx_eop),
    .tx_valid (pcie_tx_valid),
    .tx_ready (pcie_tx_ready),
    .clk      (clk),
    .rst      (pcie_rst),
    .we       (csr_we & (csr_bank == 4'd3)),
    .adr      (csr_idx),
    .dat_w    (m_dat_w),
    .dat_r    (pcie_dat_r),
    .irq      (pcie_irq_w),
    .cycle    (pcie_cycle),
    .m_cyc    (e_cyc),
    .m_stb    (e_stb),
    .m_adr    (e_adr),
    .m_we     (e_we),
    .m_sel    (e_sel),
    .m_cti    (e_cti),
    .m_dat_w  (e_dat_w),
    .m_dat_r  (e_dat_r),
    .m_ack    (e_ack),
    .m_err    (e_err)
);

assign irq = {26'd0, pcie_irq_w, coprocessor_irq, timer1_irq, timer0_irq, gpio_irq, uart_irq};

always @(posedge clk) begin
    if (rst) sys_rst_q <= 1'b0;
    else     sys_rst_q <= reset_request;
end

// ---------------------------------------------------------------- observation
assign tdev_end    = 1'b0;
assign tdev_result = 1'b0;
assign tdev_name   = 1'b0;
assign tdev_char   = 1'b0;
assign tdev_data   = 32'd0;

assign cop_irq       = coprocessor_irq;
assign cop_csr_we    = csr_we & (csr_bank == 4'd2);
assign cop_csr_re    = csr_cycle1 & ~m_we & (csr_bank == 4'd2);
// buses shown only while they carry something (0 otherwise, as in the model's VCD)
assign cop_csr_adr   = (cop_csr_we | cop_csr_re) ? csr_idx : 10'd0;
assign cop_csr_dat_w = cop_csr_we ? m_dat_w : 32'd0;
assign cop_csr_dat_r = cop_csr_re ? cop_dat_r_w : 32'd0;
assign cop_cyc       = c_cyc;
assign cop_adr       = c_cyc ? c_adr : 32'd0;
assign cop_ack       = c_ack;
assign pcie_irq      = pcie_irq_w;
assign pcie_cyc      = e_cyc;
assign pcie_adr      = e_cyc ? e_adr : 32'd0;
assign pcie_we       = e_cyc & e_we;
assign pcie_ack      = e_ack;
assign pcie_err      = e_err;
assign cop_err       = c_err;
assign cop_dat_r     = c_dat_r;

`include "socsim_cpu_obs.vh"
`undef SOCSIM_CPU_RST
`undef SOCSIM_CPU_IRQ

endmodule
