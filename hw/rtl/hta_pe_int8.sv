// hta_pe_int8: the v2 INT8 processing element (docs/engine-v2.md, step 2) for
// one output pixel and a pair of output channels (lo, hi): every cycle it adds
// sum_c w_lo[c] x[c] and sum_c w_hi[c] x[c] over Ci raw int8 inputs into two
// accumulators.
//
// Both products of an input come from one DSP48E2-sized multiply (AMD WP486,
// as hta_mul2): (w_hi * 2^18 + w_lo) * x. The Ci multiplies are split into
// NCh chains of at most L; a chain is a systolic DSP cascade: stage k adds its
// product to stage k-1's registered sum (P -> PCIN), so the chain's sum of
// packed products never leaves the DSPs. Input k of a chain is therefore
// delayed by k cycles (plus the chain's shortfall from the longest chain, so
// all chains finish together): with SkewIn = 1 the PE delays its inputs
// itself; an array passes SkewIn = 0 and skews X once per pixel and the
// weights once per channel pair, shared by all PEs that use them.
//
// Why chains of L <= 7: a chain's low 18-bit field holds sum w_lo x exactly
// while |sum| < 2^17, and |w x| <= 2^14 for int8 (128 x 128), so 7 products
// fit (7 x 2^14 < 2^17) and 8 do not (8 x (-128) x (-128) = 2^17). L = 8 is
// exact only if the weights exclude -128 (TFLite's symmetric rule), which the
// PE cannot check; the parameter allows it for such a compiler.
//
// At the chain's end the fields are split as in hta_mul2: lo = P[17:0] (signed),
// hi = P[..:18] + P[17] (a negative low field borrowed one from the high one).
// The NCh chain results of each field are added and accumulated in fabric.
//
// Timing: a vector presented with valid_i in cycle t is in the accumulators
// after Lat = Lmax + 1 clock edges (Lmax: longest chain). first_i starts a new
// sum with that vector; last_i ends it: valid_o is high for one cycle while
// acc_lo_o / acc_hi_o show the finished sums (they hold until the next
// accumulation). Without valid_i the pipeline runs on and its results are
// dropped, so the DSPs need no clock enable.
`default_nettype none

module hta_pe_int8 #(
  parameter int Ci      = 16,  // inputs reduced per cycle
  parameter int L       = 7,   // longest DSP chain (7: full-range int8)
  parameter int AccBits = 32,  // accumulator width
  parameter bit SkewIn  = 1    // 1: delay the inputs here; 0: the caller skews
) (
  input  logic                      clk_i,
  input  logic                      rst_i,      // sync, active high: control only
  input  logic                      valid_i,
  input  logic                      first_i,
  input  logic                      last_i,
  input  logic [Ci*8-1:0]           x_i,        // int8 inputs x[c] at [c*8 +: 8]
  input  logic [Ci*8-1:0]           w_lo_i,     // int8 weights of channel lo
  input  logic [Ci*8-1:0]           w_hi_i,     // int8 weights of channel hi
  output logic                      valid_o,
  output logic signed [AccBits-1:0] acc_lo_o,
  output logic signed [AccBits-1:0] acc_hi_o
);
  localparam int NCh  = (Ci + L - 1) / L;        // chains
  localparam int Lmax = (Ci + NCh - 1) / NCh;    // longest chain, as short as NCh allows
  // Chain j holds inputs [j*Lmax, ...) but its first stage sits at position
  // Lmax - len(j) so that every chain ends at position Lmax - 1.

  // ---- the chains -------------------------------------------------------
  logic signed [17:0] lo_sum [NCh];
  logic signed [17:0] hi_sum [NCh];

  for (genvar j = 0; j < NCh; j++) begin : gen_chain
    localparam int C0  = j * Lmax;
    localparam int Len = (Ci - C0 < Lmax) ? Ci - C0 : Lmax;
    localparam int Pos = Lmax - Len;           // position of the first stage

    logic signed [47:0] p_q [Len];

    for (genvar k = 0; k < Len; k++) begin : gen_stage
      localparam int C = C0 + k;
      localparam int D = SkewIn ? Pos + k : 0;  // input delay of this stage
      logic signed [7:0] x, wl, wh;

      if (D == 0) begin : gen_nodelay
        assign x  = x_i[C*8 +: 8];
        assign wl = w_lo_i[C*8 +: 8];
        assign wh = w_hi_i[C*8 +: 8];
      end else begin : gen_delay
        logic [23:0] sr_q [D];
        always_ff @(posedge clk_i) begin
          sr_q[0] <= {w_hi_i[C*8 +: 8], w_lo_i[C*8 +: 8], x_i[C*8 +: 8]};
          for (int i = 1; i < D; i++) sr_q[i] <= sr_q[i-1];
        end
        assign x  = sr_q[D-1][7:0];
        assign wl = sr_q[D-1][15:8];
        assign wh = sr_q[D-1][23:16];
      end

      // The packed multiplicand w_hi * 2^18 + w_lo (27 bits signed).
      wire signed [26:0] a = $signed({wh[7], wh, 18'd0}) + 27'(wl);
      wire signed [47:0] m = a * x;

      if (k == 0) begin : gen_first
        always_ff @(posedge clk_i) p_q[k] <= m;
      end else begin : gen_next
        always_ff @(posedge clk_i) p_q[k] <= p_q[k-1] + m;
      end
    end

    // Field split (see hta_mul2): the low field is exact in 18 bits; the high
    // field gets back the borrow of a negative low field.
    wire signed [47:0] p  = p_q[Len-1];
    wire signed [18:0] hi = p[36:18] + 19'(p[17]);
    assign lo_sum[j] = p[17:0];
    assign hi_sum[j] = hi[17:0];

    logic unused_p;
    assign unused_p = ^{p[47:37], hi[18]};
  end

  // ---- control, delayed to the chain outputs ----------------------------
  logic [Lmax-1:0] v_q, f_q, l_q;   // [Lmax-1] is aligned with the chain ends
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      v_q <= '0;
    end else begin
      v_q <= Lmax'({v_q, valid_i});
    end
    f_q <= Lmax'({f_q, first_i});
    l_q <= Lmax'({l_q, last_i});
  end

  // ---- chain results added, two fabric accumulators ----------------------
  logic signed [AccBits-1:0] lo_tot, hi_tot;
  always_comb begin
    lo_tot = '0;
    hi_tot = '0;
    for (int j = 0; j < NCh; j++) begin
      lo_tot = lo_tot + AccBits'(lo_sum[j]);
      hi_tot = hi_tot + AccBits'(hi_sum[j]);
    end
  end

  logic signed [AccBits-1:0] acc_lo_q, acc_hi_q;
  logic                      valid_q;
  always_ff @(posedge clk_i) begin
    if (v_q[Lmax-1]) begin
      acc_lo_q <= (f_q[Lmax-1] ? '0 : acc_lo_q) + lo_tot;
      acc_hi_q <= (f_q[Lmax-1] ? '0 : acc_hi_q) + hi_tot;
    end
  end
  always_ff @(posedge clk_i) begin
    if (rst_i) valid_q <= 1'b0;
    else       valid_q <= v_q[Lmax-1] & l_q[Lmax-1];
  end

  assign valid_o  = valid_q;
  assign acc_lo_o = acc_lo_q;
  assign acc_hi_o = acc_hi_q;
endmodule
