// SoCSim PCIe endpoint (written for SoCSim after docs/pcie-endpoint.md and the
// transaction-level Swift model Sources/PCIe/Endpoint.swift, which is its
// behavioural contract). A standalone module; see docs/pcie-endpoint.md,
// "The RTL endpoint", for the stream format, the crossing and its latency.
//
// PCIe side (user clock, 62.5 MHz): one TLP stream each way, one TLP dword a
// beat, as a Gen1 x1 hard block presents the transaction layer: header
// dwords first, then the payload, then the ECRC dword when TD = 1 (passed
// through, not checked). Dword i carries wire bytes 4i..4i+3 with byte 4i in
// bits 31:24 (TLPCodec's dword form): header fields as the specification
// draws them, payload byte k at the lowest address in bits 31:24. sop marks
// the first dword, eop the last; a beat moves when valid & ready. Framing,
// sequence numbers, LCRC, ACK/NAK and flow-control DLLPs are the hard block's.
//
// System side (clk, 80 MHz): everything else. The type-0 configuration space
// and the BAR0 / CSR bank 3 registers come from the generated includes
// socsim_pcie_config.vh (ConfigSpace) and socsim_pcie_regs.vh
// (EndpointRegisters): reset values and, per dword, which bits a bus write
// stores or clears. The CSR slave is the SoC's (socsim_automaton.v): a write
// (we, adr, dat_w) lands at the edge ending the cycle it is presented in,
// dat_r is combinational; adr[6:0] is decoded (0x200 bytes, repeating).
//
// One TLP is handled at a time: its dwords are collected (header fields in
// registers, BAR0 write data staged per register, DMA completion data in its
// tag's slot), then in the cycle after its last dword (DECIDE) it is decoded
// with the rules of TLPCodec.decode, counted, applied, and its answer (if any)
// handed to the transmitter; the next TLP is taken once the transmitter has
// accepted that answer entirely (or a DMA read made whole was written back).
// The DMA engine is a Wishbone master (single beats) in both directions.
module socsim_pcie_endpoint #(
    // device memory the DMA engine may reach (bus addresses, bit 31 ignored; a
    // transfer lies within one region): the SoC's BRAM and SDRAM
    parameter [31:0] MEM0_BASE = 32'h00000000,
    parameter [31:0] MEM0_SIZE = 32'h00010000,
    parameter [31:0] MEM1_BASE = 32'h40000000,
    parameter [31:0] MEM1_SIZE = 32'h01000000,
    // device memory a DMA transfer from the host must not write (the golden image); size 0: none
    parameter [31:0] PROT_BASE = 32'h00000000,
    parameter [31:0] PROT_SIZE = 32'h00000000,
    // completion data the endpoint can buffer (Spartan-6 block: 467 credits of 16 B)
    parameter [31:0] CPL_BUFFER_BYTES = 32'd7472,
    // completion timeout in system cycles (50 ms at 80 MHz)
    parameter [63:0] CPL_TIMEOUT_CYCLES = 64'd4000000
) (
    // ---------------------------------------------------------- PCIe user clock domain
    input  wire        user_clk,
    input  wire        user_rst,
    input  wire [31:0] rx_data,
    input  wire        rx_sop,
    input  wire        rx_eop,
    input  wire        rx_valid,
    output wire        rx_ready,
    output wire [31:0] tx_data,
    output wire        tx_sop,
    output wire        tx_eop,
    output wire        tx_valid,
    input  wire        tx_ready,

    // ---------------------------------------------------------- system clock domain
    input  wire        clk,
    input  wire        rst,
    // CSR bank 3
    input  wire        we,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [9:0]  adr,                 // [6:0] decoded
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [31:0] dat_w,
    output wire [31:0] dat_r,
    output wire        irq,                 // IRQ 5: IRQ_PENDING & IRQ_ENABLE != 0
    output wire [63:0] cycle,               // the device cycle counter (cycles since reset)
    // Wishbone master of the DMA engine: single word beats, big-endian lanes
    // (the byte at an address with bits 1:0 = 0 is bits 31:24), held until ACK or ERR
    output wire        m_cyc,
    output wire        m_stb,
    output wire [31:0] m_adr,
    output wire        m_we,
    output wire [3:0]  m_sel,
    output wire [2:0]  m_cti,
    output wire [31:0] m_dat_w,
    input  wire [31:0] m_dat_r,
    input  wire        m_ack,
    input  wire        m_err
);

// Generated: every field of both maps is declared, not all are used here.
/* verilator lint_off UNUSEDPARAM */
`include "socsim_pcie_config.vh"
`include "socsim_pcie_regs.vh"
/* verilator lint_on UNUSEDPARAM */

function [31:0] swap32(input [31:0] v);     // wire-order payload dword <-> little-endian value
    swap32 = {v[7:0], v[15:8], v[23:16], v[31:24]};
endfunction

// ================================================================ crossing
wire        rxq_empty, rxq_full;
wire [33:0] rxq_data;
reg         rxq_take;
assign rx_ready = ~rxq_full;

socsim_pcie_cdc_fifo #(.WIDTH(34), .ADDR(4)) rx_cdc (
    .w_clk(user_clk), .w_rst(user_rst), .w_en(rx_valid), .w_data({rx_sop, rx_eop, rx_data}), .w_full(rxq_full),
    .r_clk(clk), .r_rst(rst), .r_en(rxq_take), .r_data(rxq_data), .r_empty(rxq_empty)
);

wire        txq_full, txq_empty;
wire [33:0] txq_data;
reg         txq_put;
reg  [33:0] txq_word;
assign tx_valid = ~txq_empty;
assign {tx_sop, tx_eop, tx_data} = txq_data;

socsim_pcie_cdc_fifo #(.WIDTH(34), .ADDR(4)) tx_cdc (
    .w_clk(clk), .w_rst(rst), .w_en(txq_put), .w_data(txq_word), .w_full(txq_full),
    .r_clk(user_clk), .r_rst(user_rst), .r_en(tx_ready), .r_data(txq_data), .r_empty(txq_empty)
);

// ================================================================ cycle counter
reg [63:0] cycle_q;
assign cycle = cycle_q;
always @(posedge clk) cycle_q <= rst ? 64'd0 : cycle_q + 64'd1;

// ================================================================ configuration space
wire [31:0] cfg_q [0:PCIE_CFG_DWORDS-1];

wire        mem_space  = cfg_q[PCIE_CFG_COMMAND_MEMORY_SPACE_DW][PCIE_CFG_COMMAND_MEMORY_SPACE_LSB];
wire        bus_master = cfg_q[PCIE_CFG_COMMAND_BUS_MASTER_DW][PCIE_CFG_COMMAND_BUS_MASTER_LSB];
wire [31:PCIE_CFG_BAR0_BASE_LSB] bar0_base = cfg_q[PCIE_CFG_BAR0_BASE_DW][31:PCIE_CFG_BAR0_BASE_LSB];
wire        msi_enable = cfg_q[PCIE_CFG_MSI_CONTROL_ENABLE_DW][PCIE_CFG_MSI_CONTROL_ENABLE_LSB];
wire [63:0] msi_addr   = {cfg_q[PCIE_CFG_MSI_ADDRESS_HI_ADDRESS_DW], cfg_q[PCIE_CFG_MSI_ADDRESS_LO_ADDRESS_DW] & 32'hFFFF_FFFC};
wire [15:0] msi_data   = cfg_q[PCIE_CFG_MSI_DATA_DATA_DW][PCIE_CFG_MSI_DATA_DATA_LSB +: 16];
wire [2:0]  mps_code   = cfg_q[PCIE_CFG_PCIE_DEVICE_CONTROL_MAX_PAYLOAD_SIZE_DW][PCIE_CFG_PCIE_DEVICE_CONTROL_MAX_PAYLOAD_SIZE_LSB +: 3];
wire        rcb128     = cfg_q[PCIE_CFG_PCIE_LINK_CONTROL_READ_COMPLETION_BOUNDARY_DW][PCIE_CFG_PCIE_LINK_CONTROL_READ_COMPLETION_BOUNDARY_LSB];
// Max payload size in bytes; a reserved encoding (110, 111) counts as 128.
wire [12:0] mps_bytes  = (mps_code > 3'd5) ? 13'd128 : (13'd128 << mps_code);

// ================================================================ receiving a TLP
localparam [1:0] S_RECV = 2'd0, S_DECIDE = 2'd1, S_WAIT = 2'd2;
localparam [1:0] T_IDLE = 2'd0, T_SHORT = 2'd1, T_CPLD = 2'd2, T_DMA = 2'd3;
reg  [1:0]  state;
reg  [1:0]  t_state;                         // the transmitter's
reg         job_done;                        // the transmitter finished the current TLP's answer
wire        msi_start;                       // the transmitter takes one MSI this cycle
wire        dma_tx_start;                    // the transmitter takes the DMA engine's MWr this cycle
reg         dma_tx_done;                     // the MWr's last dword entered the crossing
wire        dma_busy;
wire        dma_finish;                      // the transfer ends this cycle
wire [3:0]  dma_error;                       // its DMAError code (with dma_finish)
wire [31:0] dma_done_bytes;
wire        c_unexpected, c_poisoned, c_mismatch, c_failed, c_accepted, c_whole, c_timeout;
reg         wb_done;                         // a whole DMA read was written to device memory
reg  [15:0] ep_id;                           // routing ID captured from configuration writes
// an MSI requested by the firmware (MSI_CONTROL.SEND) and whether it may be sent
wire msi_request = we & ({25'd0, adr[6:0]} == PCIE_REG_MSI_CONTROL) & dat_w[PCIE_REG_MSI_CONTROL_SEND_LSB];
wire msi_allowed = msi_enable & bus_master;
reg         in_pkt;
reg  [31:0] d0, d1, d2, d3;
reg  [10:0] n;                               // dwords received, saturating at 2047

wire        beat_sop = rxq_data[33], beat_eop = rxq_data[32];
wire [31:0] beat     = rxq_data[31:0];
always @(*) rxq_take = (state == S_RECV) & ~rxq_empty;
wire        take     = rxq_take;
wire        starts   = take & beat_sop;
wire        cont     = take & ~beat_sop & in_pkt;
wire        ends     = (starts | cont) & beat_eop;

// ---------------------------------------------------------------- the header's fields
wire [2:0]  fmt     = d0[31:29];
wire [4:0]  typ     = d0[28:24];
wire        is4     = fmt[0];
wire        hasdata = fmt[1];
wire [10:0] lenf    = {1'b0, d0[9:0]};
wire [10:0] len     = (lenf == 11'd0) ? 11'd1024 : lenf;
wire        td      = d0[15];
wire        ep      = d0[14];
wire [2:0]  tc      = d0[22:20];
wire [1:0]  attr    = d0[13:12];
wire [15:0] req_id  = d1[31:16];
wire [7:0]  req_tag = d1[15:8];
wire [3:0]  lbe     = d1[7:4];
wire [3:0]  fbe     = d1[3:0];
wire [10:0] hdr     = is4 ? 11'd4 : 11'd3;

// ---------------------------------------------------------------- TLPCodec.decode, in its order
wire prefix       = fmt == 3'b100;
wire fmt_reserved = fmt > 3'b100;
wire truncated    = n < hdr;
wire k_mem  = typ == 5'b00000;
wire k_cpl  = typ == 5'b01010 & ~is4;
wire k_cfg  = typ == 5'b00100 & ~is4;
wire k_msg  = typ[4:3] == 2'b10 & typ[2:0] <= 3'b101 & is4;
wire known  = k_mem | k_cpl | k_cfg | k_msg;
// Non-posted kinds the specification defines and this endpoint does not implement
// (WirePacket.unimplementedRequestTypes): answered UR from DW1.
wire ur_kind = typ == 5'b00001 | typ == 5'b00010 | typ == 5'b00101 | typ == 5'b01100 | typ == 5'b01101 | typ == 5'b01110;
wire mrdlk_with_data = typ == 5'b00001 & hasdata;
wire dw0_reserved = d0[23] | d0[19] | d0[18] | d0[17] | d0[16] | (d0[11:10] != 2'b00);
wire digest_short = td & (n < hdr + 11'd1);
wire [10:0] rest  = n - hdr - {10'd0, td};
wire size_bad     = digest_short | (hasdata ? (rest != len) : (rest != 11'd0));

// memory requests
wire [11:0] mem_addr_lo = is4 ? d3[11:0] : d2[11:0];
wire        mem_fields_bad = is4 ? (d3[1:0] != 2'b00 | d2 == 32'd0) : (d2[1:0] != 2'b00);
wire        be_holes_ok = (len == 11'd2) & ~mem_addr_lo[2];
wire        fbe_contig = fbe == 4'b1111 | fbe == 4'b1110 | fbe == 4'b1100 | fbe == 4'b1000;
wire        lbe_contig = lbe == 4'b1111 | lbe == 4'b0111 | lbe == 4'b0011 | lbe == 4'b0001;
wire        be_bad = (len == 11'd1) ? (lbe != 4'd0)
                   : (fbe == 4'd0 | lbe == 4'd0 | (~be_holes_ok & ~(fbe_contig & lbe_contig)));
wire [13:0] mem_end = {2'b00, mem_addr_lo[11:0]} + {1'b0, len, 2'b00};
wire        crosses = mem_end > 14'd4096;
wire        mem_bad = mem_fields_bad | be_bad | crosses;

// completions
wire [2:0]  cpl_status = d1[15:13];
wire [12:0] cpl_bc     = (d1[11:0] == 12'd0) ? 13'd4096 : {1'b0, d1[11:0]};
wire [13:0] cpl_maxdw  = ({12'd0, d2[1:0]} + {1'b0, cpl_bc} + 14'd3) >> 2;
wire        cpl_bad = (~hasdata & lenf != 11'd0) | ~(cpl_status == 3'd0 | cpl_status == 3'd1 | cpl_status == 3'd2 | cpl_status == 3'd4)
                    | d2[7] | (hasdata & (cpl_status != 3'd0 | {3'd0, len} > cpl_maxdw));

// configuration requests
wire [15:0] cfg_target = d2[31:16];
wire [9:0]  cfg_reg    = {d2[11:8], d2[7:2]};
wire        cfg_bad = lenf != 11'd1 | lbe != 4'd0 | d2[15:12] != 4'd0 | d2[1:0] != 2'd0 | tc != 3'd0 | attr != 2'd0;

// vendor-defined messages
wire        msg_bad = (~hasdata & lenf != 11'd0) | ~(d1[7:0] == 8'h7E | d1[7:0] == 8'h7F)
                    | ~(typ[2:0] == 3'b000 | typ[2:0] == 3'b010 | typ[2:0] == 3'b011 | typ[2:0] == 3'b100)
                    | (typ[2:0] != 3'b010 & d2[31:16] != 16'd0);

wire early_bad = prefix | fmt_reserved | truncated;
wire unimpl_ur = ~early_bad & ~known & ur_kind & ~mrdlk_with_data;
wire malformed = early_bad | (~known & ~unimpl_ur) | (known & (dw0_reserved | size_bad
               | (k_mem & mem_bad) | (k_cpl & cpl_bad) | (k_cfg & cfg_bad) | (k_msg & msg_bad)));
wire valid_tlp = ~malformed & ~unimpl_ur;

// ---------------------------------------------------------------- what the endpoint does with it
wire in_bar0 = mem_space & ~is4 & (d2[31:PCIE_CFG_BAR0_BASE_LSB] == bar0_base);
wire is_mrd  = valid_tlp & k_mem & ~hasdata;
wire is_mwr  = valid_tlp & k_mem & hasdata;
wire is_cfg  = valid_tlp & k_cfg;
wire is_cpl  = valid_tlp & k_cpl;
wire is_msg  = valid_tlp & k_msg;
wire cfg_fn0 = cfg_target[2:0] == 3'd0;

// The TLP is acted on once the transmitter is free for its answer.
wire decide = (state == S_DECIDE) & (t_state == T_IDLE);
wire d_malformed   = decide & malformed;
wire d_unimpl      = decide & unimpl_ur;
wire d_cfg_ur      = decide & is_cfg & ~cfg_fn0;
wire d_cfg_poison  = decide & is_cfg & cfg_fn0 & hasdata & ep;
wire d_cfg_ok      = decide & is_cfg & cfg_fn0 & ~(hasdata & ep);
wire d_mrd_bar     = decide & is_mrd & in_bar0;
wire d_mrd_ur      = decide & is_mrd & ~in_bar0;
wire d_mwr_ur      = decide & is_mwr & ~in_bar0;
wire d_mwr_poison  = decide & is_mwr & in_bar0 & ep;
wire d_mwr_ok      = decide & is_mwr & in_bar0 & ~ep;
wire d_cpl         = decide & is_cpl;
wire d_msg_drop    = decide & is_msg & d1[7:0] == 8'h7F;
wire d_msg_ur      = decide & is_msg & d1[7:0] == 8'h7E;

// counters (EndpointCounter order) counted this cycle
reg [PCIE_REG_COUNTER_COUNT-1:0] cnt_inc;
always @(*) begin
    cnt_inc = {PCIE_REG_COUNTER_COUNT{1'b0}};
    cnt_inc[PCIE_CNT_TLPS_RECEIVED]          = decide;
    cnt_inc[PCIE_CNT_CONFIG_REQUESTS]        = d_cfg_ok;
    cnt_inc[PCIE_CNT_BAR0_READS]             = d_mrd_bar;
    cnt_inc[PCIE_CNT_BAR0_WRITES]            = d_mwr_ok;
    cnt_inc[PCIE_CNT_MALFORMED]              = d_malformed;
    cnt_inc[PCIE_CNT_UNSUPPORTED_REQUESTS]   = d_unimpl | d_cfg_ur | d_mrd_ur | d_mwr_ur | d_msg_ur;
    cnt_inc[PCIE_CNT_POISONED]               = d_cfg_poison | d_mwr_poison | c_poisoned;
    cnt_inc[PCIE_CNT_COMPLETIONS]            = c_failed | c_accepted;
    cnt_inc[PCIE_CNT_UNEXPECTED_COMPLETIONS] = c_unexpected;
    cnt_inc[PCIE_CNT_COMPLETION_MISMATCHES]  = c_mismatch;
    cnt_inc[PCIE_CNT_COMPLETION_TIMEOUTS]    = c_timeout;
    cnt_inc[PCIE_CNT_COMPLETIONS_UR]         = c_failed & cpl_status != 3'b100;
    cnt_inc[PCIE_CNT_COMPLETIONS_CA]         = c_failed & cpl_status == 3'b100;
    cnt_inc[PCIE_CNT_MESSAGES_DROPPED]       = d_msg_drop;
    cnt_inc[PCIE_CNT_MSI_SENT]               = msi_request & msi_allowed;
    cnt_inc[PCIE_CNT_MSI_BLOCKED]            = msi_request & ~msi_allowed;
end

// configuration space status bits the hardware sets
wire raise_ur    = d_unimpl | d_cfg_ur | d_cfg_poison | d_mrd_ur | d_mwr_ur | d_msg_ur;
wire raise_dpe   = d_cfg_poison | d_mwr_poison | c_poisoned;
wire raise_fatal = d_malformed;

// ---------------------------------------------------------------- collecting the dwords
always @(posedge clk) begin
    if (rst) begin
        state  <= S_RECV;
        in_pkt <= 1'b0;
        n      <= 11'd0;
        d0 <= 32'd0; d1 <= 32'd0; d2 <= 32'd0; d3 <= 32'd0;
        ep_id  <= 16'd0;
    end else begin
        case (state)
        S_RECV: begin
            // A beat without sop outside a TLP is dropped; sop inside one starts
            // over (a hard block never presents either).
            if (starts) begin
                d0 <= beat; n <= 11'd1; in_pkt <= ~beat_eop;
            end else if (cont) begin
                if (n == 11'd1) d1 <= beat;
                if (n == 11'd2) d2 <= beat;
                if (n == 11'd3) d3 <= beat;
                if (n != 11'd2047) n <= n + 11'd1;
                if (beat_eop) in_pkt <= 1'b0;
            end
            if (ends) state <= S_DECIDE;
        end
        S_DECIDE: if (decide) begin
            if (d_cfg_ok & hasdata) ep_id <= cfg_target;
            state <= S_WAIT;
        end
        default: if (job_done | wb_done) state <= S_RECV;
        endcase
    end
end

// ---------------------------------------------------------------- BAR0 write staging
// Payload dword p of a 3DW MWr lands on register dword addr[11:2] + p with the
// byte enables First BE (p = 0), Last BE (p = Length - 1), 1111 between.
wire        stage_beat = cont & fmt == 3'b010 & typ == 5'b00000 & n >= 11'd3 & (n - 11'd3) < len;
wire [10:0] stage_p    = n - 11'd3;
wire [10:0] stage_idx  = {1'b0, d2[11:2]} + stage_p;
wire [3:0]  stage_be   = (len == 11'd1) ? fbe : (stage_p == 11'd0) ? fbe : (stage_p == len - 11'd1) ? lbe : 4'hF;
wire        commit     = d_mwr_ok;

// ================================================================ message signalled interrupts
reg  [3:0]  msi_pending;                    // MSIs requested and not yet handed to the crossing
reg  [63:0] msi_q_addr;
reg  [15:0] msi_q_data, msi_q_id;

always @(posedge clk) begin
    if (rst) begin
        msi_pending <= 4'd0;
        msi_q_addr  <= 64'd0;
        msi_q_data  <= 16'd0;
        msi_q_id    <= 16'd0;
    end else begin
        msi_pending <= msi_pending + {3'd0, msi_request & msi_allowed & msi_pending != 4'hF} - {3'd0, msi_start};
        if (msi_request & msi_allowed) begin
            msi_q_addr <= msi_addr;
            msi_q_data <= msi_data;
            msi_q_id   <= ep_id;
        end
    end
end

// ================================================================ registers (BAR0 and CSR bank 3)
wire [31:0] reg_s [0:PCIE_REG_DWORDS-1];     // stored
wire [31:0] reg_q [0:PCIE_REG_DWORDS-1];     // as read: stored | derived
wire [PCIE_REG_DWORDS-1:0] staged_any;

wire [31:0] irq_pending = reg_s[PCIE_REG_IRQ_PENDING];
wire [31:0] irq_enable  = reg_s[PCIE_REG_IRQ_ENABLE];
assign irq = (irq_pending & irq_enable) != 32'd0;

// causes raised this cycle
wire doorbell = commit & staged_any[PCIE_REG_DOORBELL];
reg  [3:0] raise_cause;
always @(*) begin
    raise_cause = 4'd0;
    raise_cause[PCIE_IRQ_DOORBELL]      = doorbell;
    raise_cause[PCIE_IRQ_DMA_DONE]      = dma_finish & dma_error == 4'd0;
    raise_cause[PCIE_IRQ_DMA_ERROR]     = dma_finish & dma_error != 4'd0;
    raise_cause[PCIE_IRQ_TRAFFIC_ERROR] = (cnt_inc & PCIE_CNT_TRAFFIC_ERRORS) != 0;
end

// STATUS and DMA_STATUS.BUSY are views of IRQ_PENDING and the DMA engine. (A
// function sees only its arguments: event-driven simulators re-evaluate a call
// when those change.)
function [31:0] derived(input integer dw, input [31:0] pending, input busy);
begin
    derived = 32'd0;
    if (dw == PCIE_REG_STATUS) begin
        derived[PCIE_REG_STATUS_DOORBELL_PENDING_LSB] = pending[PCIE_IRQ_DOORBELL];
        derived[PCIE_REG_STATUS_DMA_BUSY_LSB]         = busy;
        derived[PCIE_REG_STATUS_ERROR_LSB]            = pending[PCIE_IRQ_DMA_ERROR] | pending[PCIE_IRQ_TRAFFIC_ERROR];
    end
    if (dw == PCIE_REG_DMA_STATUS) derived[PCIE_REG_DMA_STATUS_BUSY_LSB] = busy;
end
endfunction

genvar gi;
generate
for (gi = 0; gi < PCIE_REG_DWORDS; gi = gi + 1) begin : r
    localparam [31:0] RESET    = pcie_reg_reset(gi);
    localparam [31:0] HOST_RW  = pcie_reg_host_rw(gi);
    localparam [31:0] HOST_W1C = pcie_reg_host_w1c(gi);
    localparam [31:0] FW_RW    = pcie_reg_fw_rw(gi);
    localparam [31:0] FW_W1C   = pcie_reg_fw_w1c(gi);
    localparam        HOST_WRITABLE = (HOST_RW | HOST_W1C) != 32'd0;
    reg  [31:0] q;
    wire [31:0] host_v, host_bytes;
    if (HOST_WRITABLE) begin : staged
        reg [31:0] v;
        reg [3:0]  be;
        always @(posedge clk) begin
            if (rst | decide | starts) be <= 4'd0;
            else if (stage_beat & stage_idx == gi) begin
                v  <= swap32(beat);
                be <= stage_be;
            end
        end
        assign host_v     = v;
        assign host_bytes = {{8{be[3]}}, {8{be[2]}}, {8{be[1]}}, {8{be[0]}}};
    end else begin : unstaged
        assign host_v     = 32'd0;
        assign host_bytes = 32'd0;
    end
    assign staged_any[gi] = host_bytes != 32'd0;
    wire count_here;
    if (gi >= PCIE_REG_COUNTERS && gi < PCIE_REG_COUNTERS + PCIE_REG_COUNTER_COUNT) begin : counter
        assign count_here = cnt_inc[gi - PCIE_REG_COUNTERS];
    end else begin : other
        assign count_here = 1'b0;
    end

    reg [31:0] nx;
    always @(*) begin
        nx = q;
        // the host's write (a BAR0 MWr applied in its DECIDE cycle)
        if (commit) nx = (nx & ~(HOST_RW & host_bytes) & ~(HOST_W1C & host_bytes & host_v)) | (host_v & HOST_RW & host_bytes);
        // then the firmware's, in the same cycle
        if (we & adr[6:0] == gi) nx = (nx & ~FW_RW & ~(FW_W1C & dat_w)) | (dat_w & FW_RW);
        // then the hardware's: counters, latches, causes (a cause raised wins over its clearing)
        if (count_here & nx != 32'hFFFF_FFFF) nx = nx + 32'd1;
        if (gi == PCIE_REG_DOORBELL_CYCLE_LO && doorbell) nx = cycle_q[31:0];
        if (gi == PCIE_REG_DOORBELL_CYCLE_HI && doorbell) nx = cycle_q[63:32];
        if (gi == PCIE_REG_MSI_CYCLE_LO && msi_start) nx = cycle_q[31:0];
        if (gi == PCIE_REG_MSI_CYCLE_HI && msi_start) nx = cycle_q[63:32];
        if (gi == PCIE_REG_DMA_STATUS && dma_finish) nx[PCIE_REG_DMA_STATUS_ERROR_LSB +: 4] = dma_error;
        if (gi == PCIE_REG_DMA_DONE_BYTES && dma_finish) nx = dma_done_bytes;
        if (gi == PCIE_REG_IRQ_PENDING) nx = nx | {28'd0, raise_cause};
    end
    always @(posedge clk) q <= rst ? RESET : nx;
    assign reg_s[gi] = q;
    assign reg_q[gi] = q | derived(gi, irq_pending, dma_busy);
end
endgenerate

assign dat_r = reg_q[adr[6:0]];


// ================================================================ configuration space storage
wire        cfg_we  = d_cfg_ok & hasdata;
wire [31:0] cfg_wv  = swap32(d3);            // CfgWr payload as a little-endian value
wire [31:0] cfg_wb  = {{8{fbe[3]}}, {8{fbe[2]}}, {8{fbe[1]}}, {8{fbe[0]}}};
generate
for (gi = 0; gi < PCIE_CFG_DWORDS; gi = gi + 1) begin : c
    localparam [31:0] RESET = pcie_cfg_reset(gi);
    localparam [31:0] RW    = pcie_cfg_rw(gi);
    localparam [31:0] W1C   = pcie_cfg_w1c(gi);
    reg [31:0] q, nx;
    always @(*) begin
        nx = q;
        if (cfg_we & cfg_reg == gi) nx = (nx & ~(RW & cfg_wb) & ~(W1C & cfg_wb & cfg_wv)) | (cfg_wv & RW & cfg_wb);
        if (gi == PCIE_CFG_STATUS_DETECTED_PARITY_ERROR_DW && raise_dpe) nx[PCIE_CFG_STATUS_DETECTED_PARITY_ERROR_LSB] = 1'b1;
        if (gi == PCIE_CFG_PCIE_DEVICE_STATUS_UNSUPPORTED_REQUEST_DW && raise_ur)
            nx[PCIE_CFG_PCIE_DEVICE_STATUS_UNSUPPORTED_REQUEST_LSB] = 1'b1;
        if (gi == PCIE_CFG_PCIE_DEVICE_STATUS_FATAL_ERROR_DW && raise_fatal)
            nx[PCIE_CFG_PCIE_DEVICE_STATUS_FATAL_ERROR_LSB] = 1'b1;
    end
    always @(posedge clk) q <= rst ? RESET : nx;
    assign cfg_q[gi] = q;
end
endgenerate

wire [31:0] cfg_rd = ({22'd0, cfg_reg} < PCIE_CFG_DWORDS) ? cfg_q[cfg_reg[5:0]] : 32'd0;

// ================================================================ DMA engine
// Started by a CSR write of DMA_CONTROL with START (ignored while busy), with
// the registers' values as that write leaves them. Checked first, in
// EndpointDMA's order: length 0 or a host range ending in the last 4 KiB of
// the 64-bit space (length); a local range outside device memory or, from the
// host, overlapping the protected range (local range); bus mastering off (bus
// master disabled). A Wishbone ERR ends the transfer with `local range`.
//
// Device to host: per piece of RequestRules.split by max payload size (never
// crossing 4 KiB), bus mastering checked again, the local words holding the
// piece's bytes read over Wishbone into the payload buffer, one MWr handed to
// the transmitter; done when the last MWr's last dword entered the crossing.
//
// Host to device: pieces split by max read request size, one MRd each, issued
// (EndpointDMA.issueReads) at the start and after every completion accepted,
// failed or poisoned and every timeout, for as long as a tag is free (32) and
// the completion buffer has room for the whole answer (CPL_BUFFER_BYTES, unless
// nothing is outstanding); the timeout runs from the cycle the transmitter
// takes the MRd. Completions are checked as Endpoint.completion and
// CompletionReassembler.accept do, their data kept per tag (a slot of 4 KiB)
// and written to device memory by Wishbone once the request is whole (the
// receiver waits for that write). Done when nothing is outstanding and nothing
// more will be issued.
localparam [2:0] D_IDLE = 3'd0, D_CHECK = 3'd1, D_PIECE = 3'd2, D_FETCH = 3'd3, D_SEND = 3'd4, D_FINISH = 3'd5,
                 D_READ = 3'd6;
reg  [2:0]  d_state;
reg         d_from;                           // host to device
reg  [31:0] d_local, d_len;
reg  [63:0] d_host, d_at, d_end;              // host byte addresses: next, end
reg  [3:0]  d_err;
reg  [31:0] d_done;
reg  [15:0] d_rid;                            // requester ID of the transfer's reads
// the current piece (device to host)
reg  [63:0] p_start, p_end;
reg  [10:0] p_entry, p_last;                  // payload-buffer entry being fetched, last one
reg  [31:0] p_word0;                          // local address of buffer entry 0
reg  [31:0] pbuf [0:1024];                    // local words of the piece, big-endian lanes

assign dma_busy       = d_state != D_IDLE;
assign dma_finish     = d_state == D_FINISH;
assign dma_error      = d_err;
assign dma_done_bytes = d_done;

wire dma_start = we & ({25'd0, adr[6:0]} == PCIE_REG_DMA_CONTROL) & dat_w[PCIE_REG_DMA_CONTROL_START_LSB] & ~dma_busy;

// start checks (on the registers as the START write left them)
/* verilator lint_off UNUSEDSIGNAL */
wire [32:0] d_local_end = {1'b0, d_local} + {1'b0, d_len};           // carry: past 2^32
wire [64:0] d_host_top  = {1'b0, d_host} + {33'd0, d_len} + 65'd4096; // carry: into the last 4 KiB
/* verilator lint_on UNUSEDSIGNAL */
wire [31:0] d_local_a   = {1'b0, d_local[30:0]};
function in_region(input [31:0] a, input [31:0] bytes, input [31:0] base, input [31:0] size);
    in_region = a >= base && {1'b0, a} + {1'b0, bytes} <= {1'b0, base} + {1'b0, size};
endfunction
wire d_local_ok = ~d_local_end[32] & (in_region(d_local_a, d_len, MEM0_BASE, MEM0_SIZE) | in_region(d_local_a, d_len, MEM1_BASE, MEM1_SIZE));
wire d_protected = PROT_SIZE != 32'd0 && {1'b0, PROT_BASE} < d_local_end && {1'b0, d_local} < {1'b0, PROT_BASE} + {1'b0, PROT_SIZE};

// the next piece: up to the next MPS- (writes) or MRRS-aligned (reads) host address
wire [2:0]  mrrs_code  = cfg_q[PCIE_CFG_PCIE_DEVICE_CONTROL_MAX_READ_REQUEST_SIZE_DW][PCIE_CFG_PCIE_DEVICE_CONTROL_MAX_READ_REQUEST_SIZE_LSB +: 3];
wire [12:0] mrrs_bytes = (mrrs_code > 3'd5) ? 13'd128 : (13'd128 << mrrs_code);
wire [12:0] d_limit    = d_from ? mrrs_bytes : mps_bytes;
wire [63:0] p_boundary = (d_at & ~{51'd0, d_limit - 13'd1}) + {51'd0, d_limit};
wire [63:0] p_next_end = (p_boundary < d_end) ? p_boundary : d_end;
// local byte of host byte h: h + (local - host); words of the piece's valid bytes
wire [31:0] d_delta    = d_local - d_host[31:0];
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] p_lo_local = d_at[31:0] + d_delta;                // word addresses used
wire [31:0] p_hi_local = p_next_end[31:0] - 32'd1 + d_delta;
/* verilator lint_on UNUSEDSIGNAL */
wire [31:0] p_w0       = ({d_at[31:2], 2'b00} + d_delta) & 32'hFFFF_FFFC;

// ByteEnables.cover of a piece [start, end): dword address, dwords, First/Last BE
function [10:0] cover_dwords(input [1:0] start_lo, input [12:0] count);
    reg [12:0] span;
begin
    span = {11'd0, start_lo} + count;
    cover_dwords = span[12:2] + {10'd0, span[1:0] != 2'd0};
end
endfunction
function [7:0] cover_be(input [1:0] start_lo, input [1:0] end_lo, input one_dword);   // {Last BE, First BE}
    reg [3:0] f, l;
begin
    f = 4'hF << start_lo;
    l = (end_lo == 2'd0) ? 4'hF : ((4'd1 << end_lo) - 4'd1);
    cover_be = one_dword ? {4'd0, f & l} : {l, f};
end
endfunction

// the MWr of the current piece
wire [63:0] p_dwaddr = {p_start[63:2], 2'b00};
wire [12:0] p_lead   = {11'd0, p_start[1:0]};
wire [12:0] p_count  = p_end[12:0] - p_start[12:0];               // 1 ... 4096
wire [10:0] p_dwords = cover_dwords(p_start[1:0], p_count);
wire [7:0]  p_bes    = cover_be(p_start[1:0], p_end[1:0], p_dwords == 11'd1);
wire [3:0]  p_fbe    = p_bes[3:0];
wire [3:0]  p_lbe    = p_bes[7:4];
wire        p_4dw    = p_dwaddr[63:32] != 32'd0;
// payload dword i: local bytes from entry i at lane (delta & 3) on, invalid bytes 0
function [31:0] payload_dword(input [31:0] w0, input [31:0] w1, input [1:0] sh, input [12:0] first, input [12:0] lead,
                              input [12:0] count);
    /* verilator lint_off UNUSEDSIGNAL */
    reg [63:0] pair;                         // its top half is the dword
    /* verilator lint_on UNUSEDSIGNAL */
    reg [31:0] v;
    integer k;
begin
    pair = {w0, w1} << (8 * sh);
    v = pair[63:32];
    for (k = 0; k < 4; k = k + 1)
        if ({19'd0, first} + k < {19'd0, lead} || {19'd0, first} + k >= {19'd0, lead} + {19'd0, count})
            v[31 - 8 * k -: 8] = 8'd0;
    payload_dword = v;
end
endfunction

// ---------------------------------------------------------------- reads: tags
reg  [31:0] tg_pending;
reg  [31:0] tg_start    [0:31];              // the request's first host byte, bits 31:0
reg  [12:0] tg_count    [0:31];              // its bytes
reg  [12:0] tg_rem      [0:31];              // bytes still due (the next Byte Count)
reg  [12:0] tg_off      [0:31];              // next byte, from the request's dword address
reg  [63:0] tg_deadline [0:31];              // cycle from which it has timed out
reg  [13:0] rd_outstanding;                  // bytes of the requests outstanding
reg  [31:0] rbuf [0:32767];                  // per tag 1024 dwords of completion data, wire order
reg         rd_armed;                        // issueReads is running
wire [31:0] tg_expired;
genvar gt;
generate for (gt = 0; gt < 32; gt = gt + 1) begin : tg
    assign tg_expired[gt] = tg_pending[gt] & (tg_deadline[gt] <= cycle_q);
end endgenerate
function [5:0] lowest(input [31:0] v);       // {none, index}
    integer k;
begin
    lowest = 6'b100000;
    for (k = 31; k >= 0; k = k - 1) if (v[k]) lowest = k[5:0];
end
endfunction
wire [5:0]  free_tag   = lowest(~tg_pending);
wire [5:0]  expired    = lowest(tg_expired);
wire [12:0] rd_count   = p_next_end[12:0] - d_at[12:0];
wire [10:0] rd_dwords  = cover_dwords(d_at[1:0], rd_count);
wire [7:0]  rd_bes     = cover_be(d_at[1:0], p_next_end[1:0], rd_dwords == 11'd1);
wire        rd_room    = rd_outstanding == 14'd0 || {18'd0, rd_outstanding} + {19'd0, rd_count} <= CPL_BUFFER_BYTES;
wire        rd_more    = d_state == D_READ & d_err == 4'd0 & d_at != d_end;
wire        rd_req     = rd_armed & rd_more & bus_master & rd_room & ~free_tag[5];
wire        rd_taken;                        // the transmitter takes the MRd this cycle

// ---------------------------------------------------------------- reads: a completion decided
wire [4:0]  ct      = d2[12:8];
wire        c_match = d_state == D_READ & d2[15:13] == 3'd0 & tg_pending[ct] & d2[31:16] == d_rid;
wire [12:0] c_rem   = tg_rem[ct];
wire [12:0] c_off   = tg_off[ct];
wire [31:0] c_start = tg_start[ct];
wire [6:0]  c_next7 = {c_start[6:2], 2'b00} + c_off[6:0];       // nextAddress & 0x7F
wire [1:0]  c_lead  = c_off[1:0];
wire [12:0] c_plen  = hasdata ? {len[10:0], 2'b00} : 13'd0;     // payload bytes (1024 DW = 4096)
wire [12:0] c_valid3 = c_plen - {11'd0, d2[1:0]};
wire [5:0]  c_end3   = {d2[5:2], 2'b00} + c_plen[5:0];       // end of the data, mod 64
wire        c_mm3   = hasdata & cpl_status == 3'd0 & (c_plen > mps_bytes | (cpl_bc > c_valid3 & c_end3[5:0] != 6'd0));
wire [13:0] c_maxdw = ({12'd0, c_lead} + {1'b0, c_rem} + 14'd3) >> 2;
wire        c_mm5   = cpl_bc != c_rem | d2[6:0] != c_next7 | c_plen <= {11'd0, c_lead} | {3'd0, len} > c_maxdw;
wire [12:0] c_take  = (c_plen - {11'd0, c_lead} < c_rem) ? c_plen - {11'd0, c_lead} : c_rem;
assign c_unexpected = d_cpl & ~c_match;
assign c_poisoned   = d_cpl & c_match & ep;
assign c_mismatch   = d_cpl & c_match & ~ep & (c_mm3 | (cpl_status == 3'd0 & c_mm5));
assign c_failed     = d_cpl & c_match & ~ep & ~c_mm3 & cpl_status != 3'd0;
assign c_accepted   = d_cpl & c_match & ~ep & ~c_mm3 & cpl_status == 3'd0 & ~c_mm5;
assign c_whole      = c_accepted & c_take == c_rem;
assign c_timeout    = ~decide & d_state == D_READ & ~expired[5];

// completion data into the tag's slot as it arrives (position: the tag's next
// byte; a completion refused later leaves only bytes no accepted one has given yet)
wire        slot_beat = cont & fmt == 3'b010 & typ == 5'b01010 & n >= 11'd3 & d_state == D_READ & tg_pending[d2[12:8]]
                      & d2[15:13] == 3'd0;
wire [11:0] slot_idx  = {1'b0, tg_off[d2[12:8]][12:2]} + {1'b0, n - 11'd3};
always @(posedge clk) if (slot_beat & ~slot_idx[11] & ~slot_idx[10]) rbuf[{d2[12:8], slot_idx[9:0]}] <= beat;

// ---------------------------------------------------------------- reads: writing a whole request back
reg         wb_active;
reg  [4:0]  wb_tag;
reg  [14:0] wb_lstart;                       // local first byte, bits 14:0 (offsets only)
reg  [31:0] wb_w, wb_wlast;                  // local: current word, last word
reg  [12:0] wb_count;
reg  [1:0]  wb_lo;                           // the request's first byte within its dword
wire [14:0] wb_rel  = wb_w[14:0] - wb_lstart;   // -3 ... count + 3 (two's complement)
wire [11:0] wb_rr   = {10'd0, wb_lo} + wb_rel[11:0] + 12'd4;       // byte after the dword address, + 4
wire [9:0]  wb_i    = wb_rr[11:2];
wire [31:0] wb_word = payload_dword(rbuf[{wb_tag, wb_i - 10'd1}], rbuf[{wb_tag, wb_i}], wb_rr[1:0], 13'd0, 13'd0, 13'd4);
// lane j (the byte at wb_w + j, SEL bit 3 - j) is written when that byte is the request's
reg  [3:0]  wb_sel;
reg  [14:0] wb_t;
integer wj;
always @(*) begin
    wb_t = 15'd0;
    for (wj = 0; wj < 4; wj = wj + 1) begin
        wb_t = wb_rel + wj[14:0];
        wb_sel[3 - wj] = ~wb_t[14] & (wb_t[13:0] < {1'b0, wb_count});
    end
end

reg m_cyc_q;
assign m_cyc   = m_cyc_q;
assign m_stb   = m_cyc_q;
assign m_adr   = wb_active ? wb_w : p_word0 + {19'd0, p_entry, 2'b00};
assign m_we    = wb_active;
assign m_sel   = wb_active ? wb_sel : 4'hF;
assign m_cti   = 3'b000;
assign m_dat_w = wb_active ? wb_word : 32'd0;

integer ti;
always @(posedge clk) begin
    wb_done <= 1'b0;
    if (rst) begin
        d_state <= D_IDLE;
        d_from <= 1'b0; d_rid <= 16'd0;
        d_local <= 32'd0; d_len <= 32'd0; d_host <= 64'd0; d_at <= 64'd0; d_end <= 64'd0;
        d_err <= 4'd0; d_done <= 32'd0;
        p_start <= 64'd0; p_end <= 64'd0; p_entry <= 11'd0; p_last <= 11'd0; p_word0 <= 32'd0;
        m_cyc_q <= 1'b0;
        tg_pending <= 32'd0; rd_outstanding <= 14'd0; rd_armed <= 1'b0;
        wb_active <= 1'b0; wb_tag <= 5'd0; wb_lstart <= 15'd0; wb_w <= 32'd0; wb_wlast <= 32'd0;
        wb_count <= 13'd0; wb_lo <= 2'd0;
        for (ti = 0; ti < 32; ti = ti + 1) begin
            tg_start[ti] <= 32'd0; tg_count[ti] <= 13'd0; tg_rem[ti] <= 13'd0; tg_off[ti] <= 13'd0;
            tg_deadline[ti] <= 64'd0;
        end
    end else begin
        case (d_state)
        D_IDLE: if (dma_start) begin
            d_local <= reg_s[PCIE_REG_DMA_LOCAL];
            d_host  <= {reg_s[PCIE_REG_DMA_HOST_HI], reg_s[PCIE_REG_DMA_HOST_LO]};
            d_len   <= {8'd0, reg_s[PCIE_REG_DMA_LENGTH][PCIE_REG_DMA_LENGTH_BYTES_LSB +: PCIE_REG_DMA_LENGTH_BYTES_W]};
            d_from  <= dat_w[PCIE_REG_DMA_CONTROL_FROM_HOST_LSB];
            d_rid   <= ep_id;
            d_err   <= 4'd0;
            d_done  <= 32'd0;
            d_state <= D_CHECK;
        end
        D_CHECK: begin
            d_at  <= d_host;
            d_end <= d_host + {32'd0, d_len};
            if (d_len == 32'd0 || d_host_top[64]) begin
                d_err <= PCIE_DMA_ERROR_LENGTH; d_state <= D_FINISH;
            end else if (~d_local_ok | (d_from & d_protected)) begin
                d_err <= PCIE_DMA_ERROR_LOCAL_RANGE; d_state <= D_FINISH;
            end else if (~bus_master) begin
                d_err <= PCIE_DMA_ERROR_BUS_MASTER_DISABLED; d_state <= D_FINISH;
            end else if (d_from) begin
                rd_armed <= 1'b1;
                d_state <= D_READ;
            end else begin
                d_state <= D_PIECE;
            end
        end
        D_PIECE: begin
            if (d_at == d_end) begin
                d_state <= D_FINISH;
            end else if (~bus_master) begin
                d_err <= PCIE_DMA_ERROR_BUS_MASTER_DISABLED; d_state <= D_FINISH;
            end else begin
                p_start <= d_at;
                p_end   <= p_next_end;
                p_word0 <= p_w0;
                p_entry <= (p_lo_local[31:2] != p_w0[31:2]) ? 11'd1 : 11'd0;
                p_last  <= p_hi_local[12:2] - p_w0[12:2];
                m_cyc_q <= 1'b1;
                d_state <= D_FETCH;
            end
        end
        D_FETCH: if (m_ack | m_err) begin
            pbuf[p_entry] <= m_dat_r;
            p_entry <= p_entry + 11'd1;
            if (m_err) begin
                m_cyc_q <= 1'b0;
                d_err <= PCIE_DMA_ERROR_LOCAL_RANGE; d_state <= D_FINISH;
            end else if (p_entry == p_last) begin
                m_cyc_q <= 1'b0;
                d_state <= D_SEND;
            end
        end
        D_SEND: if (dma_tx_done) begin
            d_done  <= d_done + {19'd0, p_count};
            d_at    <= p_end;
            d_state <= D_PIECE;
        end
        D_READ: begin
            // issueReads: one MRd per cycle the transmitter takes one; stops when blocked
            if (rd_taken) begin
                tg_start[free_tag[4:0]]    <= d_at[31:0];
                tg_count[free_tag[4:0]]    <= rd_count;
                tg_rem[free_tag[4:0]]      <= rd_count;
                tg_off[free_tag[4:0]]      <= {11'd0, d_at[1:0]};
                tg_deadline[free_tag[4:0]] <= cycle_q + CPL_TIMEOUT_CYCLES;
                rd_outstanding <= rd_outstanding + {1'b0, rd_count};
                d_at <= p_next_end;
            end else if (rd_armed & rd_more & ~bus_master) begin
                d_err <= PCIE_DMA_ERROR_BUS_MASTER_DISABLED;
                rd_armed <= 1'b0;
            end else if (~rd_req) begin
                rd_armed <= 1'b0;
            end
            // the tag of a completion decided, or the lowest timed-out tag
            if (c_poisoned | c_failed | c_whole | c_timeout) begin
                tg_pending[c_timeout ? expired[4:0] : ct] <= 1'b0;
                rd_outstanding <= rd_outstanding - {1'b0, tg_count[c_timeout ? expired[4:0] : ct]}
                                + (rd_taken ? {1'b0, rd_count} : 14'd0);
            end
            if (rd_taken) tg_pending[free_tag[4:0]] <= 1'b1;
            if (c_accepted) begin
                tg_rem[ct] <= c_rem - c_take;
                tg_off[ct] <= c_off + c_take;
            end
            if (c_poisoned | c_failed | c_accepted | c_timeout) rd_armed <= 1'b1;
            if (d_err == 4'd0) begin
                if (c_poisoned) d_err <= PCIE_DMA_ERROR_POISONED;
                if (c_failed) d_err <= (cpl_status == 3'b100) ? PCIE_DMA_ERROR_COMPLETER_ABORT : PCIE_DMA_ERROR_UNSUPPORTED_REQUEST;
                if (c_timeout) d_err <= PCIE_DMA_ERROR_COMPLETION_TIMEOUT;
            end
            if (c_whole) begin
                d_done    <= d_done + {19'd0, tg_count[ct]};
                wb_active <= 1'b1;
                wb_tag    <= ct;
                wb_lstart <= c_start[14:0] + d_delta[14:0];
                wb_w      <= (c_start + d_delta) & 32'hFFFF_FFFC;
                wb_wlast  <= (c_start + d_delta + {19'd0, tg_count[ct]} - 32'd1) & 32'hFFFF_FFFC;
                wb_count  <= tg_count[ct];
                wb_lo     <= c_start[1:0];
                m_cyc_q   <= 1'b1;
            end
            if (wb_active & (m_ack | m_err)) begin
                wb_w <= wb_w + 32'd4;
                if (m_err & d_err == 4'd0) d_err <= PCIE_DMA_ERROR_LOCAL_RANGE;
                if (m_err | wb_w == wb_wlast) begin
                    wb_active <= 1'b0;
                    wb_done   <= 1'b1;
                    m_cyc_q   <= 1'b0;
                end
            end
            if (tg_pending == 32'd0 & ~wb_active & ~rd_taken & ~(rd_req) & (d_err != 4'd0 | d_at == d_end)
                & ~(c_poisoned | c_failed | c_accepted | c_timeout))
                d_state <= D_FINISH;
        end
        default: d_state <= D_IDLE;               // D_FINISH: registers and cause updated this cycle
        endcase
    end
end

// ================================================================ transmitter
// Jobs: one short TLP of up to five dwords (completions without data, the CplD
// of a configuration read, an MSI), or the completions of a BAR0 read, split
// as RequestRules.completions does: every completion but the last ends on the
// read completion boundary, each carries at most MPS bytes. A dword enters the
// crossing in every cycle it is not full.
reg  [31:0] t_dw [0:4];
reg  [2:0]  t_len, t_k;
reg         t_msi;                           // the short TLP is the endpoint's own (an MSI or a DMA MRd), not an answer
// BAR0 read completions
reg  [12:0] c_at, c_end, c_first;            // byte offsets in BAR0: next dword, end, first valid byte
reg  [12:0] c_remaining;                     // Byte Count of the next completion
reg  [12:0] c_vlast;                         // end of the valid bytes (first + Byte Count)
reg  [10:0] c_k;                             // dword of the current completion (0..2 header)
reg  [15:0] c_req;
reg  [7:0]  c_tag;
reg  [2:0]  c_tc;
reg  [1:0]  c_attr;

// byte count of a memory read (ByteEnables.byteCount) and its first valid byte offset
function [1:0] first_offset(input [3:0] be);
    first_offset = be[0] ? 2'd0 : be[1] ? 2'd1 : be[2] ? 2'd2 : be[3] ? 2'd3 : 2'd0;
endfunction
function [1:0] trailing_disabled(input [3:0] be);
    trailing_disabled = be[3] ? 2'd0 : be[2] ? 2'd1 : be[1] ? 2'd2 : be[0] ? 2'd3 : 2'd0;
endfunction
wire [12:0] rd_bytes = (len == 11'd1)
    ? ((fbe == 4'd0) ? 13'd1 : 13'd4 - {11'd0, first_offset(fbe)} - {11'd0, trailing_disabled(fbe)})
    : {len, 2'b00} - {11'd0, first_offset(fbe)} - {11'd0, trailing_disabled(lbe)};
wire [6:0]  rd_lower = {mem_addr_lo[6:2], first_offset(fbe)};   // 3DW: DW2, 4DW: DW3

// the current completion's extent
wire [12:0] c_rcb       = rcb128 ? 13'd128 : 13'd64;
wire [13:0] c_limit     = {1'b0, c_at} + {1'b0, mps_bytes};
wire [12:0] c_seg_end   = (c_limit >= {1'b0, c_end}) ? c_end : (c_limit[12:0] & ~(c_rcb - 13'd1));
wire [12:0] c_vstart    = (c_at > c_first) ? c_at : c_first;
wire [12:0] c_vend      = (c_seg_end < c_vlast) ? c_seg_end : c_vlast;
wire [10:0] c_dwords    = c_seg_end[12:2] - c_at[12:2];

// the BAR0 dword the current data beat carries: the shared block; the CSR-only block reads 0
wire [9:0]  c_dw   = c_at[11:2] + c_k[9:0] - 10'd3;
wire [31:0] c_data = ({22'd0, c_dw} < PCIE_REG_BAR0_DWORDS) ? reg_q[c_dw[6:0]] : 32'd0;

function [31:0] cpl_dw0(input hd, input [2:0] t, input [1:0] a, input [9:0] l);
    cpl_dw0 = {1'b0, hd, 1'b0, 5'b01010, 1'b0, t, 4'b0000, 2'b00, a, 2'b00, l};
endfunction

// An answer first, then a DMA write, then a DMA read request, then an MSI
// (which so follows the DMA writes requested before it).
wire   dma_tx_ready = d_state == D_SEND & ~dma_tx_done;
wire   t_free       = (t_state == T_IDLE) & (state != S_DECIDE);
assign dma_tx_start = t_free & dma_tx_ready;
assign rd_taken     = t_free & ~dma_tx_ready & rd_req;
assign msi_start    = t_free & ~dma_tx_ready & ~rd_req & (msi_pending != 4'd0);
reg  [10:0] q_k;                             // dword of the DMA MWr being offered
wire [10:0] q_hdr = p_4dw ? 11'd4 : 11'd3;
wire [10:0] q_i   = q_k - q_hdr;             // its payload dword
wire [31:0] q_payload = payload_dword(pbuf[q_i], pbuf[q_i + 11'd1], d_delta[1:0], {q_i, 2'b00}, p_lead, p_count);

always @(posedge clk) begin
    job_done <= 1'b0;
    dma_tx_done <= 1'b0;
    if (rst) begin
        t_state <= T_IDLE;
        t_len <= 3'd0; t_k <= 3'd0; t_msi <= 1'b0;
        q_k <= 11'd0;
        c_vlast <= 13'd0; c_at <= 13'd0; c_end <= 13'd0; c_first <= 13'd0; c_remaining <= 13'd0; c_k <= 11'd0;
        c_req <= 16'd0; c_tag <= 8'd0; c_tc <= 3'd0; c_attr <= 2'd0;
        t_dw[0] <= 32'd0; t_dw[1] <= 32'd0; t_dw[2] <= 32'd0; t_dw[3] <= 32'd0; t_dw[4] <= 32'd0;
    end else begin
        case (t_state)
        T_IDLE: begin
            if (decide) begin
                t_k <= 3'd0;
                t_msi <= 1'b0;
                if (d_unimpl) begin
                    // Cpl UR from DW1's requester and tag, Byte Count 4
                    t_dw[0] <= cpl_dw0(1'b0, 3'd0, 2'd0, 10'd0);
                    t_dw[1] <= {ep_id, 3'b001, 1'b0, 12'd4};
                    t_dw[2] <= {req_id, req_tag, 8'd0};
                    t_len <= 3'd3; t_state <= T_SHORT;
                end else if (d_cfg_ur | d_cfg_poison | d_cfg_ok) begin
                    t_dw[0] <= cpl_dw0(d_cfg_ok & ~hasdata, 3'd0, 2'd0, {9'd0, d_cfg_ok & ~hasdata});
                    t_dw[1] <= {cfg_target, d_cfg_ok ? 3'b000 : 3'b001, 1'b0, 12'd4};
                    t_dw[2] <= {req_id, req_tag, 8'd0};
                    t_dw[3] <= swap32(cfg_rd);
                    t_len <= (d_cfg_ok & ~hasdata) ? 3'd4 : 3'd3; t_state <= T_SHORT;
                end else if (d_mrd_ur) begin
                    t_dw[0] <= cpl_dw0(1'b0, tc, attr, 10'd0);
                    t_dw[1] <= {ep_id, 3'b001, 1'b0, rd_bytes[11:0]};
                    t_dw[2] <= {req_id, req_tag, 1'b0, rd_lower};
                    t_len <= 3'd3; t_state <= T_SHORT;
                end else if (d_mrd_bar) begin
                    c_at <= {1'b0, d2[11:2], 2'b00};
                    c_end <= {1'b0, d2[11:2], 2'b00} + {len, 2'b00};
                    c_first <= {1'b0, d2[11:2], first_offset(fbe)};
                    c_remaining <= rd_bytes;
                    c_vlast <= {1'b0, d2[11:2], first_offset(fbe)} + rd_bytes;
                    c_req <= req_id; c_tag <= req_tag; c_tc <= tc; c_attr <= attr;
                    c_k <= 11'd0;
                    t_state <= T_CPLD;
                end else begin
                    job_done <= ~c_whole;      // nothing to send (a whole DMA read: once written back)
                end
            end else if (dma_tx_start) begin
                q_k <= 11'd0;
                t_state <= T_DMA;
            end else if (rd_taken) begin
                t_k <= 3'd0;
                t_msi <= 1'b1;
                t_dw[0] <= {2'b00, d_at[63:32] != 32'd0, 5'b00000, 14'd0, rd_dwords[9:0]};
                t_dw[1] <= {d_rid, 3'b000, free_tag[4:0], rd_bes};
                if (d_at[63:32] != 32'd0) begin
                    t_dw[2] <= d_at[63:32];
                    t_dw[3] <= {d_at[31:2], 2'b00};
                    t_len <= 3'd4;
                end else begin
                    t_dw[2] <= {d_at[31:2], 2'b00};
                    t_len <= 3'd3;
                end
                t_state <= T_SHORT;
            end else if (msi_start) begin
                t_k <= 3'd0;
                t_msi <= 1'b1;
                if (msi_q_addr[63:32] != 32'd0) begin
                    t_dw[0] <= {3'b011, 5'b00000, 14'd0, 10'd1};
                    t_dw[1] <= {msi_q_id, 8'd0, 4'h0, 4'hF};
                    t_dw[2] <= msi_q_addr[63:32];
                    t_dw[3] <= msi_q_addr[31:0];
                    t_dw[4] <= {msi_q_data[7:0], msi_q_data[15:8], 16'd0};
                    t_len <= 3'd5;
                end else begin
                    t_dw[0] <= {3'b010, 5'b00000, 14'd0, 10'd1};
                    t_dw[1] <= {msi_q_id, 8'd0, 4'h0, 4'hF};
                    t_dw[2] <= msi_q_addr[31:0];
                    t_dw[3] <= {msi_q_data[7:0], msi_q_data[15:8], 16'd0};
                    t_len <= 3'd4;
                end
                t_state <= T_SHORT;
            end
        end
        T_SHORT: if (~txq_full) begin
            t_k <= t_k + 3'd1;
            if (t_k == t_len - 3'd1) begin
                t_state <= T_IDLE;
                job_done <= ~t_msi;
            end
        end
        T_DMA: if (~txq_full) begin
            q_k <= q_k + 11'd1;
            if (q_k == q_hdr + p_dwords - 11'd1) begin
                t_state <= T_IDLE;
                dma_tx_done <= 1'b1;
            end
        end
        default: if (~txq_full) begin            // T_CPLD
            c_k <= c_k + 11'd1;
            if (c_k == c_dwords + 11'd2) begin
                c_k <= 11'd0;
                c_remaining <= c_remaining - (c_vend - c_vstart);
                c_at <= c_seg_end;
                if (c_seg_end == c_end) begin
                    t_state <= T_IDLE;
                    job_done <= 1'b1;
                end
            end
        end
        endcase
    end
end

// the dword offered to the crossing this cycle
always @(*) begin
    txq_put  = 1'b0;
    txq_word = 34'd0;
    if (t_state == T_SHORT) begin
        txq_put  = 1'b1;
        txq_word = {t_k == 3'd0, t_k == t_len - 3'd1, t_dw[t_k]};
    end else if (t_state == T_DMA) begin
        txq_put = 1'b1;
        if (q_k == 11'd0)
            txq_word = {2'b10, 1'b0, 1'b1, p_4dw, 5'b00000, 14'd0, p_dwords[9:0]};
        else if (q_k == 11'd1)
            txq_word = {2'b00, ep_id, 8'd0, p_lbe, p_fbe};
        else if (q_k == 11'd2 && p_4dw)
            txq_word = {2'b00, p_dwaddr[63:32]};
        else if (q_k == q_hdr - 11'd1)
            txq_word = {2'b00, p_dwaddr[31:0]};
        else
            txq_word = {1'b0, q_k == q_hdr + p_dwords - 11'd1, q_payload};
    end else if (t_state == T_CPLD) begin
        txq_put = 1'b1;
        case (c_k)
        11'd0: txq_word = {2'b10, cpl_dw0(1'b1, c_tc, c_attr, c_dwords[9:0])};
        11'd1: txq_word = {2'b00, ep_id, 3'b000, 1'b0, c_remaining[11:0]};
        11'd2: txq_word = {2'b00, c_req, c_tag, 1'b0, c_vstart[6:0]};
        default: txq_word = {1'b0, c_k == c_dwords + 11'd2, swap32(c_data)};
        endcase
    end
end

endmodule
