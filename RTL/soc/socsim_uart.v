// SoCSim UART (CSR bank 0), written for SoCSim after the register map and
// timing of the Swift model Sources/SoC/Milkymist/UART.swift, which is the
// specification (docs/soc.md, "UART"). Not derived from Milkymist's uart.v.
//
// Registers (csr_a[2:0] decoded, so they alias every 0x20 bytes of the bank):
//   0 RXTX     read: last byte received; write: transmit a byte
//   1 DIVISOR  [15:0], reset 43; one bit = 16 x DIVISOR cycles
//   2 STAT     0 THRE (RO, reset 1), 1 RX_EVT (W1C), 2 TX_EVT (W1C)
//   3 CTRL     0 RX_IRQ_EN, 1 TX_IRQ_EN, 2 THRU (stored, not modelled)
//   4 DEBUG    0 BREAK_EN (stored, reset 1, not modelled)
//   5..7       read 0
//
// A write (we, adr, dat presented during a cycle) lands at the edge ending
// that cycle and overrides the hardware update of the same edge.
module socsim_uart (
    input  wire        clk,
    input  wire        rst,
    input  wire        we,       // CSR write strobe for this bank, this cycle
    input  wire [9:0]  adr,      // register index within the bank
    input  wire [31:0] dat_w,
    output reg  [31:0] dat_r,    // combinational: the register during this cycle
    output wire        irq,      // level
    input  wire        rx,       // serial input (idle high)
    output wire        tx,       // serial output (idle high)
    output wire        tx_wr,    // a byte starts at this cycle's edge (RXTX write)
    output wire [7:0]  tx_data,
    output wire        thre
);

wire [2:0] a = adr[2:0];

reg [15:0] divisor;
reg [15:0] enable16_counter;   // the strobe is high while it is 0
wire enable16 = (enable16_counter == 16'd0);

reg        thre_q, rx_evt, tx_evt;
reg        rx_irq_en, tx_irq_en, thru;
reg        break_en;

// transmitter
reg        tx_busy;
reg [7:0]  tx_strobes;         // enable16 strobes counted since the write
reg [7:0]  tx_byte;
reg        tx_done;            // high the cycle after the 160th strobe

// receiver
reg        rx1, rx2;           // two flip-flops
reg        rx_busy;
reg [3:0]  rx_count16;
reg [3:0]  rx_bitcount;
reg [7:0]  rx_reg;
reg [7:0]  rx_data;
reg        rx_done;            // high the cycle after a good stop bit

assign tx_wr   = we & (a == 3'd0);
assign tx_data = dat_w[7:0];
assign thre    = thre_q;
assign irq     = (tx_evt & tx_irq_en) | (rx_evt & rx_irq_en);

always @(*) begin
    case (a)
    3'd0: dat_r = {24'd0, rx_data};
    3'd1: dat_r = {16'd0, divisor};
    3'd2: dat_r = {29'd0, tx_evt, rx_evt, thre_q};
    3'd3: dat_r = {29'd0, thru, tx_irq_en, rx_irq_en};
    3'd4: dat_r = {31'd0, break_en};
    default: dat_r = 32'd0;
    endcase
end

// The serial pin (informational; not part of the cycle contract): start bit
// for the first 15 strobes, then 16 strobes per data bit, LSB first, then 1.
wire [3:0] tx_bit = tx_strobes[7:4] + {3'd0, &tx_strobes[3:0]};
wire [3:0] tx_k   = tx_bit - 4'd1;
assign tx = ~tx_busy | (tx_bit == 4'd0 ? 1'b0 : tx_bit <= 4'd8 ? tx_byte[tx_k[2:0]] : 1'b1);

always @(posedge clk) begin
    if (rst) begin
        divisor          <= 16'd43;
        enable16_counter <= 16'd42;
        thre_q           <= 1'b1;
        rx_evt           <= 1'b0;
        tx_evt           <= 1'b0;
        rx_irq_en        <= 1'b0;
        tx_irq_en        <= 1'b0;
        thru             <= 1'b0;
        break_en         <= 1'b1;
        tx_busy          <= 1'b0;
        tx_strobes       <= 8'd0;
        tx_byte          <= 8'd0;
        tx_done          <= 1'b0;
        rx1              <= 1'b1;
        rx2              <= 1'b1;
        rx_busy          <= 1'b0;
        rx_count16       <= 4'd0;
        rx_bitcount      <= 4'd0;
        rx_reg           <= 8'd0;
        rx_data          <= 8'd0;
        rx_done          <= 1'b0;
    end else begin
        // enable16: reload DIVISOR-1 when 0 (a new DIVISOR acts at the next reload)
        enable16_counter <= enable16 ? divisor - 16'd1 : enable16_counter - 16'd1;

        // transmitter: 160 strobes after the write, busy drops and tx_done
        // rises; THRE and TX_EVT follow one cycle later.
        tx_done <= 1'b0;
        if (tx_busy & enable16) begin
            if (tx_strobes == 8'd159) begin
                tx_busy    <= 1'b0;
                tx_strobes <= 8'd0;
                tx_done    <= 1'b1;
            end else begin
                tx_strobes <= tx_strobes + 8'd1;
            end
        end
        if (tx_done) begin
            thre_q <= 1'b1;
            tx_evt <= 1'b1;
        end

        // receiver
        rx1 <= rx;
        rx2 <= rx1;
        rx_done <= 1'b0;
        if (enable16) begin
            if (~rx_busy) begin
                if (~rx2) begin
                    rx_busy     <= 1'b1;
                    rx_count16  <= 4'd7;
                    rx_bitcount <= 4'd0;
                end
            end else begin
                rx_count16 <= rx_count16 + 4'd1;
                if (rx_count16 == 4'd0) begin
                    rx_bitcount <= rx_bitcount + 4'd1;
                    if (rx_bitcount == 4'd0) begin
                        if (rx2) rx_busy <= 1'b0;          // not a start bit after all
                    end else if (rx_bitcount == 4'd9) begin
                        rx_busy <= 1'b0;
                        if (rx2) begin                     // stop bit ok; errors are dropped
                            rx_data <= rx_reg;
                            rx_done <= 1'b1;
                        end
                    end else begin
                        rx_reg <= {rx2, rx_reg[7:1]};
                    end
                end
            end
        end
        if (rx_done) rx_evt <= 1'b1;

        // CSR writes (override the updates above)
        if (we) begin
            case (a)
            3'd0: begin          // tx_wr has priority over a strobe and tx_done
                tx_busy    <= 1'b1;
                tx_strobes <= 8'd0;
                tx_byte    <= dat_w[7:0];
                tx_done    <= 1'b0;
                thre_q     <= 1'b0;
            end
            3'd1: divisor <= dat_w[15:0];
            3'd2: begin
                if (dat_w[1]) rx_evt <= 1'b0;
                if (dat_w[2]) tx_evt <= 1'b0;
            end
            3'd3: begin
                rx_irq_en <= dat_w[0];
                tx_irq_en <= dat_w[1];
                thru      <= dat_w[2];
            end
            3'd4: break_en <= dat_w[0];
            default: ;
            endcase
        end
    end
end

endmodule
