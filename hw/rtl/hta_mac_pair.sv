// hta_mac_pair: two int8 MAC lanes (filters lo and hi) on one DSP multiply.
//
// CONV mode broadcasts one input to every lane, so hta_mul2 forms both
// products in one DSP48E2. In DW mode each lane has its own input channel:
// the DSP then serves the lo lane and the hi lane multiplies in LUTs (shift
// and add of the weight's bits), so DW steps take no more cycles either.
`default_nettype none

module hta_mac_pair (
  input  logic               clk_i,
  input  logic               dw_i,      // per-lane inputs instead of the broadcast
  input  logic               step_i,    // S1 holds a step: accumulate
  input  logic               first_i,   //   the pixel's first step: start from 0
  input  logic               copy_i,    //   its last step: results to the shadow
  input  logic [15:0]        w_i,       // int8 weights {hi, lo}
  input  logic signed [8:0]  xb_i,      // centred broadcast input (CONV)
  input  logic signed [8:0]  xlo_i,     // centred per-lane inputs (DW)
  input  logic signed [8:0]  xhi_i,
  output logic signed [31:0] sh_lo_o,   // shadow results
  output logic signed [31:0] sh_hi_o
);
  // int8 w times int9 x from the weight's bits (DW only, so kept off the DSPs):
  // each partial product is ANDed, not selected, so it folds into its adder.
  function automatic logic signed [16:0] mul_bits(input logic [7:0] w,
                                                  input logic signed [8:0] x);
    logic signed [16:0] sum;
    sum = -((17'(x) <<< 7) & {17{w[7]}});
    for (int j = 0; j < 7; j++) begin
      sum = sum + ((17'(x) <<< j) & {17{w[j]}});
    end
    mul_bits = sum;
  endfunction

  logic signed [16:0] p_hi, p_lo;
  hta_mul2 u_mul2 (
    .w_hi_i(w_i[15:8]), .w_lo_i(w_i[7:0]), .x_i(dw_i ? xlo_i : xb_i),
    .p_hi_o(p_hi), .p_lo_o(p_lo)
  );
  wire signed [16:0] prod_hi = dw_i ? mul_bits(w_i[15:8], xhi_i) : p_hi;

  logic signed [31:0] acc_lo_q, acc_hi_q;
  wire signed [31:0] lo_new = (first_i ? 32'sd0 : acc_lo_q) + 32'(p_lo);
  wire signed [31:0] hi_new = (first_i ? 32'sd0 : acc_hi_q) + 32'(prod_hi);

  always_ff @(posedge clk_i) begin
    if (step_i) begin
      acc_lo_q <= lo_new;
      acc_hi_q <= hi_new;
    end
    if (copy_i) begin
      sh_lo_o <= lo_new;
      sh_hi_o <= hi_new;
    end
  end
endmodule
