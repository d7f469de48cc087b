// SoCSim automaton coprocessor (CSR bank 2, IRQ 4), written for SoCSim after
// docs/automaton.md ("The device"), version 1, and the Swift model
// Sources/SoC/Milkymist/Coprocessor.swift, which is the specification of its
// timing: a check cycle after START, the state table read word by word, then
// one read per step, back to back, each read a single Wishbone beat held
// until its ACK (or ERR).
//
// CSR side as the other SoCSim CSR devices: a write (we, adr, dat_w presented
// during a cycle) lands at the edge ending that cycle and overrides the
// device's own update of that edge; dat_r is the register during the cycle
// (combinational). adr[5:0] is decoded (0x100 bytes, aliased through the bank).
//
//   0 CTRL (0 START wa, 1 ABORT wa, 2 IRQ_EN)   1 STATUS (0 BUSY, 1 DONE w1c, 15:8 ERROR)
//   2/3 NONCE_LO/HI   4 WINDOW_BASE [31:2]   5 WINDOW_WORDS   6 SOURCE [31:2]
//   7 STEPS   8 TABLE_ADDR [31:2]   9 STATES [6:0]   10 ENV_COUNT [4:0]
//   12/13 DIGEST_LO/HI (a, b)   14 FINAL_STATE [5:0]   15 STEPS_DONE   16 CYCLES
//   32..47 ENV0..ENV15
//
// The master reads BRAM and SDRAM only (the check cycle refuses anything
// else); bus words are big-endian lanes, the automaton's image words
// little-endian, so a window word is the bus word byte-swapped.
module socsim_automaton #(
    parameter [31:0] BRAM_BASE  = 32'h00000000,
    parameter [31:0] BRAM_SIZE  = 32'h00010000,
    parameter [31:0] SDRAM_BASE = 32'h40000000,
    parameter [31:0] SDRAM_SIZE = 32'h01000000
) (
    input  wire        clk,
    input  wire        rst,
    // CSR slave
    input  wire        we,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [9:0]  adr,             // [5:0] decoded
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [31:0] dat_w,
    output reg  [31:0] dat_r,
    output wire        irq,
    // Wishbone master (single reads)
    output wire        m_cyc,
    output wire        m_stb,
    output wire [31:0] m_adr,
    output wire        m_we,
    output wire [3:0]  m_sel,
    output wire [2:0]  m_cti,
    input  wire [31:0] m_dat_r,
    input  wire        m_ack,
    input  wire        m_err
);

localparam [1:0] IDLE = 2'd0, CHECK = 2'd1, TABLE = 2'd2, STEP = 2'd3;
localparam [7:0] E_NONE = 8'd0, E_ZERO_STEPS = 8'd1, E_WINDOW_LENGTH = 8'd2, E_WINDOW_RANGE = 8'd3,
                 E_ENV_COUNT = 8'd4, E_STATE_COUNT = 8'd5, E_TABLE_ADDRESS = 8'd6, E_TABLE_ENTRY = 8'd7,
                 E_BUS_ERROR = 8'd8, E_ABORTED = 8'd9;
localparam [31:0] MULTIPLIER = 32'h9E3779B1;

// ---------------------------------------------------------------- registers
reg        irq_en;
reg [31:0] nonce_lo, nonce_hi, window_words, steps;
reg [29:0] window_base, source, table_addr;
reg [6:0]  states;
reg [4:0]  env_count;
reg [31:0] env [0:15];

reg [1:0]  phase;
reg        done, abort_pending;
reg [7:0]  error;
reg [31:0] cycles;
reg [31:0] acc_a, acc_b, steps_done;
reg [5:0]  state;
reg [6:0]  k;                      // table word being read

// the state table: constant and descriptor fields per state
reg [31:0] const_mem [0:63];
reg [2:0]  op_mem    [0:63];
reg [4:0]  bit_mem   [0:63];
reg [5:0]  s0_mem    [0:63];
reg [5:0]  s1_mem    [0:63];

wire busy = (phase != IDLE);
assign irq = done & irq_en;

// ---------------------------------------------------------------- checks
wire [31:0] src_addr   = {1'b0, source[28:0], 2'b00};   // bit 31 ignored by decoding
wire [31:0] tab_addr   = {1'b0, table_addr[28:0], 2'b00};
wire [32:0] src_end    = {1'b0, src_addr} + {window_words[30:0], 2'b00} - 33'd1;  // N <= 2^30 when checked
wire [32:0] tab_end    = {1'b0, tab_addr} + {23'd0, states, 3'b000} - 33'd1;

/* verilator lint_off UNSIGNED */
function in_region;  // [first, last] inside BRAM or inside SDRAM
    input [31:0] first;
    input [32:0] last;
    begin
        in_region = (first >= BRAM_BASE && last <= {1'b0, BRAM_BASE} + {1'b0, BRAM_SIZE} - 33'd1)
                 || (first >= SDRAM_BASE && last <= {1'b0, SDRAM_BASE} + {1'b0, SDRAM_SIZE} - 33'd1);
    end
endfunction
/* verilator lint_on UNSIGNED */

wire words_pow2 = (window_words != 32'd0) && ((window_words & (window_words - 32'd1)) == 32'd0)
                  && !window_words[31];
wire [7:0] check_error =
      (steps == 32'd0)                      ? E_ZERO_STEPS
    : !words_pow2                           ? E_WINDOW_LENGTH
    : !in_region(src_addr, src_end)         ? E_WINDOW_RANGE
    : (env_count > 5'd16)                   ? E_ENV_COUNT
    : (states == 7'd0 || states > 7'd64)    ? E_STATE_COUNT
    : !in_region(tab_addr, tab_end)         ? E_TABLE_ADDRESS
    : E_NONE;

// ---------------------------------------------------------------- one step
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] index     = acc_a & (window_words - 32'd1);   // < 2^30
/* verilator lint_on UNUSEDSIGNAL */
wire [31:0] bound     = {window_base, 2'b00} + {index[29:0], 2'b00};
wire [31:0] read_addr = {source, 2'b00} + {index[29:0], 2'b00};
wire [31:0] word      = {m_dat_r[7:0], m_dat_r[15:8], m_dat_r[23:16], m_dat_r[31:24]};
wire [31:0] x         = word ^ bound;
wire [31:0] kc        = const_mem[state];
wire [2:0]  op        = op_mem[state];

function [31:0] rotl;
    input [31:0] v;
    input [4:0]  n;
    begin
        rotl = (v << n) | (v >> (6'd32 - {1'b0, n}));
    end
endfunction

wire [31:0] env_word = ({1'b0, kc[3:0]} < env_count) ? env[kc[3:0]] : 32'd0;
reg  [31:0] u;
always @(*) begin
    case (op)
    3'd0: u = (acc_a + x) ^ kc;                                 // ADD
    3'd1: u = (x - acc_a) ^ kc;                                 // SUB
    3'd2: u = (acc_a ^ x) + kc;                                 // XOR
    3'd3: u = rotl(acc_a, kc[4:0]) + (x ^ kc);                  // ROTL
    3'd4: u = (acc_a + {x[15:0], x[31:16]}) ^ kc;               // SWAP
    3'd5: u = (acc_a ^ (acc_a >> 11)) + (x ^ kc);               // XSH
    3'd6: u = (acc_a - {x[23:0], x[31:24]}) + kc;               // RSUB
    default: u = (acc_a + (x ^ kc)) ^ env_word;                 // ENV
    endcase
end
wire [31:0] v = u * MULTIPLIER;
wire [31:0] t = v ^ (v >> 16);
wire [5:0]  next_state = t[bit_mem[state]] ? s1_mem[state] : s0_mem[state];

// ---------------------------------------------------------------- master
wire reading = (phase == TABLE) || (phase == STEP);
assign m_cyc = reading;
assign m_stb = reading;
assign m_adr = (phase == TABLE) ? {table_addr, 2'b00} + {23'd0, k, 2'b00} : read_addr;
assign m_we  = 1'b0;
assign m_sel = 4'b1111;
assign m_cti = 3'b000;

// a descriptor word's fields, checked as it arrives
wire desc_ok = (m_dat_r[7:3] == 5'd0) && (m_dat_r[15:8] <= 8'd31)
             && (m_dat_r[23:16] < {1'b0, states}) && (m_dat_r[31:24] < {1'b0, states});

// the run ends at this edge (so an ABORT landing here has nothing to stop)
wire ends_now =
      (phase == CHECK) ? (abort_pending || check_error != E_NONE)
    : (phase == TABLE) ? ((m_ack | m_err) && (abort_pending || m_err || (k[0] && !desc_ok)))
    : (phase == STEP)  ? ((m_ack | m_err) && (abort_pending || m_err || steps_done + 32'd1 == steps))
    : 1'b0;

// ---------------------------------------------------------------- CSR read
always @(*) begin
    case (adr[5:0])
    6'd0:  dat_r = {29'd0, irq_en, 2'b00};
    6'd1:  dat_r = {16'd0, error, 6'd0, done, busy};
    6'd2:  dat_r = nonce_lo;
    6'd3:  dat_r = nonce_hi;
    6'd4:  dat_r = {window_base, 2'b00};
    6'd5:  dat_r = window_words;
    6'd6:  dat_r = {source, 2'b00};
    6'd7:  dat_r = steps;
    6'd8:  dat_r = {table_addr, 2'b00};
    6'd9:  dat_r = {25'd0, states};
    6'd10: dat_r = {27'd0, env_count};
    6'd12: dat_r = acc_a;
    6'd13: dat_r = acc_b;
    6'd14: dat_r = {26'd0, state};
    6'd15: dat_r = steps_done;
    6'd16: dat_r = cycles;
    default: dat_r = (adr[5:4] == 2'b10) ? env[adr[3:0]] : 32'd0;
    endcase
end

// ---------------------------------------------------------------- the edge
integer i;
always @(posedge clk) begin
    if (rst) begin
        irq_en <= 1'b0;
        nonce_lo <= 32'd0; nonce_hi <= 32'd0; window_words <= 32'd0; steps <= 32'd0;
        window_base <= 30'd0; source <= 30'd0; table_addr <= 30'd0; states <= 7'd0; env_count <= 5'd0;
        for (i = 0; i < 16; i = i + 1) env[i] <= 32'd0;
        phase <= IDLE; done <= 1'b0; abort_pending <= 1'b0; error <= E_NONE; cycles <= 32'd0;
        acc_a <= 32'd0; acc_b <= 32'd0; steps_done <= 32'd0; state <= 6'd0; k <= 7'd0;
    end else begin
        // the device's own update
        if (busy) cycles <= cycles + 32'd1;
        case (phase)
        CHECK:
            if (abort_pending) begin
                phase <= IDLE; done <= 1'b1; error <= E_ABORTED; abort_pending <= 1'b0;
            end else if (check_error != E_NONE) begin
                phase <= IDLE; done <= 1'b1; error <= check_error;
            end else begin
                phase <= TABLE; k <= 7'd0;
            end
        TABLE:
            if (m_ack | m_err) begin
                if (abort_pending) begin
                    phase <= IDLE; done <= 1'b1; error <= E_ABORTED; abort_pending <= 1'b0;
                end else if (m_err) begin
                    phase <= IDLE; done <= 1'b1; error <= E_BUS_ERROR;
                end else if (!k[0]) begin
                    const_mem[k[6:1]] <= m_dat_r;
                    k <= k + 7'd1;
                end else if (!desc_ok) begin
                    phase <= IDLE; done <= 1'b1; error <= E_TABLE_ENTRY;
                end else begin
                    op_mem[k[6:1]] <= m_dat_r[2:0];
                    bit_mem[k[6:1]] <= m_dat_r[12:8];
                    s0_mem[k[6:1]] <= m_dat_r[21:16];
                    s1_mem[k[6:1]] <= m_dat_r[29:24];
                    if ({1'b0, k} + 8'd1 == {states, 1'b0}) phase <= STEP;
                    else k <= k + 7'd1;
                end
            end
        STEP:
            if (m_ack | m_err) begin
                if (abort_pending) begin
                    phase <= IDLE; done <= 1'b1; error <= E_ABORTED; abort_pending <= 1'b0;
                end else if (m_err) begin
                    phase <= IDLE; done <= 1'b1; error <= E_BUS_ERROR;
                end else begin
                    acc_a <= acc_b ^ t;
                    acc_b <= acc_a;
                    state <= next_state;
                    steps_done <= steps_done + 32'd1;
                    if (steps_done + 32'd1 == steps) begin
                        phase <= IDLE; done <= 1'b1; error <= E_NONE;
                    end
                end
            end
        default: ;
        endcase

        // a CSR write lands here, over the update above
        if (we) begin
            case (adr[5:0])
            6'd0: begin
                irq_en <= dat_w[2];
                if (dat_w[1] && busy && !ends_now) abort_pending <= 1'b1;
                if (dat_w[0] && !busy) begin
                    phase <= CHECK; done <= 1'b0; error <= E_NONE; cycles <= 32'd0; abort_pending <= 1'b0;
                    acc_a <= nonce_lo; acc_b <= nonce_hi; state <= 6'd0; steps_done <= 32'd0;
                end
            end
            6'd1: if (dat_w[1]) done <= 1'b0;
            default: if (!busy) begin
                case (adr[5:0])
                6'd2:  nonce_lo <= dat_w;
                6'd3:  nonce_hi <= dat_w;
                6'd4:  window_base <= dat_w[31:2];
                6'd5:  window_words <= dat_w;
                6'd6:  source <= dat_w[31:2];
                6'd7:  steps <= dat_w;
                6'd8:  table_addr <= dat_w[31:2];
                6'd9:  states <= dat_w[6:0];
                6'd10: env_count <= dat_w[4:0];
                default: if (adr[5:4] == 2'b10) env[adr[3:0]] <= dat_w;
                endcase
            end
            endcase
        end
    end
end

endmodule
