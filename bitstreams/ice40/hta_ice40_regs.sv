// hta_ice40_regs: the register loopback of the UP5K board build, where the
// engine does not fit (README.md): an AXI4-Lite slave with 64 read/write
// 32-bit registers at 0x000 .. 0x0FC (in one EBR block), DECERR above. It lets
// the host test every register path of the link on a real board; HELLO tells
// the host (flags bit 0 = 0) that no engine is behind it.
`default_nettype none

module hta_ice40_regs (
  input  logic        clk_i,
  input  logic        rst_i,
  input  logic        awvalid_i,
  output logic        awready_o,
  input  logic [11:0] awaddr_i,
  input  logic        wvalid_i,
  output logic        wready_o,
  input  logic [31:0] wdata_i,
  input  logic [3:0]  wstrb_i,
  output logic        bvalid_o,
  input  logic        bready_i,
  output logic [1:0]  bresp_o,
  input  logic        arvalid_i,
  output logic        arready_o,
  input  logic [11:0] araddr_i,
  output logic        rvalid_o,
  input  logic        rready_i,
  output logic [31:0] rdata_o,
  output logic [1:0]  rresp_o
);
  logic [31:0] ram_q [64];

  // The bridge writes whole registers (wstrb 1111), so strobes are not
  // needed, and without them the array maps to one EBR block.
  logic unused;
  assign unused = ^{awaddr_i[1:0], araddr_i[1:0], wstrb_i};

  // A write needs address and data together; the bridge offers both at once.
  assign awready_o = awvalid_i && wvalid_i && !bvalid_o;
  assign wready_o  = awready_o;
  assign arready_o = !rvalid_o;

  always_ff @(posedge clk_i) begin
    if (awready_o && awaddr_i[11:8] == '0) ram_q[awaddr_i[7:2]] <= wdata_i;
    if (arvalid_i && arready_o) rdata_o <= ram_q[araddr_i[7:2]];
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      bvalid_o <= 1'b0;
      rvalid_o <= 1'b0;
    end else begin
      if (awready_o) begin
        bvalid_o <= 1'b1;
        bresp_o  <= (awaddr_i[11:8] == '0) ? 2'b00 : 2'b11;
      end else if (bready_i) begin
        bvalid_o <= 1'b0;
      end
      if (arvalid_i && arready_o) begin
        rvalid_o <= 1'b1;
        rresp_o  <= (araddr_i[11:8] == '0) ? 2'b00 : 2'b11;
      end else if (rready_i) begin
        rvalid_o <= 1'b0;
      end
    end
  end
endmodule
