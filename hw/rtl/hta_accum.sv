// hta_accum: an accumulator with a synchronous clear of its old value,
//   en_i: q <= (clr_i ? 0 : q) + add_i,
// at one LUT per bit. Written behaviourally, Yosys 0.23 maps the sum onto a
// carry chain whose DI input is the first operand, here the cleared old
// value, so the clear's AND needs a LUT of its own next to the one that
// makes the sum's XOR: two LUTs per bit. Synthesis (SYNTHESIS defined)
// therefore builds the chain from CARRY8 primitives with DI = add_i (when
// S = 0 both operand bits are equal, so either may drive DI) and S = the
// cleared old value XOR add_i, one LUT3 per bit (a tool that packs both
// functions into one LUT6_2 gets the same from the behavioural form).
// Simulation and lint (Verilator) use the behavioural form.
`default_nettype none

module hta_accum #(
  parameter int W = 32
) (
  input  logic         clk_i,
  input  logic         en_i,
  input  logic         clr_i,   // with en_i: start from 0, not from q
  input  logic [W-1:0] add_i,
  output logic [W-1:0] q_o
);
  logic [W-1:0] q_q, old, sum;
  assign old = clr_i ? '0 : q_q;

`ifdef SYNTHESIS
  localparam int N = (W + 7) / 8;   // CARRY8s
  logic [N*8-1:0] s, di, o, co;
  assign s[W-1:0]  = old ^ add_i;
  assign di[W-1:0] = add_i;
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
  assign sum = o[W-1:0];
`else
  assign sum = old + add_i;
`endif

  always_ff @(posedge clk_i) begin
    if (en_i) q_q <= sum;
  end
  assign q_o = q_q;
endmodule
