// hta_drain_unit_synth: one v2 drain unit (docs/resources.md, "The drain
// unit"), wired as hta_v2_engine's gen_dl/gen_px block wires each of its
// Pix x D units: a lane result, its lane record's fields and the job's
// output constants in, the requantized byte out. The inputs are ports (in the
// engine they are the drain's stage-1 registers, counted there), so the
// figures are the unit's own (the engine also selects each lane's alpha,
// 1 on INT8 lanes, once per d: outside the unit). Old = 1 builds the unit as it was before
// hw/rtl/hta_drain_unit.sv (48-bit alpha product and bias in fabric, then
// hta_requant), for the before/after table (hw/synth/drain_resources.sh).
`default_nettype none

module hta_drain_unit_synth #(
  parameter bit Old = 1'b0
) (
  input  wire        clk_i,
  input  wire        rst_i,
  input  wire        valid_i,
  input  wire [31:0] sum_i,
  input  wire [7:0]  alpha_i,
  input  wire [39:0] bias_i,
  input  wire [31:0] mult_i,
  input  wire [4:0]  shift_i,
  input  wire [7:0]  zp_out_i,
  input  wire [7:0]  act_min_i,
  input  wire [7:0]  act_max_i,
  output wire        valid_o,
  output wire [7:0]  q_o
);
  if (Old) begin : gen_old
    wire signed [31:0] sum = sum_i;
    wire signed [47:0] prod = 48'(sum) * $signed({40'd0, alpha_i});
    wire signed [47:0] full = prod + $signed({{8{bias_i[39]}}, bias_i});
    wire signed [31:0] acc32 = (full > 48'sd2147483647) ? 32'sh7fff_ffff
                             : (full < -48'sd2147483648) ? 32'sh8000_0000 : full[31:0];
    hta_requant #(.SBits(1)) u_rq (
      .clk_i, .rst_i, .valid_i, .acc_i(acc32),
      .s_i(1'b0), .alpha_i(8'd0), .bias_i(32'd0), .mult_i,
      .shift_i, .zp_out_i, .act_min_i, .act_max_i, .valid_o, .q_o
    );
  end else begin : gen_new
    hta_drain_unit u_du (
      .clk_i, .rst_i, .valid_i, .sum_i, .alpha_i, .bias_i, .mult_i, .shift_i,
      .zp_out_i, .act_min_i, .act_max_i, .valid_o, .q_o
    );
  end
endmodule
