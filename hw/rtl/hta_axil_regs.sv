// hta_axil_regs: the AXI4-Lite control slave. Implements Vitis ap_ctrl_hs at
// 0x00..0x0C, the kernel arguments, and read-only configuration, status and
// performance registers. Offsets come from the generated hta_regs_pkg.
`default_nettype none

module hta_axil_regs (
  input  logic        clk_i,
  input  logic        rst_i,
  // AXI4-Lite slave
  input  logic        awvalid_i,
  output logic        awready_o,
  input  logic [11:0] awaddr_i,
  input  logic        wvalid_i,
  output logic        wready_o,
  input  logic [31:0] wdata_i,
  input  logic [3:0]  wstrb_i,
  output logic        bvalid_o,
  input  logic        bready_i,
  output logic [1:0]  bresp_o,
  input  logic        arvalid_i,
  output logic        arready_o,
  input  logic [11:0] araddr_i,
  output logic        rvalid_o,
  input  logic        rready_i,
  output logic [31:0] rdata_o,
  output logic [1:0]  rresp_o,
  output logic        interrupt_o,
  // engine side
  output logic        start_o,       // one-cycle pulse: run the program
  output logic [63:0] prog_base_o,
  output logic [63:0] prog_size_o,
  output logic [63:0] data_base_o,
  output logic [63:0] data_size_o,
  input  logic        done_i,        // one-cycle pulse: run finished
  input  logic        busy_i,
  input  logic [7:0]  err_code_i,
  input  logic [15:0] layer_i,
  input  logic [31:0] err_info_i,
  input  logic [63:0] err_addr_i,
  input  logic [63:0] cycles_i,
  input  logic [63:0] mac_busy_i,
  input  logic [63:0] add_busy_i,
  input  logic [63:0] mem_stall_i,
  input  logic [63:0] bytes_rd_i,
  input  logic [63:0] bytes_wr_i,
  input  logic [31:0] layers_done_i,
  input  logic [63:0] mac_ops_i,
  input  logic [63:0] add_ops_i,
  input  logic [63:0] drain_stall_i,
  input  logic [63:0] v2_fetch_i,
  input  logic [63:0] v2_wload_i,
  input  logic [63:0] v2_xload_i,
  input  logic [63:0] v2_run_i,
  input  logic [63:0] v2_tail_i,
  // per-layer cycle log
  input  logic        log_we_i,
  input  logic [15:0] log_idx_i,
  input  logic [31:0] log_cycles_i
);
  // ---------------------------------------------------------------- writes
  // Address and data may arrive in either order; the write happens once both
  // are held, and the response is held until the master takes it.
  logic        aw_held_q, w_held_q;
  logic [11:0] aw_addr_q;
  logic [31:0] w_data_q;
  logic [3:0]  w_strb_q;

  // Nothing is accepted while in reset (the internal reset trails ap_rst_n
  // by a cycle, so a master may already be driving a request).
  assign awready_o = !aw_held_q && !bvalid_o && !rst_i;
  assign wready_o  = !w_held_q && !bvalid_o && !rst_i;
  assign bresp_o   = 2'b00;

  wire do_write = aw_held_q && w_held_q && !bvalid_o;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      aw_held_q <= 1'b0;
      w_held_q  <= 1'b0;
      bvalid_o  <= 1'b0;
      aw_addr_q <= '0;
      w_data_q  <= '0;
      w_strb_q  <= '0;
    end else begin
      if (awvalid_i && awready_o) begin
        aw_held_q <= 1'b1;
        aw_addr_q <= awaddr_i;
      end
      if (wvalid_i && wready_o) begin
        w_held_q <= 1'b1;
        w_data_q <= wdata_i;
        w_strb_q <= wstrb_i;
      end
      if (do_write) begin
        aw_held_q <= 1'b0;
        w_held_q  <= 1'b0;
        bvalid_o  <= 1'b1;
      end else if (bvalid_o && bready_i) begin
        bvalid_o <= 1'b0;
      end
    end
  end

  // Byte-strobed update of a 32-bit register.
  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] data,
                                        input logic [3:0] strb);
    for (int i = 0; i < 4; i++) begin
      merge[i*8 +: 8] = strb[i] ? data[i*8 +: 8] : old[i*8 +: 8];
    end
  endfunction

  // ---------------------------------------------------- control and arguments
  logic       ap_start_q, ap_done_q, gie_q;
  logic [1:0] ier_q, isr_q;
  logic [31:0] args_q [8];  // PROG_LO .. DATA_SIZE_HI, in register order
  logic        ctrl_read;   // CTRL is being read: ap_done clears

  wire wr_ctrl = do_write && aw_addr_q == hta_regs_pkg::RegCtrl;
  wire idle    = !busy_i && !ap_start_q;

  assign start_o      = ap_start_q && !busy_i;
  assign prog_base_o  = {args_q[1], args_q[0]};
  assign prog_size_o  = {args_q[3], args_q[2]};
  assign data_base_o  = {args_q[5], args_q[4]};
  assign data_size_o  = {args_q[7], args_q[6]};
  assign interrupt_o  = gie_q && |(isr_q & ier_q);

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      ap_start_q <= 1'b0;
      ap_done_q  <= 1'b0;
      gie_q      <= 1'b0;
      ier_q      <= '0;
      isr_q      <= '0;
      for (int i = 0; i < 8; i++) args_q[i] <= '0;
    end else begin
      // ap_start stays set until the engine takes it (ap_ready).
      if (start_o) ap_start_q <= 1'b0;
      else if (wr_ctrl && w_strb_q[0] && w_data_q[0]) ap_start_q <= 1'b1;

      if (done_i) ap_done_q <= 1'b1;
      else if (ctrl_read) ap_done_q <= 1'b0;

      if (done_i && ier_q[0]) isr_q[0] <= 1'b1;
      if (start_o && ier_q[1]) isr_q[1] <= 1'b1;

      if (do_write) begin
        unique case (aw_addr_q)
          hta_regs_pkg::RegGie: if (w_strb_q[0]) gie_q <= w_data_q[0];
          hta_regs_pkg::RegIer: if (w_strb_q[0]) ier_q <= w_data_q[1:0];
          hta_regs_pkg::RegIsr: if (w_strb_q[0]) isr_q <= isr_q ^ w_data_q[1:0];
          hta_regs_pkg::RegProgLo:     args_q[0] <= merge(args_q[0], w_data_q, w_strb_q);
          hta_regs_pkg::RegProgHi:     args_q[1] <= merge(args_q[1], w_data_q, w_strb_q);
          hta_regs_pkg::RegProgSizeLo: args_q[2] <= merge(args_q[2], w_data_q, w_strb_q);
          hta_regs_pkg::RegProgSizeHi: args_q[3] <= merge(args_q[3], w_data_q, w_strb_q);
          hta_regs_pkg::RegDataLo:     args_q[4] <= merge(args_q[4], w_data_q, w_strb_q);
          hta_regs_pkg::RegDataHi:     args_q[5] <= merge(args_q[5], w_data_q, w_strb_q);
          hta_regs_pkg::RegDataSizeLo: args_q[6] <= merge(args_q[6], w_data_q, w_strb_q);
          hta_regs_pkg::RegDataSizeHi: args_q[7] <= merge(args_q[7], w_data_q, w_strb_q);
          default: ;  // read-only and unmapped offsets ignore writes
        endcase
      end
    end
  end

  // ------------------------------------------------------ per-layer log
  // LOG_SEL picks an entry; the RAM's registered read follows it, long
  // before a master can read LOG_CYCLES.
  localparam int LogDepth = hta_cfg_pkg::LogDepth;
  logic [15:0] log_sel_q;
  logic [31:0] log_rd;
  always_ff @(posedge clk_i) begin
    if (rst_i) log_sel_q <= '0;
    else if (do_write && aw_addr_q == hta_regs_pkg::RegLogSel) log_sel_q <= w_data_q[15:0];
  end
  hta_ram_sdp #(.Width(32), .Depth(LogDepth)) u_log (
    .clk_i,
    .we_i   (log_we_i && 32'(log_idx_i) < LogDepth),
    .waddr_i($clog2(LogDepth)'(log_idx_i)),
    .wdata_i(log_cycles_i),
    .raddr_i($clog2(LogDepth)'(log_sel_q)),
    .rdata_o(log_rd)
  );

  // ----------------------------------------------------------------- reads
  logic [31:0] rmux;

  // STATUS: layout from hw/config/program.cfg (hta_prog_pkg::status_t).
  hta_prog_pkg::status_t status;
  always_comb begin
    status       = '0;
    status.code  = err_code_i;
    status.busy  = busy_i;
    status.layer = layer_i;
  end

  always_comb begin
    rmux = '0;
    unique case (araddr_i)
      hta_regs_pkg::RegCtrl:       rmux = {28'd0, idle, ap_done_q, idle, ap_start_q};
      hta_regs_pkg::RegGie:        rmux = {31'd0, gie_q};
      hta_regs_pkg::RegIer:        rmux = {30'd0, ier_q};
      hta_regs_pkg::RegIsr:        rmux = {30'd0, isr_q};
      hta_regs_pkg::RegProgLo:     rmux = args_q[0];
      hta_regs_pkg::RegProgHi:     rmux = args_q[1];
      hta_regs_pkg::RegProgSizeLo: rmux = args_q[2];
      hta_regs_pkg::RegProgSizeHi: rmux = args_q[3];
      hta_regs_pkg::RegDataLo:     rmux = args_q[4];
      hta_regs_pkg::RegDataHi:     rmux = args_q[5];
      hta_regs_pkg::RegDataSizeLo: rmux = args_q[6];
      hta_regs_pkg::RegDataSizeHi: rmux = args_q[7];
      hta_regs_pkg::RegVersion:    rmux = {16'h4854, 16'(hta_regs_pkg::RegmapVersion)};
      hta_regs_pkg::RegCfgSig:     rmux = hta_cfg_pkg::CfgSignature;
      hta_regs_pkg::RegCfgLanes:   rmux = {16'(hta_cfg_pkg::AddLanes), 16'(hta_cfg_pkg::MacLanes)};
      hta_regs_pkg::RegCfgBus:     rmux = {16'(hta_cfg_pkg::RqLanes), 16'(hta_cfg_pkg::BusBits)};
      hta_regs_pkg::RegStatus:     rmux = status;
      hta_regs_pkg::RegErrInfo:    rmux = err_info_i;
      hta_regs_pkg::RegErrAddrLo:  rmux = err_addr_i[31:0];
      hta_regs_pkg::RegErrAddrHi:  rmux = err_addr_i[63:32];
      hta_regs_pkg::RegCyclesLo:   rmux = cycles_i[31:0];
      hta_regs_pkg::RegCyclesHi:   rmux = cycles_i[63:32];
      hta_regs_pkg::RegMacBusyLo:  rmux = mac_busy_i[31:0];
      hta_regs_pkg::RegMacBusyHi:  rmux = mac_busy_i[63:32];
      hta_regs_pkg::RegAddBusyLo:  rmux = add_busy_i[31:0];
      hta_regs_pkg::RegAddBusyHi:  rmux = add_busy_i[63:32];
      hta_regs_pkg::RegMemStallLo: rmux = mem_stall_i[31:0];
      hta_regs_pkg::RegMemStallHi: rmux = mem_stall_i[63:32];
      hta_regs_pkg::RegBytesRdLo:  rmux = bytes_rd_i[31:0];
      hta_regs_pkg::RegBytesRdHi:  rmux = bytes_rd_i[63:32];
      hta_regs_pkg::RegBytesWrLo:  rmux = bytes_wr_i[31:0];
      hta_regs_pkg::RegBytesWrHi:  rmux = bytes_wr_i[63:32];
      hta_regs_pkg::RegLayersDone: rmux = layers_done_i;
      hta_regs_pkg::RegMacOpsLo:   rmux = mac_ops_i[31:0];
      hta_regs_pkg::RegMacOpsHi:   rmux = mac_ops_i[63:32];
      hta_regs_pkg::RegAddOpsLo:   rmux = add_ops_i[31:0];
      hta_regs_pkg::RegAddOpsHi:   rmux = add_ops_i[63:32];
      hta_regs_pkg::RegDrainStallLo: rmux = drain_stall_i[31:0];
      hta_regs_pkg::RegDrainStallHi: rmux = drain_stall_i[63:32];
      hta_regs_pkg::RegV2FetchLo:  rmux = v2_fetch_i[31:0];
      hta_regs_pkg::RegV2FetchHi:  rmux = v2_fetch_i[63:32];
      hta_regs_pkg::RegV2WloadLo:  rmux = v2_wload_i[31:0];
      hta_regs_pkg::RegV2WloadHi:  rmux = v2_wload_i[63:32];
      hta_regs_pkg::RegV2XloadLo:  rmux = v2_xload_i[31:0];
      hta_regs_pkg::RegV2XloadHi:  rmux = v2_xload_i[63:32];
      hta_regs_pkg::RegV2RunLo:    rmux = v2_run_i[31:0];
      hta_regs_pkg::RegV2RunHi:    rmux = v2_run_i[63:32];
      hta_regs_pkg::RegV2TailLo:   rmux = v2_tail_i[31:0];
      hta_regs_pkg::RegV2TailHi:   rmux = v2_tail_i[63:32];
      hta_regs_pkg::RegLogSel:     rmux = {16'd0, log_sel_q};
      hta_regs_pkg::RegLogCycles:  rmux = (32'(log_sel_q) < LogDepth) ? log_rd : '0;
      default: rmux = '0;
    endcase
  end

  assign arready_o = !rvalid_o && !rst_i;
  assign rresp_o   = 2'b00;
  assign ctrl_read = arvalid_i && arready_o && araddr_i == hta_regs_pkg::RegCtrl;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      rvalid_o <= 1'b0;
      rdata_o  <= '0;
    end else if (arvalid_i && arready_o) begin
      rvalid_o <= 1'b1;
      rdata_o  <= rmux;
    end else if (rvalid_o && rready_i) begin
      rvalid_o <= 1'b0;
    end
  end
endmodule
