// hta_pkg: constants of the engine's internal interfaces. Sizes of the hardware
// live in the generated hta_cfg_pkg, the device program format (constants,
// structures, error codes) in the generated hta_prog_pkg.
`default_nettype none

package hta_pkg;
  // Clients of the shared AXI read port.
  localparam int NumRdClients = 4;
  localparam int RdCtrl   = 0;  // program header, descriptors
  localparam int RdWload  = 1;  // channel map and weight streams
  localparam int RdIfetch = 2;  // input activations
  localparam int RdGop    = 3;  // graph-op unit: parameters and tensors (both engines)

  // Windows a read may target.
  localparam logic WinProg = 1'b0;
  localparam logic WinData = 1'b1;

  // Serial group-scale multiply: one bit of alpha per cycle.
  localparam int AlphaBits = 8;
endpackage
