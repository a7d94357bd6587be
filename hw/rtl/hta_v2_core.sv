// hta_v2_core: the v2 compute core (docs/engine-v2.md, steps 3 and 4, parts):
// one layer's accumulators (convolution, depthwise or global sum; see Modes)
// on the Pix x Ci x MacCo INT8 array and the Pix x Ci x AddCo ternary array,
// fed from on-chip buffers a loader (here a testbench) has filled. Not yet
// under hta_top.
//
// Activation buffer (the feeder): 2 Pix banks, each Ci bytes wide. Input
// column x of channel block cb of input row y lives in bank x mod 2Pix at
// word y * row_words + cb * blk_words + x div 2Pix. This step holds the whole
// input tile (every row of the layer) rather than a ring of kh + s rows: the
// layout is the descriptor's (row_words, blk_words), so a ring is a change of
// the loader and of the row term of the address, not of the feeder.
// The Pix columns of one window position are base + s p (p < Pix) with
// base = x0 s + kx - pad_l; for s = 1 and 2 they fall in distinct banks, and
// with base = bdiv 2Pix + bmod every bank b reads word
// bdiv + (b < bmod) of the row's block: one read per bank, no divider. Pixel
// p then takes bank (bmod + s p) mod 2Pix (the rotation), or zp_in where the
// column or row is padding. Channels beyond cin in the last block are
// whatever the buffer holds: their weights are zero.
//
// Weight buffer: block k of pass n at address n K + k (K = kh kw cb_n),
// k = (ky kw + kx) cb_n + cb; a block is MacCo rows of Ci int8 weights (row o
// at [o Ci 8 +: Ci 8]) and AddCo rows of Ci 2-bit codes (00 = 0, 01 = +1,
// 11 = -1). Pass n holds INT8 filters n MacCo .. and ternary filters n AddCo ..;
// rows without a filter are zero.
//
// Loop nest (one block per cycle when not stalled): for each output row, for
// each pass, for each tile of Pix output columns, for ky, kx, cb; or, in a
// row that starts with every weight block in the buffer, pass-inner: for
// each tile, for each pass (see pin_q below). The
// arrays' sums are raw: sum w x over the window with padding = zp_in; the
// true result sum w (x - zp_in) is that minus zp_in sum w (the compiler's
// bias correction). Ternary filters with one group (gblk_i = 0, TWN) give
// the raw S (alpha is applied at requant); with fine groups of G = gblk Ci
// inputs (cin a multiple of G, so a group is gblk whole blocks) they give
// sum_g alpha_g S_g, the scales coming from a group-scale buffer (group g of
// pass n at address n (K / gblk) + g, alpha of row o at [o 8 +: 8]) through
// scale units shared by ScaleShare PEs each (see "Group scales" below).
//
// Modes (mode_i; docs/engine-v2.md, "Depthwise, global sums and layouts"):
// 0, convolution: the above. 1, depthwise: pass n reads only channel block
// n div blk_passes_i (passes_i = cb_n blk_passes), K = kh kw blocks per pass
// (no cb loop); weight block k = ky kw + kx of pass n at n K + k holds, in
// each row, the tap's weight of one channel of that block at the channel's
// lane and zeros elsewhere (INT8 channels on INT8 rows, ternary channels on
// ternary rows, in the same cycles), so a row's sum is its channel's
// depthwise sum; the caller knows which channel each (pass, row) is. Fine
// groups count taps (gblk_i taps, the window's last group may be shorter).
// 2, global sum (GAP): as 1, but the window is the whole input (in_h x
// in_w, kh_i / kw_i ignored; out_h = out_w = 1, stride 1, no padding) and a
// pass has one weight block (address n) used at every position: weight 1
// at the channel's lane. Sums are raw as for convolutions: the caller
// subtracts zp_in sum w (depthwise: the channel's kh kw taps; GAP: zp_in in_h in_w).
//
// Pipeline: sequencer state (cycle t) -> bank and weight addresses -> bank
// words registered (t+1) -> rotation and padding, X registered (t+2), weight
// blocks read (t+2) -> arrays (INT8: input skew, then Lmax + 1; ternary: 2).
// Each array's finished tile is written into an output slot; the sequencer
// reserves a slot before it issues a tile's last block, so results never
// wait in the arrays and out_ready_i can stall the core at any time.
//
// Counters (from start_i to done_o): cycles, busy cycles (a block consumed
// by the arrays), stall cycles (waiting for an output slot or a scale unit,
// not for loads: row_wait_o, wt_wait_o)
// and scale stall cycles (group ends closer than ScaleShare cycles).
`default_nettype none

module hta_v2_core #(
  parameter int Pix      = 4,     // output pixels per cycle (>= 2)
  parameter int Ci       = 8,     // input channels per cycle
  parameter int MacCo    = 4,     // INT8 output channels (even, >= 2)
  parameter int AddCo    = 4,     // ternary output channels (0: MAC-only, no ternary array)
  parameter int L        = 7,     // hta_pe_int8's longest DSP chain
  parameter int ActDepth = 1024,  // words per activation bank
  parameter int WDepth   = 256,   // weight blocks (all passes of a layer)
  parameter int OutDepth = 16,    // output slots (LUTRAM: up to 32 cost as 4)
  parameter int TernBits = 24,    // ternary group-sum width
  parameter int ADepth   = 256,   // group-scale words (all groups of all passes)
  parameter int FineGroups = 1,   // 0: one ternary group per filter only (no scale units)
  parameter int ScaleShare = 4,   // ternary PEs per group-scale unit
  parameter int DimBits  = 12,    // widths of sizes and coordinates
  // widths of the ternary side: AddCo, or 1 in a MAC-only core (no zero-width vectors)
  localparam int AC      = (AddCo > 0) ? AddCo : 1
) (
  input  logic                        clk_i,
  input  logic                        rst_i,     // sync, active high
  // activation buffer write ports, one per bank b (while idle, or while
  // running ahead of rows_avail_i): bank b's word [b*Ci*8 +: Ci*8] at its
  // address [b*AW +: AW] when bit b of act_we_i is set
  input  logic [2*Pix-1:0]                      act_we_i,
  input  logic [2*Pix*$clog2(ActDepth)-1:0]     act_addr_i,
  input  logic [2*Pix*Ci*8-1:0]                 act_data_i,
  // weight buffer write port (while idle, or ahead of w_avail_i)
  input  logic                        wm_we_i,
  input  logic                        wt_we_i,
  input  logic [$clog2(WDepth)-1:0]   w_addr_i,
  input  logic [MacCo*Ci*8-1:0]       wm_data_i,
  input  logic [AC*Ci*2-1:0]          wt_data_i,
  // group-scale buffer write port (while idle): alpha of ternary row o at [o 8 +: 8]
  input  logic                        al_we_i,
  input  logic [$clog2(ADepth)-1:0]   al_addr_i,
  input  logic [AC*8-1:0]             al_data_i,
  // layer (stable from start_i to done_o)
  input  logic [DimBits-1:0]          in_h_i,
  input  logic [DimBits-1:0]          in_w_i,
  input  logic [DimBits-1:0]          out_h_i,
  input  logic [DimBits-1:0]          out_w_i,
  input  logic [7:0]                  cb_n_i,      // channel blocks: ceil(cin / Ci)
  input  logic [2:0]                  kh_i,        // 1..7
  input  logic [2:0]                  kw_i,        // 1..7
  input  logic                        s2_i,        // stride 2 (else 1)
  input  logic [2:0]                  pad_t_i,
  input  logic [2:0]                  pad_l_i,     // <= 2 Pix
  input  logic [7:0]                  passes_i,    // >= 1
  input  logic [$clog2(ActDepth):0]   row_words_i, // words per input row (all blocks)
  input  logic [$clog2(ActDepth):0]   blk_words_i, // words per channel block of a row
  input  logic [7:0]                  zp_in_i,
  input  logic [7:0]                  gblk_i,      // ternary group: blocks (G / Ci; depthwise:
                                                   // taps); 0: one group per filter
  // 0: convolution (as before); 1: depthwise; 2: global sum (GAP); see "Modes"
  input  logic [1:0]                  mode_i,
  input  logic [7:0]                  blk_passes_i, // modes 1, 2: passes per channel block
  // Loads overlapped with the run: the input rows (0 ..) of the layer in the
  // banks so far, and the weight blocks in the buffer so far (addresses below
  // w_avail_i); a block waits until its row (unless padding) and its weights
  // are there. With everything written before start_i: in_h_i and WDepth.
  input  logic [DimBits-1:0]          rows_avail_i,
  input  logic [$clog2(WDepth):0]     w_avail_i,
  // where the job's blocks and group-scale rows start in the buffers (the
  // engine loads the next job's into the other half while this one runs);
  // read addresses are base + index, modulo the depth (stable while busy)
  input  logic [$clog2(WDepth)-1:0]   w_base_i,
  input  logic [$clog2(ADepth)-1:0]   al_base_i,
  input  logic                        start_i,
  output logic                        busy_o,
  output logic                        done_o,      // one cycle, after the last output
  // output: one beat per tile of Pix pixels and one pass
  output logic                        out_valid_o,
  input  logic                        out_ready_i,
  output logic [DimBits-1:0]          out_y_o,
  output logic [DimBits-1:0]          out_x_o,     // first pixel's column
  output logic [7:0]                  out_pass_o,
  output logic [Pix*MacCo*32-1:0]     out_mac_o,   // (p, o) at [(p MacCo + o) 32 +: 32]
  output logic [Pix*AC*32-1:0]        out_add_o,   // (p, o) at [(p AddCo + o) 32 +: 32]
  output logic                        row_wait_o,  // the next block waits for its input row
  output logic                        wt_wait_o,   // the next block waits for its weights
  // counters
  output logic [31:0]                 cycles_o,
  output logic [31:0]                 busy_cycles_o,
  output logic [31:0]                 stall_cycles_o,
  output logic [31:0]                 scale_stall_cycles_o
);
  localparam int NB   = 2 * Pix;            // banks
  localparam int BW   = $clog2(NB);
  localparam int AW   = $clog2(ActDepth);
  localparam int WAW  = $clog2(WDepth);
  localparam int OW   = (OutDepth > 1) ? $clog2(OutDepth) : 1;
  localparam int SW   = 32;                 // signed address and coordinate arithmetic
  localparam int NCh  = (Ci + L - 1) / L;   // hta_pe_int8's chains
  localparam int Lmax = (Ci + NCh - 1) / NCh;
  localparam int AAW  = $clog2(ADepth);
  localparam int U    = ScaleShare;
  localparam int NU   = (AddCo + U - 1) / U;   // scale units per pixel
  localparam int UW   = $clog2(U + 1);
  localparam int FG   = (AddCo > 0) ? FineGroups : 0;   // MAC-only: no group scales

  // ======================================================================
  // Sequencer
  // ======================================================================
  typedef enum logic [1:0] {SIdle, SRun, SDrain} state_e;
  state_e state_q, state_d;

  logic [DimBits-1:0] oy_q, oy_d, x0_q, x0_d;
  logic [7:0]         pass_q, pass_d, cb_q, cb_d;
  logic [DimBits-1:0] ky_q, ky_d, kx_q, kx_d;   // window position (GAP: the whole input)
  // modes 1, 2: the pass's channel block (its word offset) and its pass within the block
  logic signed [SW-1:0] boff_q, boff_d;
  logic [7:0]           psub_q, psub_d;
  // tile start column x0 s - pad_l as (div, mod) of 2 Pix and as an integer;
  // window column base = tile start + kx likewise
  logic signed [SW-1:0] tdiv_q, tdiv_d, tcol_q, tcol_d, bdiv_q, bdiv_d, bcol_q, bcol_d;
  logic [BW-1:0]        tmod_q, tmod_d, bmod_q, bmod_d;
  // input row of the window's first row (oy s - pad_t) and of row ky, and
  // their word addresses; acb = word of (row ky, block cb)
  logic signed [SW-1:0] yi0_q, yi0_d, yi_q, yi_d, ay0_q, ay0_d, ay_q, ay_d, acb_q, acb_d;
  logic [WAW-1:0]       wbase_q, wbase_d, wa_q, wa_d;
  logic [OW:0]          resv_q;             // output slots reserved (in flight or full)
  // fine ternary groups: block in group, group-scale address (as wa), cycles
  // since the last group end (saturating at U), the group is its tile's first
  logic [7:0]           gcnt_q, gcnt_d;
  logic [AAW-1:0]       gabase_q, gabase_d, ga_q, ga_d;
  logic [UW-1:0]        since_q, since_d;
  logic                 gfirst_q, gfirst_d;
  // Loop order of the output row: pass-inner (for each tile, every pass:
  // the engine's drain then merges a pixel's passes into whole bus beats)
  // when every weight block is in the buffer as the row starts, else
  // pass-outer (for each pass, every tile: the first rows of a job whose
  // weights still load need only the current pass's blocks). The order
  // changes no sum, only the order of the output beats.
  logic                 pin_q, pin_d;
  wire                  w_all = 32'(w_avail_i) >= WDepth;

  // Modes: a depthwise or GAP pass reads one channel block (no cb loop); GAP's
  // window is the whole input and its pass has one weight block for every position.
  wire dw_mode   = mode_i != 2'd0;
  wire gap_mode  = mode_i == 2'd2;
  wire [DimBits-1:0] kh_last = gap_mode ? in_h_i - DimBits'(1) : DimBits'(kh_i) - DimBits'(1);
  wire [DimBits-1:0] kw_last = gap_mode ? in_w_i - DimBits'(1) : DimBits'(kw_i) - DimBits'(1);
  wire cb_last   = dw_mode || (cb_q == cb_n_i - 8'd1);
  wire last_blk  = cb_last && (kx_q == kw_last) && (ky_q == kh_last);
  wire first_blk = (cb_q == 8'd0) && (kx_q == '0) && (ky_q == '0);
  wire slot_free = resv_q < (OW+1)'(OutDepth);
  // Fine groups (gblk_i != 0; the compiler keeps them whole blocks of one
  // window position: cin a multiple of G): the ternary PEs end a group every
  // gblk blocks, and a scale unit serves U PEs one per cycle, so group ends
  // are kept U cycles apart (a "scale stall" when groups are shorter).
  wire fine      = (FG != 0) && gblk_i != 8'd0;
  // (a depthwise window of kh kw taps may end in a shorter group: last_blk ends it)
  wire gend      = fine ? (gcnt_q == gblk_i - 8'd1 || last_blk) : last_blk;
  wire gstart    = fine ? (gcnt_q == 8'd0) : first_blk;
  wire scale_ok  = !fine || !gend || since_q >= UW'(U);
  wire pop       = out_valid_o && out_ready_i;

  wire signed [SW-1:0] row_words = $signed(SW'(row_words_i));
  wire signed [SW-1:0] blk_words = $signed(SW'(blk_words_i));
  wire signed [SW-1:0] in_w      = $signed(SW'(in_w_i));
  wire signed [SW-1:0] in_h      = $signed(SW'(in_h_i));
  wire signed [SW-1:0] pad_l     = $signed(SW'(pad_l_i));
  wire signed [SW-1:0] pad_t     = $signed(SW'(pad_t_i));
  // the block's input row is loaded (or padding), its weights are
  wire row_ok = (yi_q < 0) || (yi_q >= in_h) || (yi_q < $signed(SW'(rows_avail_i)));
  wire wt_ok  = 32'(wa_q) < 32'(w_avail_i);
  wire fire   = (state_q == SRun) && (!last_blk || slot_free) && scale_ok && row_ok && wt_ok;
  assign row_wait_o = (state_q == SRun) && !row_ok;
  assign wt_wait_o  = (state_q == SRun) && !wt_ok;

  always_comb begin
    state_d = state_q;
    oy_d = oy_q;  pass_d = pass_q;  x0_d = x0_q;  ky_d = ky_q;  kx_d = kx_q;  cb_d = cb_q;
    tdiv_d = tdiv_q;  tmod_d = tmod_q;  tcol_d = tcol_q;
    bdiv_d = bdiv_q;  bmod_d = bmod_q;  bcol_d = bcol_q;
    yi0_d = yi0_q;  yi_d = yi_q;  ay0_d = ay0_q;  ay_d = ay_q;  acb_d = acb_q;
    wbase_d = wbase_q;  wa_d = wa_q;  boff_d = boff_q;  psub_d = psub_q;
    gcnt_d = gcnt_q;  gabase_d = gabase_q;  ga_d = ga_q;  gfirst_d = gfirst_q;  pin_d = pin_q;
    since_d = (since_q < UW'(U)) ? since_q + UW'(1) : since_q;

    if (state_q == SIdle) begin
      if (start_i) begin
        state_d = SRun;
        oy_d = '0;  pass_d = '0;  x0_d = '0;  ky_d = '0;  kx_d = '0;  cb_d = '0;
        tcol_d = -pad_l;
        tdiv_d = (pad_l_i == 3'd0) ? '0 : -SW'(1);
        tmod_d = (pad_l_i == 3'd0) ? '0 : BW'(NB - 32'(pad_l_i));
        bdiv_d = tdiv_d;  bmod_d = tmod_d;  bcol_d = tcol_d;
        yi0_d = -pad_t;  yi_d = -pad_t;
        // -pad_t row_words as shifts and adds (pad_t < 8): no multiplier
        ay0_d = -((pad_t_i[0] ? row_words : '0) + (pad_t_i[1] ? row_words <<< 1 : '0)
                  + (pad_t_i[2] ? row_words <<< 2 : '0));
        ay_d = ay0_d;  acb_d = ay0_d;
        wbase_d = '0;  wa_d = '0;  boff_d = '0;  psub_d = '0;
        gcnt_d = '0;  gabase_d = '0;  ga_d = '0;  gfirst_d = 1'b1;  since_d = UW'(U);
        pin_d = w_all;
      end
    end else if (state_q == SDrain) begin
      if (resv_q == '0) state_d = SIdle;
    end else if (fire) begin
      if (!gap_mode) wa_d = wa_q + WAW'(1);             // GAP: one block per pass
      gcnt_d = gcnt_q + 8'd1;
      if (gend) begin
        gcnt_d   = '0;
        ga_d     = ga_q + AAW'(1);
        since_d  = UW'(1);
        gfirst_d = last_blk;
      end
      if (!cb_last) begin                                // next channel block
        cb_d  = cb_q + 8'd1;
        acb_d = acb_q + blk_words;
      end else begin
        cb_d = '0;
        if (kx_q != kw_last) begin                       // next window column
          kx_d   = kx_q + DimBits'(1);
          acb_d  = ay_q + boff_q;
          bcol_d = bcol_q + 1;
          if (bmod_q == BW'(NB - 1)) begin
            bmod_d = '0;
            bdiv_d = bdiv_q + 1;
          end else begin
            bmod_d = bmod_q + BW'(1);
          end
        end else begin
          kx_d = '0;
          if (ky_q != kh_last) begin                     // next window row
            ky_d   = ky_q + DimBits'(1);
            yi_d   = yi_q + 1;
            ay_d   = ay_q + row_words;
            acb_d  = ay_d + boff_q;
            bdiv_d = tdiv_q;  bmod_d = tmod_q;  bcol_d = tcol_q;
          end else begin                                 // tile done
            ky_d = '0;
            if (pin_q && pass_q != passes_i - 8'd1) begin  // pass-inner: the tile's next pass
              pass_d  = pass_q + 8'd1;
              wbase_d = wa_q + WAW'(1);
              wa_d    = wbase_d;                         // (GAP: wa stayed at the base)
              gabase_d = ga_q + AAW'(1);
              if (dw_mode && psub_q == blk_passes_i - 8'd1) begin  // next channel block
                psub_d = '0;
                boff_d = boff_q + blk_words;
              end else if (dw_mode) begin
                psub_d = psub_q + 8'd1;
              end
            end else if (32'(x0_q) + 32'(Pix) < 32'(out_w_i)) begin  // next tile
              x0_d = x0_q + DimBits'(Pix);
              if (s2_i) begin
                tdiv_d = tdiv_q + 1;
                tcol_d = tcol_q + 2 * Pix;
              end else begin
                tcol_d = tcol_q + Pix;
                if (32'(tmod_q) + Pix >= NB) begin
                  tmod_d = BW'(32'(tmod_q) + Pix - NB);
                  tdiv_d = tdiv_q + 1;
                end else begin
                  tmod_d = BW'(32'(tmod_q) + Pix);
                end
              end
              if (pin_q) begin                           // pass-inner: back to pass 0
                pass_d   = '0;
                wbase_d  = '0;
                wa_d     = '0;
                gabase_d = '0;
                ga_d     = '0;
                boff_d   = '0;
                psub_d   = '0;
              end else begin
                wa_d = wbase_q;                          // the same pass's K blocks
                ga_d = gabase_q;
              end
            end else begin                               // row of tiles done
              x0_d   = '0;
              tcol_d = -pad_l;
              tdiv_d = (pad_l_i == 3'd0) ? '0 : -SW'(1);
              tmod_d = (pad_l_i == 3'd0) ? '0 : BW'(NB - 32'(pad_l_i));
              if (!pin_q && pass_q != passes_i - 8'd1) begin  // next pass
                pass_d  = pass_q + 8'd1;
                wbase_d = wa_q + WAW'(1);
                wa_d    = wbase_d;                       // (GAP: wa stayed at the base)
                gabase_d = ga_q + AAW'(1);
                if (dw_mode && psub_q == blk_passes_i - 8'd1) begin  // next channel block
                  psub_d = '0;
                  boff_d = boff_q + blk_words;
                end else if (dw_mode) begin
                  psub_d = psub_q + 8'd1;
                end
              end else begin                             // output row done
                pass_d  = '0;
                wbase_d = '0;
                wa_d    = '0;
                gabase_d = '0;
                ga_d     = '0;
                boff_d   = '0;
                psub_d   = '0;
                pin_d    = w_all;
                if (32'(oy_q) + 1 < 32'(out_h_i)) begin
                  oy_d  = oy_q + DimBits'(1);
                  yi0_d = yi0_q + (s2_i ? 2 : 1);
                  ay0_d = ay0_q + (s2_i ? 2 * row_words : row_words);
                end else begin
                  state_d = SDrain;
                end
              end
            end
            yi_d = yi0_d;  ay_d = ay0_d;  acb_d = ay0_d + boff_d;
            bdiv_d = tdiv_d;  bmod_d = tmod_d;  bcol_d = tcol_d;
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      state_q <= SIdle;
      resv_q  <= '0;
    end else begin
      state_q <= state_d;
      resv_q  <= resv_q + (OW+1)'(fire && last_blk) - (OW+1)'(pop);
    end
    oy_q <= oy_d;  pass_q <= pass_d;  x0_q <= x0_d;  ky_q <= ky_d;  kx_q <= kx_d;  cb_q <= cb_d;
    tdiv_q <= tdiv_d;  tmod_q <= tmod_d;  tcol_q <= tcol_d;
    bdiv_q <= bdiv_d;  bmod_q <= bmod_d;  bcol_q <= bcol_d;
    yi0_q <= yi0_d;  yi_q <= yi_d;  ay0_q <= ay0_d;  ay_q <= ay_d;  acb_q <= acb_d;
    wbase_q <= wbase_d;  wa_q <= wa_d;  boff_q <= boff_d;  psub_q <= psub_d;
    gcnt_q <= gcnt_d;  gabase_q <= gabase_d;  ga_q <= ga_d;  gfirst_q <= gfirst_d;  pin_q <= pin_d;
    since_q <= since_d;
  end

  // ---- counters -----------------------------------------------------------
  logic [31:0] cycles_q, busy_cycles_q, stall_cycles_q, scale_stall_q;
  logic        done_q;
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      done_q <= 1'b0;
    end else begin
      done_q <= (state_q == SDrain) && (resv_q == '0);
    end
    if (state_q == SIdle && start_i) begin
      cycles_q       <= '0;
      busy_cycles_q  <= '0;
      stall_cycles_q <= '0;
      scale_stall_q  <= '0;
    end else if (state_q != SIdle) begin
      cycles_q       <= cycles_q + 32'd1;
      busy_cycles_q  <= busy_cycles_q + 32'(fire);
      stall_cycles_q <= stall_cycles_q + 32'(state_q == SRun && !fire && row_ok && wt_ok);
      scale_stall_q  <= scale_stall_q + 32'(state_q == SRun && !scale_ok);
    end
  end
  assign busy_o         = state_q != SIdle;
  assign done_o         = done_q;
  assign cycles_o       = cycles_q;
  assign busy_cycles_o  = busy_cycles_q;
  assign stall_cycles_o = stall_cycles_q;
  assign scale_stall_cycles_o = scale_stall_q;

  // ======================================================================
  // Feeder: one read per bank, then the rotation and padding
  // ======================================================================
  wire row_pad = (yi_q < 0) || (yi_q >= in_h);

  logic [Ci*8-1:0] bank_q [NB];
  for (genvar b = 0; b < NB; b++) begin : gen_bank
    logic [Ci*8-1:0] mem_q [ActDepth];
    // bank b holds the column of word bdiv + 1 when b < bmod (never for the last bank)
    wire                 next = (b == NB - 1) ? 1'b0 : (BW'(b) < bmod_q);
    wire signed [SW-1:0] a    = acb_q + bdiv_q + SW'(next);
    logic unused_a;
    assign unused_a = ^a[SW-1:AW];
    always_ff @(posedge clk_i) begin
      if (act_we_i[b]) mem_q[act_addr_i[b*AW +: AW]] <= act_data_i[b*Ci*8 +: Ci*8];
      bank_q[b] <= mem_q[a[AW-1:0]];
    end
  end

  // stage 1: which bank each pixel takes, and whether it is padding
  logic [BW-1:0] sel1_q [Pix];
  logic [Pix-1:0] pad1_q;
  logic          v1_q, f1_q, l1_q, tf1_q, tl1_q, gf1_q;
  logic [WAW-1:0] wa1_q;
  logic [AAW-1:0] ga1_q;
  for (genvar p = 0; p < Pix; p++) begin : gen_sel
    localparam int Off = p;  // s p is Off or 2 Off
    wire [BW+1:0] m = (BW+2)'(bmod_q) + (BW+2)'(s2_i ? 2 * Off : Off);
    wire [BW+1:0] sel = (m >= (BW+2)'(NB)) ? m - (BW+2)'(NB) : m;
    wire signed [SW-1:0] col = bcol_q + (s2_i ? 2 * Off : Off);
    always_ff @(posedge clk_i) begin
      sel1_q[p] <= sel[BW-1:0];
      pad1_q[p] <= row_pad || (col < 0) || (col >= in_w);
    end
    logic unused_sel;
    assign unused_sel = ^sel[BW+1:BW];
  end
  always_ff @(posedge clk_i) begin
    if (rst_i) v1_q <= 1'b0;
    else       v1_q <= fire;
    f1_q  <= first_blk;
    l1_q  <= last_blk;
    tf1_q <= gstart;
    tl1_q <= gend;
    gf1_q <= gfirst_q;
    wa1_q <= wa_q + w_base_i;
    ga1_q <= ga_q + al_base_i;
  end

  // stage 2: X[Pix][Ci], the weight blocks, the flags
  logic [Pix*Ci*8-1:0]   x2_q;
  logic [MacCo*Ci*8-1:0] wm2_q;
  logic [AC*Ci*2-1:0]    wt2_q;
  logic                  v2_q, f2_q, l2_q, tf2_q, tl2_q;
  for (genvar p = 0; p < Pix; p++) begin : gen_rot
    always_ff @(posedge clk_i) begin
      x2_q[p*Ci*8 +: Ci*8] <= pad1_q[p] ? {Ci{zp_in_i}} : bank_q[sel1_q[p]];
    end
  end

  logic [MacCo*Ci*8-1:0] wm_mem_q [WDepth];
  logic [AC*Ci*2-1:0]    wt_mem_q [WDepth];   // AddCo 0: unread, removed
  always_ff @(posedge clk_i) begin
    if (wm_we_i) wm_mem_q[w_addr_i] <= wm_data_i;
    if (wt_we_i) wt_mem_q[w_addr_i] <= wt_data_i;
    wm2_q <= wm_mem_q[wa1_q];
    wt2_q <= wt_mem_q[wa1_q];
    if (rst_i) v2_q <= 1'b0;
    else       v2_q <= v1_q;
    f2_q <= f1_q;
    l2_q <= l1_q;
    tf2_q <= tf1_q;
    tl2_q <= tl1_q;
  end

  // ======================================================================
  // The arrays
  // ======================================================================
  // Input c's delay in hta_pe_int8's chains (SkewIn = 0: skewed here once
  // per pixel for X and once per weight row, as hw/synth/hta_pe_synth.sv).
  function automatic int skew(input int c);
    int j, len;
    j    = c / Lmax;
    len  = (Ci - j * Lmax < Lmax) ? Ci - j * Lmax : Lmax;
    skew = Lmax - len + c % Lmax;
  endfunction

  logic [Pix*Ci*8-1:0]   xs;
  logic [MacCo*Ci*8-1:0] ws;
  for (genvar c = 0; c < Ci; c++) begin : gen_skew
    localparam int D = skew(c);
    if (D == 0) begin : gen_none
      for (genvar p = 0; p < Pix; p++) begin : gen_x
        assign xs[(p*Ci+c)*8 +: 8] = x2_q[(p*Ci+c)*8 +: 8];
      end
      for (genvar o = 0; o < MacCo; o++) begin : gen_w
        assign ws[(o*Ci+c)*8 +: 8] = wm2_q[(o*Ci+c)*8 +: 8];
      end
    end else begin : gen_sr
      // D bytes shifted as one vector (the simulation moves D <= 8 bytes
      // in one 64-bit shift; synthesis makes the same SRLs)
      for (genvar p = 0; p < Pix; p++) begin : gen_x
        logic [D*8-1:0] sr_q;
        always_ff @(posedge clk_i) begin
          sr_q <= (D*8)'({sr_q, x2_q[(p*Ci+c)*8 +: 8]});
        end
        assign xs[(p*Ci+c)*8 +: 8] = sr_q[(D-1)*8 +: 8];
      end
      for (genvar o = 0; o < MacCo; o++) begin : gen_w
        logic [D*8-1:0] sr_q;
        always_ff @(posedge clk_i) begin
          sr_q <= (D*8)'({sr_q, wm2_q[(o*Ci+c)*8 +: 8]});
        end
        assign ws[(o*Ci+c)*8 +: 8] = sr_q[(D-1)*8 +: 8];
      end
    end
  end

  logic [Pix*MacCo*32-1:0]     mac;
  logic [Pix*AC*TernBits-1:0]  add;
  logic [Pix*MacCo/2-1:0]      mv;
  logic [Pix*AC-1:0]           av;
  for (genvar p = 0; p < Pix; p++) begin : gen_pix
    for (genvar q = 0; q < MacCo / 2; q++) begin : gen_mac
      hta_pe_int8 #(.Ci(Ci), .L(L), .AccBits(32), .SkewIn(1'b0)) u_pe (
        .clk_i,
        .rst_i,
        .valid_i (v2_q),
        .first_i (f2_q),
        .last_i  (l2_q),
        .x_i     (xs[p*Ci*8 +: Ci*8]),
        .w_lo_i  (ws[(2*q)*Ci*8 +: Ci*8]),
        .w_hi_i  (ws[(2*q+1)*Ci*8 +: Ci*8]),
        .valid_o (mv[p*MacCo/2+q]),
        .acc_lo_o(mac[(p*MacCo+2*q)*32 +: 32]),
        .acc_hi_o(mac[(p*MacCo+2*q+1)*32 +: 32])
      );
    end
    for (genvar o = 0; o < AddCo; o++) begin : gen_add
      hta_pe_tern #(.Ci(Ci), .SumBits(TernBits)) u_pe (
        .clk_i,
        .rst_i,
        .valid_i(v2_q),
        .first_i(tf2_q),
        .last_i (tl2_q),
        .x_i    (x2_q[p*Ci*8 +: Ci*8]),
        .t_i    (wt2_q[o*Ci*2 +: Ci*2]),
        .valid_o(av[p*AddCo+o]),
        .sum_o  (add[(p*AddCo+o)*TernBits +: TernBits])
      );
    end
  end
  if (AddCo == 0) begin : gen_mac_only
    // no ternary PEs (the loop above made none): nothing ever ends a ternary tile
    assign add = '0;
    assign av  = '0;
    logic unused_tern;
    assign unused_tern = ^{wt2_q, tf2_q, tl2_q};
  end
  // Every PE of an array finishes in the same cycle; PE 0's valid is the array's.
  wire mac_done = mv[0];
  wire add_done = av[0];

  // ======================================================================
  // Group scales (fine groups only): when the ternary PEs end a group, their
  // sums S_g (shown for one cycle) are captured; scale unit (p, u) then adds
  // alpha[o] S_g into acc[p][o] for its U PEs o = u U + j, one per cycle
  // (j = 0 .. U-1; the first group of a tile starts acc at 0). After a
  // tile's last group, acc goes to the output slot. alpha is unsigned 8-bit
  // (docs/numerics.md); alpha x S_g is one DSP48E2 per unit (Yosys 0.23 made
  // ~480 LUT of a shift-and-add form), with the accumulator's add in it.
  // FineGroups = 0 leaves all of it out.
  // ======================================================================
  function automatic logic signed [31:0] scale(input logic [7:0] a,
                                                input logic signed [TernBits-1:0] v);
    scale = 32'($signed({1'b0, a}) * v);
  endfunction

  logic                    sdone;       // a tile's scaled sums are in acc
  logic                    scale_busy;  // a scale pass has more than one cycle to go
  logic [Pix*AC*32-1:0]    acc;         // PE (p, o) at [(p AddCo + o) 32 +: 32]
  if (FG != 0) begin : gen_fine
    logic           gf3_q, gf4_q, gl3_q, gl4_q, gf2_q;
    logic [AAW-1:0] ga2_q, ga3_q, ga4_q;
    always_ff @(posedge clk_i) begin
      gf2_q <= gf1_q;  ga2_q <= ga1_q;                 // with stage 2
      gf3_q <= gf2_q;  ga3_q <= ga2_q;  gl3_q <= l2_q;  // with the PEs' sum register
      gf4_q <= gf3_q;  ga4_q <= ga3_q;  gl4_q <= gl3_q; // with their valid_o
    end

    logic [AddCo*8-1:0]            al_mem_q [ADepth];
    logic [AddCo*8-1:0]            alpha_q;
    logic [Pix*AddCo*TernBits-1:0] cap_q;
    logic [UW-1:0]                 ph_q;
    logic                          sact_q, sfirst_q, slast_q, sdone_q;
    always_ff @(posedge clk_i) begin
      if (al_we_i) al_mem_q[al_addr_i] <= al_data_i;
      if (add_done && fine) begin
        alpha_q  <= al_mem_q[ga4_q];
        cap_q    <= add;
        sfirst_q <= gf4_q;
        slast_q  <= gl4_q;
      end
    end
    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        sact_q  <= 1'b0;
        sdone_q <= 1'b0;
        ph_q    <= '0;
      end else begin
        sdone_q <= sact_q && ph_q == UW'(U - 1) && slast_q;
        if (add_done && fine) begin
          sact_q <= 1'b1;
          ph_q   <= '0;
        end else if (sact_q) begin
          sact_q <= ph_q != UW'(U - 1);
          ph_q   <= ph_q + UW'(1);
        end
      end
    end

    assign sdone      = sdone_q;
    assign scale_busy = sact_q && ph_q != UW'(U - 1);
    for (genvar p = 0; p < Pix; p++) begin : gen_scale_pix
      for (genvar u = 0; u < NU; u++) begin : gen_unit
        localparam int N = (AddCo - u * U < U) ? AddCo - u * U : U;   // PEs of this unit
        logic signed [31:0]         acc_q [N];
        // (the unit's operands and sum are local to the cycles it works in,
        // which the simulation then skips otherwise; the same logic)
        always_ff @(posedge clk_i) begin
          if (sact_q) begin : work
            logic [7:0]                 a_sel;
            logic signed [TernBits-1:0] s_sel;
            logic signed [31:0]         acc_sel, sum;
            a_sel   = alpha_q[(u*U)*8 +: 8];
            s_sel   = cap_q[(p*AddCo + u*U)*TernBits +: TernBits];
            acc_sel = acc_q[0];
            for (int j = 1; j < N; j++) begin
              if (ph_q == UW'(j)) begin
                a_sel   = alpha_q[(u*U+j)*8 +: 8];
                s_sel   = cap_q[(p*AddCo + u*U+j)*TernBits +: TernBits];
                acc_sel = acc_q[j];
              end
            end
            sum = (sfirst_q ? '0 : acc_sel) + scale(a_sel, s_sel);
            for (int j = 0; j < N; j++) begin
              if (ph_q == UW'(j)) acc_q[j] <= sum;
            end
          end
        end
        for (genvar j = 0; j < N; j++) begin : gen_acc
          assign acc[(p*AddCo + u*U + j)*32 +: 32] = acc_q[j];
        end
      end
    end
  end else begin : gen_twn
    assign sdone      = 1'b0;
    assign scale_busy = 1'b0;
    assign acc        = '0;
    logic unused_fine;
    assign unused_fine = ^{al_we_i, al_addr_i, al_data_i, gf1_q, ga1_q};
  end

  // ======================================================================
  // Output slots: metadata written when the tile's last block issues, each
  // array's sums when they are ready (one group per filter: the ternary PEs'
  // S, before the INT8 sums; fine groups: the scaled sums, after them or
  // before), the slot full when both are in. Slots are reserved in issue
  // order.
  // ======================================================================
  logic [DimBits-1:0]      slot_y_q    [OutDepth];
  logic [DimBits-1:0]      slot_x_q    [OutDepth];
  logic [7:0]              slot_pass_q [OutDepth];
  logic [Pix*MacCo*32-1:0] slot_mac_q  [OutDepth];
  logic [Pix*AC*32-1:0]    slot_add_q  [OutDepth];
  logic [OW-1:0] wp_q, wt_q, wmp_q, rp_q;
  logic [OW:0]   full_m_q, full_a_q;            // slots with INT8 / ternary sums in

  function automatic logic [OW-1:0] inc(input logic [OW-1:0] i);
    inc = (32'(i) == OutDepth - 1) ? '0 : i + OW'(1);
  endfunction

  wire add_wr = fine ? sdone : add_done;
  logic [Pix*AC*32-1:0]    add_res;
  for (genvar i = 0; i < Pix * AC; i++) begin : gen_add_res
    assign add_res[i*32 +: 32] = fine ? acc[i*32 +: 32] : 32'($signed(add[i*TernBits +: TernBits]));
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      wp_q     <= '0;
      wt_q     <= '0;
      wmp_q    <= '0;
      rp_q     <= '0;
      full_m_q <= '0;
      full_a_q <= '0;
    end else begin
      if (fire && last_blk) wp_q <= inc(wp_q);
      if (add_wr)           wt_q <= inc(wt_q);
      if (mac_done)         wmp_q <= inc(wmp_q);
      if (pop)              rp_q <= inc(rp_q);
      full_m_q <= full_m_q + (OW+1)'(mac_done) - (OW+1)'(pop);
      full_a_q <= full_a_q + (OW+1)'(add_wr) - (OW+1)'(pop && AddCo > 0);
    end
    if (fire && last_blk) begin
      slot_y_q[wp_q]    <= oy_q;
      slot_x_q[wp_q]    <= x0_q;
      slot_pass_q[wp_q] <= pass_q;
    end
    if (add_wr)   slot_add_q[wt_q] <= add_res;
    if (mac_done) slot_mac_q[wmp_q] <= mac;
  end

  // MAC-only: a slot is full with its INT8 sums (out_add_o is 0)
  assign out_valid_o = full_m_q != '0 && (AddCo == 0 || full_a_q != '0);
  assign out_y_o     = slot_y_q[rp_q];
  assign out_x_o     = slot_x_q[rp_q];
  assign out_pass_o  = slot_pass_q[rp_q];
  assign out_mac_o   = slot_mac_q[rp_q];
  if (AddCo > 0) begin : gen_out_add
    assign out_add_o = slot_add_q[rp_q];
  end else begin : gen_no_out_add
    assign out_add_o = '0;   // MAC-only: slot_add_q is never written
    logic unused_slot;
    assign unused_slot = ^slot_add_q[rp_q];
  end

  logic unused;
  assign unused = ^{mv, av};

`ifndef SYNTHESIS
  // A slot is reserved before its tile's last block issues, so the arrays
  // never finish into a full buffer, and pops only take full slots. Group
  // ends are U cycles apart, so a scale pass ends before the next begins.
  always_ff @(posedge clk_i) begin
    if (!rst_i) begin
      assert (!(mac_done && full_m_q == (OW+1)'(OutDepth) && !pop));
      assert (!(add_wr && full_a_q == (OW+1)'(OutDepth) && !pop));
      assert (resv_q <= (OW+1)'(OutDepth));
      assert (!(add_done && fine && scale_busy));
      assert ((FG != 0) || !(state_q == SIdle && start_i) || gblk_i == 0);
      assert (!(state_q == SIdle && start_i) || (cb_n_i != 0 && (gap_mode || (kh_i != 0 && kw_i != 0))
              && passes_i != 0 && out_h_i != 0 && out_w_i != 0
              && 32'(pad_l_i) <= NB));
      assert (!(state_q == SIdle && start_i) || (mode_i != 2'd3
              && (!dw_mode || blk_passes_i != 0) && (!gap_mode || gblk_i == 0)));
    end
  end
`endif
endmodule
