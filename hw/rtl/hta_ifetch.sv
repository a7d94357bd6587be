// hta_ifetch: streams the input windows of a whole layer, in the order the
// compute block consumes them (tile, pass, pixel, window row [, column]),
// running ahead of compute as far as its FIFO allows.
//
// A window row becomes up to three segments: left padding, the pixels that
// lie inside the image (one contiguous read, since NHWC rows are contiguous),
// and right padding. Padding beats carry the input zero point and cost no
// memory traffic. A read is asked for only when the FIFO has room for all
// beats in flight, so returning data is always accepted.
`default_nettype none

module hta_ifetch #(
  parameter int BusBits  = hta_cfg_pkg::BusBits,
  parameter int Depth    = hta_cfg_pkg::InFifoBeats,
  parameter int MaxBurst = hta_cfg_pkg::MaxBurst,
  parameter int MacLanes = hta_cfg_pkg::MacLanes
) (
  input  logic               clk_i,
  input  logic               rst_i,
  input  logic               clr_i,
  // layer (fields hold for the whole layer)
  input  logic               start_i,
  input  logic               dw_i,
  input  logic               win_i,         // DW sliding window (kernel <= 3x3)
  input  logic [7:0]         kh_i,
  input  logic [7:0]         kw_i,
  input  logic [3:0]         sh_i,
  input  logic [3:0]         sw_i,
  input  logic [7:0]         pad_t_i,
  input  logic [7:0]         pad_l_i,
  input  logic [15:0]        in_h_i,
  input  logic [15:0]        in_w_i,
  input  logic [15:0]        in_stride_i,
  input  logic [31:0]        in_off_i,
  input  logic [15:0]        out_w_i,
  input  logic [31:0]        npix_i,        // output pixels of the layer
  input  logic [15:0]        tile_i,        // pixels per tile
  input  logic [15:0]        passes_i,
  input  logic [7:0]         zp_in_i,
  // read port client (data window)
  output logic               req_valid_o,
  input  logic               req_ready_i,
  output logic [31:0]        req_off_o,
  output logic [7:0]         req_beats_o,
  input  logic               rd_valid_i,
  input  logic [BusBits-1:0] rd_data_i,
  // stream to compute
  output logic               out_valid_o,
  output logic [BusBits-1:0] out_data_o,
  output logic               out_first_o,   // first beat of a pixel's window
  output logic               out_reuse_o,   // that pixel streams new columns only
  input  logic               out_pop_i
);
  localparam int BusBytes = BusBits / 8;
  localparam int CntBits  = $clog2(Depth) + 1;

  // ------------------------------------------------------- loop counters
  logic        gen_q;                    // segments remain to be generated
  logic [31:0] tile_start_q;             // first pixel of the tile
  logic [15:0] tile_n_q;                 // pixels in the tile
  logic [15:0] ty_q, tx_q;               // coordinates of the tile's first pixel
  logic [15:0] pass_q, pix_q, oy_q, ox_q;
  logic [7:0]  ky_q, kx_q;
  logic [1:0]  seg_q;                    // 0 left pad, 1 inside, 2 right pad

  // ------------------------------------------------ this step's segments
  wire [15:0] nb = in_stride_i / 16'(BusBytes);          // beats per pixel
  wire signed [19:0] iy  = $signed({4'd0, oy_q}) * $signed({16'd0, sh_i})
                           + $signed({12'd0, ky_q}) - $signed({12'd0, pad_t_i});
  wire signed [19:0] ix0 = $signed({4'd0, ox_q}) * $signed({16'd0, sw_i})
                           - $signed({12'd0, pad_l_i});
  wire row_ok = (iy >= 0) && (iy < $signed({4'd0, in_h_i}));

  // CONV: how many of the kw window pixels fall left of, inside, right of
  // the image.
  logic signed [19:0] nleft, nright, nmid;
  always_comb begin
    nleft = -ix0;
    if (nleft < 0) nleft = '0;
    if (nleft > $signed({12'd0, kw_i})) nleft = $signed({12'd0, kw_i});
    nright = ix0 + $signed({12'd0, kw_i}) - $signed({4'd0, in_w_i});
    if (nright < 0) nright = '0;
    if (nright > $signed({12'd0, kw_i}) - nleft) nright = $signed({12'd0, kw_i}) - nleft;
    nmid = $signed({12'd0, kw_i}) - nleft - nright;
  end

  // DW with the sliding window: a pixel whose left neighbour came just
  // before (same tile and pass) reuses its columns; only the last sw columns
  // of each window row are streamed. The compute block learns this from a
  // flag on the pixel's first beat, so both sides always agree.
  wire reuse_pix = win_i && pix_q != '0 && ox_q != '0;
  wire [7:0] kx_first = reuse_pix ? kw_i - {4'd0, sw_i} : 8'd0;
  wire [15:0] ox_next = (ox_q + 16'd1 == out_w_i) ? 16'd0 : ox_q + 16'd1;
  wire next_reuse = win_i && ox_next != '0;     // when the tile and pass go on
  wire [7:0] kx_next_pix = next_reuse ? kw_i - {4'd0, sw_i} : 8'd0;
  logic first_q;                                // next segment opens a pixel

  // DW: one window pixel, one vector of up to MacLanes channels.
  wire signed [19:0] ixd = ix0 + $signed({12'd0, kx_q});
  wire pix_ok = row_ok && (ixd >= 0) && (ixd < $signed({4'd0, in_w_i}));
  wire [31:0] c0 = 32'(pass_q) * 32'(MacLanes);
  wire [31:0] vbytes = (32'(in_stride_i) - c0 < 32'(MacLanes)) ? 32'(in_stride_i) - c0
                                                                 : 32'(MacLanes);
  wire [15:0] vbeats = 16'(vbytes / 32'(BusBytes));

  logic        seg_pad;
  logic [15:0] seg_beats;
  logic [31:0] seg_off;
  always_comb begin
    seg_pad   = 1'b1;
    seg_beats = '0;
    seg_off   = '0;
    if (dw_i) begin
      seg_pad   = !pix_ok;
      seg_beats = (seg_q == 2'd1) ? vbeats : '0;
      seg_off   = in_off_i + 32'((32'(iy) * 32'(in_w_i) + 32'(ixd)) * 32'(in_stride_i)) + c0;
    end else if (!row_ok) begin
      seg_beats = (seg_q == 2'd0) ? 16'(kw_i) * nb : '0;
    end else begin
      unique case (seg_q)
        2'd0: seg_beats = 16'(nleft) * nb;
        2'd1: begin
          seg_pad   = 1'b0;
          seg_beats = 16'(nmid) * nb;
        end
        default: seg_beats = 16'(nright) * nb;
      endcase
      seg_off = in_off_i + 32'((32'(iy) * 32'(in_w_i) + 32'(ix0) + 32'(nleft)) * 32'(in_stride_i));
    end
  end

  // ------------------------------------------------------- segment queue
  logic        segq_full, segq_empty;
  logic [18:0] segq_head;
  logic        mem_q;                   // issuing the bursts of a segment
  logic [31:0] mem_off_q;
  logic [15:0] mem_left_q;

  wire seg_now   = gen_q && !mem_q;
  wire seg_push  = seg_now && seg_beats != '0 && !segq_full;
  wire seg_done  = seg_now && (seg_beats == '0 || (seg_push && seg_pad));

  // ------------------------------------------------------------- bursts
  logic [CntBits-1:0] fifo_count;
  logic [CntBits:0]   reserved_q;
  wire [15:0] to_boundary = 16'(MaxBurst) - 16'((mem_off_q / 32'(BusBytes)) % 32'(MaxBurst));
  wire [15:0] burst = (mem_left_q < to_boundary) ? mem_left_q : to_boundary;
  wire room = (32'(fifo_count) + 32'(reserved_q) + 32'(burst)) <= 32'(Depth);

  assign req_valid_o = mem_q && room;
  assign req_off_o   = mem_off_q;
  assign req_beats_o = burst[7:0];
  wire req_fire = req_valid_o && req_ready_i;

  // Step to the next segment / window row / pixel / pass / tile.
  wire last_seg = dw_i ? 1'b1 : (seg_q == 2'd2);
  wire seg_end  = seg_done || (req_fire && mem_left_q == burst);
  wire step_end = seg_end && last_seg;

  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) begin
      gen_q      <= 1'b0;
      mem_q      <= 1'b0;
      reserved_q <= '0;
    end else begin
      reserved_q <= reserved_q + (req_fire ? (CntBits+1)'(burst) : '0)
                    - (CntBits+1)'(rd_valid_i);
      if (start_i) begin
        gen_q        <= (npix_i != '0) && (tile_i != '0) && (passes_i != '0);
        tile_start_q <= '0;
        tile_n_q     <= (npix_i < 32'(tile_i)) ? npix_i[15:0] : tile_i;
        ty_q <= '0;  tx_q <= '0;  oy_q <= '0;  ox_q <= '0;
        pass_q <= '0;  pix_q <= '0;  ky_q <= '0;  kx_q <= '0;
        seg_q  <= dw_i ? 2'd1 : 2'd0;
        mem_q  <= 1'b0;
        first_q <= 1'b1;
      end else begin
        if (seg_push) first_q <= 1'b0;
        if (seg_push && !seg_pad) begin
          mem_q      <= 1'b1;
          mem_off_q  <= seg_off;
          mem_left_q <= seg_beats;
        end
        if (req_fire) begin
          mem_off_q  <= mem_off_q + 32'(burst) * 32'(BusBytes);
          mem_left_q <= mem_left_q - burst;
          if (mem_left_q == burst) mem_q <= 1'b0;
        end
        if (seg_end && !last_seg) seg_q <= seg_q + 2'd1;
        if (step_end) begin
          seg_q <= dw_i ? 2'd1 : 2'd0;
          if (dw_i && kx_q + 8'd1 != kw_i) begin
            kx_q <= kx_q + 8'd1;
          end else if (ky_q + 8'd1 != kh_i) begin
            kx_q <= kx_first;
            ky_q <= ky_q + 8'd1;
          end else begin
            // next pixel
            kx_q <= kx_next_pix;
            ky_q <= '0;
            first_q <= 1'b1;
            if (ox_q + 16'd1 == out_w_i) begin
              ox_q <= '0;
              oy_q <= oy_q + 16'd1;
            end else begin
              ox_q <= ox_q + 16'd1;
            end
            if (pix_q + 16'd1 != tile_n_q) begin
              pix_q <= pix_q + 16'd1;
            end else if (pass_q + 16'd1 != passes_i) begin
              // same tile again for the next pass
              pix_q  <= '0;
              pass_q <= pass_q + 16'd1;
              oy_q   <= ty_q;
              ox_q   <= tx_q;
              kx_q   <= '0;
              seg_q  <= dw_i ? 2'd1 : 2'd0;
            end else begin
              // next tile starts where this one ended
              pix_q  <= '0;
              pass_q <= '0;
              kx_q   <= '0;
              tile_start_q <= tile_start_q + 32'(tile_n_q);
              if (ox_q + 16'd1 == out_w_i) begin
                ty_q <= oy_q + 16'd1;
                tx_q <= '0;
              end else begin
                ty_q <= oy_q;
                tx_q <= ox_q + 16'd1;
              end
              if (tile_start_q + 32'(tile_n_q) >= npix_i) begin
                gen_q <= 1'b0;
              end else if (npix_i - tile_start_q - 32'(tile_n_q) < 32'(tile_i)) begin
                tile_n_q <= 16'(npix_i - tile_start_q - 32'(tile_n_q));
              end
            end
          end
        end
      end
    end
  end

  // ---------------------------------------------- data FIFO and merging
  logic [BusBits-1:0] fifo_head;
  logic               fifo_empty;
  logic [15:0]        used_q;              // beats taken from the head segment
  logic [4:0]         segq_count;
  logic               fifo_full;

  wire head_pad   = segq_head[16];
  assign out_reuse_o = segq_head[17];
  assign out_first_o = segq_head[18] && used_q == '0;
  wire [15:0] head_beats = segq_head[15:0];
  assign out_valid_o = !segq_empty && (head_pad || !fifo_empty);
  assign out_data_o  = head_pad ? {BusBytes{zp_in_i}} : fifo_head;
  wire pop      = out_pop_i && out_valid_o;
  wire seg_pop  = pop && (used_q + 16'd1 == head_beats);

  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i || start_i) used_q <= '0;
    else if (seg_pop)              used_q <= '0;
    else if (pop)                  used_q <= used_q + 16'd1;
  end

  hta_fifo #(.Width(19), .Depth(16)) u_segq (
    .clk_i, .rst_i, .clr_i(clr_i || start_i),
    .push_i (seg_push),
    .data_i ({first_q, reuse_pix, seg_pad, seg_beats}),
    .pop_i  (seg_pop),
    .data_o (segq_head),
    .empty_o(segq_empty),
    .full_o (segq_full),
    .count_o(segq_count)
  );

  hta_fifo #(.Width(BusBits), .Depth(Depth)) u_data (
    .clk_i, .rst_i, .clr_i(clr_i || start_i),
    .push_i (rd_valid_i),
    .data_i (rd_data_i),
    .pop_i  (pop && !head_pad),
    .data_o (fifo_head),
    .empty_o(fifo_empty),
    .full_o (fifo_full),
    .count_o(fifo_count)
  );

  // Reservations keep the data FIFO from overflowing; the flags are unused.
  logic unused;
  assign unused = ^{segq_count, fifo_full, nmid[19:16]};
endmodule
