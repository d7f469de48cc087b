// SoCSim: the CPU's observation ports, shared by socsim_tb_top and
// socsim_soc_top (`include inside their port lists) so that the bridge's
// observe() reads the same names with the same meaning from both. Both
// Wishbone ports are as the CPU sees them. Every output describes the
// current cycle.
    // instruction Wishbone port as seen by the CPU (and on the bus)
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

    // data Wishbone port as seen by the CPU (and on the bus)
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
