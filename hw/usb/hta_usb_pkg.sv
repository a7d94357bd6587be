// hta_usb_pkg: constants of the HTA link protocol (docs/usb-protocol.md) and
// its CRC, shared by the bridge and its tests.
`default_nettype none

package hta_usb_pkg;
  localparam logic [15:0] ProtoVersion = 16'd1;

  // Sync words, first byte first on the wire.
  localparam logic [7:0] ReqSync0  = 8'hA5;
  localparam logic [7:0] ReqSync1  = 8'h5A;
  localparam logic [7:0] RespSync0 = 8'h5A;
  localparam logic [7:0] RespSync1 = 8'hA5;

  localparam int ReqHdrBytes  = 16;  // cmd .. arg, the bytes hcrc covers
  localparam int RespHdrBytes = 14;  // sync .. hcrc
  localparam int HelloBytes   = 20;  // HELLO response payload

  // Commands.
  localparam logic [7:0] CmdHello    = 8'h01;
  localparam logic [7:0] CmdRegWrite = 8'h02;
  localparam logic [7:0] CmdRegRead  = 8'h03;
  localparam logic [7:0] CmdMemWrite = 8'h04;
  localparam logic [7:0] CmdMemRead  = 8'h05;
  localparam logic [7:0] CmdStart    = 8'h06;
  localparam logic [7:0] CmdWait     = 8'h07;

  // Status codes.
  localparam logic [7:0] StOk        = 8'h00;
  localparam logic [7:0] StBadCrc    = 8'h01;
  localparam logic [7:0] StBadCmd    = 8'h02;
  localparam logic [7:0] StBadLen    = 8'h03;
  localparam logic [7:0] StBadAddr   = 8'h04;
  localparam logic [7:0] StAxiSlverr = 8'h05;
  localparam logic [7:0] StAxiDecerr = 8'h06;
  localparam logic [7:0] StTimeout   = 8'h07;

  // CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, MSB first, no final XOR.
  localparam logic [15:0] CrcInit = 16'hFFFF;

  function automatic logic [15:0] crc16_byte(logic [15:0] crc, logic [7:0] b);
    logic [15:0] c;
    c = crc ^ {b, 8'h00};
    for (int i = 0; i < 8; i++) c = c[15] ? ((c << 1) ^ 16'h1021) : (c << 1);
    crc16_byte = c;
  endfunction
endpackage
