// hta_fifo: synchronous first-word-fall-through FIFO. Depth is a power of two.
// The count output lets producers reserve space for data already in flight.
`default_nettype none

module hta_fifo #(
  parameter int Width = 8,
  parameter int Depth = 16
) (
  input  logic                   clk_i,
  input  logic                   rst_i,
  input  logic                   clr_i,    // drop all entries
  input  logic                   push_i,
  input  logic [Width-1:0]       data_i,
  input  logic                   pop_i,
  output logic [Width-1:0]       data_o,
  output logic                   empty_o,
  output logic                   full_o,
  output logic [$clog2(Depth):0] count_o
);
  localparam int PtrBits = $clog2(Depth);

  logic [Width-1:0]   mem_q [Depth];
  logic [PtrBits-1:0] wr_q, rd_q;
  logic [PtrBits:0]   count_q;

  wire do_push = push_i && !full_o;
  wire do_pop  = pop_i && !empty_o;

  assign data_o  = mem_q[rd_q];
  assign empty_o = (count_q == '0);
  assign full_o  = (count_q == (PtrBits+1)'(Depth));
  assign count_o = count_q;

  always_ff @(posedge clk_i) begin
    if (do_push) mem_q[wr_q] <= data_i;
  end

  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) begin
      wr_q    <= '0;
      rd_q    <= '0;
      count_q <= '0;
    end else begin
      if (do_push) wr_q <= wr_q + 1'b1;
      if (do_pop)  rd_q <= rd_q + 1'b1;
      count_q <= count_q + (PtrBits+1)'(do_push) - (PtrBits+1)'(do_pop);
    end
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (!rst_i && push_i) assert (!full_o) else $error("hta_fifo: push while full");
    if (!rst_i && pop_i)  assert (!empty_o) else $error("hta_fifo: pop while empty");
  end
`endif
endmodule
