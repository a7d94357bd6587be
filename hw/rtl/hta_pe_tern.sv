// hta_pe_tern: the v2 ternary/binary processing element (docs/engine-v2.md,
// step 2) for one output pixel and one output channel: every cycle it adds
// sum_c t[c] x[c] over Ci raw int8 inputs x[c] and 2-bit codes t[c]
// (00 = 0, 01 = +1, 11 = -1; 10 reads as 0) into a group-sum register.
//
// No multiplier and no group scale here: scales are applied by units shared
// by many PEs (engine-v2.md), so the PE is an adder tree and one register.
//
// Each leaf is x, ~x or 0, which is 8 bits (~x = -x - 1 fits int8 for every
// x); the "+1" of a negation rides on the carry-in of an adder. A tree of Ci
// leaves has Ci - 1 adders and the accumulator is one more, so every leaf's
// +1 has a carry-in of its own: adder (level l, node i) takes leaf
// i * 2^l + 2^(l-1)'s, the accumulator takes leaf 0's. A node of level l sums
// 2^l leaves and 2^l - 1 carries, so it lies in [-2^(7+l), 2^(7+l) - 1] and
// is exactly 8 + l bits wide.
//
// Timing: the tree's sum is registered, then accumulated: a vector presented
// with valid_i in cycle t is in the sum after 2 clock edges. first_i starts a
// new sum with that vector, last_i ends it: valid_o is high for one cycle
// while sum_o shows the finished sum (it holds until the next accumulation).
`default_nettype none

module hta_pe_tern #(
  parameter int Ci      = 16,  // inputs reduced per cycle
  parameter int SumBits = 24   // group-sum width
) (
  input  logic                      clk_i,
  input  logic                      rst_i,    // sync, active high: control only
  input  logic                      valid_i,
  input  logic                      first_i,
  input  logic                      last_i,
  input  logic [Ci*8-1:0]           x_i,      // int8 inputs x[c] at [c*8 +: 8]
  input  logic [Ci*2-1:0]           t_i,      // codes t[c] at [c*2 +: 2]
  output logic                      valid_o,
  output logic signed [SumBits-1:0] sum_o
);
  localparam int Lv = (Ci > 1) ? $clog2(Ci) : 1;   // tree levels
  localparam int W  = 8 + Lv;                       // root width
  // Node (l, i) is kept sign-extended to W bits in node[l][i*W +: W].

`ifdef HTA_PE_TREE
`define HTA_PE_TERN_TREE
`elsif SYNTHESIS
`define HTA_PE_TERN_TREE
`endif
  logic signed [W-1:0] tree_q;
  logic                neg0_q, v_q, f_q, l_q;
  always_ff @(posedge clk_i) begin
    f_q <= first_i;
    l_q <= last_i;
  end

`ifdef HTA_PE_TERN_TREE
  localparam int Np = 1 << Lv;                      // leaves, padded
  logic [Np*W-1:0] node [Lv+1] /*verilator split_var*/;  // one variable per level
  logic [Np-1:0]   neg;                             // the leaves' +1s

  for (genvar c = 0; c < Np; c++) begin : gen_leaf
    if (c < Ci) begin : gen_used
      wire       en = t_i[c*2];
      wire       ng = t_i[c*2+1] & en;
      wire [7:0] v  = (x_i[c*8 +: 8] ^ {8{ng}}) & {8{en}};
      assign node[0][c*W +: W] = W'($signed(v));
      assign neg[c] = ng;
    end else begin : gen_pad
      assign node[0][c*W +: W] = '0;
      assign neg[c] = 1'b0;
    end
  end

  for (genvar l = 1; l <= Lv; l++) begin : gen_level
    for (genvar i = 0; i < (Np >> l); i++) begin : gen_node
      localparam int Wi = 8 + l - 1;               // width of the children
      wire signed [Wi-1:0] a = node[l-1][(2*i)*W +: Wi];
      wire signed [Wi-1:0] b = node[l-1][(2*i+1)*W +: Wi];
      wire signed [Wi:0]   ci = $signed((Wi+1)'(neg[i*(1 << l) + (1 << (l-1))]));
      wire signed [Wi:0]   s  = a + b + ci;      // all signed: a and b sign-extend
      assign node[l][i*W +: W] = W'(s);
    end
    if ((Np >> l) < Np) begin : gen_rest         // unused slots of the level
      assign node[l][Np*W-1:(Np >> l)*W] = '0;
    end
  end

  // ---- tree register, then the group sum ----------------------------------
  always_ff @(posedge clk_i) begin
    tree_q <= node[Lv][W-1:0];
    neg0_q <= neg[0];
  end
`else
  // Simulation (Verilator): the same two registers from a loop over the
  // inputs, loaded only with a valid vector (the sum reads them only then)
  // and skipped when every code is 0, so that idle cycles and the unused
  // ternary rows of an INT8 layer cost nothing. tree_q = sum_c t[c] x[c]
  // minus leaf 0's +1, as the tree makes it: the tree (HTA_PE_TREE or
  // SYNTHESIS defined) is what synthesis builds, and tests/rtl/pe.mk
  // simulates it too.
  function automatic logic signed [W-1:0] dot(input logic [Ci*8-1:0] x,
                                              input logic [Ci*2-1:0] t);
    logic signed [W-1:0] s, xc;
    s = '0;
    for (int c = 0; c < Ci; c++) begin
      xc = W'($signed(x[c*8 +: 8]));
      if (t[c*2]) s = t[c*2+1] ? s - xc : s + xc;
    end
    dot = s;
  endfunction

  wire neg0 = t_i[1] & t_i[0];
  always_ff @(posedge clk_i) begin
    if (valid_i) begin
      if (t_i == '0) begin
        tree_q <= '0;
        neg0_q <= 1'b0;
      end else begin
        tree_q <= dot(x_i, t_i) - W'(neg0);
        neg0_q <= neg0;
      end
    end
  end
`endif
`undef HTA_PE_TERN_TREE

  logic signed [SumBits-1:0] sum_q;
  logic                      valid_q;
  always_ff @(posedge clk_i) begin
    if (v_q) sum_q <= (f_q ? '0 : sum_q) + SumBits'(tree_q) + $signed(SumBits'(neg0_q));
  end
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      v_q     <= 1'b0;
      valid_q <= 1'b0;
    end else begin
      v_q     <= valid_i;
      valid_q <= v_q & l_q;
    end
  end

  assign valid_o = valid_q;
  assign sum_o   = sum_q;

endmodule
