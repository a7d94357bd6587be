// hta_top: the HTA accelerator as a Vitis RTL kernel (ap_ctrl_hs).
// s_axi_control: registers (hw/config/regmap.cfg); m_axi_gmem: program and
// data windows; interrupt: ap_done. See docs/architecture.md.
`default_nettype none

module hta_top #(
  parameter int BusBits = hta_cfg_pkg::BusBits
) (
  input  logic               ap_clk,
  input  logic               ap_rst_n,
  // AXI4-Lite slave
  input  logic               s_axi_control_awvalid,
  output logic               s_axi_control_awready,
  input  logic [11:0]        s_axi_control_awaddr,
  input  logic               s_axi_control_wvalid,
  output logic               s_axi_control_wready,
  input  logic [31:0]        s_axi_control_wdata,
  input  logic [3:0]         s_axi_control_wstrb,
  output logic               s_axi_control_bvalid,
  input  logic               s_axi_control_bready,
  output logic [1:0]         s_axi_control_bresp,
  input  logic               s_axi_control_arvalid,
  output logic               s_axi_control_arready,
  input  logic [11:0]        s_axi_control_araddr,
  output logic               s_axi_control_rvalid,
  input  logic               s_axi_control_rready,
  output logic [31:0]        s_axi_control_rdata,
  output logic [1:0]         s_axi_control_rresp,
  // AXI4 master
  output logic               m_axi_gmem_awvalid,
  input  logic               m_axi_gmem_awready,
  output logic [63:0]        m_axi_gmem_awaddr,
  output logic [7:0]         m_axi_gmem_awlen,
  output logic [2:0]         m_axi_gmem_awsize,
  output logic [1:0]         m_axi_gmem_awburst,
  output logic [3:0]         m_axi_gmem_awcache,
  output logic [2:0]         m_axi_gmem_awprot,
  output logic               m_axi_gmem_wvalid,
  input  logic               m_axi_gmem_wready,
  output logic [BusBits-1:0] m_axi_gmem_wdata,
  output logic [BusBits/8-1:0] m_axi_gmem_wstrb,
  output logic               m_axi_gmem_wlast,
  input  logic               m_axi_gmem_bvalid,
  output logic               m_axi_gmem_bready,
  input  logic [1:0]         m_axi_gmem_bresp,
  output logic               m_axi_gmem_arvalid,
  input  logic               m_axi_gmem_arready,
  output logic [63:0]        m_axi_gmem_araddr,
  output logic [7:0]         m_axi_gmem_arlen,
  output logic [2:0]         m_axi_gmem_arsize,
  output logic [1:0]         m_axi_gmem_arburst,
  output logic [3:0]         m_axi_gmem_arcache,
  output logic [2:0]         m_axi_gmem_arprot,
  input  logic               m_axi_gmem_rvalid,
  output logic               m_axi_gmem_rready,
  input  logic [BusBits-1:0] m_axi_gmem_rdata,
  input  logic [1:0]         m_axi_gmem_rresp,
  input  logic               m_axi_gmem_rlast,
  output logic               interrupt
);
  localparam int NumRd = hta_pkg::NumRdClients;

  // Synchronous, active-high reset inside (UG901); ap_rst_n stays at the top.
  // It powers up asserted (an FPGA register initial value), so nothing runs
  // and no assertion looks at state before the first reset.
  logic rst = 1'b1;
  always_ff @(posedge ap_clk) rst <= !ap_rst_n;

  // Full-width INCR bursts, normal non-cacheable bufferable, data access.
  assign m_axi_gmem_awsize  = 3'($clog2(BusBits / 8));
  assign m_axi_gmem_arsize  = 3'($clog2(BusBits / 8));
  assign m_axi_gmem_awburst = 2'b01;
  assign m_axi_gmem_arburst = 2'b01;
  assign m_axi_gmem_awcache = 4'b0011;
  assign m_axi_gmem_arcache = 4'b0011;
  assign m_axi_gmem_awprot  = 3'b000;
  assign m_axi_gmem_arprot  = 3'b000;

  // ------------------------------------------------------------ signals
  logic        start, busy, done, abort;
  logic [63:0] prog_base, prog_size, data_base, data_size;
  logic [7:0]  err_code;
  logic [31:0] err_info, layers_done;
  logic [63:0] err_addr;
  logic [15:0] layer;
  logic        log_we;
  logic [15:0] log_idx;
  logic [31:0] log_cycles;

  logic [NumRd-1:0]    rq_valid, rq_ready, rq_win, rd_valid;
  logic [NumRd*32-1:0] rq_off;
  logic [NumRd*8-1:0]  rq_beats;
  logic [BusBits-1:0]  rd_data;
  logic        rd_idle, rd_err_window, rd_err_resp;
  logic [63:0] rd_err_addr;
  logic [31:0] rd_beats;

  logic        ev_mac_step, ev_add_step, ev_mem_stall, ev_drain_stall;
  logic [15:0] ev_mac_ops, ev_add_ops, ev_bytes_wr;
  logic [63:0] cnt_cycles_q, cnt_mac_busy_q, cnt_add_busy_q, cnt_mem_stall_q;
  logic [63:0] cnt_bytes_rd_q, cnt_bytes_wr_q, cnt_mac_ops_q, cnt_add_ops_q;
  logic [63:0] cnt_drain_stall_q;
  // engine v2's phases (docs/engine-v2.md, "Where the cycles go"); 0 on v1
  logic        ev_v2_fetch, ev_v2_wload, ev_v2_xload, ev_v2_run, ev_v2_tail;
  logic [63:0] cnt_v2_fetch_q, cnt_v2_wload_q, cnt_v2_xload_q, cnt_v2_run_q, cnt_v2_tail_q;

  // ------------------------------------------------------------ registers
  hta_axil_regs u_regs (
    .clk_i(ap_clk), .rst_i(rst),
    .awvalid_i(s_axi_control_awvalid), .awready_o(s_axi_control_awready),
    .awaddr_i (s_axi_control_awaddr),
    .wvalid_i (s_axi_control_wvalid),  .wready_o (s_axi_control_wready),
    .wdata_i  (s_axi_control_wdata),   .wstrb_i  (s_axi_control_wstrb),
    .bvalid_o (s_axi_control_bvalid),  .bready_i (s_axi_control_bready),
    .bresp_o  (s_axi_control_bresp),
    .arvalid_i(s_axi_control_arvalid), .arready_o(s_axi_control_arready),
    .araddr_i (s_axi_control_araddr),
    .rvalid_o (s_axi_control_rvalid),  .rready_i (s_axi_control_rready),
    .rdata_o  (s_axi_control_rdata),   .rresp_o  (s_axi_control_rresp),
    .interrupt_o(interrupt),
    .start_o(start),
    .prog_base_o(prog_base), .prog_size_o(prog_size),
    .data_base_o(data_base), .data_size_o(data_size),
    .done_i(done), .busy_i(busy),
    .err_code_i(err_code), .layer_i(layer), .err_info_i(err_info), .err_addr_i(err_addr),
    .cycles_i(cnt_cycles_q), .mac_busy_i(cnt_mac_busy_q), .add_busy_i(cnt_add_busy_q),
    .mem_stall_i(cnt_mem_stall_q), .bytes_rd_i(cnt_bytes_rd_q), .bytes_wr_i(cnt_bytes_wr_q),
    .layers_done_i(layers_done), .mac_ops_i(cnt_mac_ops_q), .add_ops_i(cnt_add_ops_q),
    .drain_stall_i(cnt_drain_stall_q),
    .v2_fetch_i(cnt_v2_fetch_q), .v2_wload_i(cnt_v2_wload_q), .v2_xload_i(cnt_v2_xload_q),
    .v2_run_i(cnt_v2_run_q), .v2_tail_i(cnt_v2_tail_q),
    .log_we_i(log_we), .log_idx_i(log_idx), .log_cycles_i(log_cycles)
  );

  // ------------------------------------------------------------ read port
  hta_rd_port u_rd (
    .clk_i(ap_clk), .rst_i(rst),
    .prog_base_i(prog_base), .prog_size_i(prog_size),
    .data_base_i(data_base), .data_size_i(data_size),
    .abort_i(abort),
    .req_valid_i(rq_valid), .req_ready_o(rq_ready), .req_win_i(rq_win),
    .req_off_i(rq_off), .req_beats_i(rq_beats),
    .rd_valid_o(rd_valid), .rd_data_o(rd_data),
    .arvalid_o(m_axi_gmem_arvalid), .arready_i(m_axi_gmem_arready),
    .araddr_o(m_axi_gmem_araddr), .arlen_o(m_axi_gmem_arlen),
    .rvalid_i(m_axi_gmem_rvalid), .rready_o(m_axi_gmem_rready),
    .rdata_i(m_axi_gmem_rdata), .rresp_i(m_axi_gmem_rresp), .rlast_i(m_axi_gmem_rlast),
    .idle_o(rd_idle), .err_window_o(rd_err_window), .err_resp_o(rd_err_resp),
    .err_addr_o(rd_err_addr), .beats_o(rd_beats)
  );

  if (hta_cfg_pkg::Engine == 2) begin : gen_v2
    // ------------------------------------------------------ v2 engine
    // Engine 2 (docs/engine-v2.md): hta_v2_engine runs v2 programs (jobs) on
    // hta_v2_core with its own loader, requantization and writer.
    logic        ev_core_busy, ev_core_stall;
    hta_v2_engine #(
      .BusBits(BusBits), .Pix(hta_cfg_pkg::Pix), .Ci(hta_cfg_pkg::Ci),
      .MacCo(hta_cfg_pkg::MacCo), .AddCo(hta_cfg_pkg::AddCo),
      .ActDepth(hta_cfg_pkg::ActDepth), .WDepth(hta_cfg_pkg::WDepth),
      .ADepth(hta_cfg_pkg::ADepth), .RecDepth(hta_cfg_pkg::RecDepth),
      .DrainLanes(hta_cfg_pkg::DrainLanes),
      .MaxBurst(hta_cfg_pkg::MaxBurst), .ChanMax(hta_cfg_pkg::ChanMax),
      .CfgSignature(hta_cfg_pkg::CfgSignature)
    ) u_v2 (
      .clk_i(ap_clk), .rst_i(rst),
      .start_i(start), .prog_size_i(prog_size), .data_base_i(data_base), .data_size_i(data_size),
      .busy_o(busy), .done_o(done), .abort_o(abort),
      .err_code_o(err_code), .err_info_o(err_info), .err_addr_o(err_addr),
      .layer_o(layer), .layers_done_o(layers_done),
      .log_we_o(log_we), .log_idx_o(log_idx), .log_cycles_o(log_cycles),
      .req_valid_o(rq_valid), .req_ready_i(rq_ready), .req_win_o(rq_win), .req_off_o(rq_off),
      .req_beats_o(rq_beats),
      .rd_valid_i(rd_valid), .rd_data_i(rd_data), .rd_idle_i(rd_idle),
      .rd_err_window_i(rd_err_window), .rd_err_resp_i(rd_err_resp), .rd_err_addr_i(rd_err_addr),
      .awvalid_o(m_axi_gmem_awvalid), .awready_i(m_axi_gmem_awready),
      .awaddr_o(m_axi_gmem_awaddr), .awlen_o(m_axi_gmem_awlen),
      .wvalid_o(m_axi_gmem_wvalid), .wready_i(m_axi_gmem_wready),
      .wdata_o(m_axi_gmem_wdata), .wstrb_o(m_axi_gmem_wstrb), .wlast_o(m_axi_gmem_wlast),
      .bvalid_i(m_axi_gmem_bvalid), .bready_o(m_axi_gmem_bready), .bresp_i(m_axi_gmem_bresp),
      .ev_busy_o(ev_core_busy), .ev_stall_o(ev_core_stall), .ev_bytes_wr_o(ev_bytes_wr),
      .ev_fetch_o(ev_v2_fetch), .ev_wload_o(ev_v2_wload), .ev_xload_o(ev_v2_xload),
      .ev_run_o(ev_v2_run), .ev_tail_o(ev_v2_tail), .ev_mem_stall_o(ev_mem_stall)
    );
    // (the engine's clients are hta_pkg's: 0 RdCtrl, 1 RdWload, 2 RdIfetch,
    // 3 RdGop, its graph-op unit)
    // Both arrays consume every block: MAC busy = adder busy = blocks (a
    // MAC-only core, AddCo 0, has no adder array: never busy); ops count the
    // arrays' products (padding lanes included).
    assign ev_mac_step    = ev_core_busy;
    assign ev_add_step    = ev_core_busy && hta_cfg_pkg::AddCo > 0;
    assign ev_mac_ops     = ev_core_busy ? 16'(hta_cfg_pkg::Pix * hta_cfg_pkg::Ci
                                               * hta_cfg_pkg::MacCo) : 16'd0;
    assign ev_add_ops     = ev_core_busy ? 16'(hta_cfg_pkg::Pix * hta_cfg_pkg::Ci
                                               * hta_cfg_pkg::AddCo) : 16'd0;
    assign ev_drain_stall = ev_core_stall;
  end else begin : gen_v1
    assign ev_v2_fetch = 1'b0;
    assign ev_v2_wload = 1'b0;
    assign ev_v2_xload = 1'b0;
    assign ev_v2_run   = 1'b0;
    assign ev_v2_tail  = 1'b0;
    logic        dw;
    logic [7:0]  kh, kw, pad_t, pad_l, zp_in, zp_out, act_min, act_max;
    logic [3:0]  sh, sw;
    logic [15:0] group, in_h, in_w, in_c, in_stride, out_w, out_stride, passes, tile;
    logic [15:0] mac_stride, add_stride, k, n_groups, map_beats, pass, tile_n;
    logic [31:0] in_off, npix, wts_end, wl_off, wl_next_off, tile_off;
    logic        ifetch_start, map_start, pass_start, compute_start, write_start;

    logic        wl_busy, wl_err;
    logic [31:0] wl_err_info;
    logic [15:0] n_mac, n_add, mac_base, add_base, drain_mac, drain_add;
    logic        map_we, wmac_we, wadd_we, alpha_we, pmac_we, padd_we;
    logic [15:0] map_row, prec_idx;
    logic [31:0] wmac_idx, wadd_idx, alpha_idx;
    logic [BusBits-1:0] wl_data;

    logic               in_valid, in_pop, in_first, in_reuse;
    logic               dw_win;
    logic [BusBits-1:0] in_data;
    logic               compute_busy;

    logic [hta_cfg_pkg::RqLanes-1:0]   smac_we, sadd_we;
    logic [15:0]                       smac_waddr, sadd_waddr, smac_raddr, sadd_raddr;
    logic [hta_cfg_pkg::RqLanes*8-1:0] smac_wdata, sadd_wdata;
    logic [BusBits-1:0]                smac_rdata, sadd_rdata;

    logic        wr_reading, wr_idle, wr_err_window, wr_err_resp;
    logic        stage_half, wr_half;
    logic [15:0] wr_n;
    logic [63:0] wr_err_addr;

    // Write channels of the writer and of the graph-op unit; the unit owns
    // the bus while it is busy (the sequencer never runs both at once).
    logic               gop_start, gop_busy, gop_err, gop_err_resp;
    logic [511:0]       gop_desc;
    logic [31:0]        gop_err_info;
    logic [63:0]        gop_err_addr;
    logic               w_awvalid, w_wvalid, w_wlast, w_bready;
    logic [63:0]        w_awaddr;
    logic [7:0]         w_awlen;
    logic [BusBits-1:0] w_wdata;
    logic [BusBits/8-1:0] w_wstrb;
    logic               g_awvalid, g_wvalid, g_wlast, g_bready;
    logic [63:0]        g_awaddr;
    logic [7:0]         g_awlen;
    logic [BusBits-1:0] g_wdata;
    logic [BusBits/8-1:0] g_wstrb;
    logic [15:0]        w_ev_bytes, g_ev_bytes;
    logic               wr_err_resp_w;
    logic [63:0]        wr_err_addr_w;


    // ------------------------------------------------------------ sequencer
    hta_ctrl u_ctrl (
      .clk_i(ap_clk), .rst_i(rst),
      .start_i(start), .prog_size_i(prog_size), .data_size_i(data_size),
      .busy_o(busy), .done_o(done), .abort_o(abort),
      .err_code_o(err_code), .err_info_o(err_info), .err_addr_o(err_addr),
      .layer_o(layer), .layers_done_o(layers_done),
      .log_we_o(log_we), .log_idx_o(log_idx), .log_cycles_o(log_cycles),
      .req_valid_o(rq_valid[hta_pkg::RdCtrl]), .req_ready_i(rq_ready[hta_pkg::RdCtrl]),
      .req_off_o(rq_off[hta_pkg::RdCtrl*32 +: 32]), .req_beats_o(rq_beats[hta_pkg::RdCtrl*8 +: 8]),
      .rd_valid_i(rd_valid[hta_pkg::RdCtrl]), .rd_data_i(rd_data), .rd_idle_i(rd_idle),
      .rd_err_window_i(rd_err_window), .rd_err_resp_i(rd_err_resp), .rd_err_addr_i(rd_err_addr),
      .wr_err_window_i(wr_err_window), .wr_err_resp_i(wr_err_resp), .wr_err_addr_i(wr_err_addr),
      .wl_err_i(wl_err), .wl_err_info_i(wl_err_info),
      .gop_start_o(gop_start), .gop_desc_o(gop_desc), .gop_busy_i(gop_busy),
      .gop_err_i(gop_err), .gop_err_info_i(gop_err_info),
      .dw_o(dw), .kh_o(kh), .kw_o(kw), .sh_o(sh), .sw_o(sw), .pad_t_o(pad_t), .pad_l_o(pad_l),
      .zp_in_o(zp_in), .zp_out_o(zp_out), .act_min_o(act_min), .act_max_o(act_max),
      .group_o(group), .in_h_o(in_h), .in_w_o(in_w), .in_c_o(in_c), .in_stride_o(in_stride),
      .out_w_o(out_w), .out_stride_o(out_stride), .in_off_o(in_off), .npix_o(npix),
      .passes_o(passes), .tile_o(tile), .mac_stride_o(mac_stride), .add_stride_o(add_stride),
      .k_o(k), .n_groups_o(n_groups), .wts_end_o(wts_end), .map_beats_o(map_beats),
      .ifetch_start_o(ifetch_start), .map_start_o(map_start), .pass_start_o(pass_start),
      .wl_off_o(wl_off), .pass_o(pass), .wl_busy_i(wl_busy), .wl_next_off_i(wl_next_off),
      .compute_start_o(compute_start), .tile_n_o(tile_n), .compute_busy_i(compute_busy),
      .stage_half_o(stage_half), .write_start_o(write_start), .tile_off_o(tile_off),
      .wr_n_o(wr_n), .wr_half_o(wr_half),
      .wr_reading_i(wr_reading), .wr_idle_i(wr_idle)
    );

    assign rq_win[hta_pkg::RdCtrl]   = hta_pkg::WinProg;
    assign rq_win[hta_pkg::RdWload]  = hta_pkg::WinProg;
    assign rq_win[hta_pkg::RdIfetch] = hta_pkg::WinData;

    // ------------------------------------------------------- weight loader
    hta_wload u_wload (
      .clk_i(ap_clk), .rst_i(rst), .clr_i(abort),
      .map_start_i(map_start), .pass_start_i(pass_start), .off_i(wl_off),
      .map_beats_i(map_beats), .busy_o(wl_busy), .next_off_o(wl_next_off),
      .dw_i(dw), .k_i(k), .n_groups_i(n_groups), .out_stride_i(out_stride),
      .mac_stride_i(mac_stride), .add_stride_i(add_stride), .pass_i(pass), .wts_end_i(wts_end),
      .n_mac_o(n_mac), .n_add_o(n_add), .mac_base_o(mac_base), .add_base_o(add_base),
      .drain_mac_o(drain_mac), .drain_add_o(drain_add),
      .err_o(wl_err), .err_info_o(wl_err_info),
      .req_valid_o(rq_valid[hta_pkg::RdWload]), .req_ready_i(rq_ready[hta_pkg::RdWload]),
      .req_off_o(rq_off[hta_pkg::RdWload*32 +: 32]), .req_beats_o(rq_beats[hta_pkg::RdWload*8 +: 8]),
      .rd_valid_i(rd_valid[hta_pkg::RdWload]), .rd_data_i(rd_data),
      .map_we_o(map_we), .map_row_o(map_row),
      .wmac_we_o(wmac_we), .wmac_idx_o(wmac_idx), .wadd_we_o(wadd_we), .wadd_idx_o(wadd_idx),
      .alpha_we_o(alpha_we), .alpha_idx_o(alpha_idx),
      .pmac_we_o(pmac_we), .padd_we_o(padd_we), .prec_idx_o(prec_idx), .wdata_o(wl_data)
    );

    // --------------------------------------------------------- input fetch
    hta_ifetch u_ifetch (
      .clk_i(ap_clk), .rst_i(rst), .clr_i(abort),
      .start_i(ifetch_start), .dw_i(dw), .win_i(dw_win), .kh_i(kh), .kw_i(kw), .sh_i(sh), .sw_i(sw),
      .pad_t_i(pad_t), .pad_l_i(pad_l), .in_h_i(in_h), .in_w_i(in_w),
      .in_stride_i(in_stride), .in_off_i(in_off), .out_w_i(out_w), .npix_i(npix),
      .tile_i(tile), .passes_i(passes), .zp_in_i(zp_in),
      .req_valid_o(rq_valid[hta_pkg::RdIfetch]), .req_ready_i(rq_ready[hta_pkg::RdIfetch]),
      .req_off_o(rq_off[hta_pkg::RdIfetch*32 +: 32]),
      .req_beats_o(rq_beats[hta_pkg::RdIfetch*8 +: 8]),
      .rd_valid_i(rd_valid[hta_pkg::RdIfetch]), .rd_data_i(rd_data),
      .out_valid_o(in_valid), .out_data_o(in_data), .out_first_o(in_first),
      .out_reuse_o(in_reuse), .out_pop_i(in_pop)
    );

    // -------------------------------------------------------------- arrays
    // Depthwise kernels up to 3x3 whose windows overlap run from the sliding
    // window (hta_compute), fetching each input vector about once per row pass.
    assign dw_win = dw && kh <= 8'd3 && kw <= 8'd3 && {4'd0, sw} < kw;

    wire [15:0] vec_bytes = (out_stride - pass * 16'(hta_cfg_pkg::MacLanes)
                             < 16'(hta_cfg_pkg::MacLanes))
                            ? out_stride - pass * 16'(hta_cfg_pkg::MacLanes)
                            : 16'(hta_cfg_pkg::MacLanes);

    hta_compute u_compute (
      .clk_i(ap_clk), .rst_i(rst), .clr_i(abort),
      .start_i(compute_start), .npix_i(tile_n), .dw_i(dw), .win_i(dw_win), .kh_i(kh),
      .kw_i(kw), .sw_i(sw), .k_i(k), .group_i(group),
      .in_c_i(in_c), .zp_in_i(zp_in), .zp_out_i(zp_out), .act_min_i(act_min),
      .act_max_i(act_max), .drain_mac_i(drain_mac), .drain_add_i(drain_add),
      .ops_mac_i(n_mac), .ops_add_i(n_add), .mac_base_i(mac_base), .add_base_i(add_base),
      .mac_stride_i(mac_stride), .add_stride_i(add_stride), .stage_half_i(stage_half),
      .vec_beats_i(8'(vec_bytes / 16'(BusBits / 8))),
      .busy_o(compute_busy),
      .in_valid_i(in_valid), .in_data_i(in_data), .in_first_i(in_first),
      .in_reuse_i(in_reuse), .in_pop_o(in_pop),
      .wmac_we_i(wmac_we), .wmac_idx_i(wmac_idx), .wadd_we_i(wadd_we), .wadd_idx_i(wadd_idx),
      .alpha_we_i(alpha_we), .alpha_idx_i(alpha_idx), .pmac_we_i(pmac_we),
      .padd_we_i(padd_we), .prec_idx_i(prec_idx), .wdata_i(wl_data),
      .smac_we_o(smac_we), .smac_addr_o(smac_waddr), .smac_data_o(smac_wdata),
      .sadd_we_o(sadd_we), .sadd_addr_o(sadd_waddr), .sadd_data_o(sadd_wdata),
      .ev_mac_step_o(ev_mac_step), .ev_add_step_o(ev_add_step),
      .ev_mac_ops_o(ev_mac_ops), .ev_add_ops_o(ev_add_ops),
      .ev_mem_stall_o(ev_mem_stall), .ev_drain_stall_o(ev_drain_stall)
    );

    hta_stage u_stage_mac (
      .clk_i(ap_clk), .we_i(smac_we), .waddr_i(smac_waddr), .wdata_i(smac_wdata),
      .raddr_i(smac_raddr), .rdata_o(smac_rdata)
    );
    hta_stage u_stage_add (
      .clk_i(ap_clk), .we_i(sadd_we), .waddr_i(sadd_waddr), .wdata_i(sadd_wdata),
      .raddr_i(sadd_raddr), .rdata_o(sadd_rdata)
    );

    // -------------------------------------------------------------- writer
    hta_writer u_writer (
      .clk_i(ap_clk), .rst_i(rst), .abort_i(abort),
      .data_base_i(data_base), .data_size_i(data_size),
      .start_i(write_start), .dw_i(dw), .tile_off_i(tile_off), .out_stride_i(out_stride),
      .npix_i(wr_n), .half_i(wr_half), .reading_o(wr_reading), .idle_o(wr_idle),
      .map_we_i(map_we), .map_row_i(map_row), .map_wdata_i(wl_data),
      .smac_raddr_o(smac_raddr), .smac_rdata_i(smac_rdata),
      .sadd_raddr_o(sadd_raddr), .sadd_rdata_i(sadd_rdata),
      .awvalid_o(w_awvalid), .awready_i(m_axi_gmem_awready && !gop_busy),
      .awaddr_o(w_awaddr), .awlen_o(w_awlen),
      .wvalid_o(w_wvalid), .wready_i(m_axi_gmem_wready && !gop_busy),
      .wdata_o(w_wdata), .wstrb_o(w_wstrb), .wlast_o(w_wlast),
      .bvalid_i(m_axi_gmem_bvalid && !gop_busy), .bready_o(w_bready), .bresp_i(m_axi_gmem_bresp),
      .err_window_o(wr_err_window), .err_resp_o(wr_err_resp_w), .err_addr_o(wr_err_addr_w),
      .ev_bytes_o(w_ev_bytes)
    );

    // ---------------------------------------------------- graph-op unit
    logic gop_win;
    assign rq_win[hta_pkg::RdGop] = gop_win;
    hta_gop u_gop (
      .clk_i(ap_clk), .rst_i(rst), .clr_i(abort),
      .start_i(gop_start), .desc_i(gop_desc), .prog_size_i(prog_size),
      .data_base_i(data_base), .data_size_i(data_size),
      .busy_o(gop_busy), .err_o(gop_err), .err_info_o(gop_err_info),
      .req_valid_o(rq_valid[hta_pkg::RdGop]), .req_ready_i(rq_ready[hta_pkg::RdGop]),
      .req_win_o(gop_win), .req_off_o(rq_off[hta_pkg::RdGop*32 +: 32]),
      .req_beats_o(rq_beats[hta_pkg::RdGop*8 +: 8]),
      .rd_valid_i(rd_valid[hta_pkg::RdGop]), .rd_data_i(rd_data),
      .awvalid_o(g_awvalid), .awready_i(m_axi_gmem_awready && gop_busy),
      .awaddr_o(g_awaddr), .awlen_o(g_awlen),
      .wvalid_o(g_wvalid), .wready_i(m_axi_gmem_wready && gop_busy),
      .wdata_o(g_wdata), .wstrb_o(g_wstrb), .wlast_o(g_wlast),
      .bvalid_i(m_axi_gmem_bvalid && gop_busy), .bready_o(g_bready), .bresp_i(m_axi_gmem_bresp),
      .err_resp_o(gop_err_resp), .err_addr_o(gop_err_addr), .ev_bytes_o(g_ev_bytes)
    );

    assign m_axi_gmem_awvalid = gop_busy ? g_awvalid : w_awvalid;
    assign m_axi_gmem_awaddr  = gop_busy ? g_awaddr  : w_awaddr;
    assign m_axi_gmem_awlen   = gop_busy ? g_awlen   : w_awlen;
    assign m_axi_gmem_wvalid  = gop_busy ? g_wvalid  : w_wvalid;
    assign m_axi_gmem_wdata   = gop_busy ? g_wdata   : w_wdata;
    assign m_axi_gmem_wstrb   = gop_busy ? g_wstrb   : w_wstrb;
    assign m_axi_gmem_wlast   = gop_busy ? g_wlast   : w_wlast;
    assign m_axi_gmem_bready  = gop_busy ? g_bready  : w_bready;
    assign wr_err_resp = wr_err_resp_w || gop_err_resp;
    assign wr_err_addr = gop_err_resp ? gop_err_addr : wr_err_addr_w;
    assign ev_bytes_wr = w_ev_bytes + g_ev_bytes;

  end

  // ---------------------------------------------------- perf counters
  // Cleared by ap_start, counting while the run is busy.

  always_ff @(posedge ap_clk) begin
    if (rst || start) begin
      cnt_cycles_q      <= '0;
      cnt_mac_busy_q    <= '0;
      cnt_add_busy_q    <= '0;
      cnt_mem_stall_q   <= '0;
      cnt_bytes_rd_q    <= '0;
      cnt_bytes_wr_q    <= '0;
      cnt_mac_ops_q     <= '0;
      cnt_add_ops_q     <= '0;
      cnt_drain_stall_q <= '0;
      cnt_v2_fetch_q    <= '0;
      cnt_v2_wload_q    <= '0;
      cnt_v2_xload_q    <= '0;
      cnt_v2_run_q      <= '0;
      cnt_v2_tail_q     <= '0;
    end else begin
      if (busy) cnt_cycles_q <= cnt_cycles_q + 64'd1;
      cnt_mac_busy_q    <= cnt_mac_busy_q + 64'(ev_mac_step);
      cnt_add_busy_q    <= cnt_add_busy_q + 64'(ev_add_step);
      cnt_mem_stall_q   <= cnt_mem_stall_q + 64'(ev_mem_stall);
      cnt_drain_stall_q <= cnt_drain_stall_q + 64'(ev_drain_stall);
      cnt_bytes_rd_q    <= cnt_bytes_rd_q + 64'(rd_beats) * 64'(BusBits) / 64'd8;
      cnt_bytes_wr_q    <= cnt_bytes_wr_q + 64'(ev_bytes_wr);
      cnt_mac_ops_q     <= cnt_mac_ops_q + 64'(ev_mac_ops);
      cnt_add_ops_q     <= cnt_add_ops_q + 64'(ev_add_ops);
      cnt_v2_fetch_q    <= cnt_v2_fetch_q + 64'(ev_v2_fetch);
      cnt_v2_wload_q    <= cnt_v2_wload_q + 64'(ev_v2_wload);
      cnt_v2_xload_q    <= cnt_v2_xload_q + 64'(ev_v2_xload);
      cnt_v2_run_q      <= cnt_v2_run_q + 64'(ev_v2_run);
      cnt_v2_tail_q     <= cnt_v2_tail_q + 64'(ev_v2_tail);
    end
  end
endmodule
