// SoCSim sysctl (CSR bank 1), written for SoCSim after the register map and
// timing of the Swift model Sources/SoC/Milkymist/Sysctl.swift, which is the
// specification (docs/soc.md, "sysctl"). Not derived from Milkymist's sysctl.v.
//
// Registers (csr_a[4:0] decoded, so they alias every 0x80 bytes of the bank):
//   0 GPIO_IN (RO, 2 flip-flops)   1 GPIO_OUT [7:0]   2 GPIO_INTEN [7:0]
//   4/5/6  TIMER0 CONTROL (0 ENABLE, 1 AUTORESTART) / COMPARE (reset ~0) / COUNTER
//   8/9/10 TIMER1 likewise
//   16 ICAP (reads 1: READY; writes ignored)   20 DBG_SCRATCHPAD [7:0]
//   21 DBG_CTRL [1:0] (stored, not modelled)   29 FREQUENCY   30 CAPABILITIES (0)
//   31 SYSTEM_ID (read: ID; any write: system reset request)
//   others read 0
//
// A write (we, adr, dat presented during a cycle) lands at the edge ending
// that cycle and overrides the hardware update of the same edge.
module socsim_sysctl #(
    parameter [31:0] SYSTEM_ID = 32'h00015353,
    parameter [31:0] FREQUENCY = 32'd0   // the system clock in Hz: the top passes the description's
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        we,
    input  wire [9:0]  adr,
    input  wire [31:0] dat_w,
    output reg  [31:0] dat_r,
    output reg         gpio_irq,     // one-cycle pulses
    output reg         timer0_irq,
    output reg         timer1_irq,
    input  wire [7:0]  gpio_in,      // the pins
    output reg  [7:0]  gpio_out,
    output wire        reset_request // a SYSTEM_ID write lands at this cycle's edge
);

wire [4:0] a = adr[4:0];

reg [7:0]  gpio_in0, gpio_in_sync, gpio_in_before;
reg [7:0]  gpio_inten;
reg [7:0]  scratchpad;
reg [1:0]  dbg_ctrl;

reg        t0_en, t0_ar, t1_en, t1_ar;
reg [31:0] t0_compare, t0_counter, t1_compare, t1_counter;
wire       t0_match = (t0_counter == t0_compare);
wire       t1_match = (t1_counter == t1_compare);

assign reset_request = we & (a == 5'd31);

always @(*) begin
    case (a)
    5'd0:  dat_r = {24'd0, gpio_in_sync};
    5'd1:  dat_r = {24'd0, gpio_out};
    5'd2:  dat_r = {24'd0, gpio_inten};
    5'd4:  dat_r = {30'd0, t0_ar, t0_en};
    5'd5:  dat_r = t0_compare;
    5'd6:  dat_r = t0_counter;
    5'd8:  dat_r = {30'd0, t1_ar, t1_en};
    5'd9:  dat_r = t1_compare;
    5'd10: dat_r = t1_counter;
    5'd16: dat_r = 32'd1;
    5'd20: dat_r = {24'd0, scratchpad};
    5'd21: dat_r = {30'd0, dbg_ctrl};
    5'd29: dat_r = FREQUENCY;
    5'd31: dat_r = SYSTEM_ID;
    default: dat_r = 32'd0;
    endcase
end

always @(posedge clk) begin
    if (rst) begin
        gpio_in0       <= 8'd0;
        gpio_in_sync   <= 8'd0;
        gpio_in_before <= 8'd0;
        gpio_irq       <= 1'b0;
        gpio_out       <= 8'd0;
        gpio_inten     <= 8'd0;
        scratchpad     <= 8'd0;
        dbg_ctrl       <= 2'd0;
        t0_en <= 1'b0; t0_ar <= 1'b0; t0_compare <= 32'hFFFFFFFF; t0_counter <= 32'd0; timer0_irq <= 1'b0;
        t1_en <= 1'b0; t1_ar <= 1'b0; t1_compare <= 32'hFFFFFFFF; t1_counter <= 32'd0; timer1_irq <= 1'b0;
    end else begin
        // GPIO: pins -> two flip-flops; the IRQ register pulses on a change
        // of an enabled synchronised input.
        gpio_in0       <= gpio_in;
        gpio_in_sync   <= gpio_in0;
        gpio_in_before <= gpio_in_sync;
        gpio_irq       <= |((gpio_in_before ^ gpio_in_sync) & gpio_inten);

        // timers
        timer0_irq <= t0_en & t0_match;
        if (t0_en & ~t0_match) t0_counter <= t0_counter + 32'd1;
        if (t0_ar & t0_match)  t0_counter <= 32'd1;
        if (t0_en & ~t0_ar & t0_match) t0_en <= 1'b0;
        timer1_irq <= t1_en & t1_match;
        if (t1_en & ~t1_match) t1_counter <= t1_counter + 32'd1;
        if (t1_ar & t1_match)  t1_counter <= 32'd1;
        if (t1_en & ~t1_ar & t1_match) t1_en <= 1'b0;

        // CSR writes (override the updates above)
        if (we) begin
            case (a)
            5'd1:  gpio_out   <= dat_w[7:0];
            5'd2:  gpio_inten <= dat_w[7:0];
            5'd4:  begin t0_en <= dat_w[0]; t0_ar <= dat_w[1]; end
            5'd5:  t0_compare <= dat_w;
            5'd6:  t0_counter <= dat_w;
            5'd8:  begin t1_en <= dat_w[0]; t1_ar <= dat_w[1]; end
            5'd9:  t1_compare <= dat_w;
            5'd10: t1_counter <= dat_w;
            5'd20: scratchpad <= dat_w[7:0];
            5'd21: dbg_ctrl   <= dat_w[1:0];
            default: ;
            endcase
        end
    end
end

endmodule
