// hta_pe_synth: arrays of the v2 processing elements, for measuring what one
// INT8 MAC and one ternary MAC cost (hw/synth/pe_resources.sh).
//
// As engine-v2.md lays the arrays out: Pix x (MacCo/2) hta_pe_int8 and
// Pix x AddCo hta_pe_tern, all fed the same input block X[Pix][Ci], the INT8
// weight rows shared along the pixels, the ternary codes likewise. The INT8
// chains' input skew is done here once per pixel (X) and once per channel
// pair (weights), shared by every PE that uses them (SkewIn = 0), as an array
// would; the delays match hta_pe_int8's chain layout. Control is one set of
// flags for all PEs. A measurement harness, not part of the engine (yet).
`default_nettype none

module hta_pe_synth #(
  parameter int Pix   = 4,
  parameter int Ci    = 16,
  parameter int MacCo = 4,    // even, >= 2
  parameter int AddCo = 4,    // >= 1
  parameter int L     = 7
) (
  input  logic                     clk_i,
  input  logic                     rst_i,
  input  logic                     valid_i,
  input  logic                     first_i,
  input  logic                     last_i,
  input  logic [Pix*Ci*8-1:0]      x_i,
  input  logic [MacCo*Ci*8-1:0]    wm_i,      // row o at [o*Ci*8 +: Ci*8]
  input  logic [AddCo*Ci*2-1:0]    wa_i,
  output logic [Pix*MacCo*32-1:0]  mac_o,
  output logic [Pix*AddCo*24-1:0]  add_o,
  output logic                     mac_valid_o,
  output logic                     add_valid_o
);
  localparam int NCh  = (Ci + L - 1) / L;
  localparam int Lmax = (Ci + NCh - 1) / NCh;

  // Input c's delay in hta_pe_int8's chains (see SkewIn there).
  function automatic int skew(input int c);
    int j, len;
    j    = c / Lmax;
    len  = (Ci - j * Lmax < Lmax) ? Ci - j * Lmax : Lmax;
    skew = Lmax - len + c % Lmax;
  endfunction

  // ---- skewed copies of X (per pixel) and of the INT8 weights (per row) ----
  logic [Pix*Ci*8-1:0]   xs;
  logic [MacCo*Ci*8-1:0] ws;
  for (genvar c = 0; c < Ci; c++) begin : gen_skew
    localparam int D = skew(c);
    if (D == 0) begin : gen_none
      for (genvar p = 0; p < Pix; p++) begin : gen_x
        assign xs[(p*Ci+c)*8 +: 8] = x_i[(p*Ci+c)*8 +: 8];
      end
      for (genvar o = 0; o < MacCo; o++) begin : gen_w
        assign ws[(o*Ci+c)*8 +: 8] = wm_i[(o*Ci+c)*8 +: 8];
      end
    end else begin : gen_sr
      for (genvar p = 0; p < Pix; p++) begin : gen_x
        logic [7:0] sr_q [D];
        always_ff @(posedge clk_i) begin
          sr_q[0] <= x_i[(p*Ci+c)*8 +: 8];
          for (int i = 1; i < D; i++) sr_q[i] <= sr_q[i-1];
        end
        assign xs[(p*Ci+c)*8 +: 8] = sr_q[D-1];
      end
      for (genvar o = 0; o < MacCo; o++) begin : gen_w
        logic [7:0] sr_q [D];
        always_ff @(posedge clk_i) begin
          sr_q[0] <= wm_i[(o*Ci+c)*8 +: 8];
          for (int i = 1; i < D; i++) sr_q[i] <= sr_q[i-1];
        end
        assign ws[(o*Ci+c)*8 +: 8] = sr_q[D-1];
      end
    end
  end

  logic [Pix*MacCo/2-1:0] mv;
  logic [Pix*AddCo-1:0]   av;
  for (genvar p = 0; p < Pix; p++) begin : gen_pix
    for (genvar q = 0; q < MacCo / 2; q++) begin : gen_mac
      hta_pe_int8 #(.Ci(Ci), .L(L), .AccBits(32), .SkewIn(1'b0)) u_pe (
        .clk_i, .rst_i, .valid_i, .first_i, .last_i,
        .x_i     (xs[p*Ci*8 +: Ci*8]),
        .w_lo_i  (ws[(2*q)*Ci*8 +: Ci*8]),
        .w_hi_i  (ws[(2*q+1)*Ci*8 +: Ci*8]),
        .valid_o (mv[p*MacCo/2+q]),
        .acc_lo_o(mac_o[(p*MacCo+2*q)*32 +: 32]),
        .acc_hi_o(mac_o[(p*MacCo+2*q+1)*32 +: 32])
      );
    end
    for (genvar o = 0; o < AddCo; o++) begin : gen_add
      hta_pe_tern #(.Ci(Ci), .SumBits(24)) u_pe (
        .clk_i, .rst_i, .valid_i, .first_i, .last_i,
        .x_i    (x_i[p*Ci*8 +: Ci*8]),
        .t_i    (wa_i[o*Ci*2 +: Ci*2]),
        .valid_o(av[p*AddCo+o]),
        .sum_o  (add_o[(p*AddCo+o)*24 +: 24])
      );
    end
  end
  // Every PE's valid is the same; one of each is the array's.
  assign mac_valid_o = mv[0];
  assign add_valid_o = av[0];

  logic unused;
  assign unused = ^{mv, av};
endmodule
