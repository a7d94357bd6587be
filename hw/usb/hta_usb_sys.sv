// hta_usb_sys: an HTA system behind a byte-stream link: the link bridge
// (docs/usb-protocol.md) drives the engine's registers and shares the engine's
// memory port through a 2:1 AXI arbiter. This is the Verilator top that the
// emulated USB device runs, and the core a board top-level wraps.
//
// Ports (the AXI4 memory port has hta_top's m_axi_gmem names and widths, so
// the simulation's AXI memory model connects as it does to hta_top):
//   ap_clk, ap_rst_n      clock; reset, active low (synchronous, as hta_top)
//   rx_valid_i/ready_o/data_i   request bytes, host to device
//   tx_valid_o/ready_i/data_o   response bytes, device to host
//   m_axi_gmem_*          AXI4 master to memory (no IDs; in-order responses)
//   interrupt             hta_top's interrupt (ap_done when GIE/IER enable it)
// Memory addresses are the engine's device addresses: the bridge's MEM_WRITE /
// MEM_READ and the engine's PROG/DATA windows address the same memory.
`default_nettype none

module hta_usb_sys #(
  parameter int BusBits      = hta_cfg_pkg::BusBits,
  parameter int MaxPayload   = 1024,
  parameter int RxIdleCycles = 1 << 20,
  parameter int ClkHz        = 0
) (
  input  logic                  ap_clk,
  input  logic                  ap_rst_n,
  input  logic                  rx_valid_i,
  output logic                  rx_ready_o,
  input  logic [7:0]            rx_data_i,
  output logic                  tx_valid_o,
  input  logic                  tx_ready_i,
  output logic [7:0]            tx_data_o,
  output logic                  m_axi_gmem_awvalid,
  input  logic                  m_axi_gmem_awready,
  output logic [63:0]           m_axi_gmem_awaddr,
  output logic [7:0]            m_axi_gmem_awlen,
  output logic [2:0]            m_axi_gmem_awsize,
  output logic [1:0]            m_axi_gmem_awburst,
  output logic [3:0]            m_axi_gmem_awcache,
  output logic [2:0]            m_axi_gmem_awprot,
  output logic                  m_axi_gmem_wvalid,
  input  logic                  m_axi_gmem_wready,
  output logic [BusBits-1:0]    m_axi_gmem_wdata,
  output logic [BusBits/8-1:0]  m_axi_gmem_wstrb,
  output logic                  m_axi_gmem_wlast,
  input  logic                  m_axi_gmem_bvalid,
  output logic                  m_axi_gmem_bready,
  input  logic [1:0]            m_axi_gmem_bresp,
  output logic                  m_axi_gmem_arvalid,
  input  logic                  m_axi_gmem_arready,
  output logic [63:0]           m_axi_gmem_araddr,
  output logic [7:0]            m_axi_gmem_arlen,
  output logic [2:0]            m_axi_gmem_arsize,
  output logic [1:0]            m_axi_gmem_arburst,
  output logic [3:0]            m_axi_gmem_arcache,
  output logic [2:0]            m_axi_gmem_arprot,
  input  logic                  m_axi_gmem_rvalid,
  output logic                  m_axi_gmem_rready,
  input  logic [BusBits-1:0]    m_axi_gmem_rdata,
  input  logic [1:0]            m_axi_gmem_rresp,
  input  logic                  m_axi_gmem_rlast,
  output logic                  interrupt
);
  // Synchronous, active-high reset inside, as in hta_top (which keeps its own).
  logic rst = 1'b1;
  always_ff @(posedge ap_clk) rst <= !ap_rst_n;

  // Bridge to engine registers (AXI4-Lite).
  logic                  l_awvalid;
  logic                  l_awready;
  logic [11:0]           l_awaddr;
  logic                  l_wvalid;
  logic                  l_wready;
  logic [31:0]           l_wdata;
  logic [3:0]            l_wstrb;
  logic                  l_bvalid;
  logic                  l_bready;
  logic [1:0]            l_bresp;
  logic                  l_arvalid;
  logic                  l_arready;
  logic [11:0]           l_araddr;
  logic                  l_rvalid;
  logic                  l_rready;
  logic [31:0]           l_rdata;
  logic [1:0]            l_rresp;
  // Engine (e_) and bridge (b_) memory masters, before the arbiter.
  logic                  e_awvalid;
  logic                  e_awready;
  logic [63:0]           e_awaddr;
  logic [7:0]            e_awlen;
  logic [2:0]            e_awsize;
  logic [1:0]            e_awburst;
  logic [3:0]            e_awcache;
  logic [2:0]            e_awprot;
  logic                  e_wvalid;
  logic                  e_wready;
  logic [BusBits-1:0]    e_wdata;
  logic [BusBits/8-1:0]  e_wstrb;
  logic                  e_wlast;
  logic                  e_bvalid;
  logic                  e_bready;
  logic [1:0]            e_bresp;
  logic                  e_arvalid;
  logic                  e_arready;
  logic [63:0]           e_araddr;
  logic [7:0]            e_arlen;
  logic [2:0]            e_arsize;
  logic [1:0]            e_arburst;
  logic [3:0]            e_arcache;
  logic [2:0]            e_arprot;
  logic                  e_rvalid;
  logic                  e_rready;
  logic [BusBits-1:0]    e_rdata;
  logic [1:0]            e_rresp;
  logic                  e_rlast;
  logic                  b_awvalid;
  logic                  b_awready;
  logic [63:0]           b_awaddr;
  logic [7:0]            b_awlen;
  logic [2:0]            b_awsize;
  logic [1:0]            b_awburst;
  logic [3:0]            b_awcache;
  logic [2:0]            b_awprot;
  logic                  b_wvalid;
  logic                  b_wready;
  logic [BusBits-1:0]    b_wdata;
  logic [BusBits/8-1:0]  b_wstrb;
  logic                  b_wlast;
  logic                  b_bvalid;
  logic                  b_bready;
  logic [1:0]            b_bresp;
  logic                  b_arvalid;
  logic                  b_arready;
  logic [63:0]           b_araddr;
  logic [7:0]            b_arlen;
  logic [2:0]            b_arsize;
  logic [1:0]            b_arburst;
  logic [3:0]            b_arcache;
  logic [2:0]            b_arprot;
  logic                  b_rvalid;
  logic                  b_rready;
  logic [BusBits-1:0]    b_rdata;
  logic [1:0]            b_rresp;
  logic                  b_rlast;

  hta_usb_bridge #(
    .MaxPayload(MaxPayload), .BusBits(BusBits), .RxIdleCycles(RxIdleCycles),
    .ClkHz(ClkHz), .HasEngine(1'b1)
  ) u_bridge (
    .clk_i(ap_clk), .rst_i(rst),
    .rx_valid_i, .rx_ready_o, .rx_data_i,
    .tx_valid_o, .tx_ready_i, .tx_data_o,
    .m_axil_awvalid_o(l_awvalid),
    .m_axil_awready_i(l_awready),
    .m_axil_awaddr_o(l_awaddr),
    .m_axil_wvalid_o(l_wvalid),
    .m_axil_wready_i(l_wready),
    .m_axil_wdata_o(l_wdata),
    .m_axil_wstrb_o(l_wstrb),
    .m_axil_bvalid_i(l_bvalid),
    .m_axil_bready_o(l_bready),
    .m_axil_bresp_i(l_bresp),
    .m_axil_arvalid_o(l_arvalid),
    .m_axil_arready_i(l_arready),
    .m_axil_araddr_o(l_araddr),
    .m_axil_rvalid_i(l_rvalid),
    .m_axil_rready_o(l_rready),
    .m_axil_rdata_i(l_rdata),
    .m_axil_rresp_i(l_rresp),
    .m_axi_awvalid_o(b_awvalid),
    .m_axi_awready_i(b_awready),
    .m_axi_awaddr_o(b_awaddr),
    .m_axi_awlen_o(b_awlen),
    .m_axi_awsize_o(b_awsize),
    .m_axi_awburst_o(b_awburst),
    .m_axi_awcache_o(b_awcache),
    .m_axi_awprot_o(b_awprot),
    .m_axi_wvalid_o(b_wvalid),
    .m_axi_wready_i(b_wready),
    .m_axi_wdata_o(b_wdata),
    .m_axi_wstrb_o(b_wstrb),
    .m_axi_wlast_o(b_wlast),
    .m_axi_bvalid_i(b_bvalid),
    .m_axi_bready_o(b_bready),
    .m_axi_bresp_i(b_bresp),
    .m_axi_arvalid_o(b_arvalid),
    .m_axi_arready_i(b_arready),
    .m_axi_araddr_o(b_araddr),
    .m_axi_arlen_o(b_arlen),
    .m_axi_arsize_o(b_arsize),
    .m_axi_arburst_o(b_arburst),
    .m_axi_arcache_o(b_arcache),
    .m_axi_arprot_o(b_arprot),
    .m_axi_rvalid_i(b_rvalid),
    .m_axi_rready_o(b_rready),
    .m_axi_rdata_i(b_rdata),
    .m_axi_rresp_i(b_rresp),
    .m_axi_rlast_i(b_rlast)
  );

  hta_top #(.BusBits(BusBits)) u_top (
    .ap_clk, .ap_rst_n,
    .s_axi_control_awvalid(l_awvalid),
    .s_axi_control_awready(l_awready),
    .s_axi_control_awaddr(l_awaddr),
    .s_axi_control_wvalid(l_wvalid),
    .s_axi_control_wready(l_wready),
    .s_axi_control_wdata(l_wdata),
    .s_axi_control_wstrb(l_wstrb),
    .s_axi_control_bvalid(l_bvalid),
    .s_axi_control_bready(l_bready),
    .s_axi_control_bresp(l_bresp),
    .s_axi_control_arvalid(l_arvalid),
    .s_axi_control_arready(l_arready),
    .s_axi_control_araddr(l_araddr),
    .s_axi_control_rvalid(l_rvalid),
    .s_axi_control_rready(l_rready),
    .s_axi_control_rdata(l_rdata),
    .s_axi_control_rresp(l_rresp),
    .m_axi_gmem_awvalid(e_awvalid),
    .m_axi_gmem_awready(e_awready),
    .m_axi_gmem_awaddr(e_awaddr),
    .m_axi_gmem_awlen(e_awlen),
    .m_axi_gmem_awsize(e_awsize),
    .m_axi_gmem_awburst(e_awburst),
    .m_axi_gmem_awcache(e_awcache),
    .m_axi_gmem_awprot(e_awprot),
    .m_axi_gmem_wvalid(e_wvalid),
    .m_axi_gmem_wready(e_wready),
    .m_axi_gmem_wdata(e_wdata),
    .m_axi_gmem_wstrb(e_wstrb),
    .m_axi_gmem_wlast(e_wlast),
    .m_axi_gmem_bvalid(e_bvalid),
    .m_axi_gmem_bready(e_bready),
    .m_axi_gmem_bresp(e_bresp),
    .m_axi_gmem_arvalid(e_arvalid),
    .m_axi_gmem_arready(e_arready),
    .m_axi_gmem_araddr(e_araddr),
    .m_axi_gmem_arlen(e_arlen),
    .m_axi_gmem_arsize(e_arsize),
    .m_axi_gmem_arburst(e_arburst),
    .m_axi_gmem_arcache(e_arcache),
    .m_axi_gmem_arprot(e_arprot),
    .m_axi_gmem_rvalid(e_rvalid),
    .m_axi_gmem_rready(e_rready),
    .m_axi_gmem_rdata(e_rdata),
    .m_axi_gmem_rresp(e_rresp),
    .m_axi_gmem_rlast(e_rlast),
    .interrupt
  );

  hta_usb_axi_arb #(.BusBits(BusBits)) u_arb (
    .clk_i(ap_clk), .rst_i(rst),
    .s0_awvalid_i(e_awvalid), .s1_awvalid_i(b_awvalid), .m_awvalid_o(m_axi_gmem_awvalid),
    .s0_awready_o(e_awready), .s1_awready_o(b_awready), .m_awready_i(m_axi_gmem_awready),
    .s0_awaddr_i(e_awaddr), .s1_awaddr_i(b_awaddr), .m_awaddr_o(m_axi_gmem_awaddr),
    .s0_awlen_i(e_awlen), .s1_awlen_i(b_awlen), .m_awlen_o(m_axi_gmem_awlen),
    .s0_awsize_i(e_awsize), .s1_awsize_i(b_awsize), .m_awsize_o(m_axi_gmem_awsize),
    .s0_awburst_i(e_awburst), .s1_awburst_i(b_awburst), .m_awburst_o(m_axi_gmem_awburst),
    .s0_awcache_i(e_awcache), .s1_awcache_i(b_awcache), .m_awcache_o(m_axi_gmem_awcache),
    .s0_awprot_i(e_awprot), .s1_awprot_i(b_awprot), .m_awprot_o(m_axi_gmem_awprot),
    .s0_wvalid_i(e_wvalid), .s1_wvalid_i(b_wvalid), .m_wvalid_o(m_axi_gmem_wvalid),
    .s0_wready_o(e_wready), .s1_wready_o(b_wready), .m_wready_i(m_axi_gmem_wready),
    .s0_wdata_i(e_wdata), .s1_wdata_i(b_wdata), .m_wdata_o(m_axi_gmem_wdata),
    .s0_wstrb_i(e_wstrb), .s1_wstrb_i(b_wstrb), .m_wstrb_o(m_axi_gmem_wstrb),
    .s0_wlast_i(e_wlast), .s1_wlast_i(b_wlast), .m_wlast_o(m_axi_gmem_wlast),
    .s0_bvalid_o(e_bvalid), .s1_bvalid_o(b_bvalid), .m_bvalid_i(m_axi_gmem_bvalid),
    .s0_bready_i(e_bready), .s1_bready_i(b_bready), .m_bready_o(m_axi_gmem_bready),
    .s0_bresp_o(e_bresp), .s1_bresp_o(b_bresp), .m_bresp_i(m_axi_gmem_bresp),
    .s0_arvalid_i(e_arvalid), .s1_arvalid_i(b_arvalid), .m_arvalid_o(m_axi_gmem_arvalid),
    .s0_arready_o(e_arready), .s1_arready_o(b_arready), .m_arready_i(m_axi_gmem_arready),
    .s0_araddr_i(e_araddr), .s1_araddr_i(b_araddr), .m_araddr_o(m_axi_gmem_araddr),
    .s0_arlen_i(e_arlen), .s1_arlen_i(b_arlen), .m_arlen_o(m_axi_gmem_arlen),
    .s0_arsize_i(e_arsize), .s1_arsize_i(b_arsize), .m_arsize_o(m_axi_gmem_arsize),
    .s0_arburst_i(e_arburst), .s1_arburst_i(b_arburst), .m_arburst_o(m_axi_gmem_arburst),
    .s0_arcache_i(e_arcache), .s1_arcache_i(b_arcache), .m_arcache_o(m_axi_gmem_arcache),
    .s0_arprot_i(e_arprot), .s1_arprot_i(b_arprot), .m_arprot_o(m_axi_gmem_arprot),
    .s0_rvalid_o(e_rvalid), .s1_rvalid_o(b_rvalid), .m_rvalid_i(m_axi_gmem_rvalid),
    .s0_rready_i(e_rready), .s1_rready_i(b_rready), .m_rready_o(m_axi_gmem_rready),
    .s0_rdata_o(e_rdata), .s1_rdata_o(b_rdata), .m_rdata_i(m_axi_gmem_rdata),
    .s0_rresp_o(e_rresp), .s1_rresp_o(b_rresp), .m_rresp_i(m_axi_gmem_rresp),
    .s0_rlast_o(e_rlast), .s1_rlast_o(b_rlast), .m_rlast_i(m_axi_gmem_rlast)
  );
endmodule
