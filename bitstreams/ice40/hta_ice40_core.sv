// hta_ice40_core: what fits an iCE40 UP5K (README.md): the link bridge with a
// 32-bit memory port on all 128 KiB of SPRAM, and the register loopback in
// place of the engine. Both board tops (UART, FT245) wrap it.
`default_nettype none

module hta_ice40_core #(
  parameter int ClkHz = 12_000_000
) (
  input  logic       clk_i,
  input  logic       rst_i,
  input  logic       rx_valid_i,
  output logic       rx_ready_o,
  input  logic [7:0] rx_data_i,
  output logic       tx_valid_o,
  input  logic       tx_ready_i,
  output logic [7:0] tx_data_o
);
  logic        l_awvalid, l_awready, l_wvalid, l_wready, l_bvalid, l_bready;
  logic        l_arvalid, l_arready, l_rvalid, l_rready;
  logic [11:0] l_awaddr, l_araddr;
  logic [31:0] l_wdata, l_rdata;
  logic [3:0]  l_wstrb;
  logic [1:0]  l_bresp, l_rresp;

  logic        m_awvalid, m_awready, m_wvalid, m_wready, m_wlast, m_bvalid, m_bready;
  logic        m_arvalid, m_arready, m_rvalid, m_rready, m_rlast;
  logic [63:0] m_awaddr, m_araddr;
  logic [7:0]  m_awlen, m_arlen;
  logic [31:0] m_wdata, m_rdata;
  logic [3:0]  m_wstrb;
  logic [1:0]  m_bresp, m_rresp;
  // Fixed burst attributes the single-slave memory does not need.
  logic [2:0]  unused_awsize, unused_arsize, unused_awprot, unused_arprot;
  logic [1:0]  unused_awburst, unused_arburst;
  logic [3:0]  unused_awcache, unused_arcache;

  hta_usb_bridge #(
    .MaxPayload(1024), .BusBits(32), .RxIdleCycles(1 << 20), .ClkHz(ClkHz),
    .HasEngine(1'b0)
  ) u_bridge (
    .clk_i, .rst_i,
    .rx_valid_i, .rx_ready_o, .rx_data_i,
    .tx_valid_o, .tx_ready_i, .tx_data_o,
    .m_axil_awvalid_o(l_awvalid), .m_axil_awready_i(l_awready), .m_axil_awaddr_o(l_awaddr),
    .m_axil_wvalid_o(l_wvalid), .m_axil_wready_i(l_wready), .m_axil_wdata_o(l_wdata),
    .m_axil_wstrb_o(l_wstrb), .m_axil_bvalid_i(l_bvalid), .m_axil_bready_o(l_bready),
    .m_axil_bresp_i(l_bresp), .m_axil_arvalid_o(l_arvalid), .m_axil_arready_i(l_arready),
    .m_axil_araddr_o(l_araddr), .m_axil_rvalid_i(l_rvalid), .m_axil_rready_o(l_rready),
    .m_axil_rdata_i(l_rdata), .m_axil_rresp_i(l_rresp),
    .m_axi_awvalid_o(m_awvalid), .m_axi_awready_i(m_awready), .m_axi_awaddr_o(m_awaddr),
    .m_axi_awlen_o(m_awlen), .m_axi_awsize_o(unused_awsize), .m_axi_awburst_o(unused_awburst),
    .m_axi_awcache_o(unused_awcache), .m_axi_awprot_o(unused_awprot),
    .m_axi_wvalid_o(m_wvalid), .m_axi_wready_i(m_wready), .m_axi_wdata_o(m_wdata),
    .m_axi_wstrb_o(m_wstrb), .m_axi_wlast_o(m_wlast),
    .m_axi_bvalid_i(m_bvalid), .m_axi_bready_o(m_bready), .m_axi_bresp_i(m_bresp),
    .m_axi_arvalid_o(m_arvalid), .m_axi_arready_i(m_arready), .m_axi_araddr_o(m_araddr),
    .m_axi_arlen_o(m_arlen), .m_axi_arsize_o(unused_arsize), .m_axi_arburst_o(unused_arburst),
    .m_axi_arcache_o(unused_arcache), .m_axi_arprot_o(unused_arprot),
    .m_axi_rvalid_i(m_rvalid), .m_axi_rready_o(m_rready), .m_axi_rdata_i(m_rdata),
    .m_axi_rresp_i(m_rresp), .m_axi_rlast_i(m_rlast)
  );

  hta_ice40_regs u_regs (
    .clk_i, .rst_i,
    .awvalid_i(l_awvalid), .awready_o(l_awready), .awaddr_i(l_awaddr),
    .wvalid_i(l_wvalid), .wready_o(l_wready), .wdata_i(l_wdata), .wstrb_i(l_wstrb),
    .bvalid_o(l_bvalid), .bready_i(l_bready), .bresp_o(l_bresp),
    .arvalid_i(l_arvalid), .arready_o(l_arready), .araddr_i(l_araddr),
    .rvalid_o(l_rvalid), .rready_i(l_rready), .rdata_o(l_rdata), .rresp_o(l_rresp)
  );

  hta_ice40_spram u_mem (
    .clk_i, .rst_i,
    .awvalid_i(m_awvalid), .awready_o(m_awready), .awaddr_i(m_awaddr), .awlen_i(m_awlen),
    .wvalid_i(m_wvalid), .wready_o(m_wready), .wdata_i(m_wdata), .wstrb_i(m_wstrb),
    .wlast_i(m_wlast), .bvalid_o(m_bvalid), .bready_i(m_bready), .bresp_o(m_bresp),
    .arvalid_i(m_arvalid), .arready_o(m_arready), .araddr_i(m_araddr), .arlen_i(m_arlen),
    .rvalid_o(m_rvalid), .rready_i(m_rready), .rdata_o(m_rdata), .rresp_o(m_rresp),
    .rlast_o(m_rlast)
  );
endmodule
