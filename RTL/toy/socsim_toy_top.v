// A toy top with two clock domains, for the harness's edge order
// (docs/architecture.md, "Clock domains"): the SoC's system clock and the
// PCIe user clock, named as the SoC description names its domains.
//
//   sys_clk domain:        sys_count counts rising edges; sys_flag toggles at
//                          every edge where sys_count[2:0] was 0 (edges 0, 8,
//                          16, ...: every shared instant of the two clocks is
//                          one of them).
//   pcie_user_clk domain:  pcie_count counts rising edges; sync1/sync2 are a
//                          two-flop synchroniser of sys_flag.
//
// At an instant where both clocks rise, the harness applies sys_clk's edge
// first: sync1 then samples the value sys_flag takes at that edge. Registers
// start at 0; there is no reset.
module socsim_toy_top (
    input  wire       sys_clk,
    input  wire       pcie_user_clk,
    output reg  [7:0] sys_count = 8'd0,
    output reg        sys_flag = 1'b0,
    output reg  [7:0] pcie_count = 8'd0,
    output reg        sync1 = 1'b0,
    output reg        sync2 = 1'b0
);
    always @(posedge sys_clk) begin
        sys_count <= sys_count + 8'd1;
        if (sys_count[2:0] == 3'd0) sys_flag <= ~sys_flag;
    end

    always @(posedge pcie_user_clk) begin
        pcie_count <= pcie_count + 8'd1;
        sync1 <= sys_flag;
        sync2 <= sync1;
    end
endmodule
