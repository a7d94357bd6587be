// hta_writer: writes one tile of output pixels. For every output beat (BusBytes
// channels) it reads the channel source map, takes as many bytes from the MAC
// and adder staging streams as the map gives each array, expands them into
// channel order, and writes the beat with strobes only on the channels this
// layer produces. Bursts never cross a MaxBurst*BusBytes boundary.
// After an error or abort no byte is written: a burst already announced on AW
// is completed with zero strobes, then the writer stops.
`default_nettype none

module hta_writer #(
  parameter int BusBits  = hta_cfg_pkg::BusBits,
  parameter int ChanMax  = hta_cfg_pkg::ChanMax,
  parameter int MaxBurst = hta_cfg_pkg::MaxBurst,
  parameter int StageBytes = hta_cfg_pkg::StageBytes
) (
  input  logic               clk_i,
  input  logic               rst_i,
  input  logic               abort_i,
  input  logic [63:0]        data_base_i,
  input  logic [63:0]        data_size_i,
  // tile command
  input  logic               start_i,
  input  logic               dw_i,          // positional staging streams
  input  logic [31:0]        tile_off_i,    // data-window offset of the tile
  input  logic [15:0]        out_stride_i,  // bytes per output pixel
  input  logic [15:0]        npix_i,
  input  logic               half_i,        // staging half holding the tile
  output logic               reading_o,     // staging still being read
  output logic               idle_o,        // nothing in flight on the bus
  // channel source map (written by hta_wload, one beat per row)
  input  logic               map_we_i,
  input  logic [15:0]        map_row_i,
  input  logic [BusBits-1:0] map_wdata_i,
  // staging read ports (data one cycle after the address)
  output logic [15:0]        smac_raddr_o,
  input  logic [BusBits-1:0] smac_rdata_i,
  output logic [15:0]        sadd_raddr_o,
  input  logic [BusBits-1:0] sadd_rdata_i,
  // AXI4 write channels
  output logic               awvalid_o,
  input  logic               awready_i,
  output logic [63:0]        awaddr_o,
  output logic [7:0]         awlen_o,
  output logic               wvalid_o,
  input  logic               wready_i,
  output logic [BusBits-1:0] wdata_o,
  output logic [BusBits/8-1:0] wstrb_o,
  output logic               wlast_o,
  input  logic               bvalid_i,
  output logic               bready_o,
  input  logic [1:0]         bresp_i,
  // errors and events
  output logic               err_window_o,
  output logic               err_resp_o,
  output logic [63:0]        err_addr_o,
  output logic [15:0]        ev_bytes_o
);
  localparam int BusBytes   = BusBits / 8;
  localparam int MapBits    = 2 * BusBytes;              // map bits per beat
  localparam int MapPerRow  = BusBits / MapBits;         // beats per map row
  localparam int MapRows    = ChanMax / BusBytes / MapPerRow;
  localparam int SelBits    = (MapPerRow > 1) ? $clog2(MapPerRow) : 1;
  localparam int WDepth     = 16;
  localparam int AwDepth    = 8;

  // ------------------------------------------------------------ map RAM
  logic [15:0]        map_raddr;
  logic [BusBits-1:0] map_row;
  hta_ram_sdp #(.Width(BusBits), .Depth(MapRows)) u_map (
    .clk_i,
    .we_i   (map_we_i),
    .waddr_i($clog2(MapRows)'(map_row_i)),
    .wdata_i(map_wdata_i),
    .raddr_i($clog2(MapRows)'(map_raddr)),
    .rdata_o(map_row)
  );

  // ---------------------------------------------------- P0: choose a beat
  logic        active_q, kill_q;
  logic [31:0] off_q;          // data-window offset of the beat
  logic [31:0] left_q;         // beats left in the tile
  logic [15:0] b_q;            // beat within the pixel
  logic [15:0] nbeats;         // beats per pixel
  logic [7:0]  burst_left_q;   // beats left in the open burst (0: none open)
  assign nbeats = out_stride_i / 16'(BusBytes);

  logic [$clog2(WDepth):0]  w_count;
  logic [$clog2(AwDepth):0] aw_count;
  logic                     w_full, aw_full;
  logic                     p1_valid_q, p2_valid_q;

  wire in_burst   = (burst_left_q != '0);
  wire [31:0] to_boundary = 32'(MaxBurst) - ((off_q / 32'(BusBytes)) % 32'(MaxBurst));
  wire [31:0] blen = (left_q < to_boundary) ? left_q : to_boundary;
  wire [64:0] bend = {33'd0, off_q} + 65'(blen) * 65'(BusBytes);
  wire burst_ok   = bend <= {1'b0, data_size_i};
  // Space for this beat and the two already in the pipeline.
  wire w_space    = (32'(w_count) + 32'(p1_valid_q) + 32'(p2_valid_q)) < WDepth;
  wire can_open   = active_q && !in_burst && !abort_i && !kill_q && !aw_full;
  wire open_burst = can_open && w_space && burst_ok;
  wire issue      = active_q && w_space && (in_burst || open_burst);

  assign err_window_o = can_open && w_space && !burst_ok;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      active_q     <= 1'b0;
      kill_q       <= 1'b0;
      burst_left_q <= '0;
      off_q        <= '0;
      left_q       <= '0;
      b_q          <= '0;
    end else begin
      // kill_q: nothing more is written until the next run's first tile.
      if (start_i) kill_q <= 1'b0;
      else if (abort_i || err_window_o) kill_q <= 1'b1;
      if (start_i) begin
        active_q <= (npix_i != '0) && (nbeats != '0);
        off_q    <= tile_off_i;
        left_q   <= 32'(npix_i) * 32'(nbeats);
        b_q      <= '0;
      end else if (issue) begin
        off_q  <= off_q + 32'(BusBytes);
        left_q <= left_q - 32'd1;
        b_q    <= (b_q + 16'd1 == nbeats) ? '0 : b_q + 16'd1;
        burst_left_q <= (open_burst ? blen[7:0] : burst_left_q) - 8'd1;
        if (left_q == 32'd1) active_q <= 1'b0;
      end else if (active_q && !in_burst && (abort_i || kill_q)) begin
        active_q <= 1'b0;   // stop at a burst boundary
      end
    end
  end

  assign map_raddr = b_q / 16'(MapPerRow);

  // ------------------------------------------- P1: counts and staging reads
  logic [SelBits-1:0] p1_sel_q;
  logic               p1_last_q;
  logic [15:0]        mac_ptr_q, add_ptr_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) p1_valid_q <= 1'b0;
    else       p1_valid_q <= issue;
    p1_sel_q  <= SelBits'(b_q % 16'(MapPerRow));
    p1_last_q <= open_burst ? (blen == 32'd1) : (burst_left_q == 8'd1);
  end

  wire [MapBits-1:0] word = map_row[32'(p1_sel_q)*MapBits +: MapBits];
  logic [15:0] cnt_mac, cnt_add;
  always_comb begin
    cnt_mac = '0;
    cnt_add = '0;
    for (int i = 0; i < BusBytes; i++) begin
      if (word[2*i +: 2] == hta_prog_pkg::SrcMac) cnt_mac = cnt_mac + 16'd1;
      if (word[2*i +: 2] == hta_prog_pkg::SrcAdd) cnt_add = cnt_add + 16'd1;
    end
    if (dw_i) begin
      cnt_mac = 16'(BusBytes);
      cnt_add = 16'(BusBytes);
    end
  end

  assign smac_raddr_o = mac_ptr_q;
  assign sadd_raddr_o = add_ptr_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      mac_ptr_q <= '0;
      add_ptr_q <= '0;
    end else if (start_i) begin
      mac_ptr_q <= half_i ? 16'(StageBytes) : '0;
      add_ptr_q <= half_i ? 16'(StageBytes) : '0;
    end else if (p1_valid_q) begin
      mac_ptr_q <= mac_ptr_q + cnt_mac;
      add_ptr_q <= add_ptr_q + cnt_add;
    end
  end

  // ------------------------------------------------- P2: expand and queue
  logic [MapBits-1:0] p2_word_q;
  logic               p2_last_q;
  always_ff @(posedge clk_i) begin
    if (rst_i) p2_valid_q <= 1'b0;
    else       p2_valid_q <= p1_valid_q;
    p2_word_q <= word;
    p2_last_q <= p1_last_q;
  end

  logic [BusBits-1:0]  beat;
  logic [BusBytes-1:0] strb;
  int                  rm, ra;   // bytes taken so far from each stream
  always_comb begin
    rm = 0;
    ra = 0;
    beat = '0;
    strb = '0;
    for (int i = 0; i < BusBytes; i++) begin
      unique case (p2_word_q[2*i +: 2])
        hta_prog_pkg::SrcMac: begin
          beat[i*8 +: 8] = smac_rdata_i[(dw_i ? i : rm)*8 +: 8];
          strb[i] = 1'b1;
          rm = rm + 1;
        end
        hta_prog_pkg::SrcAdd: begin
          beat[i*8 +: 8] = sadd_rdata_i[(dw_i ? i : ra)*8 +: 8];
          strb[i] = 1'b1;
          ra = ra + 1;
        end
        hta_prog_pkg::SrcNone: ;   // not produced by this layer: strobe stays 0
        default: ;
      endcase
    end
    if (kill_q || abort_i) strb = '0;
  end

  logic [BusBits+BusBytes:0] w_head;
  logic                      w_empty;
  hta_fifo #(.Width(BusBits + BusBytes + 1), .Depth(WDepth)) u_w (
    .clk_i, .rst_i, .clr_i(1'b0),
    .push_i (p2_valid_q),
    .data_i ({p2_last_q, strb, beat}),
    .pop_i  (wvalid_o && wready_i),
    .data_o (w_head),
    .empty_o(w_empty),
    .full_o (w_full),
    .count_o(w_count)
  );

  logic [71:0] aw_head;
  logic        aw_empty;
  hta_fifo #(.Width(72), .Depth(AwDepth)) u_aw (
    .clk_i, .rst_i, .clr_i(1'b0),
    .push_i (open_burst),
    .data_i ({blen[7:0] - 8'd1, data_base_i + {32'd0, off_q}}),
    .pop_i  (awvalid_o && awready_i),
    .data_o (aw_head),
    .empty_o(aw_empty),
    .full_o (aw_full),
    .count_o(aw_count)
  );

  // Credits keep both FIFOs from overflowing; map rows beyond MapRows never
  // occur (ChanMax is checked per descriptor).
  logic unused;
  assign unused = ^{aw_count, w_full, map_row_i, map_raddr};

  // ------------------------------------------------------------ AXI side
  // A burst's W beats go out only after its AW.
  logic [15:0] aw_sent_q, w_bursts_q, b_seen_q;
  assign awvalid_o = !aw_empty;
  assign awaddr_o  = aw_head[63:0];
  assign awlen_o   = aw_head[71:64];
  assign wvalid_o  = !w_empty && (aw_sent_q != w_bursts_q);
  assign {wlast_o, wstrb_o, wdata_o} = w_head;
  assign bready_o  = 1'b1;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      aw_sent_q  <= '0;
      w_bursts_q <= '0;
      b_seen_q   <= '0;
    end else begin
      if (awvalid_o && awready_i) aw_sent_q <= aw_sent_q + 16'd1;
      if (wvalid_o && wready_i && wlast_o) w_bursts_q <= w_bursts_q + 16'd1;
      if (bvalid_i) b_seen_q <= b_seen_q + 16'd1;
    end
  end

  logic [63:0] last_aw_q;
  always_ff @(posedge clk_i) if (awvalid_o && awready_i) last_aw_q <= awaddr_o;

  assign err_resp_o = bvalid_i && bresp_i != 2'b00;
  assign err_addr_o = err_window_o ? {32'd0, off_q} : last_aw_q;

  always_comb begin
    ev_bytes_o = '0;
    if (wvalid_o && wready_i) begin
      for (int i = 0; i < BusBytes; i++) ev_bytes_o = ev_bytes_o + 16'(wstrb_o[i]);
    end
  end

  assign reading_o = active_q || p1_valid_q || p2_valid_q;
  assign idle_o    = !reading_o && w_empty && aw_empty && (b_seen_q == aw_sent_q);
endmodule
