// hta_usb_uart: 8N1 UART to a byte stream (valid/ready), the link transport of
// boards whose USB chip offers only a serial port to the FPGA (iCEBreaker:
// FT2232H channel B). The receiver samples each bit in its middle after a
// two-flop synchroniser; a byte that arrives while the previous one still
// waits is dropped: the link protocol's CRC and retry cover it, and the
// bridge reads every byte of a frame as soon as it arrives.
`default_nettype none

module hta_usb_uart #(
  parameter int ClksPerBit = 12  // clock / baud, >= 4
) (
  input  logic       clk_i,
  input  logic       rst_i,
  input  logic       rxd_i,
  output logic       txd_o,
  output logic       rx_valid_o,
  input  logic       rx_ready_i,
  output logic [7:0] rx_data_o,
  input  logic       tx_valid_i,
  output logic       tx_ready_o,
  input  logic [7:0] tx_data_i
);
  localparam int CW = $clog2(ClksPerBit * 3 / 2 + 1);
  localparam logic [CW-1:0] Full = CW'(ClksPerBit - 1);
  localparam logic [CW-1:0] Half = CW'(ClksPerBit * 3 / 2 - 1);  // start bit + half a bit

  // ------------------------------------------------------------ receive
  logic [1:0]    sync_q;
  logic          rx_busy_q, rx_valid_q;
  logic [CW-1:0] rx_cnt_q;
  logic [3:0]    rx_bit_q;
  logic [7:0]    rx_sh_q, rx_data_q;

  always_ff @(posedge clk_i) begin
    sync_q <= {sync_q[0], rxd_i};
    if (rst_i) begin
      sync_q     <= 2'b11;
      rx_busy_q  <= 1'b0;
      rx_valid_q <= 1'b0;
    end else begin
      if (rx_valid_q && rx_ready_i) rx_valid_q <= 1'b0;
      if (!rx_busy_q) begin
        if (!sync_q[1]) begin          // start bit edge: first sample in data bit 0's middle
          rx_busy_q <= 1'b1;
          rx_cnt_q  <= Half;
          rx_bit_q  <= '0;
        end
      end else if (rx_cnt_q != '0) begin
        rx_cnt_q <= rx_cnt_q - 1'b1;
      end else if (rx_bit_q < 4'd8) begin
        rx_sh_q  <= {sync_q[1], rx_sh_q[7:1]};
        rx_bit_q <= rx_bit_q + 4'd1;
        rx_cnt_q <= Full;
      end else begin                   // middle of the stop bit
        rx_busy_q <= 1'b0;
        if (sync_q[1] && !(rx_valid_q && !rx_ready_i)) begin
          rx_valid_q <= 1'b1;
          rx_data_q  <= rx_sh_q;
        end
      end
    end
  end

  assign rx_valid_o = rx_valid_q;
  assign rx_data_o  = rx_data_q;

  // ------------------------------------------------------------ transmit
  logic          tx_busy_q;
  logic [CW-1:0] tx_cnt_q;
  logic [3:0]    tx_bit_q;
  logic [9:0]    tx_sh_q;  // stop, data[7:0], start; bit 0 on the line

  assign tx_ready_o = !tx_busy_q;
  assign txd_o      = tx_busy_q ? tx_sh_q[0] : 1'b1;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      tx_busy_q <= 1'b0;
    end else if (!tx_busy_q) begin
      if (tx_valid_i) begin
        tx_busy_q <= 1'b1;
        tx_sh_q   <= {1'b1, tx_data_i, 1'b0};
        tx_cnt_q  <= Full;
        tx_bit_q  <= '0;
      end
    end else if (tx_cnt_q != '0) begin
      tx_cnt_q <= tx_cnt_q - 1'b1;
    end else if (tx_bit_q == 4'd9) begin
      tx_busy_q <= 1'b0;
    end else begin
      tx_sh_q  <= {1'b1, tx_sh_q[9:1]};
      tx_bit_q <= tx_bit_q + 4'd1;
      tx_cnt_q <= Full;
    end
  end
endmodule
