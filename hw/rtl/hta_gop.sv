// hta_gop: the graph-op unit. Runs one gop_desc (hw/config/program.cfg) by
// itself: checks it, loads its parameters (activation table, lane records)
// from the program window, then for every pixel reads x (and y) into pixel
// buffers through a read-port client, streams the output channels one per
// cycle through the arithmetic of docs/numerics.md ("Graphs and graph ops"),
// and writes them with byte strobes through its own single-beat AXI writes:
//   ADD     acc = R_0(x[c]) + R_1(y[c])            then the output stage
//   CONCAT  acc = o < in_c ? R_0(x[o]) : R_1(y[o - in_c])
//   MUL     acc = xc[c] * yc[c]  (y: one 1x1 pixel, read once)
//   TABLE   the value is x itself (no stage)
//   RESIZE  out[y][x] = clamp(x[y/2][x/2])        (nearest, x2)
//   PAD     out = clamp(x inside, zp_in outside)
//   MAXPOOL out = clamp(largest x of the in-image window positions)
//   GMP     out[c] = clamp(largest x[.][.][c])      (output 1x1)
//   AVGPOOL acc = mean of xc over the in-image window, rounded half away
//           from zero, then the output stage
//   LAYERNORM  a first pass over the pixel's channels sums xc and xc^2; the
//           integer square root and reciprocal of the variance follow, a
//           bit a cycle; the second pass normalizes each channel, then
//           the output stage
// and, when lut_en, out = lut[v + 128] last. R_j(v) = RDBPOT(SRDHM(vc 2^20,
// in_mult_j), in_shift_j); the output stage is hta_requant.
// The interface (descriptor bits in, one read client, AXI write channels
// out, a busy flag and error pulses) carries no v1 engine state, so another
// engine can instantiate it as is. Tensor offsets need only be 16-byte
// aligned: pixels are read and written at byte positions within beats.
`default_nettype none

module hta_gop #(
  parameter int BusBits  = hta_cfg_pkg::BusBits,
  parameter int ChanMax  = hta_cfg_pkg::ChanMax,
  parameter int MaxBurst = hta_cfg_pkg::MaxBurst
) (
  input  logic                 clk_i,
  input  logic                 rst_i,
  input  logic                 clr_i,         // abort: stop, let in-flight writes finish
  input  logic                 start_i,       // pulse, with desc_i valid
  input  logic [511:0]         desc_i,
  input  logic [63:0]          prog_size_i,
  input  logic [63:0]          data_base_i,
  input  logic [63:0]          data_size_i,
  output logic                 busy_o,
  output logic                 err_o,         // pulse: descriptor check failed
  output logic [31:0]          err_info_o,    //   descriptor word index
  // read port client
  output logic                 req_valid_o,
  input  logic                 req_ready_i,
  output logic                 req_win_o,
  output logic [31:0]          req_off_o,
  output logic [7:0]           req_beats_o,
  input  logic                 rd_valid_i,
  input  logic [BusBits-1:0]   rd_data_i,
  // AXI4 write channels
  output logic                 awvalid_o,
  input  logic                 awready_i,
  output logic [63:0]          awaddr_o,
  output logic [7:0]           awlen_o,
  output logic                 wvalid_o,
  input  logic                 wready_i,
  output logic [BusBits-1:0]   wdata_o,
  output logic [BusBits/8-1:0] wstrb_o,
  output logic                 wlast_o,
  input  logic                 bvalid_i,
  output logic                 bready_o,
  input  logic [1:0]           bresp_i,
  output logic                 err_resp_o,    // pulse: SLVERR/DECERR on a write
  output logic [63:0]          err_addr_o,
  output logic [15:0]          ev_bytes_o     // bytes written this cycle
);
  localparam int BusBytes = BusBits / 8;
  localparam int ByteBits = $clog2(BusBytes);
  localparam int BufBytes = (ChanMax + 15) / 16 * 16;    // pixels of a chunk, at most
  localparam int BufRows  = (BufBytes + BusBytes - 1) / BusBytes + 1;  // at any 16-byte offset
  localparam int RowBits  = $clog2(BufRows);
  localparam int RingRows = 1 << RowBits;                // x buffer: a ring (vector pool)
  localparam int VkRows   = BufBytes / 16;               // 16-channel records of a pixel
  localparam int VkBits   = VkRows > 1 ? $clog2(VkRows) : 1;
  localparam int SegW     = 32 + ByteBits + 16 + 16 + 2; // vector pool segment
  localparam int SegDepth = 8;
  localparam int RecPer   = BusBytes / 16;               // lane records per beat
  localparam int Ln       = 4;                           // channels a cycle: ADD, TABLE
  localparam int RecBanks = RecPer > Ln ? RecPer : Ln;   // records read a cycle
  localparam int RecRun   = RecBanks / RecPer;           // beats filling a row of the banks
  localparam int RecRows  = (ChanMax + RecBanks - 1) / RecBanks;
  localparam int RecBits  = RecRows > 1 ? $clog2(RecRows) : 1;
  localparam int RecSel   = $clog2(RecBanks);
  localparam int LutRows  = 256 / BusBytes;
  localparam int LutBits  = LutRows > 1 ? $clog2(LutRows) : 1;
  localparam int RecW     = 69;                          // bias, mult, shift[4:0]
  localparam int Lat      = 13;                          // issue to output byte
  localparam int WqDepth  = 32;
  localparam int WqW      = 32 + BusBits + BusBytes;
  localparam int BTags    = 16;                          // writes awaiting B

  // ------------------------------------------------------------ descriptor
  hta_prog_pkg::gop_desc_t d_q;
  logic unused_d;
  assign unused_d = ^{d_q.rsvd17, d_q.rsvd28, d_q.rsvd56, d_q.rsvd85, d_q.rsvd93, d_q.op};

  wire [7:0]  kind   = d_q.kind;
  wire        lut_en = d_q.lut_en;
  wire        k_add  = kind == hta_prog_pkg::GopAdd;
  wire        k_cat  = kind == hta_prog_pkg::GopConcat;
  wire        k_mul  = kind == hta_prog_pkg::GopMul;
  wire        k_tab  = kind == hta_prog_pkg::GopTable;
  wire        k_rsz  = kind == hta_prog_pkg::GopResize;
  wire        k_pad  = kind == hta_prog_pkg::GopPad;
  wire        k_max  = kind == hta_prog_pkg::GopMaxpool;
  wire        k_gmp  = kind == hta_prog_pkg::GopGmp;
  wire        k_avg  = kind == hta_prog_pkg::GopAvgpool;
  wire        k_ln   = kind == hta_prog_pkg::GopLayernorm;
  wire        k_move = k_rsz || k_pad;       // a source pixel per output pixel
  wire        k_pool = k_max || k_gmp || k_avg;  // a window of source pixels per output pixel
  wire        k_win  = k_max || k_avg;       // ... of kh x kw, stride, padding
  wire        k_src  = k_move || k_pool;     // chunks of one (source) pixel
  wire        k_two  = !(k_tab || k_src || k_ln);  // reads y
  wire        k_rec  = k_two || k_avg || k_ln;     // has lane records (an output stage)
  wire [15:0] in_c   = d_q.in_c;
  wire [15:0] in2_c  = d_q.in2_c;
  wire [15:0] out_c  = d_q.out_c;
  wire [15:0] in_st  = d_q.in_pix_stride;
  wire [15:0] in2_st = d_q.in2_pix_stride;
  wire [15:0] out_st = d_q.out_pix_stride;

  function automatic logic [15:0] round16(input logic [15:0] c);
    round16 = 16'((32'(c) + 15) / 16 * 16);
  endfunction

  typedef enum logic [4:0] {
    SIdle, SCheck1, SCheck2, SCap, SParWait, SSrc, SPix, SPixWait, SIssue, SFold, SRecip,
    SEmit, SVp, SDrain, SAbort, SLnSum, SLnWait, SLnVar, SLnSqrt, SLnDiv
  } state_e;
  state_e state_q;
  logic   busy_pipe;

  // Products for the checks, registered in SCheck1.
  logic [63:0] in_end_q, in2_end_q, out_end_q, par_end_q;
  logic [31:0] npix_q, par_need_q;
  wire [63:0] limit_data = (data_size_i < 64'h1_0000_0000) ? data_size_i : 64'h1_0000_0000;

  logic [31:0] bad;   // 0 fine, else 1 + descriptor word index
  always_comb begin
    bad = '0;
    if (kind > hta_prog_pkg::GopLayernorm || (k_tab && !lut_en))
      bad = 1 + hta_prog_pkg::GopDescWKind;
    else if (k_ln && d_q.in_mult0[31])        // LAYERNORM's epsilon term E >= 0
      bad = 1 + hta_prog_pkg::GopDescWInMult0;
    else if ($signed(d_q.act_min) > $signed(d_q.act_max))
      bad = 1 + hta_prog_pkg::GopDescWActMin;
    else if (d_q.h == 0 || d_q.w == 0)
      bad = 1 + hta_prog_pkg::GopDescWH;
    else if (in_c == 0 || 32'(in_c) > ChanMax || in_st != round16(in_c))
      bad = 1 + hta_prog_pkg::GopDescWInC;
    else if (k_move && (d_q.in_h == 0 || d_q.in_w == 0
                        || (k_rsz && (32'(d_q.h) != 2 * 32'(d_q.in_h)
                                      || 32'(d_q.w) != 2 * 32'(d_q.in_w)))
                        || (k_pad && (32'(d_q.h) < 32'(d_q.in_h) + 32'(d_q.pad_top)
                                      || 32'(d_q.w) < 32'(d_q.in_w) + 32'(d_q.pad_left)))))
      bad = 1 + hta_prog_pkg::GopDescWInH;
    // every window holds an in-image position: padding below the kernel, the
    // last window starting inside x
    else if (k_pool && (d_q.in_h == 0 || d_q.in_w == 0
                        || (k_gmp && (d_q.h != 1 || d_q.w != 1))
                        || (k_win && (d_q.kh == 0 || d_q.kw == 0 || d_q.stride == 0
                                      || d_q.pad_top >= d_q.kh || d_q.pad_left >= d_q.kw
                                      || (32'(d_q.h) - 1) * 32'(d_q.stride)
                                         > 32'(d_q.in_h) - 1 + 32'(d_q.pad_top)
                                      || (32'(d_q.w) - 1) * 32'(d_q.stride)
                                         > 32'(d_q.in_w) - 1 + 32'(d_q.pad_left)))))
      bad = 1 + hta_prog_pkg::GopDescWInH;
    else if (k_two && (in2_c == 0 || 32'(in2_c) > ChanMax || in2_st != round16(in2_c)))
      bad = 1 + hta_prog_pkg::GopDescWIn2C;
    else if ((k_add || k_mul) && in2_c != in_c)
      bad = 1 + hta_prog_pkg::GopDescWIn2C;
    else if (k_cat ? 32'(out_c) != 32'(in_c) + 32'(in2_c) : out_c != in_c)
      bad = 1 + hta_prog_pkg::GopDescWOutC;
    else if (32'(out_c) > ChanMax || out_st != round16(out_c))
      bad = 1 + hta_prog_pkg::GopDescWOutC;
    else if (d_q.in_off % 16 != 0 || in_end_q > limit_data)
      bad = 1 + hta_prog_pkg::GopDescWInOff;
    else if (k_two && (d_q.in2_off % 16 != 0 || in2_end_q > limit_data))
      bad = 1 + hta_prog_pkg::GopDescWIn2Off;
    else if (d_q.out_off % 16 != 0 || out_end_q > limit_data)
      bad = 1 + hta_prog_pkg::GopDescWOutOff;
    else if (d_q.par_off % BusBytes != 0)
      bad = 1 + hta_prog_pkg::GopDescWParOff;
    else if (d_q.par_bytes != par_need_q || par_end_q > prog_size_i)
      bad = 1 + hta_prog_pkg::GopDescWParBytes;
  end

  // ------------------------------------------------------- read requests
  // Up to two segments of beats (a pixel of x, then one of y; or the
  // parameters), each cut into bursts that stay inside MaxBurst boundaries.
  logic        rq_win_q;
  logic [31:0] rq_off_q, rq2_off_q;
  logic [31:0] rq_left_q, rq2_left_q;
  wire  [31:0] rq_beat   = rq_off_q / BusBytes;
  wire  [31:0] rq_room   = 32'(MaxBurst) - rq_beat % MaxBurst;
  wire  [31:0] rq_n      = (rq_left_q < rq_room) ? rq_left_q : rq_room;
  assign req_valid_o = (rq_left_q != 0) && !clr_i && state_q != SAbort;
  assign req_win_o   = rq_win_q;
  assign req_off_o   = rq_off_q;
  assign req_beats_o = 8'(rq_n);

  // Beats of the current job come back in order: the first rcv_n0_q go to
  // target 0 (x buffer / table), the rest to target 1 (y buffer / records).
  logic [31:0] rcv_q, rcv_n0_q, rcv_tot_q;
  logic        job_par_q;           // the job loads parameters
  wire  [31:0] rcv_row1 = rcv_q - rcv_n0_q;
  wire         to0 = rcv_q < rcv_n0_q;
  wire         rcv_done = rcv_q == rcv_tot_q;

  // --------------------------------------------------------------- buffers
  logic [RowBits-1:0] a_raddr, b_raddr;
  logic [BusBits-1:0] a_rdata, b_rdata;
  hta_ram_sdp #(.Width(BusBits), .Depth(RingRows)) u_buf_x (
    .clk_i, .we_i(rd_valid_i && !job_par_q && to0), .waddr_i(RowBits'(rcv_q)),
    .wdata_i(rd_data_i), .raddr_i(a_raddr), .rdata_o(a_rdata)
  );
  hta_ram_sdp #(.Width(BusBits), .Depth(BufRows)) u_buf_y (
    .clk_i, .we_i(rd_valid_i && !job_par_q && !to0), .waddr_i(RowBits'(rcv_row1)),
    .wdata_i(rd_data_i), .raddr_i(b_raddr), .rdata_o(b_rdata)
  );

  // The activation table, one copy per lane.
  logic [Ln*LutBits-1:0] lut_raddr;
  logic [Ln*BusBits-1:0] lut_rdata;
  for (genvar l = 0; l < Ln; l++) begin : gen_lut
    hta_ram_sdp #(.Width(BusBits), .Depth(LutRows)) u_lut (
      .clk_i, .we_i(rd_valid_i && job_par_q && to0), .waddr_i(LutBits'(rcv_q)),
      .wdata_i(rd_data_i), .raddr_i(lut_raddr[l*LutBits +: LutBits]),
      .rdata_o(lut_rdata[l*BusBits +: BusBits])
    );
  end

  // Lane records in RecBanks banks: record i in bank i % RecBanks, row
  // i / RecBanks (beat r of the records: bank row r / RecRun).
  logic [RecBits-1:0] rec_raddr;
  logic [RecBanks*RecW-1:0] rec_rdata;
  for (genvar g = 0; g < RecBanks; g++) begin : gen_rec
    wire [RecW-1:0] rec = rd_data_i[(g % RecPer)*128 +: RecW];
    hta_ram_sdp #(.Width(RecW), .Depth(RecRows)) u_rec (
      .clk_i, .we_i(rd_valid_i && job_par_q && !to0 && rcv_row1 % RecRun == g / RecPer),
      .waddr_i(RecBits'(rcv_row1 / RecRun)),
      .wdata_i({rec[68:64], rec[63:32], rec[31:0]}),
      .raddr_i(rec_raddr), .rdata_o(rec_rdata[g*RecW +: RecW])
    );
  end

  // ------------------------------------------------------------ pixel loop
  // Pixels go in chunks: as many consecutive pixels as the buffers hold
  // (cap_q, a power of two of them) are read in one run of bursts, then
  // issued, so the read latency is paid once per chunk.
  logic [31:0] pix_q;               // first pixel of the chunk
  logic [31:0] x_base_q, y_base_q, o_base_q;   // byte offsets of the pixel being issued
  logic [15:0] o_q;                 // next channel to issue
  logic [15:0] j_q, cn_q, cap_q;    // pixel in the chunk, chunk pixels, most per chunk
  logic [31:0] xj_q, yj_q;          // buffer byte of pixel j's x and y
  logic        first_y_q;           // MUL: y is read with the first chunk only
  logic [ByteBits-1:0] y_sub_q;     // MUL: y's byte within its first beat

  wire [31:0] left_pix = npix_q - pix_q;
  wire [15:0] cn       = (left_pix < 32'(cap_q)) ? left_pix[15:0] : cap_q;
  wire        y_read   = k_two && (!k_mul || first_y_q);
  wire [31:0] x_beats  = pad_px_q ? 32'd0
                       : (x_base_q % BusBytes + 32'(cn) * 32'(in_st) + BusBytes - 1) / BusBytes;
  wire [31:0] y_beats  = !y_read ? 32'd0
                       : (y_base_q % BusBytes + (k_mul ? 32'd1 : 32'(cn)) * 32'(in2_st)
                          + BusBytes - 1) / BusBytes;
  wire [15:0] wide_st  = (k_two && !k_mul && in2_st > in_st) ? in2_st : in_st;

  // RESIZE, PAD: chunks of one pixel; the output pixel (oy, ox) reads the
  // input pixel (sy, sx), or none (PAD outside x: the value is zp_in).
  // MAXPOOL, GMP: each in-image window position (wy, wx) is read and folded
  // into the running maximum of every channel (acc RAM); an emit pass then
  // sends the maxima down the output path.
  logic [15:0] oy_q, ox_q, wy_q, wx_q;
  logic        pad_px_q, first_pos_q;
  wire signed [17:0] sy = k_rsz ? 18'(oy_q[15:1])
                        : k_pad ? 18'(oy_q) - 18'(d_q.pad_top)
                        : k_gmp ? 18'(wy_q)
                        : 18'(32'(oy_q) * 32'(d_q.stride)) - 18'(d_q.pad_top) + 18'(wy_q);
  wire signed [17:0] sx = k_rsz ? 18'(ox_q[15:1])
                        : k_pad ? 18'(ox_q) - 18'(d_q.pad_left)
                        : k_gmp ? 18'(wx_q)
                        : 18'(32'(ox_q) * 32'(d_q.stride)) - 18'(d_q.pad_left) + 18'(wx_q);
  wire [15:0] win_h = k_gmp ? d_q.in_h : 16'(d_q.kh);
  wire [15:0] win_w = k_gmp ? d_q.in_w : 16'(d_q.kw);
  wire        wx_end = 32'(wx_q) + 1 == 32'(win_w);
  wire        pos_last = wx_end && 32'(wy_q) + 1 == 32'(win_h);
  wire in_img = sy >= 0 && sy < $signed(18'(d_q.in_h)) && sx >= 0 && sx < $signed(18'(d_q.in_w));
  wire [31:0] src_pix = 32'(sy[15:0]) * 32'(d_q.in_w) + 32'(sx[15:0]);

  // AVGPOOL: n in-image positions folded; m = ceil(2^AvgShift / 2n) by a
  // serial division (SRecip), so that the mean is one multiply per channel.
  localparam int AvgShift = hta_prog_pkg::GopAvgShift;
  logic [16:0] n_q;
  logic [43:0] m_q, dv_rem_q;
  logic [5:0]  dv_i_q;
  wire  [43:0] dv_num = (44'(1) << AvgShift) + 44'({n_q, 1'b0}) - 44'd1;  // + 2n - 1: ceiling
  wire         dv_bit = dv_num[dv_i_q];
  wire  [44:0] dv_try = {dv_rem_q, 1'b0} | 45'(dv_bit);
  wire [31:0] cap_need = 32'(cap_q) * 32'(wide_st);

  logic [$clog2(WqDepth):0] wq_count;
  logic fold1_q;
  // (an emit pass starts once the last fold's write is in: one channel)
  wire issue = (state_q == SIssue || state_q == SFold || (state_q == SEmit && !fold1_q))
               && !clr_i && 32'(wq_count) < WqDepth - Lat - 2;
  // ADD and TABLE issue Ln channels a cycle (lane l: channel o_q + l, in
  // the same beat: pixels start at 16-byte offsets)
  wire        wide = k_add || k_tab;
  wire [15:0] step = wide ? 16'(Ln) : 16'd1;
  wire issue_last  = issue && 32'(o_q) + 32'(step) >= 32'(out_c);  // the pixel's last channel
  logic [Ln-1:0] lmask;
  always_comb
    for (int l = 0; l < Ln; l++) lmask[l] = l == 0 || (wide && 32'(o_q) + l < 32'(out_c));
  wire chunk_last  = issue_last && j_q + 1 == cn_q;

  // Channel o's bytes: x at x_sub + o (CONCAT: o < in_c), else y.
  wire        sel_y  = k_cat && o_q >= in_c;
  wire [31:0] x_idx  = xj_q + 32'(o_q);
  wire [31:0] y_idx  = yj_q + (k_cat ? 32'(o_q) - 32'(in_c) : 32'(o_q));
  assign b_raddr   = RowBits'(y_idx / BusBytes);
  assign rec_raddr = RecBits'(32'(o_q) / RecBanks);

  // ------------------------------------------- MAXPOOL, GMP: vector pool
  // (without a table) Two walkers over the same sequence of segments: for
  // every output pixel, for every in-image window row, runs of at most cap_q
  // consecutive in-image pixels. The request walker reads a segment as one
  // run of bursts into the x buffer, used as a ring of RingRows beats, and
  // queues its place; the fold walker, once a segment's beats are in, folds
  // its pixels 16 channels (a record) a cycle into the running maxima (vacc),
  // then after an output pixel's last segment writes the clamped maxima a
  // record a cycle. Reads run ahead of the folds by up to the ring, so the
  // read latency is paid once per op, and no byte-serial pass remains.
  wire        vp = (k_max || k_gmp) && !lut_en;
  wire [15:0] nrec = in_st >> 4;                 // records of a pixel
  logic [15:0] rw_oy_q, rw_ox_q, rw_y_q, rw_x_q;
  logic signed [19:0] rw_sy0_q, rw_sx0_q;        // window origin in x
  logic        rw_new_q, rw_done_q;              // at an output pixel's first segment; all read
  logic [31:0] rw_pix_q, vfree_q;                // output pixels walked; ring beats freed
  wire signed [19:0] rw_ya = rw_sy0_q < 0 ? 20'sd0 : rw_sy0_q;
  wire signed [19:0] rw_xa = rw_sx0_q < 0 ? 20'sd0 : rw_sx0_q;
  wire signed [19:0] rw_ye = rw_sy0_q + 20'(win_h);
  wire signed [19:0] rw_xe = rw_sx0_q + 20'(win_w);
  wire signed [19:0] rw_yb = rw_ye > $signed(20'(d_q.in_h)) ? 20'(d_q.in_h) : rw_ye;
  wire signed [19:0] rw_xb = rw_xe > $signed(20'(d_q.in_w)) ? 20'(d_q.in_w) : rw_xe;
  wire [15:0] rw_y    = rw_new_q ? rw_ya[15:0] : rw_y_q;
  wire [15:0] rw_x    = rw_new_q ? rw_xa[15:0] : rw_x_q;
  wire [15:0] rw_left = rw_xb[15:0] - rw_x;
  wire [15:0] rw_n    = rw_left < cap_q ? rw_left : cap_q;
  wire        rw_row_end = rw_n == rw_left;
  wire        rw_pix_end = rw_row_end && 32'(rw_y) + 1 == 32'(rw_yb[15:0]);
  wire [31:0] rw_addr = d_q.in_off + (32'(rw_y) * 32'(d_q.in_w) + 32'(rw_x)) * 32'(in_st);
  wire [ByteBits-1:0] rw_sub = ByteBits'(rw_addr % BusBytes);
  wire [31:0] rw_beats = (32'(rw_sub) + 32'(rw_n) * 32'(in_st) + BusBytes - 1) / BusBytes;
  wire        rw_room  = rcv_tot_q - vfree_q + rw_beats <= RingRows;

  // the segment queue: its first beat's ring position, byte in that beat,
  // pixels, beats, first and last of its output pixel
  logic [SegW-1:0] sg_head;
  logic sg_empty, sg_full;
  logic [$clog2(SegDepth):0] sg_count;
  wire [31:0] sg_row0  = sg_head[SegW-1 -: 32];
  wire [ByteBits-1:0] sg_sub = sg_head[16 + 16 + 2 +: ByteBits];
  wire [15:0] sg_n     = sg_head[16 + 2 +: 16];
  wire [15:0] sg_beats = sg_head[2 +: 16];
  wire        sg_first = sg_head[1];
  wire        sg_last  = sg_head[0];
  wire rw_go = state_q == SVp && !rw_done_q && rq_left_q == 0 && !sg_full && rw_room && !clr_i;
  hta_fifo #(.Width(SegW), .Depth(SegDepth)) u_seg (
    .clk_i, .rst_i, .clr_i(clr_i),
    .push_i(rw_go),
    .data_i({rcv_tot_q, rw_sub, rw_n, rw_beats[15:0],
             rw_y == rw_ya[15:0] && rw_x == rw_xa[15:0], rw_pix_end}),
    .pop_i(sg_pop), .data_o(sg_head), .empty_o(sg_empty), .full_o(sg_full),
    .count_o(sg_count)
  );

  // the fold walker: pixel vj_q of the head segment (at byte vpj_q of it),
  // record vk_q; vemit_q: writing the maxima of output pixel pix_q
  logic [15:0] vj_q, vk_q;
  logic [31:0] vpj_q;
  logic        vemit_q;
  wire  [31:0] vf_byte = sg_row0 * BusBytes + 32'(sg_sub) + vpj_q + 32'(vk_q) * 16;
  wire         vk_last = 32'(vk_q) + 1 == 32'(nrec);
  wire         vj_last = 32'(vj_q) + 1 == 32'(sg_n);
  wire         vf_go = state_q == SVp && !vemit_q && !sg_empty
                       && rcv_q >= sg_row0 + 32'(sg_beats) && !clr_i;
  wire         sg_pop = vf_go && vk_last && vj_last;
  wire         ve_go = state_q == SVp && vemit_q && 32'(wq_count) < WqDepth - 4 && !clr_i;
  assign a_raddr = state_q == SVp ? RowBits'(vf_byte / BusBytes) : RowBits'(x_idx / BusBytes);

  // ------------------------------------------------------------ sequencer
  always_ff @(posedge clk_i) begin
    err_o <= 1'b0;
    if (rst_i) begin
      state_q   <= SIdle;
      rq_left_q <= '0;
      rq2_left_q <= '0;
      rcv_q     <= '0;
      rcv_tot_q <= '0;
      err_info_o <= '0;
    end else begin
      // request and receive bookkeeping
      if (req_valid_o && req_ready_i) begin
        rq_off_q  <= rq_off_q + rq_n * BusBytes;
        rq_left_q <= rq_left_q - rq_n;
        if (rq_left_q == rq_n && rq2_left_q != 0) begin
          rq_off_q   <= rq2_off_q;
          rq_left_q  <= rq2_left_q;
          rq2_left_q <= '0;
        end
      end
      if (rd_valid_i) rcv_q <= rcv_q + 1;
      if (state_q != SRecip) begin     // the next division starts afresh (the 44
        dv_rem_q <= '0;                // quotient bits shift all of m_q out)
        dv_i_q   <= 6'(AvgShift);
      end
      // a new output pixel's window: no position folded yet (n_q is read
      // by the last emitted channel until its first SSrc cycle ends)
      if (state_q == SSrc && first_pos_q) n_q <= '0;

      if (clr_i && state_q != SIdle && state_q != SAbort) begin
        state_q    <= SAbort;
        rq_left_q  <= '0;
        rq2_left_q <= '0;
      end else begin
        unique case (state_q)
          SIdle: if (start_i) begin
            d_q     <= desc_i;
            state_q <= SCheck1;
          end
          SCheck1: begin
            npix_q     <= 32'(d_q.h) * 32'(d_q.w);
            in_end_q   <= 64'(d_q.in_off)
                        + (k_src ? 64'(d_q.in_h) * 64'(d_q.in_w) : 64'(d_q.h) * 64'(d_q.w))
                        * 64'(in_st);
            in2_end_q  <= 64'(d_q.in2_off)
                        + (k_mul ? 64'(in2_st) : 64'(d_q.h) * 64'(d_q.w) * 64'(in2_st));
            out_end_q  <= 64'(d_q.out_off) + 64'(d_q.h) * 64'(d_q.w) * 64'(out_st);
            par_need_q <= (lut_en ? hta_prog_pkg::GopLutBytes : 32'd0)
                        + (k_rec ? 32'(out_c) * 32'd16 : 32'd0);
            par_end_q  <= 64'(d_q.par_off) + 64'(d_q.par_bytes);
            state_q    <= SCheck2;
          end
          SCheck2: begin
            if (bad != 0) begin
              err_o      <= 1'b1;
              err_info_o <= bad - 1;
              state_q    <= SIdle;
            end else begin
              // parameters: table rows (lut_en) then record rows
              rq_win_q   <= hta_pkg::WinProg;
              rq_off_q   <= d_q.par_off;
              rq_left_q  <= (d_q.par_bytes + BusBytes - 1) / BusBytes;
              job_par_q  <= 1'b1;
              rcv_q      <= '0;
              rcv_n0_q   <= lut_en ? 32'(LutRows) : 32'd0;
              rcv_tot_q  <= (d_q.par_bytes + BusBytes - 1) / BusBytes;
              pix_q      <= '0;
              x_base_q   <= d_q.in_off;
              y_base_q   <= d_q.in2_off;
              o_base_q   <= d_q.out_off;
              first_y_q  <= 1'b1;
              cap_q      <= (k_src && !vp) ? 16'd1 : 16'(BufBytes / 16);
              oy_q       <= '0;
              ox_q       <= '0;
              wy_q       <= '0;
              wx_q       <= '0;
              n_q        <= '0;
              first_pos_q <= 1'b1;
              pad_px_q   <= 1'b0;
              state_q    <= SCap;
            end
          end
          // halve the chunk until its widest tensor fits the buffers
          SCap: if (cap_need > BufBytes && cap_q > 1) cap_q <= cap_q >> 1;
                else state_q <= SParWait;
          SParWait: if (rcv_done) begin
            state_q <= vp ? SVp : k_src ? SSrc : SPix;
            // vector pool: the ring and both walkers from the start
            rcv_q     <= '0;
            rcv_n0_q  <= '0;
            rcv_tot_q <= '0;
            job_par_q <= 1'b0;
            rq_win_q  <= hta_pkg::WinData;
            vfree_q   <= '0;
            rw_oy_q   <= '0;
            rw_ox_q   <= '0;
            rw_sy0_q  <= k_gmp ? 20'sd0 : 20'sd0 - 20'(d_q.pad_top);
            rw_sx0_q  <= k_gmp ? 20'sd0 : 20'sd0 - 20'(d_q.pad_left);
            rw_new_q  <= 1'b1;
            rw_done_q <= 1'b0;
            rw_pix_q  <= '0;
            vj_q      <= '0;
            vk_q      <= '0;
            vpj_q     <= '0;
            vemit_q   <= 1'b0;
          end
          SVp: begin
            if (rw_go) begin      // request a segment, step to the next
              rq_off_q  <= rw_addr / BusBytes * BusBytes;
              rq_left_q <= rw_beats;
              rcv_tot_q <= rcv_tot_q + rw_beats;
              rcv_n0_q  <= rcv_n0_q + rw_beats;
              rw_new_q  <= 1'b0;
              if (!rw_row_end) begin
                rw_x_q <= rw_x + rw_n;
                rw_y_q <= rw_y;
              end else if (!rw_pix_end) begin
                rw_x_q <= rw_xa[15:0];
                rw_y_q <= rw_y + 1;
              end else begin
                rw_new_q <= 1'b1;
                rw_pix_q <= rw_pix_q + 1;
                if (rw_pix_q + 1 == npix_q) rw_done_q <= 1'b1;
                if (32'(rw_ox_q) + 1 == 32'(d_q.w)) begin
                  rw_ox_q  <= '0;
                  rw_oy_q  <= rw_oy_q + 1;
                  rw_sx0_q <= 20'sd0 - 20'(d_q.pad_left);
                  rw_sy0_q <= rw_sy0_q + 20'(d_q.stride);
                end else begin
                  rw_ox_q  <= rw_ox_q + 1;
                  rw_sx0_q <= rw_sx0_q + 20'(d_q.stride);
                end
              end
            end
            if (vf_go) begin      // fold a record
              vk_q <= vk_last ? 16'd0 : vk_q + 1;
              if (vk_last) begin
                vj_q  <= vj_last ? 16'd0 : vj_q + 1;
                vpj_q <= vj_last ? 32'd0 : vpj_q + 32'(in_st);
                if (vj_last) begin
                  vfree_q <= vfree_q + 32'(sg_beats);
                  if (sg_last) vemit_q <= 1'b1;
                end
              end
            end
            if (ve_go) begin      // write a record of maxima
              vk_q <= vk_last ? 16'd0 : vk_q + 1;
              if (vk_last) begin
                vemit_q  <= 1'b0;
                o_base_q <= o_base_q + 32'(out_st);
                pix_q    <= pix_q + 1;
                if (pix_q + 1 == npix_q) state_q <= SDrain;
              end
            end
          end
          SSrc: begin
            x_base_q <= d_q.in_off + src_pix * 32'(in_st);
            pad_px_q <= !in_img;
            if (k_pool && !in_img) begin    // a padding position: no part
              wx_q <= wx_end ? 16'd0 : wx_q + 1;
              if (wx_end) wy_q <= wy_q + 1;
              if (pos_last) state_q <= k_avg ? SRecip : SEmit;
            end else begin
              state_q <= SPix;
            end
          end
          SPix: begin
            // the chunk's x pixels, then its y pixels (ADD, CONCAT; MUL: the
            // one y pixel, with the first chunk)
            rq_win_q   <= hta_pkg::WinData;
            rq_off_q   <= x_base_q / BusBytes * BusBytes;
            rq_left_q  <= x_beats;
            rq2_off_q  <= y_base_q / BusBytes * BusBytes;
            rq2_left_q <= y_beats;
            job_par_q  <= 1'b0;
            rcv_q      <= '0;
            rcv_n0_q   <= x_beats;
            rcv_tot_q  <= x_beats + y_beats;
            cn_q       <= cn;
            j_q        <= '0;
            xj_q       <= x_base_q % BusBytes;
            if (y_read) y_sub_q <= ByteBits'(y_base_q % BusBytes);
            yj_q       <= y_read ? y_base_q % BusBytes : 32'(y_sub_q);
            o_q        <= '0;
            state_q    <= SPixWait;
          end
          SPixWait: if (rcv_done && rq_left_q == 0)
                      state_q <= k_pool ? SFold : k_ln ? SLnSum : SIssue;
          SFold: if (issue) begin
            o_q <= o_q + 1;
            if (issue_last) begin
              o_q         <= '0;
              first_pos_q <= 1'b0;
              wx_q        <= wx_end ? 16'd0 : wx_q + 1;
              if (wx_end) wy_q <= wy_q + 1;
              n_q         <= n_q + 1;
              state_q     <= !pos_last ? SSrc : k_avg ? SRecip : SEmit;
            end
          end
          // m = floor((2^AvgShift + 2n - 1) / 2n), one quotient bit a cycle
          SRecip: begin
            if (45'(dv_try) >= 45'({n_q, 1'b0})) begin
              dv_rem_q <= 44'(dv_try - 45'({n_q, 1'b0}));
              m_q      <= {m_q[42:0], 1'b1};
            end else begin
              dv_rem_q <= 44'(dv_try);
              m_q      <= {m_q[42:0], 1'b0};
            end
            dv_i_q <= dv_i_q - 1;
            if (dv_i_q == 0) state_q <= SEmit;
          end
          SEmit: if (issue) begin
            o_q <= o_q + 1;
            if (issue_last) begin
              o_q         <= '0;
              o_base_q    <= o_base_q + 32'(out_st);
              ox_q        <= (32'(ox_q) + 1 == 32'(d_q.w)) ? 16'd0 : ox_q + 1;
              if (32'(ox_q) + 1 == 32'(d_q.w)) oy_q <= oy_q + 1;
              wy_q        <= '0;
              wx_q        <= '0;
              first_pos_q <= 1'b1;
              pix_q       <= pix_q + 1;
              state_q     <= (pix_q + 1 == npix_q) ? SDrain : SSrc;
            end
          end
          SIssue: if (issue) begin
            o_q <= o_q + step;
            if (issue_last) begin
              o_q       <= '0;
              j_q       <= j_q + 1;
              xj_q      <= xj_q + 32'(in_st);
              if (!k_mul) yj_q <= yj_q + 32'(in2_st);
              x_base_q  <= x_base_q + 32'(in_st);
              if (!k_mul) y_base_q <= y_base_q + 32'(in2_st);
              o_base_q  <= o_base_q + 32'(out_st);
              ox_q      <= (32'(ox_q) + 1 == 32'(d_q.w)) ? 16'd0 : ox_q + 1;
              if (32'(ox_q) + 1 == 32'(d_q.w)) oy_q <= oy_q + 1;
              if (k_ln) state_q <= SLnSum;  // the next pixel's first pass
            end
            if (chunk_last) begin
              pix_q     <= pix_q + 32'(cn_q);
              first_y_q <= 1'b0;
              state_q   <= (pix_q + 32'(cn_q) == npix_q) ? SDrain : k_move ? SSrc : SPix;
            end
          end
          // LAYERNORM, per pixel: pass 1 over its channels (sums, in the LN
          // block below), V, R = isqrt(V 2^14), inv = 2^47 / R; SIssue is
          // pass 2
          SLnSum: begin
            o_q <= o_q + 1;
            if (o_q + 1 == in_c) begin
              o_q     <= '0;
              state_q <= SLnWait;
            end
          end
          SLnWait: state_q <= SLnVar;   // the last channel's sums land
          SLnVar:  state_q <= SLnSqrt;
          SLnSqrt: if (ln_i_q == 0) state_q <= SLnDiv;
          SLnDiv:  if (ln_i_q == 0) state_q <= SIssue;
          SDrain: if (!busy_pipe) state_q <= SIdle;
          SAbort: if (!busy_pipe) state_q <= SIdle;
          default: state_q <= SIdle;
        endcase
      end
    end
  end

  // ------------------------------------------------------------ datapath
  // t1: RAM outputs; pick the bytes, centre them, choose rescale parameters.
  logic        v1_q, last1_q, ysel1_q, pad1_q, emit1_q, first1_q;
  logic [15:0] o1_q;
  logic [31:0] off1_q;
  logic [ByteBits-1:0] xb1_q, yb1_q;
  logic [RecSel-1:0] rb1_q;
  logic [Ln-1:0] lm1_q, lm2_q, lm12_q;
  logic [Ln-1:0] lm_d_q [3];
  logic [Ln-1:0] lm_e_q [5];
  always_ff @(posedge clk_i) begin
    v1_q    <= issue && state_q != SFold && !rst_i;
    fold1_q <= issue && state_q == SFold && !rst_i;
    emit1_q <= state_q == SEmit;
    first1_q <= first_pos_q;
    o1_q    <= o_q;
    last1_q <= issue_last;
    ysel1_q <= sel_y;
    pad1_q  <= pad_px_q;
    off1_q  <= o_base_q + 32'(o_q);
    xb1_q   <= ByteBits'(x_idx % BusBytes);
    yb1_q   <= ByteBits'(y_idx % BusBytes);
    rb1_q   <= RecSel'(32'(o_q) % RecBanks);
    lm1_q   <= lmask;
  end

  wire [7:0] x1 = a_rdata[32'(xb1_q)*8 +: 8];
  wire [7:0] y1 = b_rdata[32'(yb1_q)*8 +: 8];
  wire [RecW-1:0] rec1 = rec_rdata[32'(rb1_q)*RecW +: RecW];
  wire signed [9:0] xc1 = 10'($signed(x1)) - 10'($signed(d_q.zp_in));

  // MAXPOOL, GMP: the running maximum of every channel; AVGPOOL: the sum
  // of xc (|S| < 2^8 n).
  logic [31:0] acc_rdata;
  wire  [31:0] acc_sum = (first1_q ? 32'd0 : acc_rdata) + 32'(xc1);
  wire  [31:0] acc_new = k_avg ? acc_sum
                       : (first1_q || $signed(x1) > $signed(acc_rdata[7:0])) ? 32'(x1)
                       : acc_rdata;
  hta_ram_sdp #(.Width(32), .Depth(BufBytes)) u_acc (
    .clk_i, .we_i(fold1_q), .waddr_i($clog2(BufBytes)'(o1_q)), .wdata_i(acc_new),
    .raddr_i($clog2(BufBytes)'(o_q)), .rdata_o(acc_rdata)
  );
  wire signed [9:0] yc1 = 10'($signed(y1)) - 10'($signed(d_q.zp_in2));

  // ------------------------------------------------------------ LAYERNORM
  // docs/numerics.md "LayerNorm". Pass 1 (SLnSum) folds xc of every channel
  // of the pixel into S and Q at t1; SLnVar forms V = C Q - S^2 + E; SLnSqrt
  // takes R = floor(sqrt(V 2^14)) two operand bits a cycle (the bitwise
  // method, 32 cycles); SLnDiv inv = floor(2^47 / R), a quotient bit a cycle
  // (48). Pass 2 (SIssue) reads S and inv from their per-pixel copies, so
  // the next pixel's pass 1 may start behind it.
  logic               ln_sum1_q, ln_first1_q;
  logic signed [31:0] ln_s_q, ln_spx_q;       // S (|S| < 2^24)
  logic [39:0]        ln_q_q;                 // Q (< 2^32)
  logic [63:0]        ln_w_q;                 // V 2^14, two bits out a step
  logic [35:0]        ln_rem_q;               // the root's remainder (< 2^34)
  logic [31:0]        ln_r_q;                 // R, a bit a step
  logic [31:0]        ln_drem_q;              // the division's remainder (< R)
  logic [46:0]        ln_inv_q;               // inv but its last bit, a bit a step
  logic [47:0]        ln_invpx_q;             // inv (< 2^41 once V >= 1)
  logic [5:0]         ln_i_q;
  wire signed [31:0] ln_xc    = 32'(xc1);
  wire        [31:0] ln_sq    = 32'(ln_xc * ln_xc);
  wire signed [63:0] ln_s64   = 64'(ln_s_q);
  wire        [63:0] ln_v     = 64'(in_c) * 64'(ln_q_q) - 64'(ln_s64 * ln_s64)
                              + 64'(d_q.in_mult0);
  wire        [35:0] ln_rsh   = {ln_rem_q[33:0], ln_w_q[63:62]};
  wire        [35:0] ln_trial = {2'b00, ln_r_q, 2'b01};           // 4 R + 1
  wire        [32:0] ln_dtry  = {ln_drem_q, ln_i_q == 6'd47};     // 2^47: one bit
  wire               ln_qbit  = ln_dtry >= 33'(ln_r_q);
  always_ff @(posedge clk_i) begin
    ln_sum1_q   <= state_q == SLnSum;
    ln_first1_q <= state_q == SLnSum && o_q == 0;
    if (ln_sum1_q) begin
      ln_s_q <= (ln_first1_q ? 32'sd0 : ln_s_q) + ln_xc;
      ln_q_q <= (ln_first1_q ? 40'd0 : ln_q_q) + 40'(ln_sq);
    end
    if (state_q == SLnVar) begin
      ln_w_q   <= ln_v << 14;               // V < 2^49
      ln_rem_q <= '0;
      ln_r_q   <= '0;
      ln_i_q   <= 6'd31;
    end
    if (state_q == SLnSqrt) begin
      ln_w_q <= ln_w_q << 2;
      if (ln_rsh >= ln_trial) begin
        ln_rem_q <= ln_rsh - ln_trial;
        ln_r_q   <= {ln_r_q[30:0], 1'b1};
      end else begin
        ln_rem_q <= ln_rsh;
        ln_r_q   <= {ln_r_q[30:0], 1'b0};
      end
      ln_i_q    <= ln_i_q == 0 ? 6'd47 : ln_i_q - 1;
      ln_drem_q <= '0;
      ln_inv_q  <= '0;
    end
    if (state_q == SLnDiv) begin
      ln_drem_q <= ln_qbit ? 32'(ln_dtry - 33'(ln_r_q)) : ln_dtry[31:0];
      ln_inv_q  <= {ln_inv_q[45:0], ln_qbit};
      ln_i_q    <= ln_i_q - 1;
      if (ln_i_q == 0) begin                // R = 0 (V = 0): inv = 0, acc = 0
        ln_invpx_q <= ln_r_q == 0 ? 48'd0 : {ln_inv_q[46:0], ln_qbit};
        ln_spx_q   <= ln_s_q;
      end
    end
  end

  // Pass 2: acc = RHAZ((C xc - S) inv, 24) at t2..t5, beside the rescales.
  logic signed [31:0] ln_n2_q, ln_a5_q;
  logic        [63:0] ln_p3_q;
  logic        [31:0] ln_m4_q;
  logic               ln_neg4_q;
  wire         [63:0] ln_abs3 = ln_p3_q[63] ? 64'(-ln_p3_q) : ln_p3_q;
  always_ff @(posedge clk_i) begin
    ln_n2_q   <= 32'(in_c) * ln_xc - ln_spx_q;       // |C xc - S| < 2^26
    ln_p3_q   <= 64'(ln_n2_q) * 64'(ln_invpx_q);     // |.| < 2^49
    ln_m4_q   <= 32'((ln_abs3 + 64'd8388608) >> 24);
    ln_neg4_q <= ln_p3_q[63];
    ln_a5_q   <= ln_neg4_q ? -$signed(ln_m4_q) : $signed(ln_m4_q);
  end

  // Vector pool, t1: a record of x and of the running maxima (the RAM's
  // read misses the write of the cycle before: forwarded), the new maxima;
  // or the maxima clamped into a write of the record's bytes.
  localparam int SlBits = RecPer > 1 ? $clog2(RecPer) : 1;
  logic        vf1_q, ve1_q, vfirst1_q, vw_q;
  logic [VkBits-1:0] vk1_q, vwa_q;
  logic [SlBits-1:0] vsl1_q;
  logic [31:0] voff1_q;
  logic [15:0] vch1_q;
  logic [127:0] vacc_rdata, vwd_q;
  always_ff @(posedge clk_i) begin
    vf1_q     <= vf_go && !rst_i;
    ve1_q     <= ve_go && !rst_i;
    vfirst1_q <= sg_first && vj_q == 0;
    vk1_q     <= VkBits'(vk_q);
    vsl1_q    <= SlBits'(vf_byte % BusBytes / 16);
    voff1_q   <= o_base_q + 32'(vk_q) * 16;
    vch1_q    <= vk_q * 16;
  end
  wire [127:0] vx1  = a_rdata[32'(vsl1_q)*128 +: 128];
  wire [127:0] vcur = (vw_q && vwa_q == vk1_q) ? vwd_q : vacc_rdata;
  logic [127:0] vnew, vclamp;
  logic [15:0]  vmask;
  always_comb begin
    for (int i = 0; i < 16; i++) begin
      vnew[i*8 +: 8] = (vfirst1_q || $signed(vx1[i*8 +: 8]) > $signed(vcur[i*8 +: 8]))
                     ? vx1[i*8 +: 8] : vcur[i*8 +: 8];
      vclamp[i*8 +: 8] = $signed(vcur[i*8 +: 8]) > $signed(d_q.act_max) ? d_q.act_max
                       : $signed(vcur[i*8 +: 8]) < $signed(d_q.act_min) ? d_q.act_min
                       : vcur[i*8 +: 8];
      vmask[i] = 32'(vch1_q) + i < 32'(out_c);
    end
  end
  hta_ram_sdp #(.Width(128), .Depth(VkRows)) u_vacc (
    .clk_i, .we_i(vf1_q), .waddr_i(vk1_q), .wdata_i(vnew),
    .raddr_i(VkBits'(vk_q)), .rdata_o(vacc_rdata)
  );
  always_ff @(posedge clk_i) begin
    vw_q  <= vf1_q && !rst_i;
    vwa_q <= vk1_q;
    vwd_q <= vnew;
  end
  wire [ByteBits-1:0] vlane = ByteBits'(voff1_q % BusBytes);
  wire [BusBits-1:0]  ve_data = {RecPer{vclamp}};
  wire [BusBytes-1:0] ve_strb = BusBytes'(vmask) << vlane;

  // t2: the rescale operands (CONCAT: the chosen input on unit 0, 0 on
  // unit 1, whose R is 0), the MUL product, the raw byte (TABLE).
  logic        v2_q, last2_q;
  logic [31:0] off2_q;
  logic [RecW-1:0] rec2_q;
  logic signed [31:0] r0_in_q, r1_in_q, m0_q, m1_q, mul2_q;
  logic [4:0]  s0_q, s1_q;
  logic [7:0]  raw2_q;
  logic [25:0] avg_a2_q;
  logic        avg_neg2_q;
  always_ff @(posedge clk_i) begin
    v2_q    <= v1_q && !rst_i;
    lm2_q   <= lm1_q;
    last2_q <= last1_q;
    off2_q  <= off1_q;
    rec2_q  <= rec1;
    raw2_q  <= emit1_q ? acc_rdata[7:0] : pad1_q ? d_q.zp_in : x1;
    // AVGPOOL: a = 2|S| + n and the sign of S
    avg_a2_q   <= 26'({acc_rdata[31] ? 32'(-acc_rdata) : acc_rdata, 1'b0}) + 26'(n_q);
    avg_neg2_q <= acc_rdata[31];
    mul2_q  <= 32'(xc1) * 32'(yc1);
    r0_in_q <= (ysel1_q ? 32'(yc1) : 32'(xc1)) <<< 20;
    m0_q    <= ysel1_q ? d_q.in_mult1 : d_q.in_mult0;
    s0_q    <= ysel1_q ? d_q.in_shift1 : d_q.in_shift0;
    r1_in_q <= k_add ? 32'(yc1) <<< 20 : 32'd0;
    m1_q    <= d_q.in_mult1;
    s1_q    <= d_q.in_shift1;
  end

  // t3..t5: two input rescales, 3 stages each (product, SRDHM, RDBPOT).
  logic signed [63:0] p0_q, p1_q;
  logic signed [31:0] h0_q, h1_q, q0_q, q1_q;
  logic [4:0]  s0b_q, s1b_q, s0c_q, s1c_q;
  logic [2:0]  v_d_q;
  logic [2:0]  last_d_q;
  logic [31:0] off_d_q [3];
  logic [RecW-1:0] rec_d_q [3];
  logic signed [31:0] mul_d_q [3];
  logic [7:0]  raw_d_q [3];

  function automatic logic signed [31:0] srdhm_hi(input logic signed [63:0] p);
    logic signed [64:0] nudged;
    nudged = 65'(p) + (p >= 0 ? 65'sd1073741824 : 65'sd1 - 65'sd1073741824);
    // Truncating division by 2^31; |vc 2^20| < 2^29, so never both INT32_MIN
    // and the quotient fits 32 bits.
    srdhm_hi = 32'(((nudged < 0) ? nudged + 65'sd2147483647 : nudged) >>> 31);
  endfunction

  function automatic logic signed [31:0] rdbpot(input logic signed [31:0] x,
                                                input logic [4:0] e);
    logic [31:0] mask, rem, thr;
    mask = (32'd1 << e) - 32'd1;
    rem  = x & mask;
    thr  = (mask >> 1) + {31'd0, x[31]};
    rdbpot = (x >>> e) + ((rem > thr) ? 32'sd1 : 32'sd0);
  endfunction

  logic [69:0] avg_p3_q;
  logic        avg_neg3_q, avg_neg4_q;
  logic [31:0] avg_q4_q, avg_q5_q;
  always_ff @(posedge clk_i) begin
    avg_p3_q   <= 70'(avg_a2_q) * 70'(m_q);
    avg_neg3_q <= avg_neg2_q;
    avg_q4_q   <= 32'(avg_p3_q >> AvgShift);
    avg_neg4_q <= avg_neg3_q;
    avg_q5_q   <= avg_neg4_q ? 32'(-avg_q4_q) : avg_q4_q;
  end

  always_ff @(posedge clk_i) begin
    p0_q  <= 64'(r0_in_q) * 64'(m0_q);
    p1_q  <= 64'(r1_in_q) * 64'(m1_q);
    s0b_q <= s0_q;
    s1b_q <= s1_q;
    h0_q  <= srdhm_hi(p0_q);
    h1_q  <= srdhm_hi(p1_q);
    s0c_q <= s0b_q;
    s1c_q <= s1b_q;
    q0_q  <= rdbpot(h0_q, s0c_q);
    q1_q  <= rdbpot(h1_q, s1c_q);
    v_d_q    <= {v_d_q[1:0], v2_q && !rst_i};
    lm_d_q[0] <= lm2_q;     lm_d_q[1] <= lm_d_q[0];     lm_d_q[2] <= lm_d_q[1];
    last_d_q <= {last_d_q[1:0], last2_q};
    off_d_q[0] <= off2_q;   off_d_q[1] <= off_d_q[0];   off_d_q[2] <= off_d_q[1];
    rec_d_q[0] <= rec2_q;   rec_d_q[1] <= rec_d_q[0];   rec_d_q[2] <= rec_d_q[1];
    mul_d_q[0] <= mul2_q;   mul_d_q[1] <= mul_d_q[0];   mul_d_q[2] <= mul_d_q[1];
    raw_d_q[0] <= raw2_q;   raw_d_q[1] <= raw_d_q[0];   raw_d_q[2] <= raw_d_q[1];
  end

  // t6..t10: the output stage (hta_requant, 5 cycles); meta delayed alongside.
  wire [31:0] acc6 = k_ln ? ln_a5_q : k_avg ? avg_q5_q : k_mul ? mul_d_q[2]
                  : q0_q + q1_q;  // |R_0 + R_1| < 2^28
  wire [RecW-1:0] rec6 = rec_d_q[2];
  logic       rq_valid;
  logic [7:0] rq_q;
  hta_requant #(.SBits(1)) u_stage (
    .clk_i, .rst_i, .valid_i(v_d_q[2]), .acc_i(acc6), .s_i(1'b0), .alpha_i(8'd0),
    .bias_i(rec6[31:0]), .mult_i(rec6[63:32]), .shift_i(rec6[68:64]),
    .zp_out_i(d_q.zp_out), .act_min_i(d_q.act_min), .act_max_i(d_q.act_max),
    .valid_o(rq_valid), .q_o(rq_q)
  );
  logic [4:0]  ve_q, last_e_q;       // hta_requant's valid, and meta, alongside
  logic [31:0] off_e_q [5];
  logic [7:0]  raw_e_q [5];
  always_ff @(posedge clk_i) begin
    ve_q       <= {ve_q[3:0], v_d_q[2] && !rst_i};
    last_e_q   <= {last_e_q[3:0], last_d_q[2]};
    off_e_q[0] <= off_d_q[2];
    raw_e_q[0] <= raw_d_q[2];
    lm_e_q[0]  <= lm_d_q[2];
    for (int i = 1; i < 5; i++) begin
      off_e_q[i] <= off_e_q[i-1];
      raw_e_q[i] <= raw_e_q[i-1];
      lm_e_q[i]  <= lm_e_q[i-1];
    end
  end

  // t11, t12: the activation table (row read, then byte select).
  wire [7:0] raw11 = raw_e_q[4];
  wire [7:0] mov11 = $signed(raw11) > $signed(d_q.act_max) ? d_q.act_max
                   : $signed(raw11) < $signed(d_q.act_min) ? d_q.act_min : raw11;
  wire [7:0] v11 = k_tab ? raw11 : (k_src && !k_avg) ? mov11 : rq_q;
  wire [7:0] u11 = v11 ^ 8'h80;                   // v + 128
  assign lut_raddr[LutBits-1:0] = LutBits'(32'(u11) / BusBytes);
  logic        v12_q, last12_q;
  logic [31:0] off12_q;
  logic [7:0]  val12_q;
  logic [ByteBits-1:0] lb12_q;
  always_ff @(posedge clk_i) begin
    v12_q    <= rq_valid && !rst_i;
    lm12_q   <= lm_e_q[4];
    last12_q <= last_e_q[4];
    off12_q  <= off_e_q[4];
    val12_q  <= v11;
    lb12_q   <= ByteBits'(32'(u11) % BusBytes);
  end
  wire [7:0] out13 = lut_en ? lut_rdata[32'(lb12_q)*8 +: 8] : val12_q;

  // Lanes 1.. (ADD, TABLE): the same arithmetic as lane 0 above for
  // channel o + l, their parameters shared with lane 0.
  logic [Ln*8-1:0] out13_l;
  assign out13_l[7:0] = out13;
  for (genvar l = 1; l < Ln; l++) begin : gen_lane
    wire [7:0] xl1 = a_rdata[((32'(xb1_q) + l) % BusBytes)*8 +: 8];
    wire [7:0] yl1 = b_rdata[((32'(yb1_q) + l) % BusBytes)*8 +: 8];
    wire [RecW-1:0] recl1 = rec_rdata[((32'(rb1_q) + l) % RecBanks)*RecW +: RecW];
    wire signed [9:0] xcl1 = 10'($signed(xl1)) - 10'($signed(d_q.zp_in));
    wire signed [9:0] ycl1 = 10'($signed(yl1)) - 10'($signed(d_q.zp_in2));
    logic signed [31:0] r0_q, r1_q, h0l_q, h1l_q, q0l_q, q1l_q;
    logic signed [63:0] p0l_q, p1l_q;
    logic [RecW-1:0] recl_q [4];
    logic [7:0] rawl_q [9];
    always_ff @(posedge clk_i) begin
      r0_q  <= 32'(xcl1) <<< 20;
      r1_q  <= k_add ? 32'(ycl1) <<< 20 : 32'd0;
      p0l_q <= 64'(r0_q) * 64'(m0_q);
      p1l_q <= 64'(r1_q) * 64'(m1_q);
      h0l_q <= srdhm_hi(p0l_q);
      h1l_q <= srdhm_hi(p1l_q);
      q0l_q <= rdbpot(h0l_q, s0c_q);
      q1l_q <= rdbpot(h1l_q, s1c_q);
      recl_q[0] <= recl1;
      rawl_q[0] <= xl1;
      for (int i = 1; i < 4; i++) recl_q[i] <= recl_q[i-1];
      for (int i = 1; i < 9; i++) rawl_q[i] <= rawl_q[i-1];
    end
    logic       unused_rqv;
    logic [7:0] rql;
    hta_requant #(.SBits(1)) u_stage (
      .clk_i, .rst_i, .valid_i(v_d_q[2]), .acc_i(q0l_q + q1l_q), .s_i(1'b0), .alpha_i(8'd0),
      .bias_i(recl_q[3][31:0]), .mult_i(recl_q[3][63:32]), .shift_i(recl_q[3][68:64]),
      .zp_out_i(d_q.zp_out), .act_min_i(d_q.act_min), .act_max_i(d_q.act_max),
      .valid_o(unused_rqv), .q_o(rql)
    );
    wire [7:0] vl11 = k_tab ? rawl_q[8] : rql;
    wire [7:0] ul11 = vl11 ^ 8'h80;
    assign lut_raddr[l*LutBits +: LutBits] = LutBits'(32'(ul11) / BusBytes);
    logic [7:0] vall12_q;
    logic [ByteBits-1:0] lbl12_q;
    always_ff @(posedge clk_i) begin
      vall12_q <= vl11;
      lbl12_q  <= ByteBits'(32'(ul11) % BusBytes);
    end
    assign out13_l[l*8 +: 8] = lut_en ? lut_rdata[l*BusBits + 32'(lbl12_q)*8 +: 8] : vall12_q;
  end

  // t13: gather bytes into beats; a beat leaves at its last byte or the
  // pixel's last channel.
  logic [BusBits-1:0]  gb_q;
  logic [BusBytes-1:0] gs_q;
  wire [ByteBits-1:0] lane13 = ByteBits'(off12_q % BusBytes);
  logic [BusBits-1:0]  gb_d;
  logic [BusBytes-1:0] gs_d;
  always_comb begin
    gb_d = gb_q;
    gs_d = gs_q;
    for (int l = 0; l < Ln; l++)
      if (lm12_q[l]) begin
        gb_d[((32'(lane13) + l) % BusBytes)*8 +: 8] = out13_l[l*8 +: 8];
        gs_d[(32'(lane13) + l) % BusBytes] = 1'b1;
      end
  end
  wire beat_end = v12_q && (32'(lane13) + 32'(step) >= BusBytes || last12_q);
  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) begin
      gs_q <= '0;
    end else if (v12_q) begin
      gb_q <= gb_d;
      gs_q <= beat_end ? '0 : gs_d;
    end
  end

  // ------------------------------------------------------- write queue
  logic [WqW-1:0] wq_head;
  logic wq_empty, wq_full;
  wire  wq_pop;
  hta_fifo #(.Width(WqW), .Depth(WqDepth)) u_wq (
    .clk_i, .rst_i, .clr_i(clr_i),
    .push_i((beat_end || ve1_q) && !clr_i),
    .data_i(ve1_q ? {voff1_q / BusBytes * BusBytes, ve_data, ve_strb}
                  : {off12_q / BusBytes * BusBytes, gb_d, gs_d}),
    .pop_i(wq_pop), .data_o(wq_head), .empty_o(wq_empty), .full_o(wq_full),
    .count_o(wq_count)
  );

  // One beat per burst: AW and W together; B responses counted, their
  // addresses kept for error reports.
  logic [$clog2(BTags):0] bcount;
  logic btag_full, btag_empty;
  logic [63:0] btag_head;
  wire aw_done = !awvalid_o || awready_i;
  wire w_done  = !wvalid_o || wready_i;
  assign wq_pop = !wq_empty && !clr_i && aw_done && w_done && !btag_full;
  wire [31:0] wq_off = wq_head[WqW-1 -: 32];

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      awvalid_o <= 1'b0;
      wvalid_o  <= 1'b0;
    end else begin
      if (awvalid_o && awready_i) awvalid_o <= 1'b0;
      if (wvalid_o && wready_i)   wvalid_o  <= 1'b0;
      if (wq_pop) begin
        awvalid_o <= 1'b1;
        wvalid_o  <= 1'b1;
        awaddr_o  <= data_base_i + 64'(wq_off);
        wdata_o   <= wq_head[BusBytes +: BusBits];
        wstrb_o   <= wq_head[BusBytes-1:0];
      end
    end
  end
  assign awlen_o  = 8'd0;
  assign wlast_o  = 1'b1;
  assign bready_o = 1'b1;

  hta_fifo #(.Width(64), .Depth(BTags)) u_btags (
    .clk_i, .rst_i, .clr_i(1'b0),
    .push_i(wq_pop), .data_i(data_base_i + 64'(wq_off)),
    .pop_i(bvalid_i && !btag_empty), .data_o(btag_head), .empty_o(btag_empty),
    .full_o(btag_full), .count_o(bcount)
  );
  assign err_resp_o = bvalid_i && !btag_empty && bresp_i != 2'b00;
  assign err_addr_o = btag_head;

  always_comb begin
    ev_bytes_o = '0;
    if (wvalid_o && wready_i)
      for (int i = 0; i < BusBytes; i++) ev_bytes_o = ev_bytes_o + 16'(wstrb_o[i]);
  end

  // Anything still moving: the pipeline, the queue, the bus.
  assign busy_pipe = v1_q || fold1_q || vf1_q || ve1_q || v2_q || (|v_d_q) || (|ve_q) || rq_valid || v12_q
                   || !wq_empty || awvalid_o || wvalid_o || !btag_empty;
  assign busy_o = state_q != SIdle || busy_pipe;

  logic unused;
  assign unused = ^{wq_full, bcount, rcv_row1, o1_q, ln_rem_q[35:34], sg_count, rw_oy_q,
                    rw_ya[19:16], rw_xa[19:16], rw_yb[19:16], rw_xb[19:16]};

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (!rst_i && rd_valid_i) assert (!rcv_done) else $error("hta_gop: beat past its job");
    if (!rst_i && beat_end && !clr_i) assert (!wq_full) else $error("hta_gop: write queue full");
    if (!rst_i && ve1_q && !clr_i) assert (!wq_full) else $error("hta_gop: write queue full");
    if (!rst_i && beat_end && ve1_q) assert (0) else $error("hta_gop: two writes at once");
  end
`endif
endmodule
