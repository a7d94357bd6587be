// hta_lanes_synth: the lane arrays of hta_compute alone, for measuring what
// one MAC lane and one adder lane cost (hw/synth/resources.sh).
//
// The same lane modules as the engine (hta_mac_pair, hta_add_lane), fed the
// way hta_compute feeds them (a broadcast input, DW inputs centred per lane,
// one weight row per step), and drained the same way (one row of RqLanes
// shadow results selected per cycle). Buffers, control and requantization
// are shared by all lanes and left out, so differences between lane counts
// are the lanes' own cost. Either count may be 0 (a multiple of RqLanes
// otherwise; MacLanes even).
`default_nettype none

module hta_lanes_synth #(
  parameter int MacLanes = 64,
  parameter int AddLanes = 128,
  parameter int RqLanes  = 8
) (
  input  logic                       clk_i,
  input  logic                       dw_i,
  input  logic                       step_i,
  input  logic                       first_i,
  input  logic                       gfirst_i,
  input  logic                       copy_i,
  input  logic                       mul_start_i,
  input  logic                       mul_active_i,
  input  logic [7:0]                 x_i,
  input  logic [7:0]                 zp_i,
  input  logic [MacLanes*8:0]        vec_i,      // DW input vector (+1 bit: width >= 1)
  input  logic [MacLanes*8:0]        wmac_i,     // MAC weight row
  input  logic [AddLanes*2:0]        wadd_i,     // ternary codes
  input  logic [AddLanes*8:0]        alpha_i,
  input  logic [7:0]                 row_i,      // drain row
  output logic [RqLanes*32-1:0]      mac_o,
  output logic [RqLanes*60-1:0]      add_o
);
  localparam int SBits  = 20;
  localparam int MacDiv = (MacLanes > 0) ? MacLanes : 1;   // no % 0
  // Drain index as hta_compute forms it (no modulo: a % by a lane count that
  // is not a power of two would synthesize a divider the engine does not have).
  localparam int MacIdx = (MacLanes > 1) ? $clog2(MacLanes) : 1;
  localparam int AddIdx = (AddLanes > 1) ? $clog2(AddLanes) : 1;

  function automatic logic signed [8:0] centre(input logic [7:0] x, input logic [7:0] zp);
    centre = $signed({x[7], x}) - $signed({zp[7], zp});
  endfunction
  wire signed [8:0] xb = centre(x_i, zp_i);

  if (MacLanes > 0) begin : gen_mac
    logic signed [31:0] sh_q [MacLanes];
    for (genvar p = 0; p < MacLanes / 2; p++) begin : gen_pair
      hta_mac_pair u_pair (
        .clk_i, .dw_i, .step_i, .first_i, .copy_i,
        .w_i    (wmac_i[p*16 +: 16]),
        .xb_i   (xb),
        .xlo_i  (centre(vec_i[(2*p)*8 +: 8], zp_i)),
        .xhi_i  (centre(vec_i[(2*p+1)*8 +: 8], zp_i)),
        .sh_lo_o(sh_q[2*p]),
        .sh_hi_o(sh_q[2*p+1])
      );
    end
    always_ff @(posedge clk_i) begin
      for (int r = 0; r < RqLanes; r++) begin
        mac_o[r*32 +: 32] <= sh_q[MacIdx'(32'(row_i) * RqLanes + r)];
      end
    end
  end else begin : gen_no_mac
    assign mac_o = '0;
  end

  if (AddLanes > 0) begin : gen_add
    logic signed [31:0]      acc_q [AddLanes];
    logic signed [SBits-1:0] s_q   [AddLanes];
    logic [7:0]              a_q   [AddLanes];
    for (genvar i = 0; i < AddLanes; i++) begin : gen_lane
      wire [7:0] xv = (i < MacLanes) ? vec_i[(i % MacDiv)*8 +: 8] : zp_i;
      hta_add_lane #(.SBits(SBits), .AlphaBits(8)) u_lane (
        .clk_i, .step_i, .first_i, .gfirst_i, .copy_i, .mul_start_i, .mul_active_i,
        .code_i  (wadd_i[i*2 +: 2]),
        .x_i     (dw_i ? centre(xv, zp_i) : xb),
        .alpha_i (alpha_i[i*8 +: 8]),
        .sh_acc_o(acc_q[i]),
        .sh_s_o  (s_q[i]),
        .sh_a_o  (a_q[i])
      );
    end
    always_ff @(posedge clk_i) begin
      for (int r = 0; r < RqLanes; r++) begin
        add_o[r*60 +: 60] <= {acc_q[AddIdx'(32'(row_i) * RqLanes + r)],
                              s_q[AddIdx'(32'(row_i) * RqLanes + r)],
                              a_q[AddIdx'(32'(row_i) * RqLanes + r)]};
      end
    end
  end else begin : gen_no_add
    assign add_o = '0;
  end
endmodule
