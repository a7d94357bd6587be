// hta_prog_fetch: the program header and descriptor fetch both engines share
// (hta_ctrl runs v1 programs, hta_v2_engine v2 programs). It collects one
// 64-byte block (the header, or one descriptor or job) from BusBits-wide read
// beats, the earliest in the low bits, and checks the block as a program
// header (docs/program-format.md): magic, the format version this engine
// accepts, the hardware configuration's signature, descriptors aligned to
// their size. The requests (offset, 64 / BusBytes beats) stay with the
// caller's state machine, which knows when it wants a block.
`default_nettype none

module hta_prog_fetch #(
  parameter int          BusBits      = 128,   // 128, 256 or 512 (a block is whole beats)
  parameter logic [31:0] Version      = 32'h1, // hta_prog_pkg::ProgVersion or ProgVersionV2
  parameter int          DescBytes    = 64,    // descriptor size: desc_off is a multiple
  parameter logic [31:0] CfgSignature = 32'h0
) (
  input  logic               clk_i,
  input  logic               rst_i,
  input  logic               clr_i,       // the next beat starts a block (the caller is idle)
  input  logic               rd_valid_i,  // a beat of this client
  input  logic [BusBits-1:0] rd_data_i,
  output logic [511:0]       blk_o,       // the block, whole while last_o
  output logic               last_o,      // its last beat is this cycle's
  // blk_o read as a header:
  output logic               hdr_bad_o,   // a check fails
  output logic [31:0]        hdr_info_o,  // ERR_INFO: the word of the first failing check
  output logic [31:0]        n_desc_o,
  output logic [31:0]        desc_off_o
);
  localparam int Beats = 64 / (BusBits / 8);

  logic [7:0]           beat_q;
  assign last_o = rd_valid_i && (beat_q == 8'(Beats - 1));
  if (Beats == 1) begin : gen_one
    // (BusBits 512: a block is one beat)
    assign blk_o = rd_data_i;
    always_ff @(posedge clk_i) beat_q <= '0;
    logic unused_one;
    assign unused_one = ^{clr_i, rst_i};
  end else begin : gen_beats
    logic [511-BusBits:0] words_q;      // beats before the last of a block
    assign blk_o = {rd_data_i, words_q};
    always_ff @(posedge clk_i) begin
      if (rst_i || clr_i) beat_q <= '0;
      else if (rd_valid_i) begin
        words_q <= (512-BusBits)'({rd_data_i, words_q} >> BusBits);
        beat_q  <= last_o ? '0 : beat_q + 8'd1;
      end
    end
  end

  hta_prog_pkg::prog_header_t hdr;
  assign hdr = blk_o;
  assign n_desc_o   = hdr.n_desc;
  assign desc_off_o = hdr.desc_off;
  always_comb begin
    hdr_bad_o  = 1'b1;
    hdr_info_o = '0;
    if (hdr.magic != hta_prog_pkg::ProgMagic)
      hdr_info_o = hta_prog_pkg::ProgHeaderWMagic;
    else if (hdr.version != Version)
      hdr_info_o = hta_prog_pkg::ProgHeaderWVersion;
    else if (hdr.cfg_sig != CfgSignature)
      hdr_info_o = hta_prog_pkg::ProgHeaderWCfgSig;
    else if (hdr.desc_off % DescBytes != 0)
      hdr_info_o = hta_prog_pkg::ProgHeaderWDescOff;
    else
      hdr_bad_o = 1'b0;
  end
  logic unused;
  assign unused = ^hdr.rsvd160;   // reserved bits
endmodule
