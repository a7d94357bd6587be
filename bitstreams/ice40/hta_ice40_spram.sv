// hta_ice40_spram: 128 KiB of iCE40 UP5K single-port RAM (all four SB_SPRAM256KA)
// as an AXI4 slave, 32-bit, device addresses 0x0 .. 0x1FFFF (beyond: DECERR).
// The memory behind the link bridge on the UP5K board; one beat per three
// cycles is far more than the link delivers, so the FSM stays simple: one
// burst at a time, reads registered once more so rdata holds while rready waits.
`default_nettype none

module hta_ice40_spram (
  input  logic        clk_i,
  input  logic        rst_i,
  input  logic        awvalid_i,
  output logic        awready_o,
  input  logic [63:0] awaddr_i,
  input  logic [7:0]  awlen_i,
  input  logic        wvalid_i,
  output logic        wready_o,
  input  logic [31:0] wdata_i,
  input  logic [3:0]  wstrb_i,
  input  logic        wlast_i,
  output logic        bvalid_o,
  input  logic        bready_i,
  output logic [1:0]  bresp_o,
  input  logic        arvalid_i,
  output logic        arready_o,
  input  logic [63:0] araddr_i,
  input  logic [7:0]  arlen_i,
  output logic        rvalid_o,
  input  logic        rready_i,
  output logic [31:0] rdata_o,
  output logic [1:0]  rresp_o,
  output logic        rlast_o
);
  localparam logic [1:0] Okay = 2'b00, DecErr = 2'b11;

  typedef enum logic [2:0] {SIdle, SWr, SB, SRd, SRdLat, SRdOut} state_e;
  state_e      state_q;
  logic [63:0] addr_q;       // byte address of the current beat
  logic [7:0]  left_q;       // beats after the current one
  logic        err_q;        // a write beat fell outside the memory

  wire        in_range = addr_q[63:17] == '0;
  wire [13:0] ram_addr = addr_q[15:2];
  wire        bank     = addr_q[16];

  // The four SPRAMs: bank (address bit 16) x half (data bits 31:16 / 15:0).
  logic        ram_cs, ram_we;
  logic [15:0] ram_out [4];
  for (genvar g = 0; g < 4; g++) begin : gen_ram
    localparam int Half = g % 2;
    localparam int Bank = g / 2;
    SB_SPRAM256KA u_ram (
      .ADDRESS   (ram_addr),
      .DATAIN    (wdata_i[Half*16 +: 16]),
      .MASKWREN  ({wstrb_i[Half*2 + 1], wstrb_i[Half*2 + 1], wstrb_i[Half*2], wstrb_i[Half*2]}),
      .WREN      (ram_we),
      .CHIPSELECT(ram_cs && bank == Bank[0]),
      .CLOCK     (clk_i),
      .STANDBY   (1'b0),
      .SLEEP     (1'b0),
      .POWEROFF  (1'b1),
      .DATAOUT   (ram_out[g])
    );
  end

  assign awready_o = state_q == SIdle && !arvalid_i;
  assign arready_o = state_q == SIdle;
  assign wready_o  = state_q == SWr;
  assign bvalid_o  = state_q == SB;
  assign bresp_o   = err_q ? DecErr : Okay;
  assign rvalid_o  = state_q == SRdOut;
  assign rlast_o   = left_q == '0;
  assign ram_we    = state_q == SWr && wvalid_i && in_range;
  assign ram_cs    = ram_we || (state_q == SRd && in_range);

  logic        bank_q;
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      state_q <= SIdle;
    end else begin
      unique case (state_q)
        SIdle:
          if (arvalid_i) begin
            state_q <= SRd;
            addr_q  <= araddr_i;
            left_q  <= arlen_i;
          end else if (awvalid_i) begin
            state_q <= SWr;
            addr_q  <= awaddr_i;
            left_q  <= awlen_i;
            err_q   <= 1'b0;
          end
        SWr:
          if (wvalid_i) begin
            if (!in_range) err_q <= 1'b1;
            addr_q <= addr_q + 64'd4;
            if (wlast_i) state_q <= SB;
          end
        SB:     if (bready_i) state_q <= SIdle;
        SRd: begin
          state_q <= SRdLat;
          bank_q  <= bank;
          rresp_o <= in_range ? Okay : DecErr;
        end
        SRdLat: begin
          state_q <= SRdOut;
          rdata_o <= bank_q ? {ram_out[3], ram_out[2]} : {ram_out[1], ram_out[0]};
        end
        SRdOut:
          if (rready_i) begin
            addr_q  <= addr_q + 64'd4;
            left_q  <= left_q - 8'd1;
            state_q <= (left_q == '0) ? SIdle : SRd;
          end
        default: state_q <= SIdle;
      endcase
    end
  end
endmodule
