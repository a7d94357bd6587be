// hta_pe_int8: the v2 INT8 processing element (docs/engine-v2.md, step 2) for
// one output pixel and a pair of output channels (lo, hi): every cycle it adds
// sum_c w_lo[c] x[c] and sum_c w_hi[c] x[c] over Ci raw int8 inputs into two
// accumulators.
//
// Both products of an input come from one DSP48E2 (AMD WP486, as hta_mul2):
// (w_hi * 2^18 + w_lo) * x, the packed multiplicand made by the DSP's
// pre-adder. The Ci multiplies are split into NCh chains of at most L; a chain
// is a systolic DSP cascade: stage k adds its product to stage k-1's P over
// PCIN, so the chain's sum of packed products never leaves the DSPs. Each
// stage is an instantiated DSP48E2 (hta_dsp48e2_mac2; Verilator gets its
// behavioural model), because Yosys 0.23 infers only the multiply into a
// DSP48E2 and would build the cascade adders, P registers and pre-add in
// fabric. Input k of a chain is therefore delayed by k cycles (plus the
// chain's shortfall from the longest chain, so all chains finish together):
// with SkewIn = 1 the PE delays its inputs itself; an array passes SkewIn = 0
// and skews X once per pixel and the weights once per channel pair, shared by
// all PEs that use them.
//
// Why chains of L <= 7: a chain's low 18-bit field holds sum w_lo x exactly
// while |sum| < 2^17, and |w x| <= 2^14 for int8 (128 x 128), so 7 products
// fit (7 x 2^14 < 2^17) and 8 do not (8 x (-128) x (-128) = 2^17). L = 8 is
// exact only if the weights exclude -128 (TFLite's symmetric rule), which the
// PE cannot check; the parameter allows it for such a compiler.
//
// The field split costs no adder: each chain's head adds the DSP's RND
// constant 2^17, so the low field holds sum w_lo x + 2^17 in [0, 2^18) and
// never borrows from the high field. At the chain's end lo = P[17:0] with its
// top bit flipped (minus 2^17, signed) and hi = P[35:18] exactly. The NCh
// chain results of each field are added (hta_add3) and accumulated
// (hta_accum) in fabric, on instantiated carry chains at one LUT per bit.
//
// Timing: a vector presented with valid_i in cycle t is in the accumulators
// after Lat = Lmax + 1 clock edges (Lmax: longest chain). first_i starts a new
// sum with that vector; last_i ends it: valid_o is high for one cycle while
// acc_lo_o / acc_hi_o show the finished sums (they hold until the next
// accumulation). The stage at chain position k loads its P register only
// when it holds a valid vector (CEP = valid_i delayed by k, from the control
// delay line the accumulators need anyway): the results of idle cycles were
// dropped before, so this changes no result, costs no LUT or FF, and spares
// the simulation the arithmetic of idle stages.
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
  // The head of each chain adds 2^17 to the low field (RND, see the split).
  localparam logic [47:0] Bias = 48'd1 << 17;
  logic [NCh*48-1:0] p;   // chain j's final P at [j*48 +: 48]

  // ---- control, delayed to the chain positions and ends ------------------
  logic [Lmax-1:0] v_q, f_q, l_q;   // [i]: valid_i .. delayed by i + 1; [Lmax-1] at the ends
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      v_q <= '0;
    end else begin
      v_q <= Lmax'({v_q, valid_i});
    end
    f_q <= Lmax'({f_q, first_i});
    l_q <= Lmax'({l_q, last_i});
  end
  // ce[k]: a valid vector is at chain position k (its P loads at this edge)
  logic [Lmax-1:0] ce;
  assign ce = Lmax'({v_q, valid_i});

  for (genvar j = 0; j < NCh; j++) begin : gen_chain
    localparam int C0  = j * Lmax;
    localparam int Len = (Ci - C0 < Lmax) ? Ci - C0 : Lmax;
    localparam int Pos = Lmax - Len;           // position of the first stage

    logic [Len*48-1:0] pc;   // stage k's PCOUT (= its P) at [k*48 +: 48]

    for (genvar k = 0; k < Len; k++) begin : gen_stage
      localparam int C = C0 + k;
      localparam int D = SkewIn ? Pos + k : 0;  // input delay of this stage
      logic [7:0] x, wl, wh;

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

      // P <= PCIN + (wh * 2^18 + wl) * x, the head adding Bias instead of PCIN;
      // PCOUT (the same value) feeds only the next stage's PCIN, P only the
      // fabric, as in the DSP48E2.
      logic [47:0] p_k;
      hta_dsp48e2_mac2 #(.Head(k == 0), .Rnd(Bias)) u_dsp (
        .clk_i,
        .ce_i   (ce[Pos+k]),
        .w_lo_i (wl),
        .w_hi_i (wh),
        .x_i    (x),
        .pcin_i (k == 0 ? 48'd0 : pc[(k == 0 ? 0 : k-1)*48 +: 48]),
        .p_o    (p_k),
        .pcout_o(pc[k*48 +: 48])
      );
      if (k == Len - 1) begin : gen_last
        assign p[j*48 +: 48] = p_k;
        logic unused_pcout;
        assign unused_pcout = ^pc[k*48 +: 48];
      end else begin : gen_mid
        logic unused_p;
        assign unused_p = ^p_k;
      end
    end
  end

`ifdef HTA_PE_TREE
`define HTA_PE_INT8_TREE
`elsif SYNTHESIS
`define HTA_PE_INT8_TREE
`endif
  logic [AccBits-1:0] acc_lo, acc_hi;
`ifdef HTA_PE_INT8_TREE
  // Field split: with the bias the low field is sum w_lo x + 2^17, in
  // [0, 2^18): flipping its top bit gives the signed sum, and the high field
  // P[35:18] is exact with no borrow to return (|sum w_hi x| < 2^17 too).
  logic signed [17:0] lo_sum [NCh];
  logic signed [17:0] hi_sum [NCh];
  logic [NCh-1:0]     unused_top;
  for (genvar j = 0; j < NCh; j++) begin : gen_split
    assign lo_sum[j]     = {~p[j*48+17], p[j*48 +: 17]};
    assign hi_sum[j]     = p[j*48+18 +: 18];
    assign unused_top[j] = ^p[j*48+36 +: 12];
  end

  // ---- chain results added, two fabric accumulators ----------------------
  // The sums of NCh 18-bit fields need only TotBits; wider adders would
  // spend a LUT per bit on sign extension.
  localparam int TotBits = 18 + $clog2(NCh);
  // Three at a time (hta_add3: one LUT per bit; Yosys would take two),
  // starting from chain 0: p[k+1] = p[k] + f[2k+1] + f[2k+2], and a plain
  // add for a last odd one out.
  localparam int NAdd3 = (NCh - 1) / 2;
  logic [NCh*TotBits-1:0]       lo_f, hi_f;   // the fields, sign-extended
  logic [(NAdd3+1)*TotBits-1:0] lo_p, hi_p;   // partial sums
  logic signed [TotBits-1:0]    lo_tot, hi_tot;
  for (genvar j = 0; j < NCh; j++) begin : gen_field
    assign lo_f[j*TotBits +: TotBits] = TotBits'(lo_sum[j]);
    assign hi_f[j*TotBits +: TotBits] = TotBits'(hi_sum[j]);
  end
  assign lo_p[0 +: TotBits] = lo_f[0 +: TotBits];
  assign hi_p[0 +: TotBits] = hi_f[0 +: TotBits];
  for (genvar k = 0; k < NAdd3; k++) begin : gen_add3
    hta_add3 #(.W(TotBits)) u_lo (
      .a_i  (lo_p[k*TotBits +: TotBits]),
      .b_i  (lo_f[(2*k+1)*TotBits +: TotBits]),
      .c_i  (lo_f[(2*k+2)*TotBits +: TotBits]),
      .sum_o(lo_p[(k+1)*TotBits +: TotBits])
    );
    hta_add3 #(.W(TotBits)) u_hi (
      .a_i  (hi_p[k*TotBits +: TotBits]),
      .b_i  (hi_f[(2*k+1)*TotBits +: TotBits]),
      .c_i  (hi_f[(2*k+2)*TotBits +: TotBits]),
      .sum_o(hi_p[(k+1)*TotBits +: TotBits])
    );
  end
  if (NCh % 2 == 0) begin : gen_rest
    assign lo_tot = lo_p[NAdd3*TotBits +: TotBits] + lo_f[(NCh-1)*TotBits +: TotBits];
    assign hi_tot = hi_p[NAdd3*TotBits +: TotBits] + hi_f[(NCh-1)*TotBits +: TotBits];
  end else begin : gen_norest
    assign lo_tot = lo_p[NAdd3*TotBits +: TotBits];
    assign hi_tot = hi_p[NAdd3*TotBits +: TotBits];
  end

  // The accumulators (hta_accum: one LUT per bit with the clear).
  hta_accum #(.W(AccBits)) u_acc_lo (
    .clk_i,
    .en_i (v_q[Lmax-1]),
    .clr_i(f_q[Lmax-1]),
    .add_i(AccBits'(lo_tot)),
    .q_o  (acc_lo)
  );
  hta_accum #(.W(AccBits)) u_acc_hi (
    .clk_i,
    .en_i (v_q[Lmax-1]),
    .clr_i(f_q[Lmax-1]),
    .add_i(AccBits'(hi_tot)),
    .q_o  (acc_hi)
  );

`else
  // Simulation (Verilator): the same accumulators, the chain results' fields
  // (as split above) added in a loop and only in the cycles that accumulate,
  // so that an idle PE costs nothing. The sum of NCh fields is exact in
  // TotBits, so adding them sign-extended to AccBits is what the adders
  // make. The adders (HTA_PE_TREE or SYNTHESIS defined) are what synthesis
  // builds, and tests/rtl/pe.mk simulates them too.
  function automatic logic [AccBits-1:0] fields(input logic [NCh*48-1:0] pv, input logic hi);
    logic [AccBits-1:0] s;
    s = '0;
    for (int j = 0; j < NCh; j++) begin
      if (hi) s = s + AccBits'($signed(pv[j*48+18 +: 18]));
      else    s = s + AccBits'($signed({~pv[j*48+17], pv[j*48 +: 17]}));
    end
    fields = s;
  endfunction

  logic [AccBits-1:0] acc_lo_q, acc_hi_q;
  always_ff @(posedge clk_i) begin
    if (v_q[Lmax-1]) begin
      acc_lo_q <= (f_q[Lmax-1] ? '0 : acc_lo_q) + fields(p, 1'b0);
      acc_hi_q <= (f_q[Lmax-1] ? '0 : acc_hi_q) + fields(p, 1'b1);
    end
  end
  assign acc_lo = acc_lo_q;
  assign acc_hi = acc_hi_q;
`endif
`undef HTA_PE_INT8_TREE

  logic valid_q;
  always_ff @(posedge clk_i) begin
    if (rst_i) valid_q <= 1'b0;
    else       valid_q <= v_q[Lmax-1] & l_q[Lmax-1];
  end

  assign valid_o  = valid_q;
  assign acc_lo_o = acc_lo;
  assign acc_hi_o = acc_hi;
endmodule
