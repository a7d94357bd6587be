// hta_ice40_uart_top: iCEBreaker (iCE40UP5K-SG48) board top. The link runs over
// the FT2232H's channel B UART (the board wires channel A to the SPI flash, so
// no FT245 FIFO reaches the FPGA): 1 Mbaud 8N1 from the 12 MHz oscillator.
// Pins in icebreaker.pcf. Green LED: off while a response is being sent.
`default_nettype none

module hta_ice40_uart_top (
  input  logic CLK,     // 12 MHz
  input  logic RX,      // from the FT2232H (its TXD)
  output logic TX,      // to the FT2232H (its RXD)
  input  logic BTN_N,   // user button: reset while pressed
  output logic LEDG_N,
  output logic LEDR_N
);
  localparam int ClkHz = 12_000_000;
  localparam int Baud  = 1_000_000;

  // Reset for 2^16 cycles after configuration, and while the button is down.
  logic [15:0] por_q = '0;
  logic        rst_q = 1'b1;
  always_ff @(posedge CLK) begin
    if (!BTN_N) por_q <= '0;
    else if (por_q != 16'hFFFF) por_q <= por_q + 16'd1;
    rst_q <= por_q != 16'hFFFF;
  end

  logic       rx_valid, rx_ready, tx_valid, tx_ready;
  logic [7:0] rx_data, tx_data;

  hta_usb_uart #(.ClksPerBit(ClkHz / Baud)) u_uart (
    .clk_i(CLK), .rst_i(rst_q), .rxd_i(RX), .txd_o(TX),
    .rx_valid_o(rx_valid), .rx_ready_i(rx_ready), .rx_data_o(rx_data),
    .tx_valid_i(tx_valid), .tx_ready_o(tx_ready), .tx_data_i(tx_data)
  );

  hta_ice40_core #(.ClkHz(ClkHz)) u_core (
    .clk_i(CLK), .rst_i(rst_q),
    .rx_valid_i(rx_valid), .rx_ready_o(rx_ready), .rx_data_i(rx_data),
    .tx_valid_o(tx_valid), .tx_ready_i(tx_ready), .tx_data_o(tx_data)
  );

  assign LEDG_N = tx_valid;
  assign LEDR_N = !rst_q;
endmodule
