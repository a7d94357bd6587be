// hta_stage: output staging of one array, two halves of StageBytes (a tile
// is written back from one while the next computes into the other). The drain writes RqLanes
// consecutive bytes per cycle; the writer reads BusBytes consecutive bytes
// per cycle from any byte offset. Both are served without conflicts by
// BusBytes byte-wide banks: consecutive bytes always sit in distinct banks.
`default_nettype none

module hta_stage #(
  parameter int Bytes   = 2 * hta_cfg_pkg::StageBytes,
  parameter int RqLanes = hta_cfg_pkg::RqLanes,
  parameter int BusBits = hta_cfg_pkg::BusBits
) (
  input  logic                 clk_i,
  input  logic [RqLanes-1:0]   we_i,
  input  logic [15:0]          waddr_i,   // byte address of lane 0
  input  logic [RqLanes*8-1:0] wdata_i,
  input  logic [15:0]          raddr_i,   // byte address of byte 0
  output logic [BusBits-1:0]   rdata_o    // one cycle later
);
  localparam int Banks    = BusBits / 8;
  localparam int BankBits = $clog2(Banks);
  localparam int Depth    = Bytes / Banks;
  localparam int RowBits  = $clog2(Depth);

  logic [BankBits-1:0] rot_q;
  logic [7:0]          bank_rd [Banks];

  for (genvar b = 0; b < Banks; b++) begin : gen_bank
    // Which lane of this cycle's write lands in bank b (if any).
    logic             we;
    logic [RowBits-1:0] wrow;
    logic [7:0]       wbyte;
    always_comb begin
      we    = 1'b0;
      wrow  = '0;
      wbyte = '0;
      for (int r = 0; r < RqLanes; r++) begin
        if (we_i[r] && BankBits'(waddr_i + 16'(r)) == BankBits'(b)) begin
          we    = 1'b1;
          wrow  = RowBits'((waddr_i + 16'(r)) >> BankBits);
          wbyte = wdata_i[r*8 +: 8];
        end
      end
    end

    // Byte i of the read window lives in bank (raddr + i) mod Banks.
    wire [BankBits-1:0] i_of_b = BankBits'(b) - BankBits'(raddr_i);
    wire [15:0]         rbyte  = raddr_i + 16'(i_of_b);

    hta_ram_sdp #(.Width(8), .Depth(Depth)) u_ram (
      .clk_i,
      .we_i   (we),
      .waddr_i(wrow),
      .wdata_i(wbyte),
      .raddr_i(RowBits'(rbyte >> BankBits)),
      .rdata_o(bank_rd[b])
    );
  end

  always_ff @(posedge clk_i) rot_q <= BankBits'(raddr_i);

  always_comb begin
    for (int i = 0; i < Banks; i++) begin
      rdata_o[i*8 +: 8] = bank_rd[(32'(rot_q) + i) % Banks];
    end
  end
endmodule
