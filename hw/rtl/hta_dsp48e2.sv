// hta_dsp48e2: one DSP48E2 as a plain multiplier-adder (the v2 drain unit's,
// hw/rtl/hta_drain_unit.sv):
//
//   P = Z + W + A[26:0] * B,  Z = 0, PCIN or PCIN >>> 17, W = 0, RND or C
//
// A (27 bits of the 30-bit port) and B (18 bits) are signed; the pre-adder
// is unused (AMULTSEL = "A"). Opmode picks Z and W (X = Y = 01, the
// multiplier's partial products, always). Areg / Breg / Creg (0 or 1) put
// one register on A, B, C (the DSP's own A2 / B2 / C registers, enabled
// every cycle: an operand that must arrive one cycle later than the others
// costs no fabric); Preg (0 or 1) registers P. With Preg = 0, P and PCOUT
// are combinational (a cascade stage summed in the same cycle as its
// successor). MREG = 0.
//
// As hta_dsp48e2_mac2: synthesis (SYNTHESIS defined, HTA_DSP_MODEL not)
// instantiates the DSP48E2 primitive; simulation and lint (Verilator) get a
// behavioural model written from UG579's datapath (Z multiplexer 000 / 001 /
// 101, W multiplexer 00 / 10 / 11, ALUMODE 0000: Z + W + X + Y), decoding the
// same OPMODE the primitive gets; other settings fail an assertion.
`default_nettype none

module hta_dsp48e2 #(
  parameter logic [8:0]  Opmode = 9'b00_000_01_01,  // {W, Z, Y, X}
  parameter logic [47:0] Rnd    = '0,
  parameter bit          Areg   = 1'b0,
  parameter bit          Breg   = 1'b0,
  parameter bit          Creg   = 1'b0,
  parameter bit          Preg   = 1'b1
) (
  input  logic        clk_i,
  input  logic [26:0] a_i,      // signed
  input  logic [17:0] b_i,      // signed
  input  logic [47:0] c_i,
  input  logic [47:0] pcin_i,   // the previous stage's pcout_o
  output logic [47:0] p_o,
  output logic [47:0] pcout_o
);
`ifdef SYNTHESIS
`ifndef HTA_DSP_MODEL
`define HTA_DSP_PRIMITIVE
`endif
`endif
`ifdef HTA_DSP_PRIMITIVE
  DSP48E2 #(
    .A_INPUT("DIRECT"), .B_INPUT("DIRECT"),
    .AMULTSEL("A"), .BMULTSEL("B"), .PREADDINSEL("A"),
    .USE_MULT("MULTIPLY"), .USE_SIMD("ONE48"),
    .USE_PATTERN_DETECT("NO_PATDET"), .USE_WIDEXOR("FALSE"),
    .RND(Rnd),
    .AREG(Areg ? 1 : 0), .ACASCREG(Areg ? 1 : 0), .BREG(Breg ? 1 : 0),
    .BCASCREG(Breg ? 1 : 0), .CREG(Creg ? 1 : 0), .DREG(0),
    .ADREG(0), .MREG(0), .PREG(Preg ? 1 : 0),
    .INMODEREG(0), .OPMODEREG(0), .ALUMODEREG(0),
    .CARRYINREG(0), .CARRYINSELREG(0)
  ) u_dsp (
    .CLK(clk_i),
    .A({{3{a_i[26]}}, a_i}), .B(b_i), .C(c_i), .D(27'd0),
    .ACIN(30'd0), .BCIN(18'd0), .PCIN(pcin_i),
    .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0),
    .OPMODE(Opmode), .INMODE(5'b00000), .ALUMODE(4'b0000),
    .CARRYIN(1'b0), .CARRYINSEL(3'b000),
    .CEA1(1'b0), .CEA2(Areg), .CEB1(1'b0), .CEB2(Breg), .CEC(Creg), .CED(1'b0),
    .CEAD(1'b0), .CEM(1'b0), .CEP(Preg), .CECTRL(1'b0), .CEINMODE(1'b0),
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
    assert (Opmode[3:0] == 4'b0101)
      else $fatal(1, "hta_dsp48e2: OPMODE X/Y must select the multiplier");
    assert (Opmode[6:4] == 3'b000 || Opmode[6:4] == 3'b001 || Opmode[6:4] == 3'b101)
      else $fatal(1, "hta_dsp48e2: OPMODE Z not modelled");
    assert (Opmode[8:7] != 2'b01) else $fatal(1, "hta_dsp48e2: OPMODE W = P not modelled");
  end
`endif
  logic [26:0] a_q, a_v;
  logic [17:0] b_q, b_v;
  logic [47:0] c_q, c_v, p_q, z, w, p_d;
  always_ff @(posedge clk_i) begin
    a_q <= a_i;
    b_q <= b_i;
    c_q <= c_i;
    p_q <= p_d;
  end
  always_comb begin
    a_v = Areg ? a_q : a_i;
    b_v = Breg ? b_q : b_i;
    c_v = Creg ? c_q : c_i;
    unique case (Opmode[6:4])
      3'b001:  z = pcin_i;
      3'b101:  z = 48'($signed(pcin_i) >>> 17);
      default: z = '0;
    endcase
    unique case (Opmode[8:7])
      2'b10:   w = Rnd;
      2'b11:   w = c_v;
      default: w = '0;
    endcase
    // 27 x 18 signed, the 45-bit product sign-extended; the 48-bit sum wraps
    p_d = z + w + 48'($signed(a_v) * $signed(b_v));
  end
  assign p_o     = Preg ? p_q : p_d;
  assign pcout_o = p_o;
`endif
`undef HTA_DSP_PRIMITIVE
endmodule
