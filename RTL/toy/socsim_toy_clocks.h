/* The clock ports of RTL/toy/socsim_toy_top.v in domain order (the order
 * SoCDescription.clocks declares the domains in), for clocked_bridge.cpp. */
#define SOCSIM_TOP_CLOCKS(X) X(sys_clk) X(pcie_user_clk)
