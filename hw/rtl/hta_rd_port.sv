// hta_rd_port: the engine's one AXI4 read master. Clients ask for bursts by
// window and offset; the port checks each burst against its window, adds the
// window base, and issues it. Bursts return in order (single ID), so a queue
// of tags routes every R beat to the client that asked for it. Clients
// always accept their beats (they reserve space before asking), which keeps
// rready high and the bus free of back-pressure deadlocks.
`default_nettype none

module hta_rd_port #(
  parameter int NumClients = hta_pkg::NumRdClients,
  parameter int DataBits   = hta_cfg_pkg::BusBits,
  parameter int Outstanding = hta_cfg_pkg::RdOutstanding
) (
  input  logic                    clk_i,
  input  logic                    rst_i,
  input  logic [63:0]             prog_base_i,
  input  logic [63:0]             prog_size_i,
  input  logic [63:0]             data_base_i,
  input  logic [63:0]             data_size_i,
  input  logic                    abort_i,      // drop new requests, sink data
  // clients (offsets in bytes, beat aligned; a burst never crosses a
  // MaxBurst*BusBytes boundary, so never a 4 KiB one)
  input  logic [NumClients-1:0]   req_valid_i,
  output logic [NumClients-1:0]   req_ready_o,
  input  logic [NumClients-1:0]   req_win_i,
  input  logic [NumClients*32-1:0] req_off_i,
  input  logic [NumClients*8-1:0] req_beats_i,
  output logic [NumClients-1:0]   rd_valid_o,
  output logic [DataBits-1:0]     rd_data_o,
  // AXI4 read address and data channels
  output logic                    arvalid_o,
  input  logic                    arready_i,
  output logic [63:0]             araddr_o,
  output logic [7:0]              arlen_o,
  input  logic                    rvalid_i,
  output logic                    rready_o,
  input  logic [DataBits-1:0]     rdata_i,
  input  logic [1:0]              rresp_i,
  input  logic                    rlast_i,
  // status
  output logic                    idle_o,
  output logic                    err_window_o, // pulse: request left its window
  output logic                    err_resp_o,   // pulse: SLVERR/DECERR
  output logic [63:0]             err_addr_o,   // offset or address of the error
  output logic [31:0]             beats_o       // beats delivered this cycle (0/1)
);
  localparam int BusBytes = DataBits / 8;
  localparam int ClientBits = (NumClients > 1) ? $clog2(NumClients) : 1;
  localparam int TagBits = ClientBits + 64;

  // ------------------------------------------------------------ arbitration
  logic [ClientBits-1:0] last_q;   // client granted last (round robin)
  logic [ClientBits-1:0] pick;
  logic                  pick_valid;

  // Round robin: the first requester after last_q, in the order last_q + 1,
  // ..., NumClients - 1, 0, ..., last_q. The candidate index wraps by one
  // compare-and-subtract (last_q + n < 2 * NumClients), not a `%`, which
  // would synthesize a divider per candidate.
  logic [ClientBits:0] cand;
  always_comb begin
    pick = last_q;
    pick_valid = 1'b0;
    cand = '0;
    for (int n = 1; n <= NumClients; n++) begin
      cand = (ClientBits+1)'(last_q) + (ClientBits+1)'(n);
      if (cand >= (ClientBits+1)'(NumClients)) cand = cand - (ClientBits+1)'(NumClients);
      if (!pick_valid && req_valid_i[cand[ClientBits-1:0]]) begin
        pick = cand[ClientBits-1:0];
        pick_valid = 1'b1;
      end
    end
  end

  logic tag_full, tag_empty;
  logic [TagBits-1:0] tag_head;
  logic [$clog2(Outstanding):0] tag_count;

  // A new burst is taken when the AR register is free and a tag slot exists.
  wire ar_free = !arvalid_o || arready_i;
  wire grant   = pick_valid && ar_free && !tag_full;

  wire [31:0] off   = req_off_i[32'(pick)*32 +: 32];
  wire [7:0]  beats = req_beats_i[32'(pick)*8 +: 8];
  wire        win   = req_win_i[32'(pick)];
  wire [63:0] base  = win ? data_base_i : prog_base_i;
  wire [63:0] size  = win ? data_size_i : prog_size_i;
  wire [64:0] end_off = {33'd0, off} + 65'(beats) * 65'(BusBytes);
  wire in_window = (beats != 8'd0) && (end_off <= {1'b0, size});

  always_comb begin
    req_ready_o = '0;
    req_ready_o[pick] = grant;
  end

  wire issue = grant && in_window && !abort_i;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      arvalid_o <= 1'b0;
      araddr_o  <= '0;
      arlen_o   <= '0;
      last_q    <= '0;
    end else begin
      if (arvalid_o && arready_i) arvalid_o <= 1'b0;
      if (grant) last_q <= pick;
      if (issue) begin
        arvalid_o <= 1'b1;
        araddr_o  <= base + {32'd0, off};
        arlen_o   <= beats - 8'd1;
      end
    end
  end

  // ---------------------------------------------------------- tag routing
  hta_fifo #(.Width(TagBits), .Depth(Outstanding)) u_tags (
    .clk_i, .rst_i, .clr_i(1'b0),
    .push_i (issue),
    .data_i ({pick, base + {32'd0, off}}),
    .pop_i  (rvalid_i && rlast_i && !tag_empty),
    .data_o (tag_head),
    .empty_o(tag_empty),
    .full_o (tag_full),
    .count_o(tag_count)
  );

  logic unused;
  assign unused = ^tag_count;

  wire [ClientBits-1:0] r_client = tag_head[TagBits-1 -: ClientBits];
  wire r_ok = rvalid_i && !tag_empty && rresp_i == 2'b00 && !abort_i;

  assign rready_o  = 1'b1;
  assign rd_data_o = rdata_i;
  always_comb begin
    rd_valid_o = '0;
    rd_valid_o[r_client] = r_ok;
  end
  assign beats_o = {31'd0, r_ok};

  assign idle_o = tag_empty && !arvalid_o;

  // --------------------------------------------------------------- errors
  assign err_window_o = grant && !in_window && !abort_i;
  assign err_resp_o   = rvalid_i && !tag_empty && rresp_i != 2'b00;
  assign err_addr_o   = err_window_o ? {32'd0, off} : tag_head[63:0];

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (!rst_i && rvalid_i) assert (!tag_empty) else $error("hta_rd_port: R beat with no burst");
    if (!rst_i && grant && in_window) begin
      assert (((off / BusBytes) % hta_cfg_pkg::MaxBurst) + 32'(beats) <= hta_cfg_pkg::MaxBurst)
        else $error("hta_rd_port: burst crosses a burst boundary");
      assert (off % BusBytes == 0) else $error("hta_rd_port: unaligned offset");
    end
  end
`endif
endmodule
