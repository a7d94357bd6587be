// hta_compute: the two arrays and what feeds and drains them.
//
// One K-step per cycle: step k of the current output pixel reads weight row k
// (all lanes' weights for that step) and one input element - a broadcast byte
// in CONV mode, a vector of MacLanes channels in DW mode. Pipeline:
//   S0  choose the step (input, group-scale and drain hazards), read row k
//   S1  lanes update: MAC lanes acc += w*xc; adder lanes s += t*xc, and at a
//       group end hand (s, alpha) to a serial shift-add multiply into acc
//   at the pixel's last step the lane results move to shadow registers, and
//   the drain requantizes them RqLanes per cycle per array into staging while
//   the lanes already work on the next pixel.
`default_nettype none

module hta_compute #(
  parameter int MacLanes   = hta_cfg_pkg::MacLanes,
  parameter int AddLanes   = hta_cfg_pkg::AddLanes,
  parameter int RqLanes    = hta_cfg_pkg::RqLanes,
  parameter int BusBits    = hta_cfg_pkg::BusBits,
  parameter int KMax       = hta_cfg_pkg::KMax,
  parameter int AlphaDepth = hta_cfg_pkg::AlphaDepth,
  parameter int StageBytes = hta_cfg_pkg::StageBytes
) (
  input  logic               clk_i,
  input  logic               rst_i,
  input  logic               clr_i,
  // pass command (fields hold for the whole pass)
  input  logic               start_i,
  input  logic [15:0]        npix_i,
  input  logic               dw_i,
  input  logic               win_i,         // DW sliding window (kernel <= 3x3)
  input  logic [7:0]         kh_i,
  input  logic [7:0]         kw_i,
  input  logic [3:0]         sw_i,
  input  logic [15:0]        k_i,
  input  logic [15:0]        group_i,       // 0: one group per filter
  input  logic [15:0]        in_c_i,        // CONV: channels per window position
  input  logic [7:0]         zp_in_i,
  input  logic [7:0]         zp_out_i,
  input  logic [7:0]         act_min_i,
  input  logic [7:0]         act_max_i,
  input  logic [15:0]        drain_mac_i,   // lanes to drain
  input  logic [15:0]        drain_add_i,
  input  logic [15:0]        ops_mac_i,     // filters counted as work per step
  input  logic [15:0]        ops_add_i,
  input  logic [15:0]        mac_base_i,
  input  logic [15:0]        add_base_i,
  input  logic [15:0]        mac_stride_i,
  input  logic [15:0]        add_stride_i,
  input  logic               stage_half_i,  // staging half of this tile
  input  logic [7:0]         vec_beats_i,   // DW: beats per input vector
  output logic               busy_o,
  // input stream
  input  logic               in_valid_i,
  input  logic [BusBits-1:0] in_data_i,
  input  logic               in_first_i,    // DW window: first beat of a pixel
  input  logic               in_reuse_i,    //   which streams new columns only
  output logic               in_pop_o,
  // buffer writes (from hta_wload)
  input  logic               wmac_we_i,
  input  logic [31:0]        wmac_idx_i,    // beat index within the MAC rows
  input  logic               wadd_we_i,
  input  logic [31:0]        wadd_idx_i,
  input  logic               alpha_we_i,
  input  logic [31:0]        alpha_idx_i,
  input  logic               pmac_we_i,
  input  logic               padd_we_i,
  input  logic [15:0]        prec_idx_i,    // lane record index
  input  logic [BusBits-1:0] wdata_i,
  // staging writes: RqLanes consecutive bytes from byte address addr
  output logic [RqLanes-1:0]   smac_we_o,
  output logic [15:0]          smac_addr_o,
  output logic [RqLanes*8-1:0] smac_data_o,
  output logic [RqLanes-1:0]   sadd_we_o,
  output logic [15:0]          sadd_addr_o,
  output logic [RqLanes*8-1:0] sadd_data_o,
  // performance events, one cycle each
  output logic               ev_mac_step_o,
  output logic               ev_add_step_o,
  output logic [15:0]        ev_mac_ops_o,
  output logic [15:0]        ev_add_ops_o,
  output logic               ev_mem_stall_o,
  output logic               ev_drain_stall_o
);
  localparam int BusBytes = BusBits / 8;
  localparam int NbMac    = MacLanes * 8 / BusBits;   // banks of a MAC row
  localparam int NbAdd    = AddLanes * 2 / BusBits;   // banks of an adder row
  localparam int NbAlpha  = AddLanes * 8 / BusBits;   // banks of an alpha row
  localparam int MacRows  = MacLanes / RqLanes;       // drain rows
  localparam int AddRows  = AddLanes / RqLanes;
  localparam int SBits    = $clog2(KMax * 255) + 1;   // signed group sum
  localparam int KBits    = $clog2(KMax);
  localparam int GBits    = $clog2(AlphaDepth);
  localparam int RqLatency = 5;                        // hta_requant stages
  localparam int AlphaBits = hta_pkg::AlphaBits;
  localparam int VecBits  = MacLanes * 8;

  // =========================================================== buffers
  logic [KBits-1:0] k_q;                 // step being chosen in S0
  logic [GBits-1:0] g_q;                 // its group
  logic [MacLanes*8-1:0]  wmac_row;      // S1: weights of step k
  logic [AddLanes*2-1:0]  wadd_row;
  logic [AddLanes*8-1:0]  alpha_row;

  hta_wbuf #(.Banks(NbMac), .Depth(KMax)) u_wmac (
    .clk_i, .we_i(wmac_we_i), .idx_i(wmac_idx_i), .wdata_i(wdata_i),
    .raddr_i(k_q), .row_o(wmac_row)
  );
  hta_wbuf #(.Banks(NbAdd), .Depth(KMax)) u_wadd (
    .clk_i, .we_i(wadd_we_i), .idx_i(wadd_idx_i), .wdata_i(wdata_i),
    .raddr_i(k_q), .row_o(wadd_row)
  );
  hta_wbuf #(.Banks(NbAlpha), .Depth(AlphaDepth)) u_alpha (
    .clk_i, .we_i(alpha_we_i), .idx_i(alpha_idx_i), .wdata_i(wdata_i),
    .raddr_i(g_q), .row_o(alpha_row)
  );

  // Lane records {shift, mult, bias}: bank r holds lanes r, r+RqLanes, ...
  // so one read gives the RqLanes records of one drain row.
  localparam int MacRowBits = (MacRows > 1) ? $clog2(MacRows) : 1;
  localparam int AddRowBits = (AddRows > 1) ? $clog2(AddRows) : 1;
  logic [MacRowBits-1:0] dm_row_q;
  logic [AddRowBits-1:0] da_row_q;
  logic [RqLanes*72-1:0] pmac_rd, padd_rd;   // bits 71:69 of a record are zero

  for (genvar r = 0; r < RqLanes; r++) begin : gen_prec
    hta_ram_sdp #(.Width(72), .Depth(MacRows)) u_pmac (
      .clk_i,
      .we_i   (pmac_we_i && 32'(prec_idx_i) % RqLanes == r),
      .waddr_i(MacRowBits'(32'(prec_idx_i) / RqLanes)),
      .wdata_i(wdata_i[71:0]),
      .raddr_i(dm_row_q),
      .rdata_o(pmac_rd[r*72 +: 72])
    );
    hta_ram_sdp #(.Width(72), .Depth(AddRows)) u_padd (
      .clk_i,
      .we_i   (padd_we_i && 32'(prec_idx_i) % RqLanes == r),
      .waddr_i(AddRowBits'(32'(prec_idx_i) / RqLanes)),
      .wdata_i(wdata_i[71:0]),
      .raddr_i(da_row_q),
      .rdata_o(padd_rd[r*72 +: 72])
    );
  end

  // ================================================== S0: choose a step
  logic        run_q;                // steps remain in this pass
  logic [15:0] pix_q;                // pixels whose steps are all issued
  logic [15:0] gpos_q;               // position within the group
  logic [15:0] ci_q;                 // CONV: channel within window position
  logic [$clog2(BusBytes)-1:0] bi_q; // CONV: byte within the input beat
  logic [VecBits-1:0] vec_q;         // DW: vector being assembled
  logic [7:0]  vb_q;                 // DW: beats assembled
  logic        vec_full_q;
  logic [31:0] vleft_q;              // DW: vectors still to assemble
  logic [3:0]  mul_cnt_q;            // serial multiply cycles left

  logic        s1_valid_q, s1_first_q, s1_lastk_q, s1_gfirst_q, s1_glast_q;
  logic [7:0]  s1_x_q;
  logic [VecBits-1:0] s1_vec_q;
  logic        drain_busy;

  // ------------------------------------------------ DW sliding window
  // The window's vectors live in a small RAM of WinCols column slots x 4 rows
  // (address {slot, ky}), one bank per bus beat of a vector, so a vector is
  // written beat by beat as it arrives and read whole by the step. A window
  // is a run of kw consecutive slots (mod WinCols) starting at its base slot.
  // A reuse pixel's base is its left neighbour's plus sw: the columns they
  // share are already in place and only the sw new ones are written; any
  // other pixel starts kw slots after the previous window. The loader works
  // at most one pixel ahead of the steps (two window slots, win_ready_q), and
  // a new window's columns lie in the kw + kw <= 6 < WinCols slots after the
  // previous window's base, so loading never overwrites a window still being
  // stepped. No copies, no wide registers, no variable-index muxes: one write
  // and one read port.
  localparam int WinCols = 8;
  localparam int WinAddr = 5;        // {slot (3 bits), ky (2 bits)}
  logic [1:0]  win_ready_q;          // window slot holds a complete window
  logic        ld_buf_q, st_buf_q;   // window slot being loaded / stepped
  logic [2:0]  cb_q [2];             // base column slot of each window
  logic [7:0]  ld_left_q;            // vectors still to load for this pixel
  logic [7:0]  ld_ky_q, ld_kx_q, ld_kx0_q;
  logic [31:0] ld_pix_q;             // pixels still to load in this pass
  logic [7:0]  st_ky_q, st_kx_q;     // window position of the step in S0

  wire [7:0] kx_new = kw_i - {4'd0, sw_i};        // first new column of a reuse pixel
  wire       ld_open = win_i && ld_left_q == '0 && ld_pix_q != '0 && in_valid_i
                       && !win_ready_q[ld_buf_q];
  wire       ld_take = win_i && in_valid_i && (ld_left_q != '0 || ld_open);
  wire       ld_vec_done = ld_take && (vb_q + 8'd1 == vec_beats_i);
  // The vector being assembled: where it goes and how many remain, as seen
  // this cycle (a pixel's load may open and finish its first vector at once).
  wire [7:0] cur_left = ld_open ? 8'(in_reuse_i ? 16'(kh_i) * 16'(sw_i) : 16'(kh_i) * 16'(kw_i))
                                : ld_left_q;
  wire [7:0] cur_kx0  = ld_open ? (in_reuse_i ? kx_new : 8'd0) : ld_kx0_q;
  wire [7:0] cur_kx   = ld_open ? cur_kx0 : ld_kx_q;
  wire [7:0] cur_ky   = ld_open ? 8'd0 : ld_ky_q;
  wire [2:0] cur_cb   = ld_open ? cb_q[!ld_buf_q] + (in_reuse_i ? 3'(sw_i) : 3'(kw_i))
                                : cb_q[ld_buf_q];
  wire [2:0] ld_slot  = cur_cb + cur_kx[2:0];
  wire [2:0] st_slot  = cb_q[st_buf_q] + st_kx_q[2:0];
  wire [WinAddr-1:0] win_waddr = {ld_slot, cur_ky[1:0]};
  wire [WinAddr-1:0] win_raddr = {st_slot, st_ky_q[1:0]};
  logic [VecBits-1:0] win_rd;        // the vector of the step in S1

  for (genvar b = 0; b < NbMac; b++) begin : gen_win
    hta_ram_sdp #(.Width(BusBits), .Depth(4 * WinCols)) u_win (
      .clk_i,
      .we_i   (ld_take && 32'(vb_q) == b),
      .waddr_i(win_waddr),
      .wdata_i(in_data_i),
      .raddr_i(win_raddr),
      .rdata_o(win_rd[b*BusBits +: BusBits])
    );
  end

  wire first_k = (k_q == '0);
  wire last_k  = (32'(k_q) == 32'(k_i) - 1);
  wire g_first = (gpos_q == '0);
  wire g_last  = last_k || (group_i != '0 && gpos_q == group_i - 16'd1);

  wire have_input = win_i ? win_ready_q[st_buf_q] : dw_i ? vec_full_q : in_valid_i;
  // The serial multiply of the previous group must be finished by the time
  // this group's last step reaches S1 (docs/architecture.md: G >= 4).
  wire mul_hazard = g_last && ((mul_cnt_q > 4'd1) ||
                               (s1_valid_q && s1_glast_q && !s1_lastk_q));
  // The shadow registers must be free when the pixel's last step reaches S1.
  wire drain_hazard = last_k && (drain_busy || (s1_valid_q && s1_lastk_q));
  wire issue = run_q && have_input && !mul_hazard && !drain_hazard;

  wire [7:0] in_byte = in_data_i[bi_q*8 +: 8];
  wire conv_pop = issue && !dw_i && (32'(bi_q) == BusBytes - 1 || ci_q == in_c_i - 16'd1);
  // Collect only this pass's vectors: the stream goes on into the next pass.
  wire collect  = run_q && dw_i && !win_i && vleft_q != '0 && in_valid_i
                  && (!vec_full_q || issue);
  assign in_pop_o = conv_pop || collect || ld_take;

  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) begin
      run_q      <= 1'b0;
      pix_q      <= '0;
      k_q        <= '0;
      g_q        <= '0;
      gpos_q     <= '0;
      ci_q       <= '0;
      bi_q       <= '0;
      vb_q       <= '0;
      vec_full_q <= 1'b0;
      vleft_q    <= '0;
    end else begin
      if (start_i) begin
        vleft_q    <= (dw_i && !win_i) ? 32'(npix_i) * 32'(k_i) : '0;
        run_q      <= (npix_i != '0) && (k_i != '0);
        pix_q      <= '0;
        k_q        <= '0;
        g_q        <= '0;
        gpos_q     <= '0;
        ci_q       <= '0;
        bi_q       <= '0;
        vb_q       <= '0;
        vec_full_q <= 1'b0;
      end else begin
        if (issue) begin
          if (last_k) begin
            k_q    <= '0;
            g_q    <= '0;
            gpos_q <= '0;
            pix_q  <= pix_q + 16'd1;
            if (pix_q + 16'd1 == npix_i) run_q <= 1'b0;
          end else begin
            k_q <= k_q + 1'b1;
            if (g_last) begin
              g_q    <= g_q + 1'b1;
              gpos_q <= '0;
            end else begin
              gpos_q <= gpos_q + 16'd1;
            end
          end
          if (!dw_i) begin
            if (ci_q == in_c_i - 16'd1) begin
              ci_q <= '0;
              bi_q <= '0;
            end else begin
              ci_q <= ci_q + 16'd1;
              bi_q <= bi_q + 1'b1;
            end
          end
        end
        // DW window: beats of the vector being loaded.
        if (ld_take) vb_q <= ld_vec_done ? 8'd0 : vb_q + 8'd1;
        // DW: assemble the next vector, possibly while this one issues.
        if (collect) begin
          vec_q[vb_q*BusBits +: BusBits] <= in_data_i;
          if (vb_q + 8'd1 == vec_beats_i) begin
            vb_q       <= '0;
            vec_full_q <= 1'b1;
            vleft_q    <= vleft_q - 32'd1;
          end else begin
            vb_q <= vb_q + 8'd1;
            if (issue) vec_full_q <= 1'b0;
          end
        end else if (issue) begin
          vec_full_q <= 1'b0;
        end
      end
    end
  end

  // Window loader and step position.
  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i || start_i) begin
      win_ready_q <= '0;
      cb_q[0]     <= '0;
      cb_q[1]     <= '0;
      ld_buf_q    <= 1'b0;
      st_buf_q    <= 1'b0;
      ld_left_q   <= '0;
      ld_pix_q    <= (start_i && win_i) ? 32'(npix_i) : '0;
      st_ky_q     <= '0;
      st_kx_q     <= '0;
    end else begin
      if (issue) begin
        if (last_k) begin
          st_ky_q <= '0;
          st_kx_q <= '0;
          win_ready_q[st_buf_q] <= 1'b0;
          st_buf_q <= !st_buf_q;
        end else if (st_kx_q + 8'd1 == kw_i) begin
          st_kx_q <= '0;
          st_ky_q <= st_ky_q + 8'd1;
        end else begin
          st_kx_q <= st_kx_q + 8'd1;
        end
      end
      if (ld_open) begin
        cb_q[ld_buf_q] <= cur_cb;
        ld_left_q <= cur_left;
        ld_kx0_q  <= cur_kx0;
        ld_kx_q   <= cur_kx;
        ld_ky_q   <= cur_ky;
      end
      if (ld_vec_done) begin
        if (cur_kx + 8'd1 == kw_i) begin
          ld_kx_q <= cur_kx0;
          ld_ky_q <= cur_ky + 8'd1;
        end else begin
          ld_kx_q <= cur_kx + 8'd1;
        end
        ld_left_q <= cur_left - 8'd1;
        if (cur_left == 8'd1) begin
          win_ready_q[ld_buf_q] <= 1'b1;
          ld_buf_q <= !ld_buf_q;
          ld_pix_q <= ld_pix_q - 32'd1;
        end
      end
    end
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (!rst_i && ld_open) assert (in_first_i) else $error("hta_compute: window load out of step");
  end
`endif

  // =========================================================== S0 -> S1
  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) begin
      s1_valid_q <= 1'b0;
    end else begin
      s1_valid_q <= issue;
    end
    s1_first_q  <= first_k;
    s1_lastk_q  <= last_k;
    s1_gfirst_q <= g_first;
    s1_glast_q  <= g_last;
    s1_x_q      <= in_byte;
    if (issue && dw_i && !win_i) s1_vec_q <= vec_q;
  end
  // DW input vector of the step in S1: the window RAM's registered read, or
  // the vector collected from the stream.
  wire [VecBits-1:0] s1_vec = win_i ? win_rd : s1_vec_q;

  // ========================================================== S1: lanes
  // Centred inputs: xc = x - zp_in, 9 bits signed.
  function automatic logic signed [8:0] centre(input logic [7:0] x, input logic [7:0] zp);
    centre = $signed({x[7], x}) - $signed({zp[7], zp});
  endfunction

  wire signed [8:0] xc_bcast = centre(s1_x_q, zp_in_i);

  logic signed [31:0] mac_sh_q [MacLanes];
  wire s1_step = s1_valid_q;
  wire s1_copy = s1_valid_q && s1_lastk_q;

  // Lane pairs (2p, 2p+1) share one DSP multiply (hta_mac_pair).
  for (genvar p = 0; p < MacLanes / 2; p++) begin : gen_mac
    hta_mac_pair u_pair (
      .clk_i,
      .dw_i,
      .step_i (s1_step),
      .first_i(s1_first_q),
      .copy_i (s1_copy),
      .w_i    (wmac_row[p*16 +: 16]),
      .xb_i   (xc_bcast),
      .xlo_i  (centre(s1_vec[(2*p)*8 +: 8], zp_in_i)),
      .xhi_i  (centre(s1_vec[(2*p+1)*8 +: 8], zp_in_i)),
      .sh_lo_o(mac_sh_q[2*p]),
      .sh_hi_o(mac_sh_q[2*p+1])
    );
  end

  logic signed [31:0]      add_sh_acc_q [AddLanes];
  logic signed [SBits-1:0] add_sh_s_q   [AddLanes];
  logic [7:0]              add_sh_a_q   [AddLanes];

  wire mul_active = (mul_cnt_q != '0);
  wire mul_start  = s1_valid_q && s1_glast_q && !s1_lastk_q;

  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i)   mul_cnt_q <= '0;
    else if (mul_start)   mul_cnt_q <= 4'(AlphaBits);
    else if (mul_active)  mul_cnt_q <= mul_cnt_q - 4'd1;
  end

  for (genvar i = 0; i < AddLanes; i++) begin : gen_add
    wire [7:0] xv = (i < MacLanes) ? s1_vec[(i % MacLanes)*8 +: 8] : zp_in_i;
    hta_add_lane #(.SBits(SBits), .AlphaBits(AlphaBits)) u_lane (
      .clk_i,
      .step_i      (s1_step),
      .first_i     (s1_first_q),
      .gfirst_i    (s1_gfirst_q),
      .copy_i      (s1_copy),
      .mul_start_i (mul_start),
      .mul_active_i(mul_active),
      .code_i      (wadd_row[i*2 +: 2]),
      .x_i         (dw_i ? centre(xv, zp_in_i) : xc_bcast),
      .alpha_i     (alpha_row[i*8 +: AlphaBits]),
      .sh_acc_o    (add_sh_acc_q[i]),
      .sh_s_o      (add_sh_s_q[i]),
      .sh_a_o      (add_sh_a_q[i])
    );
  end

  // ============================================================== drain
  // One pool of RqLanes requantization units serves both arrays, one row of
  // RqLanes lanes per cycle: the arrays produce (MAC + adder filters) / K
  // results per cycle, so a pixel's rows drain within its K steps unless K
  // is below the number of rows (docs/resources.md).
  // - CONV: the pixel's MAC rows, then its adder rows.
  // - DW: lane i of both arrays is channel c0 + i, and a channel is of one
  //   kind; each row takes per lane the adder's result if its lane record's
  //   mult is non-zero, else the MAC's (the other kind's record is all zero,
  //   docs/architecture.md; a channel whose own mult is zero gives zp_out
  //   from either record). Results go to both stagings at the same address
  //   (DW: equal bases and strides); the writer keeps the channel's kind.
  logic        dr_busy_q;
  logic        dr_add_q;                 // CONV: draining the adder rows
  logic [15:0] dr_left_q;                // lanes still to drain in this phase
  logic [15:0] dr_pend_q;                // CONV: adder lanes after the MAC rows
  logic [15:0] dm_addr_q, da_addr_q;     // staging byte address of the row
  logic [15:0] pbase_mac_q, pbase_add_q; // staging address of the pixel
  assign drain_busy = dr_busy_q;

  wire drain_start = s1_copy;
  wire dr_mac_side = dw_i || !dr_add_q;  // this row reads the MAC shadows
  wire dr_add_side = dw_i || dr_add_q;   //   the adder shadows
  wire [15:0] dw_left = (drain_mac_i > drain_add_i) ? drain_mac_i : drain_add_i;

  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) begin
      dr_busy_q <= 1'b0;
      dr_add_q  <= 1'b0;
      dm_row_q  <= '0;
      da_row_q  <= '0;
    end else if (start_i) begin
      pbase_mac_q <= stage_half_i ? 16'(StageBytes) : '0;
      pbase_add_q <= stage_half_i ? 16'(StageBytes) : '0;
    end else if (drain_start) begin
      dr_busy_q   <= (drain_mac_i != '0) || (drain_add_i != '0);
      dr_add_q    <= !dw_i && drain_mac_i == '0;
      dr_left_q   <= dw_i ? dw_left : (drain_mac_i != '0) ? drain_mac_i : drain_add_i;
      dr_pend_q   <= (!dw_i && drain_mac_i != '0) ? drain_add_i : '0;
      dm_row_q    <= '0;
      da_row_q    <= '0;
      dm_addr_q   <= pbase_mac_q + mac_base_i;
      da_addr_q   <= pbase_add_q + add_base_i;
      pbase_mac_q <= pbase_mac_q + mac_stride_i;
      pbase_add_q <= pbase_add_q + add_stride_i;
    end else if (dr_busy_q) begin
      if (dr_mac_side) begin
        dm_row_q  <= dm_row_q + 1'b1;
        dm_addr_q <= dm_addr_q + 16'(RqLanes);
      end
      if (dr_add_side) begin
        da_row_q  <= da_row_q + 1'b1;
        da_addr_q <= da_addr_q + 16'(RqLanes);
      end
      if (dr_left_q > 16'(RqLanes)) begin
        dr_left_q <= dr_left_q - 16'(RqLanes);
      end else if (dr_pend_q != '0) begin
        dr_add_q  <= 1'b1;
        dr_left_q <= dr_pend_q;
        dr_pend_q <= '0;
      end else begin
        dr_busy_q <= 1'b0;
      end
    end
  end

  // Row registers, aligned with the lane records read this cycle.
  logic [RqLanes-1:0]  dr_mask_q;
  logic                dr_dw1_q, dr_add1_q;
  logic [15:0]         dm_addr1_q, da_addr1_q;
  logic signed [31:0]  dm_acc1_q [RqLanes];
  logic signed [31:0]  da_acc1_q [RqLanes];
  logic signed [SBits-1:0] da_s1_q [RqLanes];
  logic [7:0]          da_a1_q [RqLanes];

  always_ff @(posedge clk_i) begin
    for (int r = 0; r < RqLanes; r++) begin
      dr_mask_q[r] <= dr_busy_q && !rst_i && !clr_i && (16'(r) < dr_left_q);
      dm_acc1_q[r] <= mac_sh_q[32'(dm_row_q) * RqLanes + r];
      da_acc1_q[r] <= add_sh_acc_q[32'(da_row_q) * RqLanes + r];
      da_s1_q[r]   <= add_sh_s_q[32'(da_row_q) * RqLanes + r];
      da_a1_q[r]   <= add_sh_a_q[32'(da_row_q) * RqLanes + r];
    end
    dr_dw1_q   <= dw_i;
    dr_add1_q  <= dr_add_q;
    dm_addr1_q <= dm_addr_q;
    da_addr1_q <= da_addr_q;
  end

  // Each unit's operands: the lane's array by row (CONV) or by kind (DW).
  logic [RqLanes-1:0] use_add;
  always_comb begin
    for (int r = 0; r < RqLanes; r++) begin
      use_add[r] = dr_dw1_q ? (padd_rd[r*72 + 32 +: 32] != '0) : dr_add1_q;
    end
  end

  logic [RqLanes-1:0] rq_v;
  logic [RqLanes*8-1:0] rq_q;
  for (genvar r = 0; r < RqLanes; r++) begin : gen_rq
    wire [68:0] rec = use_add[r] ? padd_rd[r*72 +: 69] : pmac_rd[r*72 +: 69];
    hta_requant #(.SBits(SBits)) u_rq (
      .clk_i, .rst_i(rst_i || clr_i),
      .valid_i  (dr_mask_q[r]),
      .acc_i    (use_add[r] ? da_acc1_q[r] : dm_acc1_q[r]),
      .s_i      (use_add[r] ? da_s1_q[r] : '0),
      .alpha_i  (use_add[r] ? da_a1_q[r] : 8'd0),
      .bias_i   (rec[31:0]),
      .mult_i   (rec[63:32]),
      .shift_i  (rec[68:64]),
      .zp_out_i (zp_out_i),
      .act_min_i(act_min_i),
      .act_max_i(act_max_i),
      .valid_o  (rq_v[r]),
      .q_o      (rq_q[r*8 +: 8])
    );
  end

  // Staging address and destination travel beside the pipeline.
  logic [15:0] dr_addr_pipe_q [RqLatency];
  logic [1:0]  dr_dest_pipe_q [RqLatency];   // {to adder staging, to MAC staging}
  always_ff @(posedge clk_i) begin
    dr_addr_pipe_q[0] <= (dr_add1_q && !dr_dw1_q) ? da_addr1_q : dm_addr1_q;
    dr_dest_pipe_q[0] <= {dr_dw1_q || dr_add1_q, dr_dw1_q || !dr_add1_q};
    for (int i = 1; i < RqLatency; i++) begin
      dr_addr_pipe_q[i] <= dr_addr_pipe_q[i-1];
      dr_dest_pipe_q[i] <= dr_dest_pipe_q[i-1];
    end
  end

  logic unused;
  always_comb begin
    unused = 1'b0;
    for (int r = 0; r < RqLanes; r++) begin
      unused = unused ^ (^pmac_rd[r*72 + 69 +: 3]) ^ (^padd_rd[r*72 + 69 +: 3]);
    end
  end

  wire [1:0] dr_dest = dr_dest_pipe_q[RqLatency-1];
  assign smac_we_o   = rq_v & {RqLanes{dr_dest[0]}};
  assign sadd_we_o   = rq_v & {RqLanes{dr_dest[1]}};
  assign smac_data_o = rq_q;
  assign sadd_data_o = rq_q;
  assign smac_addr_o = dr_addr_pipe_q[RqLatency-1];
  assign sadd_addr_o = dr_addr_pipe_q[RqLatency-1];

  // ============================================================ status
  // Busy until every step is issued and every result has reached staging.
  logic [RqLatency+1:0] rq_inflight_q;
  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) rq_inflight_q <= '0;
    else rq_inflight_q <= {rq_inflight_q[RqLatency:0], (|dr_mask_q) || drain_busy};
  end
  assign busy_o = run_q || s1_valid_q || drain_busy || (|dr_mask_q)
                  || (|rq_inflight_q) || mul_active;

  assign ev_mac_step_o    = s1_valid_q && ops_mac_i != '0;
  assign ev_add_step_o    = s1_valid_q && ops_add_i != '0;
  assign ev_mac_ops_o     = s1_valid_q ? ops_mac_i : '0;
  assign ev_add_ops_o     = s1_valid_q ? ops_add_i : '0;
  assign ev_mem_stall_o   = run_q && !have_input;
  assign ev_drain_stall_o = run_q && have_input && drain_hazard;
endmodule
