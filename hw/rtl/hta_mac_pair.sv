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

  logic signed [16:0] p_hi, p_lo;
  hta_mul2 u_mul2 (
    .w_hi_i(w_i[15:8]), .w_lo_i(w_i[7:0]), .x_i(dw_i ? xlo_i : xb_i),
    .p_hi_o(p_hi), .p_lo_o(p_lo)
  );
  // DW: w_hi * xhi in LUTs, one partial product per weight bit (the top one
  // negative: two's complement). Bits below j of the sum are final once row
  // j is added, so row j's adder is only 17 - j bits wide.
  // (split_var: each entry is its own signal to Verilator, no false loop)
  logic signed [16:0] ps [8] /*verilator split_var*/;
  wire signed [8:0] row0 = xhi_i & {9{w_i[8]}};
  assign ps[0] = 17'(row0);
  for (genvar j = 1; j < 8; j++) begin : gen_row
    wire signed [8:0] row = xhi_i & {9{w_i[8+j]}};
    wire [16-j:0] top = (j == 7) ? ps[j-1][16:j] - (17-j)'(row)
                                 : ps[j-1][16:j] + (17-j)'(row);
    assign ps[j] = {top, ps[j-1][j-1:0]};
  end
  wire signed [16:0] prod_hi = dw_i ? ps[7] : p_hi;

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
