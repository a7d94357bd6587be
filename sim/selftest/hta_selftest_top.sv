// hta_selftest_top: a stand-in for hta_top, with the same ports, that proves
// the simulation harness before the real engine exists.
//
// It is an AXI4-Lite register file plus a small DMA: on ap_start it copies LEN
// bytes from SRC to DST in INCR bursts of up to BURST beats, split at 4 KiB
// boundaries, through a 64-beat FIFO. Reads run ahead of writes with up to four
// bursts in flight, so latency, bandwidth and outstanding-read limits of the
// memory model all show in its timing. A read or write error response is
// latched in STATUS/ERR_ADDR the way hta_top reports ERR_AXI_RD/ERR_AXI_WR.
// MODE bits make it break rules on purpose, to prove the checkers catch them.
//
// Register map (32-bit, offsets as in hw/config/regmap.cfg where they overlap):
//   0x00 CTRL     bit0 ap_start (W1S), bit1 ap_done (clear on read),
//                 bit2 ap_idle, bit3 ap_ready (clear on read)
//   0x04 GIE, 0x08 IER, 0x0C ISR (toggle on write): as in hta_top
//   0x10/0x14 SRC, 0x18/0x1C DST (device addresses, multiples of the bus width)
//   0x20 LEN      bytes to copy (a nonzero multiple of the bus width)
//   0x24 BURST    beats per burst, 1..16 (0 or more than 16 means 16)
//   0x28 MODE     bit0 drop ARVALID before ARREADY, bit1 do not split bursts
//                 at 4 KiB, bit2 WLAST one beat early, bit3 fail an RTL
//                 assertion while busy, bit4 ARSIZE narrower than the bus
//   0x2C SCRATCH  read/write, no effect
//   0x40 VERSION  0x53540001 ("ST", version 1)
//   0x4C CFG_BUS  BusBits in bits 15:0
//   0x50 STATUS   bits 7:0 error (0 ok, 2 bad LEN/SRC/DST, 4 read error,
//                 5 write error), bit 8 busy
//   0x58/0x5C ERR_ADDR  address of the failing beat (read) or burst (write)
//   0x60/0x64 CYCLES    cycles from ap_start to ap_done
//   other offsets below 0x100 read as 0; 0x100 and up answer SLVERR.
`default_nettype none

module hta_selftest_top #(
  parameter int BusBits = 128
) (
  input  logic                 ap_clk,
  input  logic                 ap_rst_n,

  input  logic                 s_axi_control_awvalid,
  output logic                 s_axi_control_awready,
  input  logic [11:0]          s_axi_control_awaddr,
  input  logic                 s_axi_control_wvalid,
  output logic                 s_axi_control_wready,
  input  logic [31:0]          s_axi_control_wdata,
  input  logic [3:0]           s_axi_control_wstrb,
  output logic                 s_axi_control_bvalid,
  input  logic                 s_axi_control_bready,
  output logic [1:0]           s_axi_control_bresp,
  input  logic                 s_axi_control_arvalid,
  output logic                 s_axi_control_arready,
  input  logic [11:0]          s_axi_control_araddr,
  output logic                 s_axi_control_rvalid,
  input  logic                 s_axi_control_rready,
  output logic [31:0]          s_axi_control_rdata,
  output logic [1:0]           s_axi_control_rresp,

  output logic                 m_axi_gmem_awvalid,
  input  logic                 m_axi_gmem_awready,
  output logic [63:0]          m_axi_gmem_awaddr,
  output logic [7:0]           m_axi_gmem_awlen,
  output logic [2:0]           m_axi_gmem_awsize,
  output logic [1:0]           m_axi_gmem_awburst,
  output logic [3:0]           m_axi_gmem_awcache,
  output logic [2:0]           m_axi_gmem_awprot,
  output logic                 m_axi_gmem_wvalid,
  input  logic                 m_axi_gmem_wready,
  output logic [BusBits-1:0]   m_axi_gmem_wdata,
  output logic [BusBits/8-1:0] m_axi_gmem_wstrb,
  output logic                 m_axi_gmem_wlast,
  input  logic                 m_axi_gmem_bvalid,
  output logic                 m_axi_gmem_bready,
  input  logic [1:0]           m_axi_gmem_bresp,
  output logic                 m_axi_gmem_arvalid,
  input  logic                 m_axi_gmem_arready,
  output logic [63:0]          m_axi_gmem_araddr,
  output logic [7:0]           m_axi_gmem_arlen,
  output logic [2:0]           m_axi_gmem_arsize,
  output logic [1:0]           m_axi_gmem_arburst,
  output logic [3:0]           m_axi_gmem_arcache,
  output logic [2:0]           m_axi_gmem_arprot,
  input  logic                 m_axi_gmem_rvalid,
  output logic                 m_axi_gmem_rready,
  input  logic [BusBits-1:0]   m_axi_gmem_rdata,
  input  logic [1:0]           m_axi_gmem_rresp,
  input  logic                 m_axi_gmem_rlast,

  // The Vitis port name is also a C++ word; Verilator renames nothing, it only warns.
  /* verilator lint_off SYMRSVDWORD */
  output logic                 interrupt
  /* verilator lint_on SYMRSVDWORD */
);
  localparam int BusBytes  = BusBits / 8;
  localparam int SizeLog2  = $clog2(BusBytes);
  localparam int FifoDepth = 64;  // beats; reads are issued only into free space
  localparam int PtrBits   = $clog2(FifoDepth);
  localparam int MaxBurst  = 16;
  localparam int MaxWrOut  = 8;   // write bursts awaiting B (size of the address queue)

  localparam logic [1:0] RespOkay   = 2'd0;
  localparam logic [1:0] RespSlvErr = 2'd2;

  localparam logic [7:0] ErrNone  = 8'd0;
  localparam logic [7:0] ErrArg   = 8'd2;
  localparam logic [7:0] ErrAxiRd = 8'd4;
  localparam logic [7:0] ErrAxiWr = 8'd5;

  // MODE bits: rule breaking on purpose.
  localparam int ModeDropArvalid = 0;
  localparam int ModeNo4kSplit   = 1;
  localparam int ModeEarlyWlast  = 2;
  localparam int ModeAssert      = 3;
  localparam int ModeNarrowSize  = 4;

  logic rst;
  assign rst = !ap_rst_n;  // synchronous, active high inside

  // ---------------------------------------------------------------------------
  // AXI4-Lite slave. A write is taken when AW and W are both valid (one
  // handshake for both, as in Vitis-generated control slaves).
  logic        wr_hs, rd_hs;
  logic        bvalid_q, rvalid_q;
  logic [1:0]  bresp_q, rresp_q;
  logic [31:0] rdata_q;
  logic [31:0] wmask;

  assign wr_hs = s_axi_control_awvalid && s_axi_control_wvalid && !bvalid_q;
  assign rd_hs = s_axi_control_arvalid && !rvalid_q;
  assign wmask = {{8{s_axi_control_wstrb[3]}}, {8{s_axi_control_wstrb[2]}},
                  {8{s_axi_control_wstrb[1]}}, {8{s_axi_control_wstrb[0]}}};

  assign s_axi_control_awready = wr_hs;
  assign s_axi_control_wready  = wr_hs;
  assign s_axi_control_bvalid  = bvalid_q;
  assign s_axi_control_bresp   = bresp_q;
  assign s_axi_control_arready = !rvalid_q;
  assign s_axi_control_rvalid  = rvalid_q;
  assign s_axi_control_rdata   = rdata_q;
  assign s_axi_control_rresp   = rresp_q;

  // Registers.
  logic        start_q, done_q, ready_q, gie_q;
  logic [1:0]  ier_q, isr_q;
  logic [63:0] src_q, dst_q;
  logic [31:0] len_q, scratch_q;
  logic [4:0]  burst_q;  // 1..16
  logic [7:0]  mode_q;
  logic [7:0]  err_q;
  logic [63:0] err_addr_q, cycles_q;
  logic        busy_q;

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] data,
                                       input logic [31:0] mask);
    merge = (old & ~mask) | (data & mask);
  endfunction

  logic [31:0] rd_mux;
  always_comb begin
    rd_mux = '0;
    unique case (s_axi_control_araddr)
      12'h000: rd_mux = {28'd0, ready_q, !busy_q, done_q, start_q};
      12'h004: rd_mux = {31'd0, gie_q};
      12'h008: rd_mux = {30'd0, ier_q};
      12'h00C: rd_mux = {30'd0, isr_q};
      12'h010: rd_mux = src_q[31:0];
      12'h014: rd_mux = src_q[63:32];
      12'h018: rd_mux = dst_q[31:0];
      12'h01C: rd_mux = dst_q[63:32];
      12'h020: rd_mux = len_q;
      12'h024: rd_mux = {27'd0, burst_q};
      12'h028: rd_mux = {24'd0, mode_q};
      12'h02C: rd_mux = scratch_q;
      12'h040: rd_mux = 32'h5354_0001;
      12'h04C: rd_mux = 32'(BusBits);
      12'h050: rd_mux = {23'd0, busy_q, err_q};
      12'h058: rd_mux = err_addr_q[31:0];
      12'h05C: rd_mux = err_addr_q[63:32];
      12'h060: rd_mux = cycles_q[31:0];
      12'h064: rd_mux = cycles_q[63:32];
      default: rd_mux = '0;
    endcase
  end

  // Engine events the register block needs (driven further down).
  logic eng_start, eng_done;
  assign eng_start = start_q && !busy_q;

  always_ff @(posedge ap_clk) begin
    if (rst) begin
      bvalid_q  <= 1'b0;
      rvalid_q  <= 1'b0;
      bresp_q   <= RespOkay;
      rresp_q   <= RespOkay;
      rdata_q   <= '0;
      start_q   <= 1'b0;
      done_q    <= 1'b0;
      ready_q   <= 1'b0;
      gie_q     <= 1'b0;
      ier_q     <= '0;
      isr_q     <= '0;
      src_q     <= '0;
      dst_q     <= '0;
      len_q     <= '0;
      burst_q   <= 5'd16;
      mode_q    <= '0;
      scratch_q <= '0;
    end else begin
      if (s_axi_control_bready) bvalid_q <= 1'b0;
      if (s_axi_control_rready) rvalid_q <= 1'b0;
      if (eng_start) begin
        start_q <= 1'b0;
        ready_q <= 1'b1;
        isr_q[1] <= 1'b1;
      end
      if (wr_hs) begin
        bvalid_q <= 1'b1;
        bresp_q  <= s_axi_control_awaddr >= 12'h100 ? RespSlvErr : RespOkay;
        unique case (s_axi_control_awaddr)
          12'h000: if (s_axi_control_wstrb[0] && s_axi_control_wdata[0]) start_q <= 1'b1;
          12'h004: if (s_axi_control_wstrb[0]) gie_q <= s_axi_control_wdata[0];
          12'h008: if (s_axi_control_wstrb[0]) ier_q <= s_axi_control_wdata[1:0];
          12'h00C: if (s_axi_control_wstrb[0]) isr_q <= isr_q ^ s_axi_control_wdata[1:0];
          12'h010: src_q[31:0]  <= merge(src_q[31:0], s_axi_control_wdata, wmask);
          12'h014: src_q[63:32] <= merge(src_q[63:32], s_axi_control_wdata, wmask);
          12'h018: dst_q[31:0]  <= merge(dst_q[31:0], s_axi_control_wdata, wmask);
          12'h01C: dst_q[63:32] <= merge(dst_q[63:32], s_axi_control_wdata, wmask);
          12'h020: len_q <= merge(len_q, s_axi_control_wdata, wmask);
          12'h024: burst_q <= (s_axi_control_wdata == 32'd0 ||
                               s_axi_control_wdata > 32'(MaxBurst))
                              ? 5'(MaxBurst) : s_axi_control_wdata[4:0];
          12'h028: mode_q <= s_axi_control_wdata[7:0];
          12'h02C: scratch_q <= merge(scratch_q, s_axi_control_wdata, wmask);
          default: ;
        endcase
      end
      if (rd_hs) begin
        rvalid_q <= 1'b1;
        rdata_q  <= rd_mux;
        rresp_q  <= s_axi_control_araddr >= 12'h100 ? RespSlvErr : RespOkay;
      end
      // ap_done / ap_ready clear on read; an event in the same cycle wins, so
      // it is never lost between the read and the clear.
      if (rd_hs && s_axi_control_araddr == 12'h000) begin
        done_q  <= 1'b0;
        if (!eng_start) ready_q <= 1'b0;
      end
      if (eng_done) begin
        done_q   <= 1'b1;
        isr_q[0] <= 1'b1;
      end
    end
  end

  assign interrupt = gie_q && |(isr_q & ier_q);

  // ---------------------------------------------------------------------------
  // DMA engine.
  logic [BusBits-1:0] fifo_q [FifoDepth];
  logic [PtrBits-1:0] wptr_q, rptr_q;
  logic [PtrBits:0]   count_q;     // beats in the FIFO
  logic [PtrBits:0]   inflight_q;  // beats requested, not yet received

  logic [63:0] rd_addr_q, wr_addr_q;
  logic [31:0] rd_left_q, wr_left_q;  // beats not yet requested / not yet in an AW
  logic [31:0] rcv_q;                 // beats received (locates a read error)
  logic        ar_valid_q, aw_valid_q, toggle_q;
  logic [63:0] ar_addr_q, aw_addr_q;
  logic [7:0]  ar_len_q, aw_len_q;
  logic [8:0]  wbeats_q;              // beats left in the current W burst
  logic [63:0] baddr_q [MaxWrOut];    // addresses of bursts awaiting B
  logic [2:0]  bwp_q, brp_q;
  logic [3:0]  bpend_q;

  logic ar_hs, r_hs, aw_hs, w_hs, b_hs;
  assign ar_hs = m_axi_gmem_arvalid && m_axi_gmem_arready;
  assign r_hs  = m_axi_gmem_rvalid && m_axi_gmem_rready;
  assign aw_hs = m_axi_gmem_awvalid && m_axi_gmem_awready;
  assign w_hs  = m_axi_gmem_wvalid && m_axi_gmem_wready;
  assign b_hs  = m_axi_gmem_bvalid && m_axi_gmem_bready;

  // Beats of the next burst: BURST, what is left, and what fits before the
  // next 4 KiB boundary (addresses are bus aligned, so the division is exact).
  function automatic logic [31:0] burst_beats(input logic [11:0] addr, input logic [31:0] left,
                                              input logic [4:0] burst, input logic no_split);
    logic [12:0] room;
    logic [31:0] n, to4k;
    room = 13'd4096 - {1'b0, addr};
    to4k = 32'(room) >> SizeLog2;
    n = 32'(burst);
    if (left < n) n = left;
    if (!no_split && to4k < n) n = to4k;
    burst_beats = n;
  endfunction

  logic [31:0] rd_n, wr_n;
  logic        issue_ar, issue_aw, drained, args_ok;
  assign rd_n = burst_beats(rd_addr_q[11:0], rd_left_q, burst_q, mode_q[ModeNo4kSplit]);
  assign wr_n = burst_beats(wr_addr_q[11:0], wr_left_q, burst_q, mode_q[ModeNo4kSplit]);
  // Reads only into FIFO space nobody has claimed, so R is never back-pressured.
  assign issue_ar = busy_q && err_q == ErrNone && !ar_valid_q && rd_left_q != 0 &&
                    32'(count_q) + 32'(inflight_q) + rd_n <= 32'(FifoDepth);
  // A write burst starts only when all its data is in the FIFO, so W never stalls.
  assign issue_aw = busy_q && err_q == ErrNone && !aw_valid_q && wbeats_q == 0 &&
                    wr_left_q != 0 && 32'(count_q) >= wr_n && 32'(bpend_q) < MaxWrOut;
  assign drained = !ar_valid_q && inflight_q == 0 && !aw_valid_q && wbeats_q == 0 &&
                   bpend_q == 0;
  // Done when everything in flight has drained after the last beat or the
  // first error; or at once when the arguments are unusable.
  assign eng_done = (busy_q && drained &&
                     (err_q != ErrNone || (rd_left_q == 0 && wr_left_q == 0))) ||
                    (eng_start && !args_ok);
  assign args_ok = len_q != 0 && len_q[SizeLog2-1:0] == '0 && src_q[SizeLog2-1:0] == '0 &&
                   dst_q[SizeLog2-1:0] == '0;

  always_ff @(posedge ap_clk) begin
    if (rst) begin
      busy_q     <= 1'b0;
      err_q      <= ErrNone;
      err_addr_q <= '0;
      cycles_q   <= '0;
      wptr_q     <= '0;
      rptr_q     <= '0;
      count_q    <= '0;
      inflight_q <= '0;
      rd_left_q  <= '0;
      wr_left_q  <= '0;
      rcv_q      <= '0;
      ar_valid_q <= 1'b0;
      aw_valid_q <= 1'b0;
      toggle_q   <= 1'b0;
      wbeats_q   <= '0;
      bwp_q      <= '0;
      brp_q      <= '0;
      bpend_q    <= '0;
    end else begin
      toggle_q <= !toggle_q;
      if (busy_q) cycles_q <= cycles_q + 64'd1;
      if (eng_start) begin
        cycles_q   <= '0;
        rd_addr_q  <= src_q;
        wr_addr_q  <= dst_q;
        rd_left_q  <= len_q >> SizeLog2;
        wr_left_q  <= len_q >> SizeLog2;
        rcv_q      <= '0;
        err_addr_q <= '0;
        if (args_ok) begin
          busy_q <= 1'b1;
          err_q  <= ErrNone;
        end else begin
          err_q  <= ErrArg;  // finishes at once: ap_done with the error
        end
      end
      if (eng_done) busy_q <= 1'b0;

      // Read requests.
      if (ar_hs) ar_valid_q <= 1'b0;
      if (issue_ar) begin
        ar_valid_q <= 1'b1;
        ar_addr_q  <= rd_addr_q;
        ar_len_q   <= 8'(rd_n - 1);
        rd_addr_q  <= rd_addr_q + (64'(rd_n) << SizeLog2);
        rd_left_q  <= rd_left_q - rd_n;
      end
      inflight_q <= inflight_q + (issue_ar ? (PtrBits+1)'(rd_n) : '0) - (PtrBits+1)'(r_hs);

      // Read data into the FIFO.
      if (r_hs) begin
        fifo_q[wptr_q] <= m_axi_gmem_rdata;
        wptr_q <= wptr_q + 1'b1;
        rcv_q  <= rcv_q + 32'd1;
      end
      count_q <= count_q + (PtrBits+1)'(r_hs) - (PtrBits+1)'(w_hs);

      // Write requests and data.
      if (aw_hs) aw_valid_q <= 1'b0;
      if (issue_aw) begin
        aw_valid_q     <= 1'b1;
        aw_addr_q      <= wr_addr_q;
        aw_len_q       <= 8'(wr_n - 1);
        wbeats_q       <= 9'(wr_n);
        wr_addr_q      <= wr_addr_q + (64'(wr_n) << SizeLog2);
        wr_left_q      <= wr_left_q - wr_n;
        baddr_q[bwp_q] <= wr_addr_q;
        bwp_q          <= bwp_q + 1'b1;
      end
      if (w_hs) begin
        rptr_q   <= rptr_q + 1'b1;
        wbeats_q <= wbeats_q - 9'd1;
      end
      if (b_hs) brp_q <= brp_q + 1'b1;
      bpend_q <= bpend_q + 4'(issue_aw) - 4'(b_hs);

      // The first error response wins; the engine then issues nothing new and
      // finishes once what is in flight has drained.
      if (err_q == ErrNone && !eng_start) begin
        if (r_hs && m_axi_gmem_rresp != RespOkay) begin
          err_q      <= ErrAxiRd;
          err_addr_q <= src_q + (64'(rcv_q) << SizeLog2);
        end else if (b_hs && m_axi_gmem_bresp != RespOkay) begin
          err_q      <= ErrAxiWr;
          err_addr_q <= baddr_q[brp_q];
        end
      end

      // Invariants of the credit scheme, and a deliberate failure for MODE[3].
      assert (32'(count_q) + 32'(inflight_q) <= 32'(FifoDepth));
      assert (!(w_hs && count_q == 0));
      assert (!(busy_q && mode_q[ModeAssert]));
    end
  end

  assign m_axi_gmem_arvalid = ar_valid_q && (!mode_q[ModeDropArvalid] || toggle_q);
  assign m_axi_gmem_araddr  = ar_addr_q;
  assign m_axi_gmem_arlen   = ar_len_q;
  assign m_axi_gmem_arsize  = mode_q[ModeNarrowSize] ? 3'(SizeLog2 - 1) : 3'(SizeLog2);
  assign m_axi_gmem_arburst = 2'b01;   // INCR
  assign m_axi_gmem_arcache = 4'b0011; // normal, bufferable (the Vitis default)
  assign m_axi_gmem_arprot  = 3'b000;
  assign m_axi_gmem_rready  = 1'b1;    // FIFO space was reserved when the AR went out

  assign m_axi_gmem_awvalid = aw_valid_q;
  assign m_axi_gmem_awaddr  = aw_addr_q;
  assign m_axi_gmem_awlen   = aw_len_q;
  assign m_axi_gmem_awsize  = 3'(SizeLog2);
  assign m_axi_gmem_awburst = 2'b01;
  assign m_axi_gmem_awcache = 4'b0011;
  assign m_axi_gmem_awprot  = 3'b000;
  // W may start in the same cycle as its AW: the data is already in the FIFO.
  assign m_axi_gmem_wvalid  = wbeats_q != 0;
  assign m_axi_gmem_wdata   = fifo_q[rptr_q];
  assign m_axi_gmem_wstrb   = '1;
  assign m_axi_gmem_wlast   = mode_q[ModeEarlyWlast] ? wbeats_q == 9'd2 : wbeats_q == 9'd1;
  assign m_axi_gmem_bready  = 1'b1;

  // Unused inputs, named so lint knows they are deliberately ignored.
  logic unused;
  assign unused = ^{m_axi_gmem_rlast, s_axi_control_awaddr[1:0], s_axi_control_araddr[1:0]};
endmodule

`default_nettype wire
