// hta_v2_engine: runs engine-v2 programs (docs/engine-v2.md, "Programs of the
// v2 core" and "The engine around the core") on hta_v2_core. hta_top
// instantiates it instead of v1's blocks when the configuration's Engine is 2.
//
// For each job (v2_job descriptor), one after another:
//   fetch and check the descriptor (ERR_DESC names the first failing word);
//   load the lane records into a record RAM (one 16-byte record per beat:
//     BusBits is 128) and the group scales (fine groups); from the records
//     on, the band's input pixels stream into the 2 Pix banks (each pixel's
//     Ci-byte words as the layout says, through a beat FIFO the requests
//     reserve space in; on a bus wider than 128 bits the beats leave it
//     whole into a window of XWinBeats beats from which every bank takes a
//     word a cycle, so a deep pixel's beat does not hold the others up);
//   start the core, then stream the weight blocks into its weight buffer
//     while it runs: the core waits for each block's input row and weights
//     (rows_avail_i, w_avail_i: the loads overlap the run); a job with
//     `reuse` set skips the record, scale and weight loads (its blocks are
//     the previous job's, still in the buffers: checked, else ERR_DESC);
//   drain: each output beat (a tile of Pix pixels of one pass) goes through
//     Pix x DrainLanes requantization units, a group of DrainLanes lanes
//     per cycle for all pixels (groups without a filter skipped): alpha S +
//     the 40-bit folded bias, saturated to 32 bits, then hta_requant; each
//     pixel merges its bytes into whole bus beats under write strobes (a
//     queue of beats per pixel), and the writer sends the lowest pixel's
//     beat, merged with every other pixel's beat at the same address, as
//     one full-width single-beat AXI write per cycle.
// A job's mode (0 convolution, 1 depthwise, 2 global sum) and blk_passes go
// to the core as they are; the loads do not depend on them (passes x
// k_blocks weight blocks in address order in every mode), only the checks do.
// A graph-op descriptor (op DescOpGop, gop_desc) in the job table runs on
// the graph-op unit hta_gop, as in the v1 engine: it checks and runs the
// descriptor by itself (read client 3, its own single-beat writes, which own
// the write channels while it is busy).
// The next job's loads overlap this one's run (docs/engine-v2.md, "The next
// job's loads overlap the run"): the weight, record and group-scale buffers
// are two halves; a job that fits one half loads into the half the running
// job does not use, and while a job's core runs (its own loads done) the
// engine fetches the next descriptor and, when both fit their halves, the
// next job's records, group scales and weights into the other half. The
// prefetched descriptor is checked in full only when its turn comes (an
// error is reported as before, for that job, after the previous one ended);
// the prefetch itself only needs its loads to lie in the program window and
// fit a half. The job's loads and the prefetch's share one load sequencer
// (records, group scales, weights). Input rows are not prefetched (the
// banks hold one job); the x reader's run counts are 0 from reset, an
// abort or a job's end on, so none is stale when a graph op ends.
`default_nettype none

module hta_v2_engine #(
  parameter int BusBits  = 128,
  parameter int Pix      = 4,
  parameter int Ci       = 8,
  parameter int MacCo    = 4,
  parameter int AddCo    = 4,     // 0: MAC-only (no ternary array, records or scales)
  parameter int ActDepth = 1024,
  parameter int WDepth   = 256,
  parameter int ADepth   = 64,
  parameter int RecDepth = 256,    // lane records of one job: passes x (MacCo + AddCo)
  parameter int DrainLanes = 1,    // lanes each requantized per cycle (x Pix units)
  parameter int FineGroups = 1,
  parameter int MaxBurst = 16,
  parameter int ChanMax  = 512,    // the graph-op unit's pixel buffers
  // input beats the bank writer holds at a time on a bus wider than 128
  // bits (0: the beat at the FIFO's head only, as before issue 11's window)
  parameter int XWinBeats = 8,
  parameter logic [31:0] CfgSignature = 32'h0
) (
  input  logic               clk_i,
  input  logic               rst_i,
  input  logic               start_i,
  input  logic [63:0]        prog_size_i,
  input  logic [63:0]        data_base_i,
  input  logic [63:0]        data_size_i,
  output logic               busy_o,
  output logic               done_o,
  output logic               abort_o,
  output logic [7:0]         err_code_o,
  output logic [31:0]        err_info_o,
  output logic [63:0]        err_addr_o,
  output logic [15:0]        layer_o,
  output logic [31:0]        layers_done_o,
  output logic               log_we_o,
  output logic [15:0]        log_idx_o,
  output logic [31:0]        log_cycles_o,
  // read port clients: [0] header/descriptors, [1] weights/records/scales (program
  // window), [2] input pixels (data window), [3] the graph-op unit (either)
  output logic [3:0]         req_valid_o,
  input  logic [3:0]         req_ready_i,
  output logic [3:0]         req_win_o,
  output logic [4*32-1:0]    req_off_o,
  output logic [4*8-1:0]     req_beats_o,
  input  logic [3:0]         rd_valid_i,
  input  logic [BusBits-1:0] rd_data_i,
  input  logic               rd_idle_i,
  input  logic               rd_err_window_i,
  input  logic               rd_err_resp_i,
  input  logic [63:0]        rd_err_addr_i,
  // AXI4 write channels (single-beat bursts)
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
  // counter events
  output logic               ev_busy_o,     // the core consumed a block
  output logic               ev_stall_o,    // the core waited (slots, scale units)
  output logic [15:0]        ev_bytes_wr_o, // bytes written this cycle
  // where a busy cycle goes (one of them per cycle, none while aborting):
  output logic               ev_fetch_o,    // job descriptor fetch and check
  output logic               ev_wload_o,    // weights, lane records, group scales
  output logic               ev_xload_o,    // the band's input pixels
  output logic               ev_run_o,      // the core runs (the drain overlapped)
  output logic               ev_tail_o,     // the last drain, loads, write responses
  output logic               ev_mem_stall_o // the core waits for input rows or weights
);
  localparam int NB   = 2 * Pix;
  localparam int BW   = $clog2(NB);
  localparam int AW   = $clog2(ActDepth);
  localparam int WAW  = $clog2(WDepth);
  localparam int AAW  = $clog2(ADepth);
  localparam int RW   = $clog2(RecDepth);
  localparam int NL   = MacCo + AddCo;           // lanes per pass
  // bus beats of BB bytes (16, 32 or 64), records of 16 bytes: CPB per beat
  localparam int BB   = BusBits / 8;
  localparam int BBSh = $clog2(BB);
  localparam int CPB  = BB / 16;
  localparam int MBytes = (MacCo * Ci + 15) / 16 * 16;
  localparam int ABytes = (AddCo * Ci * 2 / 8 + 15) / 16 * 16;
  // a weight block and a group-scale row are whole beats (padded at their
  // end: docs/engine-v2.md, "Programs of the v2 core")
  localparam int BlkBytes = (MBytes + ABytes + BB - 1) / BB * BB;
  localparam int BlkBeats = BlkBytes / BB;
  localparam int ARowBeats = (AddCo > 0) ? (AddCo + BB - 1) / BB : 1;
  localparam int AC   = (AddCo > 0) ? AddCo : 1;   // ternary port widths (none: 1)
  localparam int FG   = (AddCo > 0) ? FineGroups : 0;
  localparam int SPB  = BB / Ci;                 // bank words per beat

  // ================================================================ control
  typedef enum logic [4:0] {
    SIdle, SHdr, SHdrWait, SDesc, SDescWait, SCheck1, SCheck2,
    SLoadR, SLoadA, SLoadW, SRunWait, SGop, SJobEnd, SAbort
  } state_e;
  state_e state_q;
  // the next job's prefetch (while the current job's core runs)
  typedef enum logic [3:0] {
    PIdle, PDesc, PDescWait, PChk1, PChk2, PLoadR, PLoadA, PLoadW, PDone
  } pf_e;
  pf_e pf_q;
  localparam int WH = WDepth / 2;      // halves of the buffers
  localparam int RH = RecDepth / 2;
  localparam int AH = ADepth / 2;

  // 64-byte fetches of the header and jobs (4 beats), the header checked for
  // ProgVersionV2: hta_prog_fetch, shared with v1's hta_ctrl
  logic [511:0] blk;
  logic         last_beat, hdr_bad;
  logic [31:0]  hdr_info, hdr_n_desc, hdr_desc_off;
  hta_prog_fetch #(
    .BusBits(BusBits), .Version(hta_prog_pkg::ProgVersionV2),
    .DescBytes(hta_prog_pkg::V2JobBytes), .CfgSignature(CfgSignature)
  ) u_fetch (
    .clk_i, .rst_i, .clr_i(state_q == SIdle), .rd_valid_i(rd_valid_i[0]), .rd_data_i,
    .blk_o(blk), .last_o(last_beat), .hdr_bad_o(hdr_bad), .hdr_info_o(hdr_info),
    .n_desc_o(hdr_n_desc), .desc_off_o(hdr_desc_off)
  );
  hta_prog_pkg::v2_job_t j_q;
  logic [31:0] n_jobs_q, desc_off_q, job_q;
  logic        fetch_req_q;
  logic [31:0] fetch_off_q;
  assign req_valid_o[0]    = fetch_req_q;
  assign req_off_o[31:0]   = fetch_off_q;
  assign req_beats_o[7:0]  = 8'(64 / BB);   // one 64-byte block

  // ---- descriptor checks (ERR_DESC, info = word index)
  function automatic logic [31:0] cdiv(input logic [31:0] a, input logic [31:0] b);
    cdiv = (a + b - 1) / b;
  endfunction
  logic [31:0] blk_words_q, row_words_q, words_need_q, wblocks_q, recs_q, groups_q, rreg_q;
  logic [63:0] in_end_q, out_end_q, wts_end_q, rec_end_q, al_end_q;
  wire [63:0] limit_data = (data_size_i < 64'h1_0000_0000) ? data_size_i : 64'h1_0000_0000;
  wire [31:0] cb_expect = cdiv(32'(j_q.in_c), Ci);
  // What the weight, record and group-scale buffers hold: the blocks of the
  // last job of this run that loaded them. A job with `reuse` set runs on
  // them without loading (row bands of one pass range share their blocks);
  // it must name exactly those blocks, so a wrong flag is an ERR_DESC, not
  // a wrong result.
  logic        ld_ok_q;
  logic [31:0] ld_wts_off_q, ld_wts_bytes_q, ld_rec_off_q, ld_al_off_q;
  logic [15:0] ld_passes_q, ld_kb_q;
  logic [7:0]  ld_gblk_q;
  wire ld_same = ld_ok_q && ld_wts_off_q == j_q.wts_off && ld_wts_bytes_q == j_q.wts_bytes
              && ld_rec_off_q == j_q.rec_off && ld_passes_q == j_q.passes
              && ld_kb_q == j_q.k_blocks && ld_gblk_q == j_q.gblk
              && (j_q.gblk == 0 || ld_al_off_q == j_q.alpha_off);
  // records per pass in the program: MAC lanes 0..rec_mac-1, adder lanes 0..rec_add-1
  wire [31:0] rpp = 32'(j_q.rec_mac) + 32'(j_q.rec_add);

  // ---- buffer halves. The running job's blocks, records and group scales
  // are in half cur_h_q of each buffer when cur_sm_q (the job fits a half),
  // else from address 0 (the whole buffer). A job that loads goes to the
  // other half when it fits one (j_small), else to address 0; the prefetch
  // of the next job (only while the running one is in a half) to the other
  // half. The core and the drain read from the running job's bases.
  logic cur_h_q, cur_sm_q;
  wire  j_small = wblocks_q <= 32'(WH) && rreg_q <= 32'(RH) && groups_q <= 32'(AH);
  wire [WAW-1:0] cur_wb = (cur_sm_q && cur_h_q) ? WAW'(WH) : '0;
  wire [AAW-1:0] cur_ab = (cur_sm_q && cur_h_q) ? AAW'(AH) : '0;
  wire [RW-1:0]  cur_rb = (cur_sm_q && cur_h_q) ? RW'(RH) : '0;
  logic [WAW-1:0] ld_wb_q;             // the loading job's bases
  logic [AAW-1:0] ld_ab_q;
  // The next descriptor (fetched while the core runs) and what the prefetch
  // needs of it: its loads in the program window, each fitting a half.
  hta_prog_pkg::v2_job_t jn_q;
  logic        pf_loaded_q;            // the prefetch loaded the next job's buffers
  logic        pf_ld_q;                // (of the job now in SCheck1/SCheck2)
  logic [31:0] pn_wbl_q, pn_recs_q, pn_rreg_q, pn_groups_q;
  logic [63:0] pn_wend_q, pn_rend_q, pn_aend_q;
  wire [31:0] pn_rpp = 32'(jn_q.rec_mac) + 32'(jn_q.rec_add);
  wire pn_ok = jn_q.op == hta_prog_pkg::DescOpV2Job && jn_q.reuse == 0 && cur_sm_q
            && jn_q.passes != 0 && jn_q.k_blocks != 0
            && pn_wbl_q <= 32'(WH) && pn_rreg_q <= 32'(RH) && pn_groups_q <= 32'(AH)
            && jn_q.wts_off % BB == 0 && 32'(jn_q.wts_bytes) == pn_wbl_q * BlkBytes
            && pn_wend_q <= prog_size_i
            && 32'(jn_q.rec_mac) <= MacCo && 32'(jn_q.rec_add) <= AddCo && pn_rpp != 0
            && jn_q.rec_off % BB == 0 && pn_rend_q <= prog_size_i
            && (jn_q.gblk == 0 || (FG != 0 && jn_q.alpha_off % BB == 0
                                   && pn_aend_q <= prog_size_i));
  // a load starts: the job being checked (not prefetched), or the prefetch
  wire ld_start_job = state_q == SCheck2 && j_q.reuse == 0 && !pf_ld_q;
  wire ld_start_pf  = pf_q == PChk2 && pn_ok;
  wire ld_start     = ld_start_job || ld_start_pf;
  // its target: the other half (a job that fits none: address 0)
  wire ld_sm        = ld_start_pf || j_small;
  // the loading job (the current one, or the prefetched one while the
  // prefetch checks or loads it): its record geometry and its spans
  wire        l_pf      = pf_q == PChk2 || pf_q == PLoadR || pf_q == PLoadA || pf_q == PLoadW;
  wire [31:0] l_rec_mac = l_pf ? 32'(jn_q.rec_mac) : 32'(j_q.rec_mac);
  wire [31:0] l_rpp     = l_pf ? pn_rpp : rpp;
  wire [31:0] l_rec_off = l_pf ? jn_q.rec_off : j_q.rec_off;
  wire [31:0] l_recs    = l_pf ? pn_recs_q : recs_q;
  wire        l_gblk    = l_pf ? jn_q.gblk != 0 : j_q.gblk != 0;
  wire [31:0] l_al_off  = l_pf ? jn_q.alpha_off : j_q.alpha_off;
  wire [31:0] l_groups  = l_pf ? pn_groups_q : groups_q;
  wire [31:0] l_wts_off = l_pf ? jn_q.wts_off : j_q.wts_off;
  wire [31:0] l_wbl     = l_pf ? pn_wbl_q : wblocks_q;
  // modes (docs/engine-v2.md, "Depthwise, global sums and layouts"): 1 and 2
  // read one channel block per blk_passes passes; 2 (GAP) is a 1x1 output of
  // the whole input, one weight block per pass, no padding, stride or groups
  wire dwm  = j_q.mode == 2'd1;
  wire gapm = j_q.mode == 2'd2;
  wire [31:0] kb_expect = gapm ? 32'd1 : dwm ? 32'(j_q.kh) * 32'(j_q.kw)
                        : 32'(j_q.kh) * 32'(j_q.kw) * 32'(j_q.cb_n);
  logic [31:0] bad;
  always_comb begin
    bad = '0;
    if (j_q.op != hta_prog_pkg::DescOpV2Job)
      bad = 1 + hta_prog_pkg::V2JobWOp;
    else if (j_q.mode == 2'd3 || (j_q.mode == 2'd0) != (j_q.blk_passes == 8'd0))
      bad = 1 + hta_prog_pkg::V2JobWMode;
    else if (j_q.kh == 0 || j_q.kh > 7 || j_q.kw == 0 || j_q.kw > 7
             || (gapm && (j_q.kh != 1 || j_q.kw != 1)))
      bad = 1 + hta_prog_pkg::V2JobWKh;
    else if (j_q.stride == 0 || j_q.stride > 2 || (gapm && j_q.stride != 1))
      bad = 1 + hta_prog_pkg::V2JobWStride;
    else if (j_q.pad_top > 7 || (gapm && j_q.pad_top != 0))
      bad = 1 + hta_prog_pkg::V2JobWPadTop;
    else if (j_q.pad_left > 7 || 32'(j_q.pad_left) > NB || (gapm && j_q.pad_left != 0))
      bad = 1 + hta_prog_pkg::V2JobWPadLeft;
    else if ($signed(j_q.act_min) > $signed(j_q.act_max))
      bad = 1 + hta_prog_pkg::V2JobWActMin;
    else if (32'(j_q.cb_n) != cb_expect || j_q.cb_n == 0)
      bad = 1 + hta_prog_pkg::V2JobWCbN;
    else if (j_q.in_w == 0 || j_q.in_w > 16'd4095 || j_q.in_h > 16'd4095
             || (gapm && j_q.in_h == 0))
      bad = 1 + hta_prog_pkg::V2JobWInW;
    else if (words_need_q > 32'(ActDepth))
      bad = 1 + hta_prog_pkg::V2JobWInH;
    else if (j_q.in_pix_stride % 16 != 0 || 32'(j_q.in_pix_stride) < 32'(j_q.cb_n) * Ci)
      bad = 1 + hta_prog_pkg::V2JobWInPixStride;
    else if (j_q.out_h == 0 || j_q.out_w == 0 || j_q.out_h > 16'd4095 || j_q.out_w > 16'd4095
             || (gapm && (j_q.out_h != 1 || j_q.out_w != 1)))
      bad = 1 + hta_prog_pkg::V2JobWOutH;
    else if (j_q.out_pix_stride != 16'((32'(j_q.out_c) + 15) / 16 * 16))
      bad = 1 + hta_prog_pkg::V2JobWOutPixStride;
    // (the loader takes Ci-byte words at their places in a beat)
    else if (j_q.in_off % Ci != 0 || in_end_q > limit_data)
      bad = 1 + hta_prog_pkg::V2JobWInOff;
    else if (j_q.out_off % 16 != 0 || out_end_q > limit_data)
      bad = 1 + hta_prog_pkg::V2JobWOutOff;
    else if (j_q.wts_off % BB != 0 || wts_end_q > prog_size_i)
      bad = 1 + hta_prog_pkg::V2JobWWtsOff;
    else if (32'(j_q.wts_bytes) != wblocks_q * BlkBytes)
      bad = 1 + hta_prog_pkg::V2JobWWtsBytes;
    else if (j_q.passes == 0 || j_q.passes > 16'd255 || wblocks_q > 32'(WDepth)
             || recs_q > 32'(RecDepth)
             || (j_q.mode != 2'd0 && 32'(j_q.passes) != 32'(j_q.cb_n) * 32'(j_q.blk_passes)))
      bad = 1 + hta_prog_pkg::V2JobWPasses;
    else if (32'(j_q.k_blocks) != kb_expect)
      bad = 1 + hta_prog_pkg::V2JobWKBlocks;
    else if (32'(j_q.rec_mac) > MacCo || 32'(j_q.rec_add) > AddCo || rpp == 0)
      bad = 1 + hta_prog_pkg::V2JobWRecMac;
    else if (j_q.rec_off % BB != 0 || rec_end_q > prog_size_i)
      bad = 1 + hta_prog_pkg::V2JobWRecOff;
    // (mode 1 counts taps: the window's last group may be shorter; GAP has none)
    else if (j_q.gblk != 0 && (FG == 0 || gapm || groups_q > 32'(ADepth)
                               || (!dwm && 32'(j_q.k_blocks) % 32'(j_q.gblk) != 0)))
      bad = 1 + hta_prog_pkg::V2JobWGblk;
    else if (j_q.gblk != 0 && (j_q.alpha_off % BB != 0 || al_end_q > prog_size_i))
      bad = 1 + hta_prog_pkg::V2JobWAlphaOff;
    else if (j_q.reuse != 0 && !ld_same)
      bad = 1 + hta_prog_pkg::V2JobWReuse;
  end

  always_ff @(posedge clk_i) begin
    if (rst_i || state_q == SIdle || state_q == SAbort) begin
      ld_ok_q <= 1'b0;
    end else if (state_q == SCheck2 && bad == 0 && j_q.reuse == 0) begin
      ld_ok_q        <= 1'b1;
      ld_wts_off_q   <= j_q.wts_off;
      ld_wts_bytes_q <= j_q.wts_bytes;
      ld_rec_off_q   <= j_q.rec_off;
      ld_al_off_q    <= j_q.alpha_off;
      ld_passes_q    <= j_q.passes;
      ld_kb_q        <= j_q.k_blocks;
      ld_gblk_q      <= j_q.gblk;
    end
  end

  // ---- per-job cycle log (as hta_ctrl: from the end of the previous job)
  logic [31:0] job_cyc_q;
  always_ff @(posedge clk_i) begin
    if (rst_i || start_i || log_we_o) job_cyc_q <= 32'd1;
    else if (busy_o && job_cyc_q != '1) job_cyc_q <= job_cyc_q + 32'd1;
  end
  logic [15:0] log_idx_q;
  always_ff @(posedge clk_i) log_idx_q <= job_q[15:0];
  assign log_idx_o    = log_idx_q;
  assign log_cycles_o = job_cyc_q;

  // ================================================================ loader
  // Span reader of client 1: `sp_beats` beats from `sp_off`, in bursts that
  // never cross a MaxBurst-beat boundary.
  logic        sp_go_q, sp_req_q;
  logic [31:0] sp_off_q, sp_left_q;
  wire  [31:0] sp_room  = 32'(MaxBurst) - (sp_off_q >> BBSh) % 32'(MaxBurst);
  wire  [31:0] sp_n     = (sp_left_q < sp_room) ? sp_left_q : sp_room;
  assign req_valid_o[1]   = sp_req_q;
  assign req_off_o[63:32] = sp_off_q;
  assign req_beats_o[15:8] = sp_n[7:0];
  logic [31:0] sp_rx_q;   // beats still to arrive on client 1
  wire sp_done = !sp_req_q && !sp_go_q && sp_rx_q == 0;   // the span is in

  // Weight blocks: beats shifted in, one block written per BlkBeats beats.
  logic [BlkBytes*8-1:0] wblk_q;
  wire  [BlkBytes*8-1:0] wblk_d;
  if (BlkBeats == 1) begin : gen_wblk1
    assign wblk_d = rd_data_i;
  end else begin : gen_wblkn
    assign wblk_d = {rd_data_i, wblk_q[BlkBytes*8-1:BusBits]};
  end
  logic [$clog2(BlkBeats+1)-1:0] wb_q;
  logic [WAW:0] wa_q;
  logic         wm_we, al_we;
  wire ld_w = state_q == SLoadW || pf_q == PLoadW;   // (never both)
  wire ld_r = state_q == SLoadR || pf_q == PLoadR;
  wire ld_a = state_q == SLoadA || pf_q == PLoadA;
  assign wm_we = ld_w && rd_valid_i[1] && 32'(wb_q) == BlkBeats - 1;
  // Records: CPB per beat (the last beat's after the job's records are
  // padding), from record rl_q of the pass whose lane 0 is at rbase_q: MAC
  // lanes first, then adder lanes from lane MacCo on; rc_q records still to
  // come. Their slots (r_a: a pass's NL lanes from rbase_q) give the valid
  // bits (vmask_q); the records themselves are stored compactly, in the
  // program's order from rcw_q on, in RNB banks (record a in bank a mod RNB
  // at word a / RNB): a beat's CPB records are consecutive addresses, and so
  // are the drain's D reads of a group (but for INT8 lanes past the pass's
  // INT8 records, which read nothing), so each bank has one write and one
  // read port, a RAM primitive (hta_ram_sdp). (At their slots, CPB written
  // and D read in a cycle, they were one memory of CPB write and D read
  // ports: flip-flops, 381k LUT of the engine at zcu104; resources.md.)
  localparam int RNB0 = CPB > DrainLanes ? CPB : DrainLanes;
  localparam int RNB  = 1 << $clog2(RNB0 > 2 ? RNB0 : 2);   // banks (>= 2)
  localparam int RBW  = $clog2(RNB);
  localparam int RBD  = (RecDepth + RNB - 1) / RNB;        // words per bank
  localparam int RBA  = $clog2(RBD > 2 ? RBD : 2);
  logic [31:0]  rl_q, rbase_q, rc_q;
  logic [31:0]  rcw_q;                   // compact address of the beat's record 0
  logic [CPB-1:0]    r_we;               // record c of the beat is written
  logic [CPB*RW-1:0] r_a;                // at this address
  logic [31:0]  rl_n, rbase_n;           // (rl_q, rbase_q) after the beat
  logic [31:0] l, b;
  always_comb begin
    l = rl_q;
    b = rbase_q;
    r_we = '0;
    r_a  = '0;
    for (int c = 0; c < CPB; c++) begin
      r_we[c] = 32'(c) < rc_q;
      r_a[c*RW +: RW] = RW'(b + (l < l_rec_mac ? l : l - l_rec_mac + MacCo));
      if (l == l_rpp - 1) begin
        l = '0;
        b = b + NL;
      end else begin
        l = l + 1;
      end
    end
    rl_n    = l;
    rbase_n = b;
  end
  // Group-scale rows
  logic [ARowBeats*BusBits-1:0] arow_q;
  wire  [ARowBeats*BusBits-1:0] arow_d;
  if (ARowBeats == 1) begin : gen_arow1
    assign arow_d = rd_data_i;
    logic unused_arow;
    assign unused_arow = ^arow_q;
  end else begin : gen_arown
    assign arow_d = {rd_data_i, arow_q[ARowBeats*BusBits-1:BusBits]};
    logic unused_arow;
    assign unused_arow = ^arow_q[BusBits-1:0];
  end
  logic [$clog2(ARowBeats+1)-1:0] ab_q;
  logic [AAW:0] aa_q;
  assign al_we = ld_a && rd_valid_i[1] && 32'(ab_q) == ARowBeats - 1;

  always_ff @(posedge clk_i) begin
    if (ld_start) begin
      // into the other half, or from 0 (a job that fits no half)
      wb_q <= '0;  wa_q <= '0;  rl_q <= '0;  ab_q <= '0;  aa_q <= '0;
      rc_q <= ld_start_pf ? pn_recs_q : recs_q;
      rbase_q <= (ld_sm && !cur_h_q) ? 32'(RH) : '0;
      rcw_q   <= (ld_sm && !cur_h_q) ? 32'(RH) : '0;
      ld_wb_q <= (ld_sm && !cur_h_q) ? WAW'(WH) : '0;
      ld_ab_q <= (ld_sm && !cur_h_q) ? AAW'(AH) : '0;
    end else if (rd_valid_i[1]) begin
      if (ld_w) begin
        wblk_q <= wblk_d;
        if (32'(wb_q) == BlkBeats - 1) begin
          wb_q <= '0;
          wa_q <= wa_q + 1'b1;
        end else begin
          wb_q <= wb_q + 1'b1;
        end
      end
      if (ld_r) begin
        rl_q    <= rl_n;
        rbase_q <= rbase_n;
        rcw_q   <= rcw_q + ((rc_q > CPB) ? 32'(CPB) : rc_q);
        rc_q    <= (rc_q > CPB) ? rc_q - CPB : 32'd0;
      end
      if (ld_a) begin
        arow_q <= arow_d;
        if (32'(ab_q) == ARowBeats - 1) begin
          ab_q <= '0;
          aa_q <= aa_q + 1'b1;
        end else begin
          ab_q <= ab_q + 1'b1;
        end
      end
    end
  end

  // Input pixels: pixel p of the band at in_off + p in_pix_stride (a band's
  // rows are whole rows, so its pixels are consecutive), cb_n Ci-byte words
  // each. Read in runs of bytes: the whole band when its pixels are dense
  // (in_pix_stride = cb_n Ci), else one run per pixel; a run's beats from
  // the one holding its first byte (leading and trailing words of a beat
  // outside the run are dropped). Requests reserve room in the beat FIFO.
  // The FIFO side writes the beats' words to the banks, several in a cycle
  // (one per bank: consecutive pixels are in different banks), from a
  // window of beats on a wide bus (below).
  // At BusBits 128 (a beat holds at most one dense pixel) the loads keep
  // the timing they had before the wider buses: one run per pixel and one
  // word slot of the beat per cycle (cycle counts unchanged).
  localparam bit XOne = BB == 16;
  localparam int XW   = XOne ? 0 : XWinBeats;               // window beats (0: none)
  localparam int XWN  = (XW > 0) ? XW : 1;
  // beats in the FIFO or in flight: with the window, enough to cover the
  // memory's latency at a beat per cycle (two bursts do not: 40 cycles)
  localparam int XDepth = ((XW > 0) ? 4 : 2) * MaxBurst;
  logic        x_dense_q;                                    // one run: the band
  logic [31:0] x_rlen_q, x_nruns_q;                          // run bytes, runs
  logic [31:0] xr_run_q, xr_beat_q, xr_off_q;                // requester
  logic [$clog2(XDepth):0] xf_count, x_infl_q;
  logic        xr_req_q;
  // beats of a run of len bytes from byte o of a beat
  function automatic logic [31:0] rbeats(input logic [BBSh-1:0] o, input logic [31:0] len);
    rbeats = (32'(o) + len + BB - 1) >> BBSh;
  endfunction
  wire  [31:0] xr_bpr  = rbeats(xr_off_q[BBSh-1:0], x_rlen_q);
  wire  [31:0] xr_room = 32'(MaxBurst) - ((xr_off_q >> BBSh) + xr_beat_q) % 32'(MaxBurst);
  wire  [31:0] xr_left = xr_bpr - xr_beat_q;
  wire  [31:0] xr_n    = (xr_left < xr_room) ? xr_left : xr_room;
  assign req_valid_o[2]    = xr_req_q;
  assign req_off_o[95:64]  = ((xr_off_q >> BBSh) + xr_beat_q) << BBSh;
  assign req_beats_o[23:16] = xr_n[7:0];

  logic [BusBits-1:0] xf_data;
  logic xf_empty, xf_full, xf_pop;
  hta_fifo #(.Width(BusBits), .Depth(XDepth)) u_xfifo (
    .clk_i, .rst_i, .clr_i(state_q == SCheck2), .push_i(rd_valid_i[2]), .data_i(rd_data_i),
    .pop_i(xf_pop), .data_o(xf_data), .empty_o(xf_empty), .full_o(xf_full), .count_o(xf_count)
  );

  // FIFO side: the run (index, first byte), the beat in it, the first word
  // of the beat not yet written; the next word to write: channel block cb
  // (cb blk_words), pixel x of band row `row` (its word base), bank, x div 2Pix.
  // Without the window (XW 0) the beat at the FIFO's head is written as it
  // is: its words in order, up to the first whose bank another word of the
  // same cycle writes. A beat of one deep pixel (cb_n >= BB / Ci) has all
  // its words in one bank, so it takes BB / Ci cycles: 16 bytes a cycle,
  // which bounded the strided depthwise layers of MobileNet on v2zcu104 (now zcu104, resized).
  // With the window (XW beats, issue 11), a beat leaves the FIFO whole into
  // the window, each of its words tagged with its bank and address, and
  // every cycle each bank takes one word from anywhere in the window, the
  // oldest first: XW beats hold XW / (beats a pixel) pixels, each in its
  // own bank. Beats retire from the window in order, when all their words
  // are written, and only then count their rows (rows_avail).
  logic [31:0]  c_run_q, c_off_q, cbeat_q;
  logic [$clog2(SPB+1)-1:0] cw_q;
  logic [31:0]  s_cb_q, s_cbw_q, s_x_q, s_xdiv_q, s_crow_q;
  logic [BW-1:0] s_bank_q;
  logic [11:0]  xrows_q;                   // band rows in the banks (the core's rows_avail)
  logic [11:0]  s_rows_q;                  // rows whose words are all written (or in the window)
  logic         x_end;                     // a job ends (the x reader's counts go to 0)
  logic         w_free;                    // the window takes a beat this cycle
  // from the job's records on, while the core runs (rows_avail)
  wire          x_active = state_q == SLoadR || state_q == SLoadA || state_q == SLoadW
                        || state_q == SRunWait || state_q == SJobEnd;
  wire          x_step = x_active && !xf_empty && (XW == 0 || w_free);
  wire  [31:0]  c_bpr  = rbeats(c_off_q[BBSh-1:0], x_rlen_q);
  logic [NB-1:0]        act_we, s_we;
  logic [NB*AW-1:0]     act_addr, s_addr;
  logic [NB*Ci*8-1:0]   act_data, s_data;
  logic [SPB-1:0]       e_we;              // the head beat's words: in the run,
  logic [SPB*BW-1:0]    e_bank;            // their banks
  logic [SPB*AW-1:0]    e_addr;            // and addresses
  logic [31:0]  n_cb, n_cbw, n_x, n_xdiv, n_crow;            // the next word after the cycle
  logic [BW-1:0] n_bank;
  logic [11:0]  n_rows;
  logic         x_cut;                                       // a word of the beat waits
  logic [$clog2(SPB+1)-1:0] n_cw;
  logic [NB-1:0] x_used;
  logic         x_stop;
  logic signed [31:0] x_q;                 // the word's byte in the run
  logic [31:0]  x_a;
  logic [AW-1:0]   s_wa;                   // the word's bank address
  logic [Ci*8-1:0] s_word;                 // and data
  always_comb begin
    n_cb = s_cb_q;  n_cbw = s_cbw_q;  n_x = s_x_q;  n_xdiv = s_xdiv_q;  n_crow = s_crow_q;
    n_bank = s_bank_q;  n_rows = s_rows_q;
    s_we = '0;  s_addr = '0;  s_data = '0;
    e_we = '0;  e_bank = '0;  e_addr = '0;
    x_used = '0;  x_stop = 1'b0;  x_cut = 1'b0;  n_cw = '0;
    x_q = '0;  x_a = '0;  s_wa = '0;  s_word = '0;
    for (int w = 0; w < SPB; w++) begin
      x_q = $signed((cbeat_q << BBSh) + 32'(w * Ci)) - $signed(32'(c_off_q[BBSh-1:0]));
      if (XOne && x_step && 32'(w) == 32'(cw_q) && w != SPB - 1) begin
        // (one slot per cycle, written or not)
        x_cut = 1'b1;
        n_cw  = ($clog2(SPB+1))'(w + 1);
      end
      if (x_step && !x_stop && 32'(w) >= 32'(cw_q) && (!XOne || 32'(w) == 32'(cw_q))
          && x_q >= 0 && 32'(x_q) < x_rlen_q) begin
        if (XW == 0 && x_used[n_bank]) begin
          // the bank is written this cycle: this word and the rest wait
          x_stop = 1'b1;
          x_cut  = 1'b1;
          n_cw   = ($clog2(SPB+1))'(w);
        end else begin
          x_used[n_bank] = 1'b1;
          x_a = n_crow + n_cbw + n_xdiv;
          s_we[n_bank] = 1'b1;
          s_wa   = x_a[AW-1:0];
          s_word = xf_data[w*Ci*8 +: Ci*8];
          if (!XOne) begin
            s_addr[n_bank*AW +: AW] = s_wa;
            s_data[n_bank*Ci*8 +: Ci*8] = s_word;
          end
          e_we[w] = 1'b1;
          e_bank[w*BW +: BW] = n_bank;
          e_addr[w*AW +: AW] = x_a[AW-1:0];
          // the word after it
          if (n_cb + 1 == 32'(j_q.cb_n)) begin
            n_cb = '0;
            n_cbw = '0;
            if (n_x + 1 == 32'(j_q.in_w)) begin
              n_x = '0;  n_bank = '0;  n_xdiv = '0;
              n_crow = n_crow + row_words_q;
              n_rows = n_rows + 12'd1;
            end else begin
              n_x = n_x + 1;
              if (32'(n_bank) == NB - 1) begin
                n_bank = '0;
                n_xdiv = n_xdiv + 1;
              end else begin
                n_bank = n_bank + 1'b1;
              end
            end
          end else begin
            n_cb  = n_cb + 1;
            n_cbw = n_cbw + blk_words_q;
          end
        end
      end
    end
    // XOne writes one word a cycle: its data and address go to every bank
    // and the write enable picks the bank (a write at a variable bank is a
    // shifter over all NB banks' bits)
    if (XOne) begin
      s_addr = {NB{s_wa}};
      s_data = {NB{s_word}};
    end
  end
  assign xf_pop = x_step && !x_cut;

  // The window: wn_q beats in slots 0 (the oldest) .. wn_q-1, each with its
  // data, the words still to write, their banks and addresses, and the band
  // rows complete once it retires.
  logic [$clog2(XWN+1)-1:0] wn_q;
  logic [XWN*BusBits-1:0]   wd_q, wd_n;
  logic [XWN*SPB-1:0]       wm_q, wm_n, wm_w;   // (wm_w: after this cycle's writes)
  logic [XWN*SPB*BW-1:0]    wbk_q, wbk_n;
  logic [XWN*SPB*AW-1:0]    wad_q, wad_n;
  logic [XWN*12-1:0]        wrw_q, wrw_n;
  logic [NB-1:0]            xw_we;
  logic [NB*AW-1:0]         xw_addr;
  logic [NB*Ci*8-1:0]       xw_data;
  logic                     w_ret;              // slot 0 retires
  logic [$clog2(XWN+1)-1:0] w_left;             // beats left after it
  // Each bank takes the oldest word for it: word slot j = k SPB + w (beat
  // k, word w) asks bank wbk_q[j]; per bank the lowest asking slot is
  // granted (x & -x: one carry chain), and the granted words are gathered
  // by AND-OR. (A loop writing each word at its variable bank, as this was,
  // builds a full-width shifter per slot: 32 x 1792 bits at 512 bits.)
  localparam int XS = XWN * SPB;                // word slots
  logic [XS-1:0]    x_cand;                     // slot j holds a word to write
  logic [NB*XS-1:0] x_req, x_gnt;               // bank n, slot j at [n XS + j]
  logic [XS-1:0]    x_took;                     // slot j's word is written
  always_comb
    for (int j = 0; j < XS; j++) begin
      x_cand[j] = 32'(j / SPB) < 32'(wn_q) && wm_q[j];
      for (int n = 0; n < NB; n++)
        x_req[n*XS + j] = x_cand[j] && wbk_q[j*BW +: BW] == BW'(n);
    end
  for (genvar n = 0; n < NB; n++) begin : gen_xg
    assign x_gnt[n*XS +: XS] = x_req[n*XS +: XS] & (~x_req[n*XS +: XS] + XS'(1));
  end
  always_comb begin
    xw_we = '0;  xw_addr = '0;  xw_data = '0;  x_took = '0;
    for (int n = 0; n < NB; n++) begin
      xw_we[n] = |x_req[n*XS +: XS];
      for (int j = 0; j < XS; j++) begin
        x_took[j] = x_took[j] | x_gnt[n*XS + j];
        xw_addr[n*AW +: AW]     = xw_addr[n*AW +: AW] | ({AW{x_gnt[n*XS + j]}} & wad_q[j*AW +: AW]);
        xw_data[n*Ci*8 +: Ci*8] = xw_data[n*Ci*8 +: Ci*8]
                                  | ({(Ci*8){x_gnt[n*XS + j]}} & wd_q[j*Ci*8 +: Ci*8]);
      end
    end
    wm_w = wm_q & ~x_took;
    w_ret  = wn_q != 0 && wm_w[SPB-1:0] == '0;
    w_left = wn_q - ($clog2(XWN+1))'(w_ret);
    w_free = 32'(w_left) < 32'(XWN);
  end
  always_comb begin
    // shift out the retired beat, then the FIFO's head beat into slot w_left
    wd_n  = w_ret ? wd_q >> BusBits : wd_q;
    wm_n  = w_ret ? wm_w >> SPB : wm_w;
    wbk_n = w_ret ? wbk_q >> (SPB*BW) : wbk_q;
    wad_n = w_ret ? wad_q >> (SPB*AW) : wad_q;
    wrw_n = w_ret ? wrw_q >> 12 : wrw_q;
    for (int k = 0; k < XWN; k++) begin
      if (x_step && 32'(k) == 32'(w_left)) begin
        wd_n[k*BusBits +: BusBits] = xf_data;
        wm_n[k*SPB +: SPB]         = e_we;
        wbk_n[k*SPB*BW +: SPB*BW]  = e_bank;
        wad_n[k*SPB*AW +: SPB*AW]  = e_addr;
        wrw_n[k*12 +: 12]          = n_rows;
      end
    end
  end
  assign act_we   = (XW > 0) ? xw_we : s_we;
  assign act_addr = (XW > 0) ? xw_addr : s_addr;
  assign act_data = (XW > 0) ? xw_data : s_data;
  wire x_done = c_run_q == x_nruns_q && (XW == 0 || wn_q == 0);

  always_ff @(posedge clk_i) begin
    if (rst_i || state_q == SAbort || x_end) begin
      c_run_q <= '0;
      wn_q    <= '0;
    end else if (state_q == SCheck2) begin
      c_run_q <= '0;  c_off_q <= j_q.in_off;  cbeat_q <= '0;  cw_q <= '0;
      s_cb_q <= '0;  s_cbw_q <= '0;  s_x_q <= '0;  s_xdiv_q <= '0;  s_crow_q <= '0;
      s_bank_q <= '0;  s_rows_q <= '0;  xrows_q <= '0;
      wn_q <= '0;
    end else begin
      if (XW > 0) begin
        wn_q  <= w_left + ($clog2(XWN+1))'(x_step);
        wd_q  <= wd_n;
        wm_q  <= wm_n;
        wbk_q <= wbk_n;
        wad_q <= wad_n;
        wrw_q <= wrw_n;
        if (w_ret) xrows_q <= wrw_q[11:0];
      end
      if (x_step) begin
        s_cb_q <= n_cb;  s_cbw_q <= n_cbw;  s_x_q <= n_x;  s_xdiv_q <= n_xdiv;
        s_crow_q <= n_crow;  s_bank_q <= n_bank;  s_rows_q <= n_rows;
        // (XOne: a row counts when its last beat leaves the FIFO, as before)
        if (XW == 0 && (!XOne || xf_pop)) xrows_q <= n_rows;
        if (x_cut) begin
          cw_q <= n_cw;
        end else begin
          cw_q <= '0;
          if (cbeat_q + 1 != c_bpr) begin
            cbeat_q <= cbeat_q + 1;
          end else begin                       // next run
            cbeat_q <= '0;
            c_run_q <= c_run_q + 1;
            c_off_q <= c_off_q + 32'(j_q.in_pix_stride);
          end
        end
      end
    end
  end

  // ================================================================ core
  logic core_start, core_busy, core_done, out_valid, out_ready, core_row_wait, core_wt_wait;
  logic [11:0] out_y, out_x;
  logic [7:0]  out_pass;
  logic [Pix*MacCo*32-1:0] out_mac;
  logic [Pix*AC*32-1:0] out_add;
  logic [31:0] c_cycles, c_busy, c_stall, c_sstall;
  wire [WAW-1:0] w_addr = ld_wb_q + wa_q[WAW-1:0];
  wire [AAW-1:0] al_addr = ld_ab_q + aa_q[AAW-1:0];
  // the core waits for blocks only while its own job's weights load; else
  // they are all in (and wa_q may count the next job's prefetch)
  wire [WAW:0]   w_avail = (state_q == SLoadW) ? wa_q : (WAW+1)'(WDepth);

  // a block's ternary part (none in a MAC-only engine: ABytes 0)
  logic [AC*Ci*2-1:0] wt_data;
  if (AddCo > 0) begin : gen_wt
    assign wt_data = wblk_d[MBytes*8 +: AddCo*Ci*2];
  end else begin : gen_no_wt
    assign wt_data = '0;
  end
  hta_v2_core #(
    .Pix(Pix), .Ci(Ci), .MacCo(MacCo), .AddCo(AddCo), .ActDepth(ActDepth), .WDepth(WDepth),
    .ADepth(ADepth), .FineGroups(FG)
  ) u_core (
    // an abort resets the core: it may be waiting for rows or weights that stopped coming
    .clk_i, .rst_i(rst_i || state_q == SAbort),
    .act_we_i(act_we), .act_addr_i(act_addr), .act_data_i(act_data),
    .wm_we_i(wm_we), .wt_we_i(wm_we), .w_addr_i(w_addr),
    .wm_data_i(wblk_d[MacCo*Ci*8-1:0]), .wt_data_i(wt_data),
    .al_we_i(al_we), .al_addr_i(al_addr), .al_data_i(arow_d[AC*8-1:0]),
    .in_h_i(j_q.in_h[11:0]), .in_w_i(j_q.in_w[11:0]), .out_h_i(j_q.out_h[11:0]),
    .out_w_i(j_q.out_w[11:0]), .cb_n_i(j_q.cb_n), .kh_i(j_q.kh[2:0]), .kw_i(j_q.kw[2:0]),
    .s2_i(j_q.stride == 4'd2), .pad_t_i(j_q.pad_top[2:0]), .pad_l_i(j_q.pad_left[2:0]),
    .passes_i(j_q.passes[7:0]), .row_words_i(row_words_q[AW:0]),
    .blk_words_i(blk_words_q[AW:0]), .zp_in_i(j_q.zp_in), .gblk_i(j_q.gblk),
    .mode_i(j_q.mode), .blk_passes_i(j_q.blk_passes),
    // the core starts once the records (and group scales) are in; input rows
    // and weight blocks keep loading while it runs, and it waits for them
    .rows_avail_i(xrows_q), .w_avail_i(w_avail), .w_base_i(cur_wb), .al_base_i(cur_ab),
    .start_i(core_start), .busy_o(core_busy), .done_o(core_done),
    .out_valid_o(out_valid), .out_ready_i(out_ready), .out_y_o(out_y), .out_x_o(out_x),
    .out_pass_o(out_pass), .out_mac_o(out_mac), .out_add_o(out_add),
    .row_wait_o(core_row_wait), .wt_wait_o(core_wt_wait),
    .cycles_o(c_cycles), .busy_cycles_o(c_busy), .stall_cycles_o(c_stall),
    .scale_stall_cycles_o(c_sstall)
  );
  logic core_busy_d;
  always_ff @(posedge clk_i) core_busy_d <= core_busy;
  logic unused_core;
  assign unused_core = ^{c_cycles, c_busy, c_stall, c_sstall, core_done, wblk_d[BusBits-1:0],
                        out_add};   // (out_add: none in a MAC-only engine)
  // busy: a block consumed; stall: the core waits
  logic [31:0] c_busy_q, c_stall_q;
  always_ff @(posedge clk_i) begin
    c_busy_q  <= c_busy;
    c_stall_q <= c_stall;
  end
  assign ev_busy_o  = core_busy_d && c_busy == c_busy_q + 32'd1;
  assign ev_stall_o = core_busy_d && c_stall == c_stall_q + 32'd1;

  // ================================================================ requant
  // One output beat (a tile of Pix pixels of one pass) at a time, D =
  // DrainLanes lanes per cycle for all Pix pixels: Pix x D requantization
  // units. The pass's lanes go in groups of D (group g: lanes g D .. g D +
  // D - 1; the last group is short when D does not divide MacCo + AddCo),
  // the group's D records read one cycle ahead. A valid bit per record
  // (kept when the records load) masks lanes without a filter (they write
  // nothing) and lets the drain skip groups without any: a tile drains in as
  // many cycles as its pass has groups with a filter.
  localparam int D   = DrainLanes;
  localparam int NG  = (NL + D - 1) / D;   // groups per pass
  localparam int NLP = NG * D;             // lanes in whole groups
  logic [RecDepth-1:0] vmask_q;            // record i's valid bit
  wire  [RecDepth-1:0] vlow = {{(RecDepth - RH){1'b0}}, {RH{1'b1}}};   // the lower half
  always_ff @(posedge clk_i)
    // lanes without a record in the program write nothing
    // (the target half only: the other may be the running job's)
    if (ld_start) vmask_q <= ld_sm ? vmask_q & (cur_h_q ? ~vlow : vlow) : '0;
    else if (ld_r && rd_valid_i[1])
      for (int c = 0; c < CPB; c++)
        if (r_we[c]) vmask_q[r_a[c*RW +: RW]] <= rd_data_i[c*128 + 56];
  wire  [RecDepth-1:0] vshift = vmask_q >> (32'(cur_rb) + 32'(out_pass) * NL);
  wire  [NLP-1:0]      pmask_now = NLP'(vshift[NL-1:0]);
  logic unused_vshift;
  assign unused_vshift = ^vshift[RecDepth-1:NL];
  // group g has a filter
  function automatic logic [NG-1:0] gmask(input logic [NLP-1:0] m);
    for (int g = 0; g < NG; g++) gmask[g] = |m[g*D +: D];
  endfunction
  // first set bit of m at or above `from`, NG if none
  function automatic logic [31:0] nxt(input logic [NG-1:0] m, input logic [31:0] from);
    nxt = NG;
    for (int i = NG - 1; i >= 0; i--)
      if (m[i] && 32'(i) >= from) nxt = 32'(i);
  endfunction
  wire  [NG-1:0] gmask_now = gmask(pmask_now);
  logic        dr_act_q;                   // draining a beat
  logic [NLP-1:0] pmask_q;                 // lanes of the beat's pass with a filter
  logic [NG-1:0] gmask_q;                  // its groups with a filter
  logic [31:0] dr_g_q;                     // the group
  logic [31:0] dr_cbase_q;                 // compact address of the pass's record 0
  logic [31:0] dr_rmac_q, dr_radd_q;       // its INT8 and ternary records
  wire  [31:0] dr_gnext = nxt(gmask_q, dr_g_q + 1);
  wire         dr_last = dr_gnext == NG;
  // a pass without filters (never compiled, but harmless): the beat is dropped
  wire         dr_skip = !dr_act_q && out_valid && pmask_now == '0;
  // The drain waits while a pixel's group queue is half full: up to 6
  // groups are between here and the queues.
  logic        dr_hold;
  wire         dr_go = dr_act_q && !dr_hold;
  assign out_ready = (dr_go && dr_last) || dr_skip;
  logic        s1_v_q;
  logic [D*128-1:0] s1_rec;                // the group's records (read a cycle ago)
  logic [D-1:0] s1_lv_q;                   // lane d of the group has a filter
  logic [D-1:0] s1_mac_q;                  // lane d applies its record's alpha
  logic [31:0] s1_pix_q;                   // band index of the tile's pixel 0
  logic [Pix-1:0] s1_pv_q;                 // pixel p is inside the row
  logic [Pix*D*32-1:0] s1_sum_q;           // pixel p, lane d at [(p D + d) 32 +: 32]
  // pixel p's lanes in drain order (INT8, ternary, zeros past the last lane
  // to NLP: masked), and group dr_g_q's sums by a one-hot select of NG
  // groups (an index into the whole tile would be a Pix (MacCo + AddCo) x
  // 32-bit shifter per unit)
  logic [Pix*NLP*32-1:0] dr_lanes;
  logic [Pix*D*32-1:0]   s1_sum_d;
  for (genvar p = 0; p < Pix; p++) begin : gen_dl_lanes
    if (AddCo > 0) begin : gen_t
      assign dr_lanes[p*NLP*32 +: NLP*32] =
        (NLP*32)'({out_add[p*AC*32 +: AC*32], out_mac[p*MacCo*32 +: MacCo*32]});
    end else begin : gen_m
      assign dr_lanes[p*NLP*32 +: NLP*32] = (NLP*32)'(out_mac[p*MacCo*32 +: MacCo*32]);
    end
  end
  // The record banks (see the loader): the beat's record c to bank
  // (rcw_q + c) mod RNB, lane d of group dr_g_q from its compact address
  // (INT8 lane l: the pass's record l; ternary lane MacCo + t: record
  // dr_rmac_q + t), the D addresses of records that exist consecutive, so
  // one-hot per bank; lane d's word is picked a cycle later by rd_bank_q.
  logic [RNB-1:0]     rb_we;
  logic [RNB*RBA-1:0] rb_wa, rb_ra;
  logic [RNB*128-1:0] rb_wd, rb_rd;
  logic [D*RBW-1:0]   rd_bank_d, rd_bank_q;
  logic [31:0]        wa, ra, lane;
  logic               has;
  always_comb begin
    rb_we = '0;
    rb_wa = '0;
    rb_wd = '0;
    for (int c = 0; c < CPB; c++) begin
      wa = rcw_q + 32'(c);
      for (int k = 0; k < RNB; k++)
        if (ld_r && rd_valid_i[1] && r_we[c] && RBW'(wa) == RBW'(k)) begin
          rb_we[k] = 1'b1;
          rb_wa[k*RBA +: RBA] = RBA'(wa >> RBW);
          rb_wd[k*128 +: 128] = rd_data_i[c*128 +: 128];
        end
    end
    rb_ra = '0;
    rd_bank_d = '0;
    for (int d = 0; d < D; d++) begin
      lane = dr_g_q * D + 32'(d);
      if (lane < MacCo) begin
        ra  = dr_cbase_q + lane;
        has = lane < dr_rmac_q;
      end else begin
        ra  = dr_cbase_q + dr_rmac_q + (lane - MacCo);
        has = lane - MacCo < dr_radd_q;
      end
      rd_bank_d[d*RBW +: RBW] = RBW'(ra);
      for (int k = 0; k < RNB; k++)
        if (has && RBW'(ra) == RBW'(k))
          rb_ra[k*RBA +: RBA] = rb_ra[k*RBA +: RBA] | RBA'(ra >> RBW);
    end
  end
  for (genvar k = 0; k < RNB; k++) begin : gen_rec_bank
    hta_ram_sdp #(.Width(128), .Depth(RBD)) u_rec (
      .clk_i, .we_i(rb_we[k]), .waddr_i(rb_wa[k*RBA +: RBA]), .wdata_i(rb_wd[k*128 +: 128]),
      .raddr_i(rb_ra[k*RBA +: RBA]), .rdata_o(rb_rd[k*128 +: 128])
    );
  end
  always_comb begin
    s1_rec = '0;
    for (int d = 0; d < D; d++)
      for (int k = 0; k < RNB; k++)
        s1_rec[d*128 +: 128] = s1_rec[d*128 +: 128]
          | ({128{rd_bank_q[d*RBW +: RBW] == RBW'(k)}} & rb_rd[k*128 +: 128]);
  end
  always_comb begin
    s1_sum_d = '0;
    for (int g = 0; g < NG; g++)
      for (int p = 0; p < Pix; p++)
        s1_sum_d[p*D*32 +: D*32] = s1_sum_d[p*D*32 +: D*32]
          | ({(D*32){dr_g_q == 32'(g)}} & dr_lanes[(p*NLP + g*D)*32 +: D*32]);
  end
  always_ff @(posedge clk_i) begin
    if (rst_i || state_q == SIdle || state_q == SAbort) begin
      dr_act_q <= 1'b0;
      s1_v_q   <= 1'b0;
    end else begin
      s1_v_q <= dr_go;
      if (!dr_act_q && out_valid && !dr_skip) begin
        dr_act_q   <= 1'b1;
        pmask_q    <= pmask_now;
        gmask_q    <= gmask_now;
        dr_g_q     <= nxt(gmask_now, 0);
        dr_cbase_q <= 32'(cur_rb) + 32'(RW'(out_pass) * RW'(rpp));
        dr_rmac_q  <= 32'(j_q.rec_mac);
        dr_radd_q  <= 32'(j_q.rec_add);
      end else if (dr_go) begin
        if (dr_last) dr_act_q <= 1'b0;
        else         dr_g_q   <= dr_gnext;
      end
    end
    for (int d = 0; d < D; d++) begin
      rd_bank_q[d*RBW +: RBW] <= rd_bank_d[d*RBW +: RBW];
      s1_lv_q[d] <= pmask_q[dr_g_q * D + 32'(d)];
      // MAC-only (AddCo 0): every lane applies its record's alpha (1 for INT8
      // filters; one-group ternary filters run on the INT8 array as t)
      s1_mac_q[d] <= AddCo > 0 && dr_g_q * D + 32'(d) < MacCo;
    end
    s1_sum_q <= s1_sum_d;
    for (int p = 0; p < Pix; p++)
      s1_pv_q[p] <= 32'(out_x) + 32'(p) < 32'(j_q.out_w);
    s1_pix_q <= 32'(out_y) * 32'(j_q.out_w) + 32'(out_x);
  end
  // a group in hta_drain_unit's 5 stages
  logic [4:0]  inf_q;
  always_ff @(posedge clk_i)
    if (rst_i || state_q == SIdle || state_q == SAbort) inf_q <= '0;
    else                                                 inf_q <= {inf_q[3:0], s1_v_q};
  // Pix x D units (hta_drain_unit: alpha S + bias, saturated to 32 bits,
  // then the output stage; 4 DSP48E2 each). Unit (p, d)'s byte goes to
  // data-window offset rq_a[(p D + d) 32 +: 32] (pixel 0's offset plus
  // p out_pix_stride; the offsets are carried through the unit's 5 stages).
  logic [Pix*D-1:0]    rq_v;
  logic [Pix*D*8-1:0]  rq_b;
  logic [Pix*D*32-1:0] rq_a;
  for (genvar d = 0; d < D; d++) begin : gen_dl
    // record d's fields (hta_prog_pkg::v2_lane_t: word w at bits 32 w; a
    // struct declared in a generate block is beyond Yosys 0.23)
    wire [127:0] r = s1_rec[d*128 +: 128];
    wire [15:0]  rec_chan    = r[96 +: 16];    // w3[15:0]
    wire [31:0]  rec_mult    = r[64 +: 32];    // w2
    wire         rec_valid   = r[56];          // w1[24]
    wire [7:0]   rec_alpha   = r[48 +: 8];     // w1[23:16]
    wire [4:0]   rec_shift   = r[40 +: 5];     // w1[12:8] (0..31)
    wire [7:0]   rec_bias_hi = r[32 +: 8];     // w1[7:0]
    wire [31:0]  rec_bias_lo = r[0 +: 32];     // w0
    logic [31:0] boff_q [5];
    always_ff @(posedge clk_i) begin
      boff_q[0] <= j_q.out_off + s1_pix_q * 32'(j_q.out_pix_stride) + 32'(rec_chan);
      for (int i = 1; i < 5; i++) boff_q[i] <= boff_q[i-1];
    end
    logic unused_rec;
    assign unused_rec = ^{r[112 +: 16], r[57 +: 7], r[45 +: 3]};
    // the alpha lane d applies (1 on an INT8 lane of a core with ternary lanes)
    wire [7:0]   alpha_d = s1_mac_q[d] ? 8'd1 : rec_alpha;
    for (genvar p = 0; p < Pix; p++) begin : gen_px
      hta_drain_unit u_du (
        .clk_i, .rst_i,
        .valid_i(s1_v_q && s1_lv_q[d] && rec_valid && s1_pv_q[p]),
        .sum_i(s1_sum_q[(p*D + d)*32 +: 32]), .alpha_i(alpha_d),
        .bias_i({rec_bias_hi, rec_bias_lo}), .mult_i(rec_mult), .shift_i(rec_shift),
        .zp_out_i(j_q.zp_out), .act_min_i(j_q.act_min), .act_max_i(j_q.act_max),
        .valid_o(rq_v[p*D + d]), .q_o(rq_b[(p*D + d)*8 +: 8])
      );
      assign rq_a[(p*D + d)*32 +: 32] = boff_q[4] + 32'(p) * 32'(j_q.out_pix_stride);
    end
  end

  // ================================================================ writer
  // Per pixel: the group's bytes (up to D, each at its own offset) go into a
  // group queue; a merger folds them into the pixel's current bus beat (BB
  // bytes under strobes), and queues the beat when a byte lies in another
  // beat, or once the core is done and every group is in (the beat stays
  // open across tiles and passes: with the core's pass-inner order a
  // pixel's passes fill whole beats). Per cycle it takes the
  // head group's bytes in the current beat and those in one other beat (the
  // one of its first byte outside the current beat; that beat becomes the
  // current one): a group of channels in order spanning at most two beats
  // goes in one cycle, any other group in more. The writer takes the lowest
  // pixel's queued beat and, in the same write, every other pixel's queued
  // beat at the same address (neighbouring pixels of narrow layers share
  // beats): one BB-byte single-beat AXI write per cycle. Beats of different
  // pixels never overlap in bytes, and a pixel's beats are written in order,
  // so the order between pixels does not matter. Offsets are from
  // data_base_i, which is BB-aligned (as for the graph-op unit).
  localparam int AQ  = 32 - BBSh;          // beat index bits
  localparam int GQ  = 16;                 // group queue depth
  localparam int GqW = D + D*8 + D*32;     // {valid, bytes, offsets}
  localparam int WQ  = 8;                  // beat queue depth
  localparam int WqW = AQ + BusBits + BB;  // {beat, data, strobes}
  logic [Pix-1:0] gq_half, gq_nempty, wq_pop, wq_empty, cur_v, flush_q;
  logic [Pix*WqW-1:0] wq_data;
  // nothing more comes to the group queues: the core is done, the drain empty
  wire dr_fin = !core_busy && !out_valid && !dr_act_q && !s1_v_q && inf_q == '0;
  for (genvar p = 0; p < Pix; p++) begin : gen_pw
    // the group, into the queue when it has a byte
    wire [D-1:0] g_v = rq_v[p*D +: D];
    wire         g_push = inf_q[4] && g_v != '0;
    logic [GqW-1:0] gq_d;
    logic        gq_empty, gq_pop, gq_full;
    logic [$clog2(GQ):0] gq_count;
    hta_fifo #(.Width(GqW), .Depth(GQ)) u_gq (
      .clk_i, .rst_i, .clr_i(state_q == SIdle || state_q == SAbort), .push_i(g_push),
      .data_i({g_v, rq_b[p*D*8 +: D*8], rq_a[p*D*32 +: D*32]}),
      .pop_i(gq_pop), .data_o(gq_d), .empty_o(gq_empty), .full_o(gq_full), .count_o(gq_count)
    );
    assign gq_half[p]   = 32'(gq_count) >= GQ / 2;
    assign gq_nempty[p] = !gq_empty;
    wire [D-1:0]    h_v    = gq_d[GqW-1 -: D];
    wire [D*8-1:0]  h_b    = gq_d[D*32 +: D*8];
    wire [D*32-1:0] h_a    = gq_d[0 +: D*32];
    // the merger
    logic          cur_v_q, fl_q;
    logic [AQ-1:0] cur_a_q;
    logic [BusBits-1:0] cur_d_q;
    logic [BB-1:0] cur_s_q;
    logic [D-1:0]  done_q;                 // the head group's bytes already merged
    logic [D-1:0]  hv, in0, in1, rest, take;
    logic [AQ-1:0] t0, t1;
    logic          newcur, has1, push, go;
    logic [BusBits-1:0] m0_d, m1_d;
    logic [BB-1:0] m0_s, m1_s, pos;
    logic [WqW-1:0] wq_in;
    always_comb begin
      hv = gq_empty ? '0 : h_v & ~done_q;
      // a flushed or empty current beat: the first byte's beat is the current one
      newcur = !cur_v_q || fl_q;
      t0 = cur_a_q;
      if (newcur)
        for (int d = D - 1; d >= 0; d--)
          if (hv[d]) t0 = h_a[d*32 + BBSh +: AQ];
      for (int d = 0; d < D; d++) in0[d] = hv[d] && h_a[d*32 + BBSh +: AQ] == t0;
      rest = hv & ~in0;
      t1 = '0;
      for (int d = D - 1; d >= 0; d--)
        if (rest[d]) t1 = h_a[d*32 + BBSh +: AQ];
      for (int d = 0; d < D; d++) in1[d] = rest[d] && h_a[d*32 + BBSh +: AQ] == t1;
      has1 = rest != '0;
      m0_d = '0;  m0_s = '0;  m1_d = '0;  m1_s = '0;
      // byte d into its place: a one-hot of its byte position, then AND-OR
      // (a shift of the byte by 8 x position is a full-width barrel shifter
      // per byte, 4x the LUTs)
      for (int d = 0; d < D; d++) begin
        pos = BB'(1) << h_a[d*32 +: BBSh];
        for (int i = 0; i < BB; i++) begin
          m0_d[i*8 +: 8] = m0_d[i*8 +: 8] | ({8{in0[d] && pos[i]}} & h_b[d*8 +: 8]);
          m1_d[i*8 +: 8] = m1_d[i*8 +: 8] | ({8{in1[d] && pos[i]}} & h_b[d*8 +: 8]);
        end
        m0_s = m0_s | ({BB{in0[d]}} & pos);
        m1_s = m1_s | ({BB{in1[d]}} & pos);
      end
      if (fl_q && cur_v_q) begin
        // the job's last beat goes (the queue is empty: take is 0)
        push  = 1'b1;
        wq_in = {cur_a_q, cur_d_q, cur_s_q};
        take  = in0;
      end else begin
        // a byte in another beat: the current one (with its bytes of this
        // group) goes
        push  = has1;
        wq_in = newcur ? {t0, m0_d, m0_s} : {cur_a_q, cur_d_q | m0_d, cur_s_q | m0_s};
        take  = in0 | in1;
      end
      go = !push || !wq_full;
      if (!go) take = '0;
      gq_pop = !gq_empty && go && (hv & ~take) == '0;
    end
    logic wq_full;
    always_ff @(posedge clk_i) begin
      if (rst_i || state_q == SIdle || state_q == SAbort) begin
        cur_v_q <= 1'b0;
        fl_q    <= 1'b0;
        done_q  <= '0;
      end else begin
        done_q <= gq_pop ? '0 : done_q | take;
        fl_q   <= fl_q ? !go : dr_fin && gq_empty && cur_v_q;
        if (go) begin
          if (fl_q && cur_v_q) begin
            cur_v_q <= in0 != '0;
            cur_a_q <= t0;
            cur_d_q <= m0_d;
            cur_s_q <= m0_s;
          end else if (has1) begin
            cur_v_q <= 1'b1;
            cur_a_q <= t1;
            cur_d_q <= m1_d;
            cur_s_q <= m1_s;
          end else if (in0 != '0) begin
            cur_v_q <= 1'b1;
            cur_a_q <= t0;
            cur_d_q <= (newcur ? '0 : cur_d_q) | m0_d;
            cur_s_q <= (newcur ? '0 : cur_s_q) | m0_s;
          end else if (fl_q) begin
            cur_v_q <= 1'b0;
          end
        end
      end
    end
    assign cur_v[p]   = cur_v_q;
    assign flush_q[p] = fl_q;
    logic [$clog2(WQ):0] wq_count;
    hta_fifo #(.Width(WqW), .Depth(WQ)) u_wq (
      .clk_i, .rst_i, .clr_i(1'b0), .push_i(push && go), .data_i(wq_in),
      .pop_i(wq_pop[p]), .data_o(wq_data[p*WqW +: WqW]), .empty_o(wq_empty[p]),
      .full_o(wq_full), .count_o(wq_count)
    );
    logic unused_q;
    assign unused_q = ^{wq_count, gq_full};
  end
  assign dr_hold = |gq_half;
  // The next write: the lowest non-empty queue's beat, with every queue's
  // head at the same beat, taken into a register when the register is free
  // or its write goes this cycle.
  logic          wo_v_q;
  logic [WqW-1:0] wo_q;
  logic          wo_pop;
  logic [AQ-1:0] wq_beat;
  logic [WqW-1:0] wq_head;
  always_comb begin
    wq_beat = '0;
    for (int p = Pix - 1; p >= 0; p--)
      if (!wq_empty[p]) wq_beat = wq_data[p*WqW + BusBits + BB +: AQ];
    wq_pop  = '0;
    wq_head = {wq_beat, {(BusBits + BB){1'b0}}};
    for (int p = 0; p < Pix; p++)
      if (!wq_empty[p] && wq_data[p*WqW + BusBits + BB +: AQ] == wq_beat) begin
        wq_pop[p] = !wo_v_q || wo_pop;
        wq_head[BusBits + BB - 1:0] = wq_head[BusBits + BB - 1:0]
                                    | wq_data[p*WqW +: BusBits + BB];
      end
  end
  // AXI: address and data of the register together; responses counted.
  logic aw_done_q, w_done_q;
  logic [15:0] b_pend_q;
  // (the graph-op unit owns the write channels while it is busy; the writer
  // is idle then: a job ends only when its writes are answered)
  logic gop_busy;
  logic w_awvalid, w_wvalid;
  logic [63:0] w_awaddr;
  wire  w_awready = awready_i && !gop_busy;
  wire  w_wready  = wready_i && !gop_busy;
  wire  w_bvalid  = bvalid_i && !gop_busy;
  // the beats of writes not yet answered (in order: one ID), so that a
  // write error names the failing write's address (32 entries: more than
  // the bus accepts in flight; a full queue holds the next write back)
  logic        bq_empty, bq_full;
  logic [AQ-1:0] bq_head;
  logic [5:0]  bq_count;
  assign w_awvalid = wo_v_q && !aw_done_q && !bq_full;
  assign w_wvalid  = wo_v_q && !w_done_q && !bq_full;
  assign w_awaddr  = data_base_i + {32'd0, wo_q[WqW-1 -: AQ], BBSh'(0)};
  wire aw_ok = aw_done_q || (w_awvalid && w_awready);
  wire w_ok  = w_done_q || (w_wvalid && w_wready);
  assign wo_pop = wo_v_q && aw_ok && w_ok;
  hta_fifo #(.Width(AQ), .Depth(32)) u_bq (
    .clk_i, .rst_i, .clr_i(1'b0), .push_i(wo_pop), .data_i(wo_q[WqW-1 -: AQ]),
    .pop_i(w_bvalid && !bq_empty), .data_o(bq_head), .empty_o(bq_empty), .full_o(bq_full),
    .count_o(bq_count)
  );
  logic wr_err_q;
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      aw_done_q <= 1'b0;
      w_done_q  <= 1'b0;
      b_pend_q  <= '0;
      wo_v_q    <= 1'b0;
    end else begin
      aw_done_q <= wo_pop ? 1'b0 : aw_ok;
      w_done_q  <= wo_pop ? 1'b0 : w_ok;
      b_pend_q  <= b_pend_q + 16'(wo_pop) - 16'(w_bvalid);
      if (|wq_pop)     wo_v_q <= 1'b1;
      else if (wo_pop) wo_v_q <= 1'b0;
    end
    if (|wq_pop) wo_q <= wq_head;
    wr_err_q <= w_bvalid && bresp_i[1];
  end
  logic [15:0] g_ev_bytes;
  assign ev_bytes_wr_o = (wo_pop ? 16'($countones(wo_q[BB-1:0])) : 16'd0) + g_ev_bytes;
  wire pipe_empty = !dr_act_q && !s1_v_q && !out_valid && inf_q == '0 && flush_q == '0
                    && gq_nempty == '0;
  wire wr_idle = &wq_empty && !wo_v_q && b_pend_q == 0 && cur_v == '0 && pipe_empty;

  // ================================================================ sequencing
  logic [7:0] err_q;
  logic [63:0] wr_err_addr_q;
  always_ff @(posedge clk_i)
    if (w_bvalid) wr_err_addr_q <= data_base_i + {32'd0, bq_head, BBSh'(0)};

  // ================================================================ graph ops
  logic         gop_start_q, gop_err, gop_err_resp;
  logic [31:0]  gop_err_info;
  logic [63:0]  gop_err_addr;
  logic         g_awvalid, g_wvalid, g_wlast, g_bready;
  logic [63:0]  g_awaddr;
  logic [7:0]   g_awlen;
  logic [BusBits-1:0]   g_wdata;
  logic [BusBits/8-1:0] g_wstrb;
  logic [511:0] gop_desc_q;
  hta_gop #(.BusBits(BusBits), .ChanMax(ChanMax), .MaxBurst(MaxBurst)) u_gop (
    .clk_i, .rst_i, .clr_i(state_q == SAbort),
    .start_i(gop_start_q), .desc_i(gop_desc_q), .prog_size_i,
    .data_base_i, .data_size_i,
    .busy_o(gop_busy), .err_o(gop_err), .err_info_o(gop_err_info),
    .req_valid_o(req_valid_o[3]), .req_ready_i(req_ready_i[3]), .req_win_o(req_win_o[3]),
    .req_off_o(req_off_o[127:96]), .req_beats_o(req_beats_o[31:24]),
    .rd_valid_i(rd_valid_i[3]), .rd_data_i,
    .awvalid_o(g_awvalid), .awready_i(awready_i && gop_busy),
    .awaddr_o(g_awaddr), .awlen_o(g_awlen),
    .wvalid_o(g_wvalid), .wready_i(wready_i && gop_busy),
    .wdata_o(g_wdata), .wstrb_o(g_wstrb), .wlast_o(g_wlast),
    .bvalid_i(bvalid_i && gop_busy), .bready_o(g_bready), .bresp_i,
    .err_resp_o(gop_err_resp), .err_addr_o(gop_err_addr), .ev_bytes_o(g_ev_bytes)
  );
  assign req_win_o[2:0] = {hta_pkg::WinData, hta_pkg::WinProg, hta_pkg::WinProg};
  assign awvalid_o = gop_busy ? g_awvalid : w_awvalid;
  assign awaddr_o  = gop_busy ? g_awaddr  : w_awaddr;
  assign awlen_o   = gop_busy ? g_awlen   : 8'd0;
  assign wvalid_o  = gop_busy ? g_wvalid  : w_wvalid;
  assign wdata_o   = gop_busy ? g_wdata   : wo_q[BB +: BusBits];
  assign wstrb_o   = gop_busy ? g_wstrb   : wo_q[BB-1:0];
  assign wlast_o   = gop_busy ? g_wlast   : 1'b1;
  assign bready_o  = gop_busy ? g_bready  : 1'b1;

  // a job ends: its core, loads, writes and the prefetch under way are done
  assign x_end = state_q == SJobEnd && wr_idle && rd_idle_i && (pf_q == PIdle || pf_q == PDone);

  wire any_err = rd_err_window_i || rd_err_resp_i || wr_err_q || gop_err || gop_err_resp;

  always_ff @(posedge clk_i) begin
    done_o     <= 1'b0;
    log_we_o   <= 1'b0;
    core_start <= 1'b0;
    gop_start_q <= 1'b0;
    if (rst_i) begin
      state_q     <= SIdle;
      fetch_req_q <= 1'b0;
      sp_req_q    <= 1'b0;
      sp_go_q     <= 1'b0;   // (sp_rx_q adds sp_left_q while it is set)
      xr_req_q    <= 1'b0;
      err_q       <= hta_prog_pkg::ErrOk;
      err_info_o  <= '0;
      err_addr_o  <= '0;
      job_q       <= '0;
      layers_done_o <= '0;
      sp_rx_q     <= '0;
      x_infl_q    <= '0;
      pf_q        <= PIdle;
      pf_loaded_q <= 1'b0;
      pf_ld_q     <= 1'b0;
      cur_h_q     <= 1'b0;
      cur_sm_q    <= 1'b0;
      xr_run_q    <= '0;
      x_nruns_q   <= '0;
    end else begin
      if (req_valid_o[0] && req_ready_i[0]) fetch_req_q <= 1'b0;
      // span reader of client 1
      if (sp_req_q && req_ready_i[1]) begin
        sp_off_q  <= sp_off_q + (sp_n << BBSh);
        sp_left_q <= sp_left_q - sp_n;
        sp_req_q  <= sp_left_q != sp_n;
      end
      sp_rx_q <= sp_rx_q - 32'(rd_valid_i[1]) + ((sp_go_q) ? sp_left_q : 32'd0);
      // pixel requester of client 2: at most XDepth beats in the FIFO or in flight
      x_infl_q <= x_infl_q + (($clog2(XDepth)+1)'((xr_req_q && req_ready_i[2]) ? xr_n : 0))
                - ($clog2(XDepth)+1)'(rd_valid_i[2]);
      if (xr_req_q && req_ready_i[2]) begin
        xr_req_q <= 1'b0;
        if (xr_beat_q + xr_n == xr_bpr) begin
          xr_beat_q <= '0;
          xr_run_q  <= xr_run_q + 1;
          xr_off_q  <= xr_off_q + 32'(j_q.in_pix_stride);
        end else begin
          xr_beat_q <= xr_beat_q + xr_n;
        end
      end else if (x_active && !xr_req_q && xr_run_q != x_nruns_q
                   && 32'(x_infl_q) + 32'(xf_count) + xr_n <= XDepth) begin
        xr_req_q <= 1'b1;
      end

      if (busy_o && state_q != SAbort && err_q == hta_prog_pkg::ErrOk && any_err) begin
        state_q <= SAbort;
        if (rd_err_window_i) begin
          err_q <= hta_prog_pkg::ErrWindow;  err_addr_o <= rd_err_addr_i;
        end else if (rd_err_resp_i) begin
          err_q <= hta_prog_pkg::ErrAxiRd;   err_addr_o <= rd_err_addr_i;
        end else if (gop_err) begin
          err_q <= hta_prog_pkg::ErrDesc;    err_info_o <= gop_err_info;
        end else if (gop_err_resp) begin
          err_q <= hta_prog_pkg::ErrAxiWr;   err_addr_o <= gop_err_addr;
        end else begin
          err_q <= hta_prog_pkg::ErrAxiWr;   err_addr_o <= wr_err_addr_q;
        end
      end else begin
        sp_go_q <= 1'b0;
        unique case (state_q)
          SIdle: if (start_i) begin
            cur_h_q     <= 1'b0;
            cur_sm_q    <= 1'b0;
            pf_ld_q     <= 1'b0;
            err_q       <= hta_prog_pkg::ErrOk;
            err_info_o  <= '0;
            err_addr_o  <= '0;
            job_q       <= '0;
            layers_done_o <= '0;
            fetch_req_q <= 1'b1;
            fetch_off_q <= '0;
            state_q     <= SHdr;
          end
          SHdr: if (!fetch_req_q) state_q <= SHdrWait;
          SHdrWait: if (last_beat) begin
            n_jobs_q   <= hdr_n_desc;
            desc_off_q <= hdr_desc_off;
            if (hdr_bad) begin
              err_info_o <= hdr_info;
              err_q      <= hta_prog_pkg::ErrProg;
              state_q    <= SAbort;
            end else if (hdr_n_desc == 0) begin
              done_o  <= 1'b1;
              state_q <= SIdle;
            end else begin
              fetch_req_q <= 1'b1;
              fetch_off_q <= hdr_desc_off;
              state_q     <= SDesc;
            end
          end
          SDesc: if (!fetch_req_q) state_q <= SDescWait;
          SDescWait: if (last_beat) begin
            // a graph op: hta_gop checks and runs it; the job ends when it is idle
            if (blk[7:0] == hta_prog_pkg::DescOpGop) begin
              gop_desc_q  <= blk;
              gop_start_q <= 1'b1;
              state_q     <= SGop;
            end else begin
              j_q     <= blk;
              state_q <= SCheck1;
            end
          end
          // (no pixel reads in SJobEnd after a graph op: the x reader's
          // counts are 0 since reset, an abort or the last job's end)
          SGop: if (!gop_start_q && !gop_busy) state_q <= SJobEnd;
          SCheck1: begin
            blk_words_q  <= cdiv(32'(j_q.in_w), NB);
            row_words_q  <= 32'(j_q.cb_n) * cdiv(32'(j_q.in_w), NB);
            words_need_q <= 32'(j_q.in_h) * 32'(j_q.cb_n) * cdiv(32'(j_q.in_w), NB);
            wblocks_q    <= 32'(j_q.passes) * 32'(j_q.k_blocks);
            recs_q       <= 32'(j_q.passes) * rpp;
            rreg_q       <= 32'(j_q.passes) * NL;
            groups_q     <= (j_q.gblk == 0) ? 32'd0
                            : 32'(j_q.passes) * cdiv(32'(j_q.k_blocks), 32'(j_q.gblk));
            in_end_q     <= 64'(j_q.in_off) + 64'(j_q.in_h) * 64'(j_q.in_w)
                            * 64'(j_q.in_pix_stride);
            out_end_q    <= 64'(j_q.out_off) + 64'(j_q.out_h) * 64'(j_q.out_w)
                            * 64'(j_q.out_pix_stride);
            wts_end_q    <= 64'(j_q.wts_off) + 64'(j_q.wts_bytes);
            rec_end_q    <= 64'(j_q.rec_off) + 64'(cdiv(32'(j_q.passes) * rpp, CPB)) * BB;
            al_end_q     <= 64'(j_q.alpha_off) + 64'(j_q.passes)
                            * ((j_q.gblk == 0) ? 64'd0
                               : 64'(cdiv(32'(j_q.k_blocks), 32'(j_q.gblk))))
                            * ARowBeats * BB;
            // the band's pixels dense: one run of all its bytes
            x_dense_q    <= !XOne && 32'(j_q.in_pix_stride) == 32'(j_q.cb_n) * Ci;
            state_q      <= SCheck2;
          end
          SCheck2: begin
            if (bad != 0) begin
              err_q      <= hta_prog_pkg::ErrDesc;
              err_info_o <= bad - 1;
              state_q    <= SAbort;
            end else begin
              // the records first (client 1), the input pixels from now on
              // (client 2); a reusing job starts the core at once, and so
              // does one the prefetch loaded (in the other half)
              if (j_q.reuse != 0) begin
                core_start <= 1'b1;
                state_q    <= SRunWait;
              end else if (pf_ld_q) begin
                core_start <= 1'b1;
                cur_h_q    <= !cur_h_q;
                cur_sm_q   <= 1'b1;
                state_q    <= SRunWait;
              end else begin
                // (the load sequencer below starts the records)
                cur_h_q   <= !cur_h_q;
                cur_sm_q  <= j_small;
                state_q   <= SLoadR;
              end
              xr_run_q  <= '0;
              xr_beat_q <= '0;
              xr_off_q  <= j_q.in_off;
              x_nruns_q <= (!x_dense_q) ? 32'(j_q.in_h) * 32'(j_q.in_w)
                         : (j_q.in_h == 0) ? 32'd0 : 32'd1;
              x_rlen_q  <= x_dense_q ? 32'(j_q.in_h) * 32'(j_q.in_w) * 32'(j_q.in_pix_stride)
                                     : 32'(j_q.cb_n) * Ci;
            end
          end
          // the weights stream in while the core runs on those already in
          SLoadR: if (sp_done) begin
            core_start <= j_q.gblk == 0;
            state_q    <= (j_q.gblk != 0) ? SLoadA : SLoadW;
          end
          SLoadA: if (sp_done) begin
            core_start <= 1'b1;
            state_q    <= SLoadW;
          end
          SLoadW: if (sp_done) state_q <= SRunWait;
          SRunWait: if (!core_busy && !core_start && x_done) state_q <= SJobEnd;
          // (a prefetch under way finishes first: its reads are the next
          // job's anyway)
          SJobEnd: if (x_end) begin
            xr_run_q      <= '0;
            x_nruns_q     <= '0;
            layers_done_o <= layers_done_o + 1;
            log_we_o      <= 1'b1;
            pf_q          <= PIdle;
            pf_ld_q       <= pf_q == PDone && pf_loaded_q;
            pf_loaded_q   <= 1'b0;
            if (job_q + 1 < n_jobs_q) begin
              job_q       <= job_q + 1;
              if (pf_q == PDone) begin
                // the next descriptor is in: as SDescWait, without the fetch
                if (jn_q.op == hta_prog_pkg::DescOpGop) begin
                  gop_desc_q  <= jn_q;
                  gop_start_q <= 1'b1;
                  state_q     <= SGop;
                end else begin
                  j_q     <= jn_q;
                  state_q <= SCheck1;
                end
              end else begin
                fetch_req_q <= 1'b1;
                fetch_off_q <= desc_off_q + (job_q + 1) * hta_prog_pkg::V2JobBytes;
                state_q     <= SDesc;
              end
            end else begin
              done_o  <= 1'b1;
              state_q <= SIdle;
            end
          end
          SAbort: if (rd_idle_i && wr_idle && !core_busy && !gop_busy) begin
            fetch_req_q <= 1'b0;
            sp_req_q    <= 1'b0;
            xr_req_q    <= 1'b0;
            // (a burst refused for its window never delivers its beats)
            sp_rx_q     <= '0;
            x_infl_q    <= '0;
            xr_run_q    <= '0;
            x_nruns_q   <= '0;
            done_o      <= 1'b1;
            state_q     <= SIdle;
          end
          default: state_q <= SIdle;
        endcase

        // The next job's prefetch, while this job's core runs (its own loads
        // done: client 0 and the span reader are free): the descriptor, then
        // when it and the running job each fit a half, its records, group
        // scales and weights into the other half. Never a check's error:
        // the job is checked in full when its turn comes.
        unique case (pf_q)
          PIdle: if (state_q == SRunWait && job_q + 1 < n_jobs_q) begin
            fetch_req_q <= 1'b1;
            fetch_off_q <= desc_off_q + (job_q + 1) * hta_prog_pkg::V2JobBytes;
            pf_q        <= PDesc;
          end
          PDesc: if (!fetch_req_q) pf_q <= PDescWait;
          PDescWait: if (last_beat) begin
            jn_q <= blk;
            pf_q <= PChk1;
          end
          PChk1: begin
            pn_wbl_q    <= 32'(jn_q.passes) * 32'(jn_q.k_blocks);
            pn_recs_q   <= 32'(jn_q.passes) * pn_rpp;
            pn_rreg_q   <= 32'(jn_q.passes) * NL;
            pn_groups_q <= (jn_q.gblk == 0) ? 32'd0
                           : 32'(jn_q.passes) * cdiv(32'(jn_q.k_blocks), 32'(jn_q.gblk));
            pn_wend_q   <= 64'(jn_q.wts_off) + 64'(jn_q.wts_bytes);
            pn_rend_q   <= 64'(jn_q.rec_off) + 64'(cdiv(32'(jn_q.passes) * pn_rpp, CPB)) * BB;
            pn_aend_q   <= 64'(jn_q.alpha_off) + 64'(jn_q.passes)
                           * ((jn_q.gblk == 0) ? 64'd0
                              : 64'(cdiv(32'(jn_q.k_blocks), 32'(jn_q.gblk))))
                           * ARowBeats * BB;
            pf_q        <= PChk2;
          end
          PChk2: pf_q <= pn_ok ? PLoadR : PDone;
          PLoadR: if (sp_done) pf_q <= (jn_q.gblk != 0) ? PLoadA : PLoadW;
          PLoadA: if (sp_done) pf_q <= PLoadW;
          PLoadW: if (sp_done) begin
            pf_loaded_q <= 1'b1;
            pf_q        <= PDone;
          end
          PDone: ;
          default: pf_q <= PIdle;
        endcase
        if (state_q == SAbort || state_q == SIdle) begin
          pf_q        <= PIdle;
          pf_loaded_q <= 1'b0;
        end

        // The load sequencer of both (never at once: the prefetch runs
        // while this job's core runs, its own loads done): the records, then
        // the group scales (fine groups), then the weights, each a span on
        // client 1 once the last span's beats are all in. The states above
        // (SLoad*, PLoad*) follow it; ld_r, ld_a, ld_w say which is loading.
        if ((ld_start_job && bad == 0) || ld_start_pf) begin
          sp_off_q  <= l_rec_off;
          sp_left_q <= cdiv(l_recs, CPB);
        end else if (ld_r && sp_done) begin
          sp_off_q  <= l_gblk ? l_al_off : l_wts_off;
          sp_left_q <= l_gblk ? l_groups * ARowBeats : l_wbl * BlkBeats;
        end else if (ld_a && sp_done) begin
          sp_off_q  <= l_wts_off;
          sp_left_q <= l_wbl * BlkBeats;
        end
        if ((ld_start_job && bad == 0) || ld_start_pf || ((ld_r || ld_a) && sp_done)) begin
          sp_req_q <= 1'b1;
          sp_go_q  <= 1'b1;
        end
      end
    end
  end

  assign ev_fetch_o = state_q == SHdr || state_q == SHdrWait || state_q == SDesc
                   || state_q == SDescWait || state_q == SCheck1 || state_q == SCheck2;
  // While the core runs (SLoadW, SRunWait) a cycle goes to what it waits for.
  wire c_ph = state_q == SLoadW || state_q == SRunWait;
  assign ev_wload_o = state_q == SLoadR || state_q == SLoadA || (c_ph && core_wt_wait);
  assign ev_xload_o = c_ph && core_row_wait && !core_wt_wait;
  // (a graph-op descriptor's cycles are the unit running: run)
  assign ev_run_o   = (c_ph && (core_busy || core_start) && !core_wt_wait && !core_row_wait)
                   || state_q == SGop;
  assign ev_tail_o  = state_q == SJobEnd || (c_ph && !core_busy && !core_start);
  assign ev_mem_stall_o = c_ph && (core_wt_wait || core_row_wait);
  assign busy_o     = state_q != SIdle;
  assign abort_o    = state_q == SAbort;
  assign err_code_o = err_q;
  assign layer_o    = job_q[15:0];
  logic unused;
  assign unused = ^{j_q.rsvd474, j_q.rsvd29, bresp_i[0], wblk_q, xf_full, x_a,
                    bq_count};
endmodule
