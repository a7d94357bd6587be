// hta_requant: the output stage of docs/numerics.md for one value, pipelined
// (Latency cycles, one value per cycle):
//   acc   = acc_i + alpha_i * s_i          (adder array: last group's scale)
//   acc32 = sat32(bias + acc)
//   y     = zp_out + RDBPOT(SRDHM(acc32, mult), shift), clamped to the
//           activation range.
`default_nettype none

module hta_requant #(
  parameter int SBits = 20   // width of the signed group sum s_i
) (
  input  logic             clk_i,
  input  logic             rst_i,
  input  logic             valid_i,
  input  logic [31:0]      acc_i,
  input  logic [SBits-1:0] s_i,
  input  logic [7:0]       alpha_i,
  input  logic [31:0]      bias_i,
  input  logic [31:0]      mult_i,
  input  logic [4:0]       shift_i,
  input  logic [7:0]       zp_out_i,
  input  logic [7:0]       act_min_i,
  input  logic [7:0]       act_max_i,
  output logic             valid_o,
  output logic [7:0]       q_o
);
  // Stage 1: last group's scale and the bias, exact in 34 bits.
  logic             v1_q;
  logic signed [33:0] sum1_q;
  logic [4:0]       sh1_q;
  logic [31:0]      m1_q;
  always_ff @(posedge clk_i) begin
    v1_q   <= valid_i && !rst_i;
    sum1_q <= 34'($signed(acc_i)) + 34'($signed(bias_i))
            + 34'($signed(s_i) * $signed({1'b0, alpha_i}));
    sh1_q  <= shift_i;
    m1_q   <= mult_i;
  end

  // Stage 2: saturate to int32 once, then the 64-bit product.
  localparam logic signed [33:0] Max32 = 34'sd2147483647;
  localparam logic signed [33:0] Min32 = -34'sd2147483648;
  logic signed [31:0] a32;
  always_comb begin
    if (sum1_q > Max32)      a32 = 32'sh7fff_ffff;
    else if (sum1_q < Min32) a32 = 32'sh8000_0000;
    else                     a32 = sum1_q[31:0];
  end

  logic             v2_q, both_min2_q;
  logic signed [63:0] prod2_q;
  logic [4:0]       sh2_q;
  always_ff @(posedge clk_i) begin
    v2_q        <= v1_q && !rst_i;
    prod2_q     <= 64'(a32) * 64'($signed(m1_q));
    both_min2_q <= (a32 == 32'sh8000_0000) && (m1_q == 32'h8000_0000);
    sh2_q       <= sh1_q;
  end

  // Stage 3: SRDHM, rounding half away from zero, dividing toward zero.
  logic signed [64:0] nudged;
  logic signed [64:0] hi;
  always_comb begin
    nudged = 65'(prod2_q) + (prod2_q >= 0 ? 65'sd1073741824 : 65'sd1 - 65'sd1073741824);
    // Truncating division by 2^31: bias negative values up before shifting.
    hi = (nudged < 0) ? ((nudged + 65'sd2147483647) >>> 31) : (nudged >>> 31);
  end

  logic unused;
  assign unused = ^hi[64:32];

  logic             v3_q;
  logic signed [31:0] x3_q;
  logic [4:0]       sh3_q;
  always_ff @(posedge clk_i) begin
    v3_q  <= v2_q && !rst_i;
    // |hi| < 2^31 always (a 32x32 product over 2^31), so its low word is exact.
    x3_q  <= both_min2_q ? 32'sh7fff_ffff : hi[31:0];
    sh3_q <= sh2_q;
  end

  // Stage 4: RDBPOT.
  logic [31:0] mask, rem, thr;
  logic signed [31:0] shifted;
  always_comb begin
    mask    = (32'd1 << sh3_q) - 32'd1;
    rem     = x3_q & mask;
    thr     = (mask >> 1) + {31'd0, x3_q[31]};
    shifted = (x3_q >>> sh3_q) + ((rem > thr) ? 32'sd1 : 32'sd0);
  end

  logic             v4_q;
  logic signed [32:0] y4_q;
  always_ff @(posedge clk_i) begin
    v4_q <= v3_q && !rst_i;
    y4_q <= 33'(shifted) + 33'($signed(zp_out_i));
  end

  // Stage 5: activation clamp.
  always_ff @(posedge clk_i) begin
    valid_o <= v4_q && !rst_i;
    if (y4_q > 33'($signed(act_max_i)))      q_o <= act_max_i;
    else if (y4_q < 33'($signed(act_min_i))) q_o <= act_min_i;
    else                                     q_o <= y4_q[7:0];
  end
endmodule
