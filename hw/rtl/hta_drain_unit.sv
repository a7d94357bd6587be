// hta_drain_unit: one of the v2 engine's Pix x D drain units (hta_v2_engine,
// "Pix x D units"; docs/engine-v2.md, "Drain D lanes, write whole beats"):
// one lane result to its output byte, one value per cycle, Latency = 5:
//
//   full  = alpha * sum + bias                        (exact, 41 bits)
//   acc32 = sat32(full)
//   q     = clamp(act_min, act_max, zp_out + RDBPOT(SRDHM(acc32, mult), shift))
//
// bit-exact with hta_requant (host/src/golden/golden.c, docs/numerics.md) for
// every input; the costs are in docs/resources.md, "The drain unit". Four
// DSP48E2 (hta_dsp48e2) and small fabric multipliers instead of the six DSPs
// and wide fabric adders of a behavioural 48-bit alpha product and a 64-bit
// product:
//
// Stage 1, the alpha product: sum = s_hi 2^26 + s_lo (s_hi = sum[31:26]
//   signed, s_lo = sum[25:0] unsigned). One DSP: s_lo * alpha + C, with
//   C = bias + (s_hi * alpha) 2^26 (a 6 x 8 fabric multiplier and a short add).
// Stage 2, acc32 = sat32(full): full fits 41 bits, so it saturates when
//   full[47:31] are not all equal. Then SRDHM, with two identities:
//   (p + (p >= 0 ? 2^30 : 1 - 2^30)) / 2^31 truncating equals
//   floor((p + 2^30) / 2^31) for every integer p (p < 0: a truncating
//   division of a negative value is the ceiling, and ceil(n / m) =
//   floor((n + m - 1) / m)), so one rounding constant and an arithmetic shift
//   replace the nudge select and the truncation; and the 64-bit product
//   p = acc32 * mult is summed in a DSP cascade that carries
//   floor((p + 2^30) / 2^17):
//     DSP1  a_lo * m_lo + 2^30                     (weight 1; no P register)
//     DSP2  a_lo * m_hi + (DSP1 >>> 17)            (weight 2^17)
//   stage 3:
//     DSP3  (a_hi 2^9) * m_lo26 + DSP2 + C         (weight 2^17)
//   with a = acc32 = a_hi 2^26 + a_lo (a_hi = a[31:26] signed, a_lo = a[25:0]),
//   m = mult = m_hi 2^17 + m_lo (m_hi = m[31:17] signed, m_lo = m[16:0]) and
//   = m6 2^26 + m_lo26 (m6 = m[31:26] signed): a_lo m + a_hi m_lo26 2^26 +
//   a_hi m6 2^52 = p. C = (a_hi * m6) 2^35, a 6 x 6 fabric multiplier, enters
//   through DSP3's C port. DSP3's operands wait a cycle in its own A / B / C
//   registers. The sum floor((p + 2^30) / 2^17) lies in [-2^45, 2^45 + 2^13]
//   (47 bits), so the 48-bit wrap-around of the cascade is exact, and
//   x = P3[46:14] = floor((p + 2^30) / 2^31) (33 bits).
// Stage 4, RDBPOT: x is SRDHM(acc32, mult) except at a = mult = INT32_MIN,
//   where x = 2^31 and SRDHM saturates to 2^31 - 1. x is kept in 33 bits
//   unsaturated: RDBPOT(2^31, s) = RDBPOT(2^31 - 1, s) for s >= 1 (2^(31-s)
//   either way, rounding half away from zero), and for s = 0 both exceed
//   act_max after zp_out, so q is the same. RDBPOT(x, s) = (x >>> s) + rb,
//   rb = (rem > thr) = g && (x >= 0 || sticky), g = x[s-1] (the guard bit,
//   0 for s = 0) and sticky = (x[s-2:0] != 0) (x >= 0: rem >= 2^(s-1);
//   x < 0: rem >= 2^(s-1) + 1): a shifter that keeps a guard and a sticky
//   bit, and no adder. Only 9 result bits are kept: x >>> s saturates to
//   [-256, 255] (with zp_out in [-128, 127] and the clamp within
//   [-128, 127], a value beyond it clamps the same after + rb and zp_out).
// Stage 5: + zp_out + rb (10 bits), clamp.
`default_nettype none

module hta_drain_unit (
  input  logic        clk_i,
  input  logic        rst_i,
  input  logic        valid_i,
  input  logic [31:0] sum_i,      // the lane result, signed
  input  logic [7:0]  alpha_i,    // unsigned (1 for an INT8 lane of a core with ternary lanes)
  input  logic [39:0] bias_i,     // the record's folded bias, signed
  input  logic [31:0] mult_i,     // signed
  input  logic [4:0]  shift_i,
  input  logic [7:0]  zp_out_i,
  input  logic [7:0]  act_min_i,
  input  logic [7:0]  act_max_i,
  output logic        valid_o,
  output logic [7:0]  q_o
);
  // A signed x unsigned multiplier in fabric (rows of AND gates and adders,
  // which Yosys does not map onto a DSP as it maps `*`).
  function automatic logic [13:0] mul_s6_u8(input logic [5:0] s, input logic [7:0] u);
    logic [13:0] acc;
    acc = '0;
    for (int i = 0; i < 5; i++)
      if (s[i]) acc = acc + (14'(u) << i);
    if (s[5]) acc = acc - (14'(u) << 5);
    mul_s6_u8 = acc;
  endfunction
  // (signed x signed: x times y's low 5 bits, unsigned, minus x y[5] 2^5)
  function automatic logic [11:0] mul_s6_s6(input logic [5:0] x, input logic [5:0] y);
    logic [11:0] acc;
    acc = '0;
    for (int i = 0; i < 5; i++)
      if (x[i]) acc = acc + (12'(y[4:0]) << i);
    if (x[5]) acc = acc - (12'(y[4:0]) << 5);
    if (y[5]) acc = acc - (12'($signed(x)) << 5);
    mul_s6_s6 = acc;
  endfunction

  // ---- stage 1: full = alpha sum + bias ------------------------------------
  wire [13:0] hp    = mul_s6_u8(sum_i[31:26], alpha_i);
  // bias + hp 2^26: |bias| < 2^39 and |hp| < 2^13, so the high part is a 15-bit sum
  wire [14:0] c_hi  = {bias_i[39], bias_i[39:26]} + {hp[13], hp};
  wire [47:0] c_a   = {{7{c_hi[14]}}, c_hi, bias_i[25:0]};
  logic [47:0] full, full_pc;
  hta_dsp48e2 #(.Opmode(9'b11_000_01_01), .Preg(1'b1)) u_alpha (
    .clk_i, .a_i({1'b0, sum_i[25:0]}), .b_i({10'd0, alpha_i}), .c_i(c_a), .pcin_i('0),
    .p_o(full), .pcout_o(full_pc)
  );
  logic        v1_q;
  logic [31:0] m1_q;
  logic [4:0]  sh1_q;
  always_ff @(posedge clk_i) begin
    v1_q  <= valid_i && !rst_i;
    m1_q  <= mult_i;
    sh1_q <= shift_i;
  end

  // ---- stage 2: acc32 = sat32(full); DSP1, DSP2 ------------------------------
  wire        ovf = full[47:31] != {17{full[47]}};
  wire [31:0] a   = ovf ? {full[47], {31{!full[47]}}} : full[31:0];
  logic [47:0] p1, p1c, p2_p, p2;
  hta_dsp48e2 #(.Opmode(9'b10_000_01_01), .Rnd(48'd1 << 30), .Preg(1'b0)) u_m1 (
    .clk_i, .a_i({1'b0, a[25:0]}), .b_i({1'b0, m1_q[16:0]}), .c_i('0), .pcin_i('0),
    .p_o(p1), .pcout_o(p1c)
  );
  hta_dsp48e2 #(.Opmode(9'b00_101_01_01), .Preg(1'b1)) u_m2 (
    .clk_i, .a_i({1'b0, a[25:0]}), .b_i({{3{m1_q[31]}}, m1_q[31:17]}), .c_i('0),
    .pcin_i(p1c), .p_o(p2_p), .pcout_o(p2)
  );
  wire [11:0] hh = mul_s6_s6(a[31:26], m1_q[31:26]);
  logic [47:0] p3, p3_pc;
  // stage 3 (operands through its A, B, C registers)
  hta_dsp48e2 #(.Opmode(9'b11_001_01_01), .Areg(1'b1), .Breg(1'b1), .Creg(1'b1),
                .Preg(1'b1)) u_m3 (
    .clk_i, .a_i({1'b0, m1_q[25:0]}), .b_i({{3{a[31]}}, a[31:26], 9'd0}),
    .c_i({hh[11], hh, 35'd0}), .pcin_i(p2), .p_o(p3), .pcout_o(p3_pc)
  );
  logic       v2_q, v3_q;
  logic [4:0] sh2_q, sh3_q;
  always_ff @(posedge clk_i) begin
    v2_q  <= v1_q && !rst_i;
    sh2_q <= sh1_q;
    v3_q  <= v2_q && !rst_i;
    sh3_q <= sh2_q;
  end

  // ---- stage 4: RDBPOT, saturated --------------------------------------------
  // A logarithmic shifter of z = {x, guard slot}: each stage of 2^k ORs the
  // bits it drops below the guard into sticky; after it, z's bits from
  // 8 + 2^k up can only land on result bits above 8 (the shift left is at
  // most 2^k - 1), so any of them unlike the sign means x >>> s is beyond
  // [-256, 255] (ovf4: saturate). Each stage checks only the bits that no
  // earlier stage checked.
  logic [33:0] z, dif;
  logic        sticky, ovf4, rb;
  always_comb begin
    z      = {p3[46:14], 1'b0};
    sticky = 1'b0;
    ovf4   = 1'b0;
    for (int k = 4; k >= 0; k--) begin
      // the bits that differ from the sign, from bit 8 + 2^k up: those below
      // 8 + 2^(k+1) (all of them for k = 4) are checked here, when this stage
      // does not shift (when it does, they come from bits checked before)
      dif = (z ^ {34{z[33]}}) >> (8 + (1 << k));
      if (k < 4) dif = dif & ((34'd1 << (1 << k)) - 34'd1);
      if (!sh3_q[k]) ovf4 = ovf4 | (dif != '0);
      if (sh3_q[k]) begin
        sticky = sticky | ((z & ((34'd1 << (1 << k)) - 34'd1)) != '0);
        z      = 34'($signed(z) >>> (1 << k));
      end
    end
    rb = z[0] && (!p3[46] || sticky);
  end
  logic       v4_q, rb4_q;
  logic [8:0] r4_q;
  always_ff @(posedge clk_i) begin
    v4_q  <= v3_q && !rst_i;
    r4_q  <= ovf4 ? {z[33], {8{!z[33]}}} : z[9:1];
    rb4_q <= !ovf4 && rb;
  end
  logic unused;
  // (P and PCOUT are the same register; the cascade uses one of each pair)
  assign unused = ^{p3[47], p3[13:0], full_pc, p1, p2_p, p3_pc};

  // ---- stage 5: + zp_out, clamp ----------------------------------------------
  wire signed [9:0] y = 10'($signed(r4_q)) + 10'($signed(zp_out_i)) + 10'(rb4_q);
  always_ff @(posedge clk_i) begin
    valid_o <= v4_q && !rst_i;
    if (y > 10'($signed(act_max_i)))      q_o <= act_max_i;
    else if (y < 10'($signed(act_min_i))) q_o <= act_min_i;
    else                                  q_o <= y[7:0];
  end
endmodule
