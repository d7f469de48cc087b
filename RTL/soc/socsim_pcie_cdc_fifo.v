// SoCSim PCIe endpoint: the clock-domain crossing between the PCIe user clock
// (62.5 MHz) and the system clock (80 MHz), one per direction
// (docs/pcie-endpoint.md, "The RTL endpoint"). Written for SoCSim.
//
// An asynchronous FIFO of 2^ADDR entries of WIDTH bits: binary pointers in
// their own domain, each published as a Gray-coded register and carried into
// the other domain by two flip-flops (the only signals that cross, one bit
// changing per step). Timing, with both sides idle otherwise:
//   * a word written at write edge W (w_en & ~w_full at that edge) is visible
//     (r_empty low, r_data valid) from the second read-clock edge after W:
//     the first read edge after W loads sync stage 1, the second stage 2;
//   * a word read at read edge R frees its slot for the writer from the
//     second write-clock edge after R (w_full reflects it then).
// "After W" means a later instant, or the same instant when the read clock's
// edge is applied after the write clock's (the bridge's domain order; in an
// event-driven simulator with both edges in one time step the flip-flop
// samples the value before the edge).
// r_data is combinational from the memory at the read pointer; w_full and
// r_empty are combinational from the pointers.
module socsim_pcie_cdc_fifo #(
    parameter integer WIDTH = 34,
    parameter integer ADDR  = 4
) (
    input  wire             w_clk,
    input  wire             w_rst,
    input  wire             w_en,
    input  wire [WIDTH-1:0] w_data,
    output wire             w_full,

    input  wire             r_clk,
    input  wire             r_rst,
    input  wire             r_en,
    output wire [WIDTH-1:0] r_data,
    output wire             r_empty
);

reg [WIDTH-1:0] mem [0:(1<<ADDR)-1];

// ---------------------------------------------------------------- write domain
reg  [ADDR:0] w_bin, w_gray;
reg  [ADDR:0] w_sync1, w_sync2;          // r_gray in the write domain
wire [ADDR:0] w_bin_next  = w_bin + {{ADDR{1'b0}}, 1'b1};
wire [ADDR:0] w_gray_next = w_bin_next ^ (w_bin_next >> 1);
// full: the read pointer is one lap behind (Gray: top two bits inverted)
assign w_full = (w_gray == {~w_sync2[ADDR:ADDR-1], w_sync2[ADDR-2:0]});
wire w_do = w_en & ~w_full;

always @(posedge w_clk) begin
    if (w_do) mem[w_bin[ADDR-1:0]] <= w_data;
end

always @(posedge w_clk) begin
    if (w_rst) begin
        w_bin   <= {(ADDR+1){1'b0}};
        w_gray  <= {(ADDR+1){1'b0}};
        w_sync1 <= {(ADDR+1){1'b0}};
        w_sync2 <= {(ADDR+1){1'b0}};
    end else begin
        if (w_do) begin
            w_bin  <= w_bin_next;
            w_gray <= w_gray_next;
        end
        w_sync1 <= r_gray;
        w_sync2 <= w_sync1;
    end
end

// ---------------------------------------------------------------- read domain
reg  [ADDR:0] r_bin, r_gray;
reg  [ADDR:0] r_sync1, r_sync2;          // w_gray in the read domain
wire [ADDR:0] r_bin_next  = r_bin + {{ADDR{1'b0}}, 1'b1};
wire [ADDR:0] r_gray_next = r_bin_next ^ (r_bin_next >> 1);
assign r_empty = (r_gray == r_sync2);
assign r_data  = mem[r_bin[ADDR-1:0]];
wire r_do = r_en & ~r_empty;

always @(posedge r_clk) begin
    if (r_rst) begin
        r_bin   <= {(ADDR+1){1'b0}};
        r_gray  <= {(ADDR+1){1'b0}};
        r_sync1 <= {(ADDR+1){1'b0}};
        r_sync2 <= {(ADDR+1){1'b0}};
    end else begin
        if (r_do) begin
            r_bin  <= r_bin_next;
            r_gray <= r_gray_next;
        end
        r_sync1 <= w_gray;
        r_sync2 <= r_sync1;
    end
end

endmodule
