// hta_dsp48e2_mac2: one stage of hta_pe_int8's DSP cascade, one DSP48E2 in
// the two-MACs-per-DSP mode (AMD WP486):
//
//   P <= Z + W + M,  M = (w_hi * 2^18 + w_lo) * x
//
// The packed multiplicand is the DSP's own 27-bit pre-adder (A = w_hi * 2^18,
// D = w_lo, AD = D + A), the multiplier is AD (27 bits) x B (x, 18 bits), and
// the 48-bit ALU adds the product to Z + W: a chain's first stage (Head = 1)
// adds W = RND (the constant Rnd, Z = 0), every other stage Z = PCIN, its
// predecessor's P over the dedicated cascade (W = 0). Only the P register is
// used (AREG = BREG = DREG = ADREG = MREG = 0, PREG = 1), so a stage is one
// cycle from its inputs to P, as the systolic chain in hta_pe_int8 expects.
// ce_i is P's clock enable (CEP): hta_pe_int8 loads P only when the stage
// holds a valid vector, which costs the DSP nothing and lets the behavioural
// model below skip the stage's arithmetic in idle cycles.
//
// Synthesis (Yosys and Vivado define SYNTHESIS) instantiates the DSP48E2
// primitive, unless HTA_DSP_MODEL is defined too (pe_resources.sh does so to
// show what a tool makes of the model by inference); simulation and lint
// (Verilator, which does not define SYNTHESIS) get a behavioural model of the
// primitive written from UG579's description of its datapath - the INMODE
// pre-adder control, the X/Y/Z/W multiplexers selected by OPMODE, ALUMODE
// 0000 (Z + W + X + Y + CIN) and the 48-bit P that wraps - decoding the same
// OPMODE / INMODE / ALUMODE constants the primitive gets, so a wrong constant
// shows in the unit tests. The model covers the multiplexer settings listed
// in it; others fail an assertion at start-up.
`default_nettype none

module hta_dsp48e2_mac2 #(
  parameter bit          Head = 1'b0,   // 1: first stage of a chain (no PCIN)
  parameter logic [47:0] Rnd  = '0      // the DSP's RND constant (Head only)
) (
  input  logic        clk_i,
  input  logic        ce_i,     // P's clock enable (CEP)
  input  logic [7:0]  w_lo_i,   // int8
  input  logic [7:0]  w_hi_i,   // int8
  input  logic [7:0]  x_i,      // int8
  input  logic [47:0] pcin_i,   // the previous stage's pcout_o (ignored by a head)
  output logic [47:0] p_o,
  output logic [47:0] pcout_o
);
  // OPMODE = {W[8:7], Z[6:4], Y[3:2], X[1:0]} (UG579, the OPMODE encodings):
  // X = Y = 01 (the multiplier's two partial products), Z = 001 (PCIN) or 000,
  // W = 10 (RND) or 00.
  localparam logic [8:0] Opmode  = Head ? 9'b10_000_01_01 : 9'b00_001_01_01;
  // INMODE[4] B1/B2 (no B register: same), [3] 0: D + A, [2] 1: D enabled,
  // [1] 0: A enabled, [0] A1/A2 (no A register: same).
  localparam logic [4:0] Inmode  = 5'b00100;
  localparam logic [3:0] Alumode = 4'b0000;  // Z + W + X + Y + CIN

  // Port values: A = w_hi * 2^18 (30 bits, the pre-adder takes A[26:0]),
  // D = w_lo and B = x sign-extended (the model below makes the same).
`ifdef SYNTHESIS
`ifndef HTA_DSP_MODEL
`define HTA_DSP_PRIMITIVE
`endif
`endif
`ifdef HTA_DSP_PRIMITIVE
  wire [29:0] a = {{4{w_hi_i[7]}}, w_hi_i, 18'd0};
  wire [26:0] d = {{19{w_lo_i[7]}}, w_lo_i};
  wire [17:0] b = {{10{x_i[7]}}, x_i};
  DSP48E2 #(
    .A_INPUT("DIRECT"), .B_INPUT("DIRECT"),
    .AMULTSEL("AD"), .BMULTSEL("B"), .PREADDINSEL("A"),
    .USE_MULT("MULTIPLY"), .USE_SIMD("ONE48"),
    .USE_PATTERN_DETECT("NO_PATDET"), .USE_WIDEXOR("FALSE"),
    .RND(Head ? Rnd : 48'd0),
    .AREG(0), .ACASCREG(0), .BREG(0), .BCASCREG(0), .CREG(0), .DREG(0),
    .ADREG(0), .MREG(0), .PREG(1),
    .INMODEREG(0), .OPMODEREG(0), .ALUMODEREG(0),
    .CARRYINREG(0), .CARRYINSELREG(0)
  ) u_dsp (
    .CLK(clk_i),
    .A(a), .B(b), .C(48'd0), .D(d),
    .ACIN(30'd0), .BCIN(18'd0), .PCIN(Head ? 48'd0 : pcin_i),
    .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0),
    .OPMODE(Opmode), .INMODE(Inmode), .ALUMODE(Alumode),
    .CARRYIN(1'b0), .CARRYINSEL(3'b000),
    .CEA1(1'b0), .CEA2(1'b0), .CEB1(1'b0), .CEB2(1'b0), .CEC(1'b0), .CED(1'b0),
    .CEAD(1'b0), .CEM(1'b0), .CEP(ce_i), .CECTRL(1'b0), .CEINMODE(1'b0),
    .CEALUMODE(1'b0), .CECARRYIN(1'b0),
    .RSTA(1'b0), .RSTB(1'b0), .RSTC(1'b0), .RSTD(1'b0), .RSTM(1'b0), .RSTP(1'b0),
    .RSTCTRL(1'b0), .RSTINMODE(1'b0), .RSTALUMODE(1'b0), .RSTALLCARRYIN(1'b0),
    .P(p_o), .PCOUT(pcout_o),
    .ACOUT(), .BCOUT(), .CARRYCASCOUT(), .CARRYOUT(), .MULTSIGNOUT(),
    .OVERFLOW(), .UNDERFLOW(), .PATTERNDETECT(), .PATTERNBDETECT(), .XOROUT()
  );
`else
  // ---- behavioural model of the DSP48E2 in the settings above ------------
`ifndef SYNTHESIS  // (Yosys 0.23 does not parse assert ... else)
  initial begin
    assert (Alumode == 4'b0000) else $fatal(1, "hta_dsp48e2_mac2: ALUMODE not modelled");
    assert (Opmode[1:0] != 2'b11 && Opmode[3:2] != 2'b11 && Opmode[8:7] != 2'b11
            && Opmode[6:4] != 3'b011 && Opmode[6:4] != 3'b100 && Opmode[6:4] != 3'b111)
      else $fatal(1, "hta_dsp48e2_mac2: OPMODE selects C, A:B or MACC extend: not modelled");
    // UG579: the multiplier output goes through X and Y together or not at all.
    assert ((Opmode[1:0] == 2'b01) == (Opmode[3:2] == 2'b01))
      else $fatal(1, "hta_dsp48e2_mac2: OPMODE uses half of M");
  end
`endif

  logic [47:0] p_q;

  // The datapath as a function of the inputs and P, evaluated (by Verilator)
  // only when ce_i loads P: a stage costs the simulation nothing while idle.
  function automatic logic [47:0] next_p(input logic [7:0] w_lo, input logic [7:0] w_hi,
                                         input logic [7:0] x, input logic [47:0] pcin,
                                         input logic [47:0] p_v);
    logic [26:0] a_v, d_v, pre_a, pre_d, ad;   // (A[26:0]: A[29:27] never reach the pre-adder)
    logic [17:0] b_v;
    logic signed [44:0] m45;
    logic [47:0] m, xy, z, w;
    a_v = {w_hi[7], w_hi, 18'd0};
    d_v = {{19{w_lo[7]}}, w_lo};
    b_v = {{10{x[7]}}, x};
    // Pre-adder (27 bits, wraps): AD = (INMODE[2] ? D : 0) +/- (INMODE[1] ? 0 : A[26:0]).
    pre_a = Inmode[1] ? 27'd0 : a_v;
    pre_d = Inmode[2] ? d_v : 27'd0;
    ad    = Inmode[3] ? pre_d - pre_a : pre_d + pre_a;
    // AMULTSEL = "AD", BMULTSEL = "B": 27 x 18 signed, 45-bit product, sign-extended.
    m45 = $signed(ad) * $signed(b_v);
    m   = 48'($signed(m45));
    // X + Y: M when both select it, P (X = 10), all ones (Y = 10), else 0.
    xy = '0;
    if (Opmode[1:0] == 2'b01)      xy = m;
    else if (Opmode[1:0] == 2'b10) xy = p_v;
    if (Opmode[3:2] == 2'b10)      xy = xy + {48{1'b1}};
    unique case (Opmode[6:4])
      3'b001:  z = pcin;
      3'b010:  z = p_v;
      3'b101:  z = 48'($signed(pcin) >>> 17);
      3'b110:  z = 48'($signed(p_v) >>> 17);
      default: z = '0;
    endcase
    unique case (Opmode[8:7])
      2'b01:   w = p_v;
      2'b10:   w = Rnd;
      default: w = '0;
    endcase
    next_p = z + w + xy;  // ALUMODE 0000, CARRYIN 0
  endfunction

  always_ff @(posedge clk_i) begin
    if (ce_i) p_q <= next_p(w_lo_i, w_hi_i, x_i, pcin_i, p_q);
  end

  assign p_o     = p_q;
  assign pcout_o = p_q;

`endif
`undef HTA_DSP_PRIMITIVE
endmodule
