// hta_ice40_ft245_top: the same core behind an FT232H / FT2232H channel A in 245
// synchronous FIFO mode, for an UP5K board that routes the FIFO bus to the
// FPGA (assumed here: an iCEBreaker with an FT232H module such as FTDI's
// UM232H on PMOD 1A (D[7:0]) and 1B (control, CLKOUT); pins in
// icebreaker_ft245.pcf). Everything runs on the FTDI's 60 MHz CLKOUT. Built
// for utilization and Fmax only; no such board was at hand (README.md).
`default_nettype none

module hta_ice40_ft245_top (
  input  logic       FT_CLK,   // CLKOUT, 60 MHz
  input  logic       FT_RXF_N,
  input  logic       FT_TXE_N,
  output logic       FT_RD_N,
  output logic       FT_WR_N,
  output logic       FT_OE_N,
  inout  wire  [7:0] FT_D,
  output logic       LEDG_N,
  output logic       LEDR_N
);
  localparam int ClkHz = 60_000_000;

  logic [15:0] por_q = '0;
  logic        rst_q = 1'b1;
  always_ff @(posedge FT_CLK) begin
    if (por_q != 16'hFFFF) por_q <= por_q + 16'd1;
    rst_q <= por_q != 16'hFFFF;
  end

  logic       rx_valid, rx_ready, tx_valid, tx_ready, d_oe;
  logic [7:0] rx_data, tx_data, d_in, d_out;

  // D is bidirectional: an SB_IO per bit with its output enable.
  for (genvar i = 0; i < 8; i++) begin : gen_d
    SB_IO #(.PIN_TYPE(6'b1010_01), .PULLUP(1'b0)) u_io (
      .PACKAGE_PIN  (FT_D[i]),
      .OUTPUT_ENABLE(d_oe),
      .D_OUT_0      (d_out[i]),
      .D_IN_0       (d_in[i])
    );
  end

  hta_usb_ft245 u_ft245 (
    .clk_i(FT_CLK), .rst_i(rst_q),
    .ft_rxf_n_i(FT_RXF_N), .ft_txe_n_i(FT_TXE_N),
    .ft_rd_n_o(FT_RD_N), .ft_wr_n_o(FT_WR_N), .ft_oe_n_o(FT_OE_N),
    .ft_d_i(d_in), .ft_d_o(d_out), .ft_d_oe_o(d_oe),
    .rx_valid_o(rx_valid), .rx_ready_i(rx_ready), .rx_data_o(rx_data),
    .tx_valid_i(tx_valid), .tx_ready_o(tx_ready), .tx_data_i(tx_data)
  );

  hta_ice40_core #(.ClkHz(ClkHz)) u_core (
    .clk_i(FT_CLK), .rst_i(rst_q),
    .rx_valid_i(rx_valid), .rx_ready_o(rx_ready), .rx_data_i(rx_data),
    .tx_valid_o(tx_valid), .tx_ready_i(tx_ready), .tx_data_o(tx_data)
  );

  assign LEDG_N = tx_valid;
  assign LEDR_N = !rst_q;
endmodule
