// hta_wbuf: a buffer written one bus beat at a time and read one row of
// Banks beats at a time (registered read). Beat i of the stream goes to bank
// i % Banks, row i / Banks, so a row holds Banks consecutive beats.
`default_nettype none

module hta_wbuf #(
  parameter int Banks = 4,
  parameter int Depth = 2048,
  parameter int Width = hta_cfg_pkg::BusBits
) (
  input  logic                     clk_i,
  input  logic                     we_i,
  input  logic [31:0]              idx_i,    // beat index within the stream
  input  logic [Width-1:0]         wdata_i,
  input  logic [$clog2(Depth)-1:0] raddr_i,  // row
  output logic [Banks*Width-1:0]   row_o     // one cycle after raddr_i
);
  for (genvar b = 0; b < Banks; b++) begin : gen_bank
    hta_ram_sdp #(.Width(Width), .Depth(Depth)) u_ram (
      .clk_i,
      .we_i   (we_i && idx_i % Banks == b),
      .waddr_i($clog2(Depth)'(idx_i / Banks)),
      .wdata_i(wdata_i),
      .raddr_i(raddr_i),
      .rdata_o(row_o[b*Width +: Width])
    );
  end
endmodule
