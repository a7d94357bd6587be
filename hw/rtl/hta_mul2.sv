// hta_mul2: two int8 x int9 products that share the int9 operand, in one
// multiply that fits a DSP48E2 (27 x 18 bits).
//
// MAC lanes work filter-parallel on one broadcast input, so two lanes' weights
// can be packed into one multiplicand (AMD WP486, "Deep Learning with INT8
// Optimization on Xilinx Devices"):
//   p = (w_hi * 2^18 + w_lo) * x = w_hi*x * 2^18 + w_lo*x
// |w*x| <= 128 * 255 < 2^17, so p's low 18 bits are w_lo*x exactly, and p's
// high bits are w_hi*x minus the borrow of a negative low product: adding the
// low product's sign bit back gives w_hi*x. hw/synth/prove_mul2.ys proves
// this for every input.
`default_nettype none

module hta_mul2 (
  input  logic [7:0]         w_hi_i,   // int8 weights
  input  logic [7:0]         w_lo_i,
  input  logic signed [8:0]  x_i,      // centred input, -255..255
  output logic signed [16:0] p_hi_o,   // w_hi * x
  output logic signed [16:0] p_lo_o    // w_lo * x
);
  // The multiplicand w_hi * 2^18 + w_lo as bits: w_lo's byte, ten copies of
  // its sign, and w_hi minus that sign in 9 bits (a negative w_lo borrows one
  // from the high part). Only this 9-bit subtraction precedes the DSP.
  wire [8:0] a_hi = {w_hi_i[7], w_hi_i} - {8'd0, w_lo_i[7]};
  wire signed [26:0] a = {a_hi, {10{w_lo_i[7]}}, w_lo_i};
  wire signed [35:0] p = a * x_i;
  wire [17:0] hi = p[35:18] + {17'd0, p[17]};

  assign p_lo_o = p[16:0];
  assign p_hi_o = hi[16:0];

  logic unused;
  assign unused = ^hi[17];
endmodule
