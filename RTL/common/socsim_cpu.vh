// SoCSim: the LM32 instance shared by socsim_tb_top and socsim_soc_top,
// wired to their Wishbone ports (socsim_cpu_ports.vh). The including module
// defines SOCSIM_CPU_RST (the CPU's reset) and SOCSIM_CPU_IRQ (its interrupt
// lines) first.
lm32_top lm32 (
    .clk_i      (clk),
    .rst_i      (`SOCSIM_CPU_RST),
    .interrupt  (`SOCSIM_CPU_IRQ),
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
