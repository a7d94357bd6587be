// hta_ctrl: runs a device program. Reads and checks the header, then for each
// layer reads and checks its descriptor before anything of the layer touches
// memory, and steps the loop nest of docs/architecture.md:
//   for tile: for pass: (load pass weights) compute tile pixels; write tile
// The input fetcher runs through the whole layer on its own. The first error
// (from here, the read port, the weight loader or the writer) aborts the run:
// nothing new is issued, what is in flight drains, and the run ends with the
// code in STATUS.
`default_nettype none

module hta_ctrl #(
  parameter int MacLanes   = hta_cfg_pkg::MacLanes,
  parameter int BusBits    = hta_cfg_pkg::BusBits,
  parameter int KMax       = hta_cfg_pkg::KMax,
  parameter int AlphaDepth = hta_cfg_pkg::AlphaDepth,
  parameter int StageBytes = hta_cfg_pkg::StageBytes,
  parameter int ChanMax    = hta_cfg_pkg::ChanMax
) (
  input  logic               clk_i,
  input  logic               rst_i,
  input  logic               start_i,
  input  logic [63:0]        prog_size_i,
  input  logic [63:0]        data_size_i,
  output logic               busy_o,
  output logic               done_o,          // pulse
  output logic               abort_o,
  output logic [7:0]         err_code_o,
  output logic [31:0]        err_info_o,
  output logic [63:0]        err_addr_o,
  output logic [15:0]        layer_o,
  output logic [31:0]        layers_done_o,
  // per-layer cycle log: one write as each descriptor finishes
  output logic               log_we_o,
  output logic [15:0]        log_idx_o,
  output logic [31:0]        log_cycles_o,
  // read port client (program window)
  output logic               req_valid_o,
  input  logic               req_ready_i,
  output logic [31:0]        req_off_o,
  output logic [7:0]         req_beats_o,
  input  logic               rd_valid_i,
  input  logic [BusBits-1:0] rd_data_i,
  input  logic               rd_idle_i,
  // errors reported by the other blocks
  input  logic               rd_err_window_i,
  input  logic               rd_err_resp_i,
  input  logic [63:0]        rd_err_addr_i,
  input  logic               wr_err_window_i,
  input  logic               wr_err_resp_i,
  input  logic [63:0]        wr_err_addr_i,
  input  logic               wl_err_i,
  input  logic [31:0]        wl_err_info_i,
  // graph-op unit (hta_gop): runs a DescOpGop descriptor by itself
  output logic               gop_start_o,
  output logic [511:0]       gop_desc_o,
  input  logic               gop_busy_i,
  input  logic               gop_err_i,
  input  logic [31:0]        gop_err_info_i,
  // the current layer's descriptor, decoded
  output logic               dw_o,
  output logic [7:0]         kh_o,
  output logic [7:0]         kw_o,
  output logic [3:0]         sh_o,
  output logic [3:0]         sw_o,
  output logic [7:0]         pad_t_o,
  output logic [7:0]         pad_l_o,
  output logic [7:0]         zp_in_o,
  output logic [7:0]         zp_out_o,
  output logic [7:0]         act_min_o,
  output logic [7:0]         act_max_o,
  output logic [15:0]        group_o,
  output logic [15:0]        in_h_o,
  output logic [15:0]        in_w_o,
  output logic [15:0]        in_c_o,
  output logic [15:0]        in_stride_o,
  output logic [15:0]        out_w_o,
  output logic [15:0]        out_stride_o,
  output logic [31:0]        in_off_o,
  output logic [31:0]        npix_o,
  output logic [15:0]        passes_o,
  output logic [15:0]        tile_o,
  output logic [15:0]        mac_stride_o,
  output logic [15:0]        add_stride_o,
  output logic [15:0]        k_o,
  output logic [15:0]        n_groups_o,
  output logic [31:0]        wts_end_o,
  output logic [15:0]        map_beats_o,
  // sub-block control
  output logic               ifetch_start_o,
  output logic               map_start_o,
  output logic               pass_start_o,
  output logic [31:0]        wl_off_o,
  output logic [15:0]        pass_o,
  input  logic               wl_busy_i,
  input  logic [31:0]        wl_next_off_i,
  output logic               compute_start_o,
  output logic [15:0]        tile_n_o,
  input  logic               compute_busy_i,
  output logic               stage_half_o,    // staging half the computing tile uses
  output logic               write_start_o,
  output logic [31:0]        tile_off_o,      // tile being written: offset, pixels,
  output logic [15:0]        wr_n_o,          //   staging half (held from write_start)
  output logic               wr_half_o,
  input  logic               wr_reading_i,
  input  logic               wr_idle_i
);
  localparam int BusBytes = BusBits / 8;

  typedef enum logic [4:0] {
    SIdle, SHdr, SHdrWait, SDesc, SDescWait, SCheck1, SCheck2, SMap, SMapWait,
    SPassLoad, SPassWait, SRun, SRunWait, STileWrite, SLayerEnd, SAbort, SGop
  } state_e;
  state_e state_q;

  // ------------------------------------------------------ 4-beat fetches
  // Header and descriptors are 64 bytes (DescBytes): hta_prog_fetch collects
  // 64/BusBytes beats (BusBits 128 or 256) and checks the header (shared
  // with hta_v2_engine, which accepts the other format version).
  logic [511:0] blk;
  logic         last_beat, hdr_bad;
  logic [31:0]  hdr_info, hdr_n_desc, hdr_desc_off;

  logic fetch_req_q;
  logic [31:0] fetch_off_q;
  assign req_valid_o = fetch_req_q;
  assign req_off_o   = fetch_off_q;
  assign req_beats_o = 8'(hta_prog_pkg::DescBytes / BusBytes);

  hta_prog_fetch #(
    .BusBits(BusBits), .Version(hta_prog_pkg::ProgVersion),
    .DescBytes(hta_prog_pkg::DescBytes), .CfgSignature(hta_cfg_pkg::CfgSignature)
  ) u_fetch (
    .clk_i, .rst_i, .clr_i(state_q == SIdle), .rd_valid_i, .rd_data_i,
    .blk_o(blk), .last_o(last_beat), .hdr_bad_o(hdr_bad), .hdr_info_o(hdr_info),
    .n_desc_o(hdr_n_desc), .desc_off_o(hdr_desc_off)
  );

  // --------------------------------------------------- program and layer
  // Header and descriptor layouts come from hw/config/program.cfg
  // (hta_prog_pkg, docs/program-format.md); word 0 is the lowest 32 bits.
  logic [31:0] n_layers_q, desc_off_q, layer_q;
  hta_prog_pkg::desc_t d_q;           // the descriptor being run

  wire [7:0]  op       = d_q.op;
  assign dw_o          = (op == hta_prog_pkg::DescOpDw);
  assign kh_o          = d_q.kh;
  assign kw_o          = d_q.kw;
  assign sh_o          = d_q.stride_h;
  assign sw_o          = d_q.stride_w;
  assign pad_t_o       = d_q.pad_top;
  assign pad_l_o       = d_q.pad_left;
  assign zp_in_o       = d_q.zp_in;
  assign zp_out_o      = d_q.zp_out;
  assign act_min_o     = d_q.act_min;
  assign act_max_o     = d_q.act_max;
  assign group_o       = d_q.group;
  assign in_h_o        = d_q.in_h;
  assign in_w_o        = d_q.in_w;
  assign in_c_o        = d_q.in_c;
  assign in_stride_o   = d_q.in_pix_stride;
  wire [15:0] out_h    = d_q.out_h;
  assign out_w_o       = d_q.out_w;
  wire [15:0] out_c    = d_q.out_c;
  assign out_stride_o  = d_q.out_pix_stride;
  assign in_off_o      = d_q.in_off;
  wire [31:0] out_off  = d_q.out_off;
  wire [31:0] wts_off  = d_q.wts_off;
  wire [31:0] wts_bytes = d_q.wts_bytes;
  assign passes_o      = d_q.n_passes;
  assign tile_o        = d_q.tile_pixels;
  assign mac_stride_o  = d_q.mac_stride;
  assign add_stride_o  = d_q.add_stride;
  assign k_o           = d_q.k;
  assign n_groups_o    = d_q.n_groups;
  assign wts_end_o     = wts_off + wts_bytes;
  logic unused;
  assign unused = ^{d_q.rsvd448};   // reserved bits
  // Channel source map: 2 bits per channel, padded to whole beats.
  assign map_beats_o   = 16'((32'(out_stride_o) / 4 + BusBytes - 1) / BusBytes);

  function automatic logic [15:0] round_up(input logic [15:0] c);
    round_up = 16'((32'(c) + BusBytes - 1) / BusBytes * BusBytes);
  endfunction

  // Products for the checks, registered in SCheck1.
  logic [31:0] k_expect_q, stage_need_q;
  logic [63:0] in_end_q, out_end_q;
  logic [31:0] g_lo_q, g_hi_q;          // (n_groups-1)*G and n_groups*G
  logic [31:0] npix_q;
  assign npix_o = npix_q;

  wire [15:0] max_stride = (mac_stride_o > add_stride_o) ? mac_stride_o : add_stride_o;
  wire [31:0] dw_passes  = (32'(out_stride_o) + MacLanes - 1) / MacLanes;
  wire [63:0] limit_data = (data_size_i < 64'h1_0000_0000) ? data_size_i : 64'h1_0000_0000;

  logic [31:0] bad;   // 0 fine, else 1 + descriptor word index
  always_comb begin
    bad = '0;
    if (op != hta_prog_pkg::DescOpConv && op != hta_prog_pkg::DescOpDw)
      bad = 1 + hta_prog_pkg::DescWOp;
    else if (kh_o == 0 || kw_o == 0)
      bad = 1 + hta_prog_pkg::DescWKh;
    else if (!dw_o && (kh_o > 7 || kw_o > 7))
      bad = 1 + hta_prog_pkg::DescWKh;
    else if (sh_o == 0 || sh_o > 2 || sw_o == 0 || sw_o > 2)
      bad = 1 + hta_prog_pkg::DescWStrideH;
    else if ($signed(act_min_o) > $signed(act_max_o))
      bad = 1 + hta_prog_pkg::DescWActMin;
    else if (group_o != 0 && group_o < 4)
      bad = 1 + hta_prog_pkg::DescWGroup;
    else if (in_h_o == 0 || in_w_o == 0)
      bad = 1 + hta_prog_pkg::DescWInH;
    else if (in_c_o == 0 || in_stride_o != round_up(in_c_o))
      bad = 1 + hta_prog_pkg::DescWInC;
    else if (out_h == 0 || out_w_o == 0)
      bad = 1 + hta_prog_pkg::DescWOutH;
    else if (out_c == 0 || 32'(out_c) > ChanMax)
      bad = 1 + hta_prog_pkg::DescWOutC;
    else if (out_stride_o != round_up(out_c))
      bad = 1 + hta_prog_pkg::DescWOutPixStride;
    else if (dw_o && in_c_o != out_c)
      bad = 1 + hta_prog_pkg::DescWOutC;
    else if (in_off_o % BusBytes != 0 || in_end_q > limit_data)
      bad = 1 + hta_prog_pkg::DescWInOff;
    else if (out_off % BusBytes != 0 || out_end_q > limit_data)
      bad = 1 + hta_prog_pkg::DescWOutOff;
    else if (wts_off % BusBytes != 0)
      bad = 1 + hta_prog_pkg::DescWWtsOff;
    else if (64'(wts_off) + 64'(wts_bytes) > prog_size_i)
      bad = 1 + hta_prog_pkg::DescWWtsBytes;
    else if (passes_o == 0 || tile_o == 0)
      bad = 1 + hta_prog_pkg::DescWNPasses;
    else if (stage_need_q > StageBytes)
      bad = 1 + hta_prog_pkg::DescWTilePixels;
    else if (dw_o && 32'(passes_o) != dw_passes)
      bad = 1 + hta_prog_pkg::DescWNPasses;
    else if (dw_o && (mac_stride_o != out_stride_o || add_stride_o != out_stride_o))
      bad = 1 + hta_prog_pkg::DescWMacStride;
    else if (k_o == 0 || 32'(k_o) != k_expect_q || 32'(k_o) > KMax)
      bad = 1 + hta_prog_pkg::DescWK;
    else if (n_groups_o == 0 || 32'(n_groups_o) > AlphaDepth)
      bad = 1 + hta_prog_pkg::DescWNGroups;
    else if (group_o == 0 && n_groups_o != 1)
      bad = 1 + hta_prog_pkg::DescWNGroups;
    else if (group_o != 0 && !(g_lo_q < 32'(k_o) && 32'(k_o) <= g_hi_q))
      bad = 1 + hta_prog_pkg::DescWNGroups;
  end

  // ------------------------------------------------------------- loops
  logic [31:0] tile_start_q, pass0_off_q, next_off_q;
  logic [15:0] pass_q, tile_n_q;
  logic        loaded_q;          // the weight buffer holds pass 0 already
  logic        half_q;            // staging half of the computing tile
  logic [31:0] wr_off_q;          // the tile being written back
  logic [15:0] wr_n_q;
  logic        wr_half_q;

  wire [31:0] left_pix   = npix_q - tile_start_q;
  wire [15:0] next_tile_n = (left_pix - 32'(tile_n_q) < 32'(tile_o))
                            ? 16'(left_pix - 32'(tile_n_q)) : tile_o;
  wire more_tiles = (tile_start_q + 32'(tile_n_q) < npix_q);

  assign pass_o     = pass_q;
  assign tile_n_o   = tile_n_q;
  assign stage_half_o = half_q;
  assign tile_off_o   = wr_off_q;
  assign wr_n_o       = wr_n_q;
  assign wr_half_o    = wr_half_q;

  // Cycles of the current layer, from the end of the previous one (layer 0:
  // from ap_start), so the log adds up to CYCLES.
  logic [31:0] layer_cyc_q;
  always_ff @(posedge clk_i) begin
    if (rst_i || start_i || log_we_o) layer_cyc_q <= 32'd1;
    else if (busy_o && layer_cyc_q != '1) layer_cyc_q <= layer_cyc_q + 32'd1;
  end
  logic [15:0] log_idx_q;
  always_ff @(posedge clk_i) log_idx_q <= layer_q[15:0];
  assign log_idx_o    = log_idx_q;
  assign log_cycles_o = layer_cyc_q;

  // ------------------------------------------------------------ errors
  logic [7:0] err_q;
  wire any_err = rd_err_window_i || rd_err_resp_i || wr_err_window_i
              || wr_err_resp_i || wl_err_i || gop_err_i;

  always_ff @(posedge clk_i) begin
    ifetch_start_o  <= 1'b0;
    map_start_o     <= 1'b0;
    pass_start_o    <= 1'b0;
    compute_start_o <= 1'b0;
    write_start_o   <= 1'b0;
    gop_start_o     <= 1'b0;
    done_o          <= 1'b0;
    log_we_o        <= 1'b0;
    if (rst_i) begin
      state_q     <= SIdle;
      fetch_req_q <= 1'b0;
      err_q       <= hta_prog_pkg::ErrOk;
      err_info_o  <= '0;
      err_addr_o  <= '0;
      layer_q     <= '0;
      layers_done_o <= '0;
    end else begin
      if (req_valid_o && req_ready_i) fetch_req_q <= 1'b0;

      // The first error wins; the run then drains and stops.
      if (busy_o && state_q != SAbort && err_q == hta_prog_pkg::ErrOk && any_err) begin
        state_q <= SAbort;
        if (rd_err_window_i) begin
          err_q <= hta_prog_pkg::ErrWindow;  err_addr_o <= rd_err_addr_i;
        end else if (rd_err_resp_i) begin
          err_q <= hta_prog_pkg::ErrAxiRd;   err_addr_o <= rd_err_addr_i;
        end else if (wr_err_window_i) begin
          err_q <= hta_prog_pkg::ErrWindow;  err_addr_o <= wr_err_addr_i;
        end else if (wr_err_resp_i) begin
          err_q <= hta_prog_pkg::ErrAxiWr;   err_addr_o <= wr_err_addr_i;
        end else if (gop_err_i) begin
          err_q <= hta_prog_pkg::ErrDesc;    err_info_o <= gop_err_info_i;
        end else begin
          err_q <= hta_prog_pkg::ErrDesc;    err_info_o <= wl_err_info_i;
        end
      end else begin
        unique case (state_q)
          SIdle: if (start_i) begin
            err_q       <= hta_prog_pkg::ErrOk;
            err_info_o  <= '0;
            err_addr_o  <= '0;
            layer_q     <= '0;
            layers_done_o <= '0;
            fetch_req_q <= 1'b1;
            fetch_off_q <= '0;
            state_q     <= SHdr;
          end
          SHdr: if (!fetch_req_q) state_q <= SHdrWait;
          SHdrWait: if (last_beat) begin
            n_layers_q <= hdr_n_desc;
            desc_off_q <= hdr_desc_off;
            if (hdr_bad) begin
              err_info_o <= hdr_info;
              err_q      <= hta_prog_pkg::ErrProg;
              state_q    <= SAbort;
            end else if (hdr_n_desc == 0) begin
              state_q <= SLayerEnd;
            end else begin
              fetch_req_q <= 1'b1;
              fetch_off_q <= hdr_desc_off;
              state_q     <= SDesc;
            end
          end
          SDesc: if (!fetch_req_q) state_q <= SDescWait;
          SDescWait: if (last_beat) begin
            d_q     <= blk;
            // A graph op: hta_gop checks and runs it; the layer ends when it is idle.
            if (blk[7:0] == hta_prog_pkg::DescOpGop) begin
              gop_start_o <= 1'b1;
              state_q     <= SGop;
            end else begin
              state_q <= SCheck1;
            end
          end
          SGop: if (!gop_start_o && !gop_busy_i) state_q <= SLayerEnd;
          SCheck1: begin
            k_expect_q   <= dw_o ? 32'(kh_o) * 32'(kw_o) : 32'(kh_o) * 32'(kw_o) * 32'(in_c_o);
            in_end_q     <= 64'(in_off_o) + 64'(in_h_o) * 64'(in_w_o) * 64'(in_stride_o);
            out_end_q    <= 64'(out_off) + 64'(out_h) * 64'(out_w_o) * 64'(out_stride_o);
            stage_need_q <= 32'(tile_o) * 32'(max_stride);
            g_lo_q       <= (32'(n_groups_o) - 1) * 32'(group_o);
            g_hi_q       <= 32'(n_groups_o) * 32'(group_o);
            npix_q       <= 32'(out_h) * 32'(out_w_o);
            state_q      <= SCheck2;
          end
          SCheck2: begin
            if (bad != 0) begin
              err_q      <= hta_prog_pkg::ErrDesc;
              err_info_o <= bad - 1;
              state_q    <= SAbort;
            end else begin
              ifetch_start_o <= 1'b1;
              map_start_o    <= 1'b1;
              wl_off_o       <= wts_off;
              tile_start_q   <= '0;
              tile_n_q       <= (npix_q < 32'(tile_o)) ? npix_q[15:0] : tile_o;
              pass_q         <= '0;
              loaded_q       <= 1'b0;
              half_q         <= 1'b0;
              pass0_off_q    <= wts_off + 32'(map_beats_o) * BusBytes;
              state_q        <= SMap;
            end
          end
          SMap: state_q <= SMapWait;
          SMapWait: if (!wl_busy_i) state_q <= SPassLoad;
          SPassLoad: begin
            if (pass_q == 0 && loaded_q) begin
              compute_start_o <= 1'b1;
              state_q <= SRun;
            end else begin
              pass_start_o <= 1'b1;
              wl_off_o     <= (pass_q == 0) ? pass0_off_q : next_off_q;
              state_q      <= SPassWait;
            end
          end
          SPassWait: if (!wl_busy_i && !pass_start_o) begin
            next_off_q      <= wl_next_off_i;
            loaded_q        <= (passes_o == 1);
            compute_start_o <= 1'b1;
            state_q         <= SRun;
          end
          SRun: state_q <= SRunWait;
          SRunWait: if (!compute_busy_i) begin
            if (pass_q + 1 != passes_o) begin
              pass_q  <= pass_q + 1;
              state_q <= SPassLoad;
            end else begin
              state_q <= STileWrite;
            end
          end
          // Staging is double-buffered: the tile just computed is written back
          // from its half while the next tile computes into the other half,
          // which the writer finished reading before it took this tile.
          STileWrite: if (!write_start_o && !wr_reading_i) begin
            write_start_o <= 1'b1;
            wr_off_q      <= out_off + tile_start_q * 32'(out_stride_o);
            wr_n_q        <= tile_n_q;
            wr_half_q     <= half_q;
            if (more_tiles) begin
              tile_start_q <= tile_start_q + 32'(tile_n_q);
              tile_n_q     <= next_tile_n;
              pass_q       <= '0;
              half_q       <= !half_q;
              state_q      <= SPassLoad;
            end else begin
              state_q <= SLayerEnd;
            end
          end
          SLayerEnd: if (wr_idle_i && rd_idle_i && !write_start_o) begin
            if (layer_q < n_layers_q) begin
              // A layer finished (this state is also entered for 0 layers).
              layers_done_o <= layers_done_o + 1;
              log_we_o      <= 1'b1;
            end
            if (layer_q + 1 < n_layers_q) begin
              layer_q     <= layer_q + 1;
              fetch_req_q <= 1'b1;
              fetch_off_q <= desc_off_q + (layer_q + 1) * hta_prog_pkg::DescBytes;
              state_q     <= SDesc;
            end else begin
              done_o  <= 1'b1;
              state_q <= SIdle;
            end
          end
          SAbort: if (rd_idle_i && wr_idle_i && !wl_busy_i && !gop_busy_i) begin
            fetch_req_q <= 1'b0;
            done_o      <= 1'b1;
            state_q     <= SIdle;
          end
          default: state_q <= SIdle;
        endcase
      end
    end
  end

  assign gop_desc_o = d_q;
  assign busy_o     = (state_q != SIdle);
  assign abort_o    = (state_q == SAbort);
  assign err_code_o = err_q;
  assign layer_o    = layer_q[15:0];
endmodule
