// hta_usb_idq: a queue of 1-bit master numbers, in the order their AXI
// addresses were granted, so the arbiter can route W, B and R (which come in
// that order from an AXI slave without IDs) back to their master.
`default_nettype none

module hta_usb_idq #(
  parameter int Depth = 32  // power of two
) (
  input  logic clk_i,
  input  logic rst_i,
  input  logic push_i,
  input  logic id_i,
  input  logic pop_i,
  output logic id_o,       // master at the head (valid when !empty_o)
  output logic empty_o,
  output logic full_o
);
  localparam int AW = $clog2(Depth);

  logic [Depth-1:0] q_q;
  logic [AW-1:0]    rd_q, wr_q;
  logic [AW:0]      cnt_q;

  assign id_o    = q_q[rd_q];
  assign empty_o = cnt_q == '0;
  assign full_o  = cnt_q == (AW + 1)'(Depth);

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      rd_q  <= '0;
      wr_q  <= '0;
      cnt_q <= '0;
    end else begin
      if (push_i) begin
        q_q[wr_q] <= id_i;
        wr_q      <= wr_q + 1'b1;
      end
      if (pop_i) rd_q <= rd_q + 1'b1;
      cnt_q <= cnt_q + (AW + 1)'(push_i) - (AW + 1)'(pop_i);
    end
  end

`ifndef SYNTHESIS  // Yosys 0.23 parses no assertions
  always_ff @(posedge clk_i) begin
    if (!rst_i && push_i) assert (!full_o) else $error("hta_usb_idq: push while full");
    if (!rst_i && pop_i)  assert (!empty_o) else $error("hta_usb_idq: pop while empty");
  end
`endif
endmodule
