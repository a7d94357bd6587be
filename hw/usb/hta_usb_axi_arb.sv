// hta_usb_axi_arb: two AXI4 masters (no IDs) share one AXI4 slave: the engine
// (port 0) and the link bridge (port 1) reach the same memory.
//
// AR and AW are arbitrated round-robin; a grant is held while its address
// waits for ready (AXI forbids changing a pending address). Without IDs the
// slave answers in order, so the master number of every granted address goes
// into a queue (R: one; W and B: one each) and the response or write data at
// the head belongs to the master at the queue's head. A full queue only
// delays the next address, which AXI allows.
`default_nettype none

module hta_usb_axi_arb #(
  parameter int BusBits = 128,
  parameter int Depth   = 32   // addresses in flight per direction, power of two
) (
  input  logic                  clk_i,
  input  logic                  rst_i,
  // Slave port 0: the engine (hta_top m_axi_gmem).
  input  logic                  s0_awvalid_i,
  output logic                  s0_awready_o,
  input  logic [63:0]           s0_awaddr_i,
  input  logic [7:0]            s0_awlen_i,
  input  logic [2:0]            s0_awsize_i,
  input  logic [1:0]            s0_awburst_i,
  input  logic [3:0]            s0_awcache_i,
  input  logic [2:0]            s0_awprot_i,
  input  logic                  s0_wvalid_i,
  output logic                  s0_wready_o,
  input  logic [BusBits-1:0]    s0_wdata_i,
  input  logic [BusBits/8-1:0]  s0_wstrb_i,
  input  logic                  s0_wlast_i,
  output logic                  s0_bvalid_o,
  input  logic                  s0_bready_i,
  output logic [1:0]            s0_bresp_o,
  input  logic                  s0_arvalid_i,
  output logic                  s0_arready_o,
  input  logic [63:0]           s0_araddr_i,
  input  logic [7:0]            s0_arlen_i,
  input  logic [2:0]            s0_arsize_i,
  input  logic [1:0]            s0_arburst_i,
  input  logic [3:0]            s0_arcache_i,
  input  logic [2:0]            s0_arprot_i,
  output logic                  s0_rvalid_o,
  input  logic                  s0_rready_i,
  output logic [BusBits-1:0]    s0_rdata_o,
  output logic [1:0]            s0_rresp_o,
  output logic                  s0_rlast_o,
  // Slave port 1: the bridge.
  input  logic                  s1_awvalid_i,
  output logic                  s1_awready_o,
  input  logic [63:0]           s1_awaddr_i,
  input  logic [7:0]            s1_awlen_i,
  input  logic [2:0]            s1_awsize_i,
  input  logic [1:0]            s1_awburst_i,
  input  logic [3:0]            s1_awcache_i,
  input  logic [2:0]            s1_awprot_i,
  input  logic                  s1_wvalid_i,
  output logic                  s1_wready_o,
  input  logic [BusBits-1:0]    s1_wdata_i,
  input  logic [BusBits/8-1:0]  s1_wstrb_i,
  input  logic                  s1_wlast_i,
  output logic                  s1_bvalid_o,
  input  logic                  s1_bready_i,
  output logic [1:0]            s1_bresp_o,
  input  logic                  s1_arvalid_i,
  output logic                  s1_arready_o,
  input  logic [63:0]           s1_araddr_i,
  input  logic [7:0]            s1_arlen_i,
  input  logic [2:0]            s1_arsize_i,
  input  logic [1:0]            s1_arburst_i,
  input  logic [3:0]            s1_arcache_i,
  input  logic [2:0]            s1_arprot_i,
  output logic                  s1_rvalid_o,
  input  logic                  s1_rready_i,
  output logic [BusBits-1:0]    s1_rdata_o,
  output logic [1:0]            s1_rresp_o,
  output logic                  s1_rlast_o,
  // Master port: the memory.
  output logic                  m_awvalid_o,
  input  logic                  m_awready_i,
  output logic [63:0]           m_awaddr_o,
  output logic [7:0]            m_awlen_o,
  output logic [2:0]            m_awsize_o,
  output logic [1:0]            m_awburst_o,
  output logic [3:0]            m_awcache_o,
  output logic [2:0]            m_awprot_o,
  output logic                  m_wvalid_o,
  input  logic                  m_wready_i,
  output logic [BusBits-1:0]    m_wdata_o,
  output logic [BusBits/8-1:0]  m_wstrb_o,
  output logic                  m_wlast_o,
  input  logic                  m_bvalid_i,
  output logic                  m_bready_o,
  input  logic [1:0]            m_bresp_i,
  output logic                  m_arvalid_o,
  input  logic                  m_arready_i,
  output logic [63:0]           m_araddr_o,
  output logic [7:0]            m_arlen_o,
  output logic [2:0]            m_arsize_o,
  output logic [1:0]            m_arburst_o,
  output logic [3:0]            m_arcache_o,
  output logic [2:0]            m_arprot_o,
  input  logic                  m_rvalid_i,
  output logic                  m_rready_o,
  input  logic [BusBits-1:0]    m_rdata_i,
  input  logic [1:0]            m_rresp_i,
  input  logic                  m_rlast_i
);
  // ------------------------------------------------------------ read
  logic ar_lock_q, ar_sel_q, ar_last_q, ar_sel, ar_fire;
  logic rq_id, rq_empty, rq_full, r_fire;

  always_comb begin
    if (ar_lock_q)                     ar_sel = ar_sel_q;
    else if (s0_arvalid_i && s1_arvalid_i) ar_sel = !ar_last_q;
    else                               ar_sel = s1_arvalid_i;
  end

  assign m_arvalid_o  = !rq_full && (ar_sel ? s1_arvalid_i : s0_arvalid_i);
  assign m_araddr_o   = ar_sel ? s1_araddr_i  : s0_araddr_i;
  assign m_arlen_o    = ar_sel ? s1_arlen_i   : s0_arlen_i;
  assign m_arsize_o   = ar_sel ? s1_arsize_i  : s0_arsize_i;
  assign m_arburst_o  = ar_sel ? s1_arburst_i : s0_arburst_i;
  assign m_arcache_o  = ar_sel ? s1_arcache_i : s0_arcache_i;
  assign m_arprot_o   = ar_sel ? s1_arprot_i  : s0_arprot_i;
  assign s0_arready_o = !rq_full && !ar_sel && m_arready_i;
  assign s1_arready_o = !rq_full && ar_sel && m_arready_i;
  assign ar_fire      = m_arvalid_o && m_arready_i;

  hta_usb_idq #(.Depth(Depth)) u_rq (
    .clk_i, .rst_i,
    .push_i(ar_fire), .id_i(ar_sel), .pop_i(r_fire && m_rlast_i),
    .id_o(rq_id), .empty_o(rq_empty), .full_o(rq_full)
  );

  assign m_rready_o   = !rq_empty && (rq_id ? s1_rready_i : s0_rready_i);
  assign s0_rvalid_o  = m_rvalid_i && !rq_empty && !rq_id;
  assign s1_rvalid_o  = m_rvalid_i && !rq_empty && rq_id;
  assign s0_rdata_o   = m_rdata_i;
  assign s1_rdata_o   = m_rdata_i;
  assign s0_rresp_o   = m_rresp_i;
  assign s1_rresp_o   = m_rresp_i;
  assign s0_rlast_o   = m_rlast_i;
  assign s1_rlast_o   = m_rlast_i;
  assign r_fire       = m_rvalid_i && m_rready_o;

  // ------------------------------------------------------------ write
  logic aw_lock_q, aw_sel_q, aw_last_q, aw_sel, aw_fire, aw_full;
  logic wq_id, wq_empty, wq_full, bq_id, bq_empty, bq_full, w_fire, b_fire;

  always_comb begin
    if (aw_lock_q)                     aw_sel = aw_sel_q;
    else if (s0_awvalid_i && s1_awvalid_i) aw_sel = !aw_last_q;
    else                               aw_sel = s1_awvalid_i;
  end

  assign aw_full      = wq_full || bq_full;
  assign m_awvalid_o  = !aw_full && (aw_sel ? s1_awvalid_i : s0_awvalid_i);
  assign m_awaddr_o   = aw_sel ? s1_awaddr_i  : s0_awaddr_i;
  assign m_awlen_o    = aw_sel ? s1_awlen_i   : s0_awlen_i;
  assign m_awsize_o   = aw_sel ? s1_awsize_i  : s0_awsize_i;
  assign m_awburst_o  = aw_sel ? s1_awburst_i : s0_awburst_i;
  assign m_awcache_o  = aw_sel ? s1_awcache_i : s0_awcache_i;
  assign m_awprot_o   = aw_sel ? s1_awprot_i  : s0_awprot_i;
  assign s0_awready_o = !aw_full && !aw_sel && m_awready_i;
  assign s1_awready_o = !aw_full && aw_sel && m_awready_i;
  assign aw_fire      = m_awvalid_o && m_awready_i;

  hta_usb_idq #(.Depth(Depth)) u_wq (
    .clk_i, .rst_i,
    .push_i(aw_fire), .id_i(aw_sel), .pop_i(w_fire && m_wlast_o),
    .id_o(wq_id), .empty_o(wq_empty), .full_o(wq_full)
  );
  hta_usb_idq #(.Depth(Depth)) u_bq (
    .clk_i, .rst_i,
    .push_i(aw_fire), .id_i(aw_sel), .pop_i(b_fire),
    .id_o(bq_id), .empty_o(bq_empty), .full_o(bq_full)
  );

  // W beats go in address order: only the master at the head may send.
  assign m_wvalid_o   = !wq_empty && (wq_id ? s1_wvalid_i : s0_wvalid_i);
  assign m_wdata_o    = wq_id ? s1_wdata_i : s0_wdata_i;
  assign m_wstrb_o    = wq_id ? s1_wstrb_i : s0_wstrb_i;
  assign m_wlast_o    = wq_id ? s1_wlast_i : s0_wlast_i;
  assign s0_wready_o  = !wq_empty && !wq_id && m_wready_i;
  assign s1_wready_o  = !wq_empty && wq_id && m_wready_i;
  assign w_fire       = m_wvalid_o && m_wready_i;

  assign m_bready_o   = !bq_empty && (bq_id ? s1_bready_i : s0_bready_i);
  assign s0_bvalid_o  = m_bvalid_i && !bq_empty && !bq_id;
  assign s1_bvalid_o  = m_bvalid_i && !bq_empty && bq_id;
  assign s0_bresp_o   = m_bresp_i;
  assign s1_bresp_o   = m_bresp_i;
  assign b_fire       = m_bvalid_i && m_bready_o;

  // ------------------------------------------------------------ grants
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      ar_lock_q <= 1'b0;
      aw_lock_q <= 1'b0;
      ar_last_q <= 1'b1;
      aw_last_q <= 1'b1;
    end else begin
      ar_lock_q <= m_arvalid_o && !m_arready_i;
      aw_lock_q <= m_awvalid_o && !m_awready_i;
      if (ar_fire) ar_last_q <= ar_sel;
      if (aw_fire) aw_last_q <= aw_sel;
    end
    ar_sel_q <= ar_sel;
    aw_sel_q <= aw_sel;
  end

`ifndef SYNTHESIS  // Yosys 0.23 parses no assertions
  always_ff @(posedge clk_i) begin
    if (!rst_i && m_rvalid_i) assert (!rq_empty) else $error("hta_usb_axi_arb: R with no read");
    if (!rst_i && m_bvalid_i) assert (!bq_empty) else $error("hta_usb_axi_arb: B with no write");
  end
`endif
endmodule
