// hta_add3: a + b + c (W bits, wrapping) at one LUT per bit: the ternary
// adder of AMD's UltraScale CLB. Bit i's LUT6_2 makes, from a, b, c of bit i
// and m of bit i-1, both the carry-save majority m = maj(a, b, c) (O5, to
// bit i+1) and the sum's propagate a ^ b ^ c ^ m[i-1] (O6, the carry
// chain's S); the chain's DI is m[i-1] (when S = 0 the two addends' bits,
// a ^ b ^ c and m[i-1], are equal). Yosys 0.23 maps a three-input sum as a
// carry-save stage in LUTs plus an adder, about two LUTs per bit, and cannot
// infer LUT6_2s, so synthesis (SYNTHESIS defined) instantiates them and the
// CARRY8s; simulation and lint (Verilator) use the behavioural form.
`default_nettype none

module hta_add3 #(
  parameter int W = 20
) (
  input  logic [W-1:0] a_i,
  input  logic [W-1:0] b_i,
  input  logic [W-1:0] c_i,
  output logic [W-1:0] sum_o
);
`ifdef SYNTHESIS
  localparam int N = (W + 7) / 8;   // CARRY8s
  // LUT6_2 with I5 = 1: O6 = INIT[63:32], O5 = INIT[31:0], indexed by
  // {I4, I3, I2, I1, I0} = {0, m[i-1], c, b, a}.
  localparam logic [63:0] Init = {32'h6996_6996,   // a ^ b ^ c ^ m[i-1]
                                  32'hE8E8_E8E8};  // maj(a, b, c)
  logic [N*8-1:0] s, di, o, co;
  logic [W:0]     m;   // m[i + 1]: majority of bit i, weight 2^(i+1)
  assign m[0] = 1'b0;
  for (genvar i = 0; i < W; i++) begin : gen_bit
    LUT6_2 #(.INIT(Init)) u_lut (
      .I0(a_i[i]), .I1(b_i[i]), .I2(c_i[i]), .I3(m[i]), .I4(1'b0), .I5(1'b1),
      .O6(s[i]), .O5(m[i+1])
    );
    assign di[i] = m[i];
  end
  if (N * 8 > W) begin : gen_pad
    assign s[N*8-1:W]  = '0;
    assign di[N*8-1:W] = '0;
  end
  for (genvar i = 0; i < N; i++) begin : gen_c8
    CARRY8 #(.CARRY_TYPE("SINGLE_CY8")) u_carry (
      .CI    (i == 0 ? 1'b0 : co[(i == 0 ? 0 : i*8-1)]),
      .CI_TOP(1'b0),
      .DI    (di[i*8 +: 8]),
      .S     (s[i*8 +: 8]),
      .O     (o[i*8 +: 8]),
      .CO    (co[i*8 +: 8])
    );
  end
  assign sum_o = o[W-1:0];
`else
  assign sum_o = a_i + b_i + c_i;
`endif
endmodule
