// hta_usb_ft245: FTDI FT2232H / FT232H "245 synchronous FIFO" pins to a byte
// stream (valid/ready), for the link bridge. Runs in the CLKOUT domain (60 MHz
// from the FTDI chip); every pin output comes from a flop.
//
// FT245 synchronous FIFO, as FTDI's datasheets (FT2232H DS section 4.4,
// AN_130) describe it: RXF# low = the chip holds bytes for us; after OE# low
// for one cycle, each rising edge with RD# and RXF# both low transfers the
// byte on D. TXE# low = the chip can take bytes; each rising edge with WR# and
// TXE# both low transfers the byte we drive on D. D is shared, so the adapter
// is in one of three modes, and never drives D while OE# is low.
//
// RD# is registered, so it stops one edge after we decide: reads continue only
// while the receive FIFO could hold one more byte after this edge.
`default_nettype none

module hta_usb_ft245 #(
  parameter int RxDepth = 4  // receive FIFO bytes, power of two >= 4
) (
  input  logic       clk_i,       // FTDI CLKOUT
  input  logic       rst_i,
  // FTDI pins (active-low signals end in _n)
  input  logic       ft_rxf_n_i,
  input  logic       ft_txe_n_i,
  output logic       ft_rd_n_o,
  output logic       ft_wr_n_o,
  output logic       ft_oe_n_o,
  input  logic [7:0] ft_d_i,
  output logic [7:0] ft_d_o,
  output logic       ft_d_oe_o,   // 1: drive ft_d_o onto D (board top's tristate)
  // Byte stream to / from the bridge
  output logic       rx_valid_o,
  input  logic       rx_ready_i,
  output logic [7:0] rx_data_o,
  input  logic       tx_valid_i,
  output logic       tx_ready_o,
  input  logic [7:0] tx_data_i
);
  localparam int AW = $clog2(RxDepth);

  typedef enum logic [1:0] {MIdle, MRead, MWrite} mode_e;
  mode_e mode_q, mode_d;
  logic  oe_n_q, oe_n_d, rd_n_q, rd_n_d, wr_n_q, wr_n_d, doe_q, doe_d;
  logic [7:0] dout_q, dout_d;

  // ------------------------------------------------------------ receive FIFO
  logic [7:0]  fifo_q [RxDepth];
  logic [AW-1:0] rp_q, wp_q;
  logic [AW:0] cnt_q, cnt_n;
  logic        push, pop, taken;

  assign push       = mode_q == MRead && !rd_n_q && !ft_rxf_n_i;
  assign rx_valid_o = cnt_q != '0;
  assign rx_data_o  = fifo_q[rp_q];
  assign pop        = rx_valid_o && rx_ready_i;
  assign cnt_n      = cnt_q + (AW + 1)'(push) - (AW + 1)'(pop);

  // A byte we present is taken on the edge where WR# and TXE# are both low.
  // A one-byte holding register lets tx_ready_o depend on flops only, so the
  // TXE# pin does not reach into the bridge's state machine (timing).
  logic [7:0] pend_q, pend_d;
  logic       pend_v_q, pend_v_d, free, tx_fire;
  assign taken      = !wr_n_q && !ft_txe_n_i;
  assign free       = wr_n_q || taken;
  assign tx_ready_o = mode_q == MWrite && !pend_v_q;
  assign tx_fire    = tx_valid_i && tx_ready_o;

  always_comb begin
    mode_d = mode_q;
    oe_n_d = oe_n_q;  rd_n_d = rd_n_q;  wr_n_d = wr_n_q;  doe_d = doe_q;  dout_d = dout_q;
    pend_d = pend_q;  pend_v_d = pend_v_q;
    unique case (mode_q)
      MIdle: begin
        // Writes first: a response must not wait behind bytes nobody asked for.
        if (tx_valid_i && !ft_txe_n_i) begin
          mode_d = MWrite;
          doe_d  = 1'b1;
        end else if (!ft_rxf_n_i && cnt_q < (AW + 1)'(RxDepth - 1)) begin
          mode_d = MRead;
          oe_n_d = 1'b0;       // OE# one cycle ahead of RD#
        end
      end
      MRead: begin
        if (ft_rxf_n_i || tx_valid_i || cnt_n >= (AW + 1)'(RxDepth - 1)) begin
          mode_d = MIdle;
          oe_n_d = 1'b1;
          rd_n_d = 1'b1;
        end else begin
          rd_n_d = 1'b0;
        end
      end
      MWrite: begin
        if (free) begin
          if (pend_v_q) begin
            dout_d   = pend_q;
            wr_n_d   = 1'b0;
            pend_v_d = 1'b0;
          end else if (tx_fire) begin
            dout_d = tx_data_i;
            wr_n_d = 1'b0;
          end else begin
            wr_n_d = 1'b1;
            mode_d = MIdle;
            doe_d  = 1'b0;
          end
        end else if (tx_fire) begin
          pend_d   = tx_data_i;
          pend_v_d = 1'b1;
        end
      end
      default: mode_d = MIdle;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      mode_q <= MIdle;
      oe_n_q <= 1'b1;
      rd_n_q <= 1'b1;
      wr_n_q <= 1'b1;
      doe_q  <= 1'b0;
      pend_v_q <= 1'b0;
      rp_q   <= '0;
      wp_q   <= '0;
      cnt_q  <= '0;
    end else begin
      mode_q <= mode_d;
      oe_n_q <= oe_n_d;
      rd_n_q <= rd_n_d;
      wr_n_q <= wr_n_d;
      doe_q  <= doe_d;
      pend_v_q <= pend_v_d;
      if (push) wp_q <= wp_q + 1'b1;
      if (pop)  rp_q <= rp_q + 1'b1;
      cnt_q  <= cnt_n;
    end
    if (push) fifo_q[wp_q] <= ft_d_i;
    dout_q <= dout_d;
    pend_q <= pend_d;
  end

  assign ft_oe_n_o = oe_n_q;
  assign ft_rd_n_o = rd_n_q;
  assign ft_wr_n_o = wr_n_q;
  assign ft_d_o    = dout_q;
  assign ft_d_oe_o = doe_q;

`ifndef SYNTHESIS  // Yosys 0.23 parses no assertions
  always_ff @(posedge clk_i) begin
    if (!rst_i && push) assert (cnt_q < (AW + 1)'(RxDepth) || pop)
      else $error("hta_usb_ft245: receive FIFO overflow");
    if (!rst_i) assert (!(doe_q && !oe_n_q)) else $error("hta_usb_ft245: D driven by both");
  end
`endif
endmodule
