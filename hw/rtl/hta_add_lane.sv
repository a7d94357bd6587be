// hta_add_lane: one ternary/binary adder lane (one filter of the adder array).
//
// Per step s += t*x for a ternary weight t (code 01: +1, 11: -1, else 0); at
// a group's end (s, alpha) goes to a serial shift-add multiply, acc += s *
// alpha, one alpha bit per cycle, while the next group's s accumulates. At
// the pixel's last step (acc, s, alpha) move to the shadow registers for the
// drain, which applies the last group's scale in hta_requant.
//
// Kept lean on LUTs (docs/resources.md measures it):
// - t*x is (x ^ neg) & en plus a carry-in of neg (-x = ~x + 1), so the lane
//   has one carry chain for s instead of a negation and an addition;
// - the multiplicand s << j (j < AlphaBits) needs SBits + AlphaBits - 1 bits,
//   not 32: the register is that wide and sign-extends into the 32-bit acc.
`default_nettype none

module hta_add_lane #(
  parameter int SBits     = 20,   // signed group sum
  parameter int AlphaBits = 8     // group scale (unsigned)
) (
  input  logic                    clk_i,
  input  logic                    step_i,       // S1 holds a step
  input  logic                    first_i,      //   the pixel's first step
  input  logic                    gfirst_i,     //   its group's first step
  input  logic                    copy_i,       //   the pixel's last step
  input  logic                    mul_start_i,  // a group ended: multiply s_new
  input  logic                    mul_active_i, // a multiply is under way
  input  logic [1:0]              code_i,       // ternary weight of this step
  input  logic signed [8:0]       x_i,          // centred input
  input  logic [AlphaBits-1:0]    alpha_i,      // scale of the step's group
  output logic signed [31:0]      sh_acc_o,     // shadow: groups before the last
  output logic signed [SBits-1:0] sh_s_o,       //   last group's sum
  output logic [AlphaBits-1:0]    sh_a_o        //   and its scale
);
  localparam int MsWide = SBits + AlphaBits - 1;
  localparam int MsBits = (MsWide < 32) ? MsWide : 32;

  logic signed [31:0]      acc_q;
  logic signed [SBits-1:0] s_q;
  logic signed [MsBits-1:0] ms_q;            // serial multiplicand s << j
  logic [AlphaBits-1:0]    ma_q;             // serial multiplier bits

  wire neg = code_i[1] & code_i[0];
  wire en  = code_i[0];
  wire signed [8:0] tx_ones = (x_i ^ {9{neg}}) & {9{en}};   // t*x - neg
  wire signed [SBits-1:0] s_new = (gfirst_i ? '0 : s_q) + SBits'(tx_ones)
                                  + SBits'({1'b0, neg});

  always_ff @(posedge clk_i) begin
    if (step_i) s_q <= s_new;
    if (step_i && first_i) begin
      acc_q <= '0;
    end else if (mul_active_i && ma_q[0]) begin
      acc_q <= acc_q + 32'(ms_q);
    end
    if (mul_start_i) begin
      ms_q <= MsBits'(s_new);
      ma_q <= alpha_i;
    end else if (mul_active_i) begin
      ms_q <= ms_q <<< 1;
      ma_q <= ma_q >> 1;
    end
    if (copy_i) begin
      sh_acc_o <= first_i ? 32'sd0 : acc_q;
      sh_s_o   <= s_new;
      sh_a_o   <= alpha_i;
    end
  end
endmodule
