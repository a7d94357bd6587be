// hta_usb_bridge: the device side of the HTA link protocol (docs/usb-protocol.md).
// Requests arrive as a byte stream (valid/ready), responses leave as one; the
// bridge is an AXI4-Lite master on the engine's s_axi_control and an AXI4
// master on the engine's memory.
//
// One state machine does everything, one byte or one AXI transfer at a time:
// the protocol allows one request in flight, so nothing here needs to overlap,
// and small beats hardware that is fast but idle (the byte stream, not the
// bridge, limits throughput). Memory goes through single-beat transfers with
// byte strobes, which serve any alignment and never cross a 4 KiB boundary.
// A MEM_WRITE payload is buffered and its CRC checked before memory is
// touched; MEM_READ data are gathered in the same buffer before the response
// starts, so every response carries a status known before its first byte.
`default_nettype none

module hta_usb_bridge #(
  parameter int MaxPayload   = 1024,      // payload bytes, power of two 16 .. 4096
  parameter int BusBits      = 128,       // memory port width
  parameter int RxIdleCycles = 1 << 20,   // drop a partial frame after this idle time
  parameter int ClkHz        = 0,         // reported by HELLO (0: unknown)
  parameter bit HasEngine    = 1'b1       // reported by HELLO: s_axi_control is an engine
) (
  input  logic               clk_i,
  input  logic               rst_i,
  // Requests (host to device).
  input  logic               rx_valid_i,
  output logic               rx_ready_o,
  input  logic [7:0]         rx_data_i,
  // Responses (device to host).
  output logic               tx_valid_o,
  input  logic               tx_ready_i,
  output logic [7:0]         tx_data_o,
  // AXI4-Lite master: registers.
  output logic               m_axil_awvalid_o,
  input  logic               m_axil_awready_i,
  output logic [11:0]        m_axil_awaddr_o,
  output logic               m_axil_wvalid_o,
  input  logic               m_axil_wready_i,
  output logic [31:0]        m_axil_wdata_o,
  output logic [3:0]         m_axil_wstrb_o,
  input  logic               m_axil_bvalid_i,
  output logic               m_axil_bready_o,
  input  logic [1:0]         m_axil_bresp_i,
  output logic               m_axil_arvalid_o,
  input  logic               m_axil_arready_i,
  output logic [11:0]        m_axil_araddr_o,
  input  logic               m_axil_rvalid_i,
  output logic               m_axil_rready_o,
  input  logic [31:0]        m_axil_rdata_i,
  input  logic [1:0]         m_axil_rresp_i,
  // AXI4 master: memory (single-beat bursts, no IDs).
  output logic               m_axi_awvalid_o,
  input  logic               m_axi_awready_i,
  output logic [63:0]        m_axi_awaddr_o,
  output logic [7:0]         m_axi_awlen_o,
  output logic [2:0]         m_axi_awsize_o,
  output logic [1:0]         m_axi_awburst_o,
  output logic [3:0]         m_axi_awcache_o,
  output logic [2:0]         m_axi_awprot_o,
  output logic               m_axi_wvalid_o,
  input  logic               m_axi_wready_i,
  output logic [BusBits-1:0] m_axi_wdata_o,
  output logic [BusBits/8-1:0] m_axi_wstrb_o,
  output logic               m_axi_wlast_o,
  input  logic               m_axi_bvalid_i,
  output logic               m_axi_bready_o,
  input  logic [1:0]         m_axi_bresp_i,
  output logic               m_axi_arvalid_o,
  input  logic               m_axi_arready_i,
  output logic [63:0]        m_axi_araddr_o,
  output logic [7:0]         m_axi_arlen_o,
  output logic [2:0]         m_axi_arsize_o,
  output logic [1:0]         m_axi_arburst_o,
  output logic [3:0]         m_axi_arcache_o,
  output logic [2:0]         m_axi_arprot_o,
  input  logic               m_axi_rvalid_i,
  output logic               m_axi_rready_o,
  input  logic [BusBits-1:0] m_axi_rdata_i,
  input  logic [1:0]         m_axi_rresp_i,
  input  logic               m_axi_rlast_i
);
  localparam int BusBytes  = BusBits / 8;
  localparam int LaneBits  = $clog2(BusBytes);
  localparam int PtrBits   = $clog2(MaxPayload);
  localparam int IdleBits  = $clog2(RxIdleCycles) + 1;
  localparam logic [15:0] MaxLen = 16'(MaxPayload);

  // HELLO payload, byte i in bits [8i +: 8] (docs/usb-protocol.md, HELLO).
  // Shifts, not a concatenation: Verilator 5.006 calls parameter-derived
  // operands of a concatenation unsized (WIDTHCONCAT) even when typed.
  localparam logic [159:0] Hello = (160'(ClkHz) << 128) | (160'(RxIdleCycles) << 96) |
                                   (160'(HasEngine) << 80) | (160'(BusBytes) << 64) |
                                   (160'(MaxPayload) << 48) |
                                   (160'(hta_usb_pkg::ProtoVersion) << 32) | 160'h5541_5448;

  typedef enum logic [4:0] {
    SHunt0, SHunt1, SHdr, SHchk, SPay, SPcrc, SDecide,
    SLw, SLb, SLr, SLrr,
    SMwByte, SMwAxi, SMwB, SMrAr, SMrR, SMrCopy,
    STxHdr, STxPay, STxCrc
  } state_e;

  // ------------------------------------------------------------ state
  state_e        state_q, state_d;
  logic [127:0]  hdr_q, hdr_d;         // cmd .. arg, byte 0 in [7:0]
  logic [15:0]   rcrc_q, rcrc_d;       // a received CRC (hcrc, then pcrc)
  logic [15:0]   crc_q, crc_d;         // running CRC
  logic [4:0]    cnt_q, cnt_d;         // byte counter within header / CRC
  logic [15:0]   ptr_q, ptr_d;         // payload byte index
  logic [15:0]   last_q, last_d;       // index of the last byte (precomputed: timing)
  logic          mw_end_q, mw_end_d;   // MEM_WRITE: the beat in flight is the last
  logic [IdleBits-1:0] idle_q, idle_d;
  logic [31:0]   wait_q, wait_d;       // WAIT: cycles of the budget left
  logic          wait_over_q;          // wait_q reached 0 (registered: off the FSM's path)
  logic          aw_done_q, aw_done_d, w_done_q, w_done_d;
  logic [63:0]   maddr_q, maddr_d;     // memory address of byte ptr
  logic [63:0]   baddr_q, baddr_d;     // address of the current beat
  logic [15:0]   boff_q, boff_d;       // request offset of the beat's first byte
  logic [BusBits-1:0]  beat_q, beat_d;
  logic [BusBytes-1:0] strb_q, strb_d;
  // The response being sent, and the one remembered for a retransmission.
  logic [7:0]    st_q, st_d, rem_st_q, rem_st_d;
  logic [31:0]   val_q, val_d, rem_val_q, rem_val_d;
  logic [15:0]   len_q, len_d, rem_len_q, rem_len_d;
  logic [7:0]    last_cmd_q, last_cmd_d, last_seq_q, last_seq_d;
  logic          last_ok_q, last_ok_d;

  wire [7:0]  cmd  = hdr_q[7:0];
  wire [7:0]  seq  = hdr_q[15:8];
  wire [15:0] len  = hdr_q[31:16];
  wire [63:0] addr = hdr_q[95:32];
  wire [31:0] arg  = hdr_q[127:96];

  // ------------------------------------------------------------ buffer
  // Payload bytes in, MEM_READ bytes, responses out. Where the buffer is read
  // (MEM_WRITE, sending), its read address runs one byte ahead, so buf_rdata_q
  // is the byte at ptr_q. The address is worked out from the state alone, not
  // from ptr_d, which would put the whole FSM before the RAM (iCE40 Fmax).
  logic [7:0]         buf_q [MaxPayload];
  logic [7:0]         buf_rdata_q, buf_wdata;
  logic               buf_we;
  logic [PtrBits-1:0] buf_raddr;
  always_ff @(posedge clk_i) begin
    if (buf_we) buf_q[ptr_q[PtrBits-1:0]] <= buf_wdata;
    buf_rdata_q <= buf_q[buf_raddr];
  end

  // ------------------------------------------------------------ decode
  // Registered: the header is complete at least one cycle before SDecide
  // reads these (SHchk comes between), and the compares stay off the FSM's
  // critical path.
  logic cmd_known, len_ok, reg_ok, dup;
  logic cmd_known_q, len_ok_q, reg_ok_q, dup_q;
  always_ff @(posedge clk_i) begin
    cmd_known_q <= cmd_known;
    len_ok_q    <= len_ok;
    reg_ok_q    <= reg_ok;
    dup_q       <= dup;
  end
  always_comb begin
    cmd_known = cmd >= hta_usb_pkg::CmdHello && cmd <= hta_usb_pkg::CmdWait;
    unique case (cmd)
      hta_usb_pkg::CmdMemWrite: len_ok = len != 0 && len <= MaxLen;
      hta_usb_pkg::CmdMemRead:  len_ok = len == 0 && arg != 0 && arg <= 32'(MaxPayload);
      default:                  len_ok = len == 0;
    endcase
    unique case (cmd)
      hta_usb_pkg::CmdRegWrite,
      hta_usb_pkg::CmdRegRead:  reg_ok = addr[63:12] == '0 && addr[1:0] == 2'b00;
      hta_usb_pkg::CmdWait:     reg_ok = addr[31:12] == '0 && addr[1:0] == 2'b00;
      default:                  reg_ok = 1'b1;
    endcase
    dup = last_ok_q && cmd == last_cmd_q && seq == last_seq_q;
  end

  function automatic logic [7:0] resp_status(logic [1:0] resp);
    unique case (resp)
      2'b10:   resp_status = hta_usb_pkg::StAxiSlverr;
      2'b11:   resp_status = hta_usb_pkg::StAxiDecerr;
      default: resp_status = hta_usb_pkg::StOk;
    endcase
  endfunction

  // ------------------------------------------------------------ AXI outputs
  // Valids and readies from flops only: no combinational path from a slave's
  // ready back to a valid through the state machine (Verilator UNOPTFLAT, and
  // the arbiter's grant depends on these valids).
  assign m_axil_awvalid_o = state_q == SLw && !aw_done_q;
  assign m_axil_wvalid_o  = state_q == SLw && !w_done_q;
  assign m_axil_bready_o  = state_q == SLb;
  assign m_axil_arvalid_o = state_q == SLr;
  assign m_axil_rready_o  = state_q == SLrr;
  assign m_axi_awvalid_o  = state_q == SMwAxi && !aw_done_q;
  assign m_axi_wvalid_o   = state_q == SMwAxi && !w_done_q;
  assign m_axi_bready_o   = state_q == SMwB;
  assign m_axi_arvalid_o  = state_q == SMrAr;
  assign m_axi_rready_o   = state_q == SMrR;
  assign m_axil_awaddr_o = (cmd == hta_usb_pkg::CmdStart) ? 12'h000 : addr[11:0];
  assign m_axil_wdata_o  = (cmd == hta_usb_pkg::CmdStart) ? 32'd1 : arg;
  assign m_axil_wstrb_o  = 4'hF;
  assign m_axil_araddr_o = addr[11:0];

  assign m_axi_awaddr_o  = baddr_q;
  assign m_axi_araddr_o  = baddr_q;
  assign m_axi_awlen_o   = 8'd0;
  assign m_axi_arlen_o   = 8'd0;
  assign m_axi_awsize_o  = 3'(LaneBits);
  assign m_axi_arsize_o  = 3'(LaneBits);
  assign m_axi_awburst_o = 2'b01;
  assign m_axi_arburst_o = 2'b01;
  assign m_axi_awcache_o = 4'b0011;
  assign m_axi_arcache_o = 4'b0011;
  assign m_axi_awprot_o  = 3'b000;
  assign m_axi_arprot_o  = 3'b000;
  assign m_axi_wdata_o   = beat_q;
  assign m_axi_wstrb_o   = strb_q;
  assign m_axi_wlast_o   = 1'b1;

  // ------------------------------------------------------------ next state
  logic                rx_fire, tx_fire;
  logic                fin, rep;           // answer: remembered / not remembered
  logic [7:0]          fin_st;
  logic [31:0]         fin_val;
  logic [15:0]         fin_len;
  logic [LaneBits-1:0] lane;

  // Stream handshakes depend on the state only (no path from a ready to a valid).
  // Not ready in reset: the state reads SHunt0 then, and a byte taken would be lost.
  assign rx_ready_o = !rst_i && (state_q == SHunt0 || state_q == SHunt1 || state_q == SHdr ||
                                 state_q == SPay || state_q == SPcrc);
  assign tx_valid_o = state_q == STxHdr || state_q == STxPay || state_q == STxCrc;

  always_comb begin
    tx_data_o = 8'h00;
    if (state_q == STxHdr) begin
          unique case (cnt_q)
            5'd0:    tx_data_o = hta_usb_pkg::RespSync0;
            5'd1:    tx_data_o = hta_usb_pkg::RespSync1;
            5'd2:    tx_data_o = cmd;
            5'd3:    tx_data_o = seq;
            5'd4:    tx_data_o = st_q;
            5'd5:    tx_data_o = 8'h00;
            5'd6:    tx_data_o = len_q[7:0];
            5'd7:    tx_data_o = len_q[15:8];
            5'd8:    tx_data_o = val_q[7:0];
            5'd9:    tx_data_o = val_q[15:8];
            5'd10:   tx_data_o = val_q[23:16];
            5'd11:   tx_data_o = val_q[31:24];
            5'd12:   tx_data_o = crc_q[7:0];
            default: tx_data_o = crc_q[15:8];
          endcase
    end else if (state_q == STxPay) begin
      tx_data_o = (cmd == hta_usb_pkg::CmdHello) ? Hello[ptr_q[4:0]*8 +: 8] : buf_rdata_q;
    end else if (state_q == STxCrc) begin
      tx_data_o = (cnt_q == 5'd0) ? crc_q[7:0] : crc_q[15:8];
    end
  end

  always_comb begin
    unique case (state_q)
      SDecide, STxHdr: buf_raddr = '0;
      SMwByte:         buf_raddr = ptr_q[PtrBits-1:0] + 1'b1;
      STxPay:          buf_raddr = ptr_q[PtrBits-1:0] + PtrBits'(tx_ready_i);
      default:         buf_raddr = ptr_q[PtrBits-1:0];
    endcase
  end

  assign rx_fire = rx_valid_i && rx_ready_o;
  assign tx_fire = tx_valid_o && tx_ready_i;
  assign lane    = maddr_q[LaneBits-1:0];

  always_comb begin
    state_d = state_q;
    hdr_d = hdr_q;  rcrc_d = rcrc_q;  crc_d = crc_q;  cnt_d = cnt_q;  ptr_d = ptr_q;
    last_d = last_q;  mw_end_d = mw_end_q;
    idle_d = '0;  wait_d = wait_q;  aw_done_d = aw_done_q;  w_done_d = w_done_q;
    maddr_d = maddr_q;  baddr_d = baddr_q;  boff_d = boff_q;  beat_d = beat_q;
    strb_d = strb_q;
    st_d = st_q;  val_d = val_q;  len_d = len_q;
    rem_st_d = rem_st_q;  rem_val_d = rem_val_q;  rem_len_d = rem_len_q;
    last_cmd_d = last_cmd_q;  last_seq_d = last_seq_q;  last_ok_d = last_ok_q;
    fin = 1'b0;  rep = 1'b0;
    fin_st = hta_usb_pkg::StOk;  fin_val = '0;  fin_len = '0;
    buf_we = 1'b0;  buf_wdata = rx_data_i;


    unique case (state_q)
      // ---------------------------------------------------- receive
      SHunt0: begin
        if (rx_fire && rx_data_i == hta_usb_pkg::ReqSync0) state_d = SHunt1;
      end
      SHunt1: begin
        if (rx_fire) begin
          if (rx_data_i == hta_usb_pkg::ReqSync1) begin
            state_d = SHdr;
            cnt_d   = '0;
            crc_d   = hta_usb_pkg::CrcInit;
          end else if (rx_data_i != hta_usb_pkg::ReqSync0) begin
            state_d = SHunt0;
          end
        end
      end
      SHdr: begin
        if (rx_fire) begin
          cnt_d = cnt_q + 5'd1;
          if (cnt_q < 5'(hta_usb_pkg::ReqHdrBytes)) begin
            hdr_d = {rx_data_i, hdr_q[127:8]};
            crc_d = hta_usb_pkg::crc16_byte(crc_q, rx_data_i);
          end else begin
            rcrc_d = {rx_data_i, rcrc_q[15:8]};
            if (cnt_q == 5'(hta_usb_pkg::ReqHdrBytes + 1)) state_d = SHchk;
          end
        end
      end
      SHchk: begin
        // A bad header CRC leaves len untrustworthy: no answer, hunt again.
        if (crc_q != rcrc_q) begin
          state_d = SHunt0;
        end else if (len != 0) begin
          state_d = SPay;
          ptr_d   = '0;
          last_d  = len - 16'd1;
          crc_d   = hta_usb_pkg::CrcInit;
          // The payload overwrites the buffer a remembered MEM_READ answer is in.
          if (last_cmd_q == hta_usb_pkg::CmdMemRead) last_ok_d = 1'b0;
        end else begin
          state_d = SDecide;
        end
      end
      SPay: begin
        if (rx_fire) begin
          buf_we = len <= MaxLen;
          crc_d  = hta_usb_pkg::crc16_byte(crc_q, rx_data_i);
          ptr_d  = ptr_q + 16'd1;
          if (ptr_q == last_q) begin
            state_d = SPcrc;
            cnt_d   = '0;
          end
        end
      end
      SPcrc: begin
        if (rx_fire) begin
          rcrc_d = {rx_data_i, rcrc_q[15:8]};
          cnt_d  = cnt_q + 5'd1;
          if (cnt_q == 5'd1) state_d = SDecide;
        end
      end

      // ---------------------------------------------------- check, execute
      SDecide: begin
        rep = 1'b1;
        if (len != 0 && crc_q != rcrc_q) fin_st = hta_usb_pkg::StBadCrc;
        else if (!cmd_known_q)           fin_st = hta_usb_pkg::StBadCmd;
        else if (!len_ok_q)              fin_st = hta_usb_pkg::StBadLen;
        else if (!reg_ok_q)              fin_st = hta_usb_pkg::StBadAddr;
        else if (dup_q) begin
          // A retransmission of the request last executed: its answer again.
          fin_st  = rem_st_q;
          fin_val = rem_val_q;
          fin_len = rem_len_q;
        end else begin
          rep       = 1'b0;
          wait_d    = arg;
          aw_done_d = 1'b0;
          w_done_d  = 1'b0;
          ptr_d     = '0;
          maddr_d   = addr;
          baddr_d   = {addr[63:LaneBits], LaneBits'(0)};
          boff_d    = '0;
          beat_d    = '0;
          strb_d    = '0;
          mw_end_d  = 1'b0;
          if (cmd == hta_usb_pkg::CmdMemRead) last_d = arg[15:0] - 16'd1;
          unique case (cmd)
            hta_usb_pkg::CmdHello: begin
              fin     = 1'b1;
              fin_val = 32'(hta_usb_pkg::ProtoVersion);
              fin_len = 16'(hta_usb_pkg::HelloBytes);
            end
            hta_usb_pkg::CmdRegWrite, hta_usb_pkg::CmdStart: state_d = SLw;
            hta_usb_pkg::CmdRegRead, hta_usb_pkg::CmdWait:   state_d = SLr;
            hta_usb_pkg::CmdMemWrite:                       state_d = SMwByte;
            default:                                        state_d = SMrAr;
          endcase
        end
      end

      // register write / START
      SLw: begin
        aw_done_d = aw_done_q || m_axil_awready_i;
        w_done_d  = w_done_q || m_axil_wready_i;
        if (aw_done_d && w_done_d) state_d = SLb;
      end
      SLb: begin
        if (m_axil_bvalid_i) begin
          fin    = 1'b1;
          fin_st = resp_status(m_axil_bresp_i);
        end
      end

      // register read / WAIT (reads until the mask matches or time runs out)
      SLr: begin
        if (!wait_over_q) wait_d = wait_q - 32'd1;
        if (m_axil_arready_i) state_d = SLrr;
      end
      SLrr: begin
        if (!wait_over_q) wait_d = wait_q - 32'd1;
        if (m_axil_rvalid_i) begin
          fin     = 1'b1;
          fin_st  = resp_status(m_axil_rresp_i);
          fin_val = m_axil_rresp_i[1] ? 32'd0 : m_axil_rdata_i;
          if (!m_axil_rresp_i[1] && cmd == hta_usb_pkg::CmdWait &&
              (m_axil_rdata_i & addr[63:32]) == '0) begin
            if (wait_over_q) begin
              fin_st = hta_usb_pkg::StTimeout;
            end else begin
              fin     = 1'b0;
              state_d = SLr;
            end
          end
        end
      end

      // memory write: gather one beat's bytes, write it, next beat
      SMwByte: begin
        if (strb_q == '0) begin
          baddr_d = {maddr_q[63:LaneBits], LaneBits'(0)};
          boff_d  = ptr_q;
        end
        beat_d[lane*8 +: 8] = buf_rdata_q;
        strb_d[lane]        = 1'b1;
        ptr_d   = ptr_q + 16'd1;
        maddr_d = maddr_q + 64'd1;
        if (lane == LaneBits'(BusBytes - 1) || ptr_q == last_q) begin
          mw_end_d  = ptr_q == last_q;
          state_d   = SMwAxi;
          aw_done_d = 1'b0;
          w_done_d  = 1'b0;
        end
      end
      SMwAxi: begin
        aw_done_d = aw_done_q || m_axi_awready_i;
        w_done_d  = w_done_q || m_axi_wready_i;
        if (aw_done_d && w_done_d) state_d = SMwB;
      end
      SMwB: begin
        if (m_axi_bvalid_i) begin
          if (m_axi_bresp_i[1]) begin
            fin     = 1'b1;
            fin_st  = resp_status(m_axi_bresp_i);
            fin_val = 32'(boff_q);
          end else if (mw_end_q) begin
            fin = 1'b1;
          end else begin
            state_d = SMwByte;
            beat_d  = '0;
            strb_d  = '0;
          end
        end
      end

      // memory read: read one beat, copy its bytes to the buffer, next beat
      SMrAr: begin
        if (m_axi_arready_i) state_d = SMrR;
      end
      SMrR: begin
        if (m_axi_rvalid_i) begin
          beat_d = m_axi_rdata_i;
          if (m_axi_rresp_i[1]) begin
            fin     = 1'b1;
            fin_st  = resp_status(m_axi_rresp_i);
            fin_val = 32'(boff_q);
          end else begin
            state_d = SMrCopy;
          end
        end
      end
      SMrCopy: begin
        buf_we    = 1'b1;
        buf_wdata = beat_q[lane*8 +: 8];
        ptr_d     = ptr_q + 16'd1;
        maddr_d   = maddr_q + 64'd1;
        if (ptr_q == last_q) begin
          fin     = 1'b1;
          fin_len = arg[15:0];
        end else if (lane == LaneBits'(BusBytes - 1)) begin
          // The next beat's address is ready before SMrAr shows it.
          state_d = SMrAr;
          baddr_d = {maddr_d[63:LaneBits], LaneBits'(0)};
          boff_d  = ptr_d;
        end
      end

      // ---------------------------------------------------- respond
      STxHdr: begin
        if (tx_fire) begin
          cnt_d = cnt_q + 5'd1;
          if (cnt_q >= 5'd2 && cnt_q <= 5'd11) crc_d = hta_usb_pkg::crc16_byte(crc_q, tx_data_o);
          if (cnt_q == 5'(hta_usb_pkg::RespHdrBytes - 1)) begin
            crc_d   = hta_usb_pkg::CrcInit;
            last_d  = len_q - 16'd1;
            state_d = (len_q != 0) ? STxPay : SHunt0;
          end
        end
      end
      STxPay: begin
        if (tx_fire) begin
          crc_d = hta_usb_pkg::crc16_byte(crc_q, tx_data_o);
          ptr_d = ptr_q + 16'd1;
          if (ptr_q == last_q) begin
            state_d = STxCrc;
            cnt_d   = '0;
          end
        end
      end
      STxCrc: begin
        if (tx_fire) begin
          cnt_d = cnt_q + 5'd1;
          if (cnt_q == 5'd1) state_d = SHunt0;
        end
      end
      default: state_d = SHunt0;
    endcase

    // A started frame that stalls is dropped, so the next one is read whole.
    if (state_q == SHunt1 || state_q == SHdr || state_q == SPay || state_q == SPcrc) begin
      idle_d = rx_fire ? '0 : idle_q + 1'b1;
      if (!rx_fire && idle_q == IdleBits'(RxIdleCycles - 1)) state_d = SHunt0;
    end

    // Answer: fin remembers it for a retransmission, rep does not.
    if (fin || rep) begin
      st_d    = fin_st;
      val_d   = fin_val;
      len_d   = fin_len;
      state_d = STxHdr;
      cnt_d   = '0;
      ptr_d   = '0;
      crc_d   = hta_usb_pkg::CrcInit;
    end
    if (fin) begin
      rem_st_d   = fin_st;
      rem_val_d  = fin_val;
      rem_len_d  = fin_len;
      last_cmd_d = cmd;
      last_seq_d = seq;
      last_ok_d  = 1'b1;
    end
  end

  // ------------------------------------------------------------ registers
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      state_q   <= SHunt0;
      idle_q    <= '0;
      last_ok_q <= 1'b0;
    end else begin
      state_q   <= state_d;
      idle_q    <= idle_d;
      last_ok_q <= last_ok_d;
    end
    // Datapath: no reset (only meaningful in the states that load it).
    hdr_q <= hdr_d;  rcrc_q <= rcrc_d;  crc_q <= crc_d;  cnt_q <= cnt_d;  ptr_q <= ptr_d;
    last_q <= last_d;  mw_end_q <= mw_end_d;
    wait_q <= wait_d;  wait_over_q <= wait_d == '0;
    aw_done_q <= aw_done_d;  w_done_q <= w_done_d;
    maddr_q <= maddr_d;  baddr_q <= baddr_d;  boff_q <= boff_d;  beat_q <= beat_d;
    strb_q <= strb_d;
    st_q <= st_d;  val_q <= val_d;  len_q <= len_d;
    rem_st_q <= rem_st_d;  rem_val_q <= rem_val_d;  rem_len_q <= rem_len_d;
    last_cmd_q <= last_cmd_d;  last_seq_q <= last_seq_d;
  end

`ifndef SYNTHESIS  // Yosys 0.23 parses no assertions
  // ------------------------------------------------------------ checks
  always_ff @(posedge clk_i) begin
    if (!rst_i && buf_we && state_q == SMrCopy)
      assert (ptr_q < MaxLen) else $error("hta_usb_bridge: MEM_READ past the buffer");
    if (!rst_i && m_axi_rvalid_i && m_axi_rready_o)
      assert (m_axi_rlast_i) else $error("hta_usb_bridge: single-beat read without rlast");
  end

  // The buffer index wraps at MaxPayload only if it is a power of two.
  if ((1 << PtrBits) != MaxPayload || MaxPayload < 16 || MaxPayload > 4096) begin : gen_bad
    $error("hta_usb_bridge: MaxPayload must be a power of two in 16 .. 4096");
  end
`endif
endmodule
