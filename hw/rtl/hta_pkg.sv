// hta_pkg: constants of the device program format and the engine's internal
// interfaces. Sizes of the hardware live in the generated hta_cfg_pkg.
`default_nettype none

package hta_pkg;
  // Program header (docs/architecture.md, "Device program").
  localparam logic [31:0] ProgMagic   = 32'h3141_5448;  // "HTA1"
  localparam logic [31:0] ProgVersion = 32'd1;

  // Layer descriptor op field.
  localparam logic [7:0] OpConv = 8'd0;
  localparam logic [7:0] OpDw   = 8'd1;

  // Error codes reported in STATUS[7:0].
  localparam logic [7:0] ErrNone   = 8'd0;
  localparam logic [7:0] ErrProg   = 8'd1;
  localparam logic [7:0] ErrDesc   = 8'd2;
  localparam logic [7:0] ErrWindow = 8'd3;
  localparam logic [7:0] ErrAxiRd  = 8'd4;
  localparam logic [7:0] ErrAxiWr  = 8'd5;

  // Clients of the shared AXI read port.
  localparam int NumRdClients = 3;
  localparam int RdCtrl   = 0;  // program header, descriptors
  localparam int RdWload  = 1;  // channel map and weight streams
  localparam int RdIfetch = 2;  // input activations

  // Windows a read may target.
  localparam logic WinProg = 1'b0;
  localparam logic WinData = 1'b1;

  // Channel source codes of the channel source map.
  localparam logic [1:0] SrcNone = 2'd0;
  localparam logic [1:0] SrcMac  = 2'd1;
  localparam logic [1:0] SrcAdd  = 2'd2;

  // Serial group-scale multiply: one bit of alpha per cycle.
  localparam int AlphaBits = 8;
endpackage
