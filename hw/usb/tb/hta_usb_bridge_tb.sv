// hta_usb_bridge_tb: unit test of the link bridge's framing (docs/usb-protocol.md).
// The bridge talks to a small AXI4-Lite register slave and a small AXI4
// memory written here; the test sends request frames byte by byte, reads the
// response frames (with random back-pressure on both streams) and checks them
// field by field: CRC, every command, every status, resynchronisation after
// corrupted and truncated frames, and the retransmission rule.
// Run by hw/usb/test_usb_bridge.sh (verilator --binary); prints one
// PASS/FAIL line per check and "N passed, N failed".
`default_nettype none

module hta_usb_bridge_tb;
  localparam int MaxPayload = 64;
  localparam int BusBits    = 32;
  localparam int IdleCycles = 200;
  localparam int MemBase    = 'h1000;
  localparam int MemBytes   = 256;

  logic clk = 1'b0;
  logic rst = 1'b1;
  always #5 clk = ~clk;

  int passed = 0, failed = 0;
  function automatic void check(string name, bit ok, string detail);
    if (ok) begin
      $display("PASS %s", name);
      passed++;
    end else begin
      $display("FAIL %s: %s", name, detail);
      failed++;
    end
  endfunction

  // ------------------------------------------------------------ DUT
  logic       rx_valid, rx_ready, tx_valid, tx_ready;
  logic [7:0] rx_data, tx_data;
  logic        l_awvalid, l_awready, l_wvalid, l_wready, l_bvalid, l_bready;
  logic        l_arvalid, l_arready, l_rvalid, l_rready;
  logic [11:0] l_awaddr, l_araddr;
  logic [31:0] l_wdata, l_rdata;
  logic [3:0]  l_wstrb;
  logic [1:0]  l_bresp, l_rresp;
  logic        m_awvalid, m_awready, m_wvalid, m_wready, m_wlast, m_bvalid, m_bready;
  logic        m_arvalid, m_arready, m_rvalid, m_rready, m_rlast;
  logic [63:0] m_awaddr, m_araddr;
  logic [7:0]  m_awlen, m_arlen;
  logic [2:0]  m_awsize, m_arsize, m_awprot, m_arprot;
  logic [1:0]  m_awburst, m_arburst, m_bresp, m_rresp;
  logic [3:0]  m_awcache, m_arcache, m_wstrb;
  logic [31:0] m_wdata, m_rdata;

  hta_usb_bridge #(
    .MaxPayload(MaxPayload), .BusBits(BusBits), .RxIdleCycles(IdleCycles),
    .ClkHz(100_000_000), .HasEngine(1'b0)
  ) u_dut (
    .clk_i(clk), .rst_i(rst),
    .rx_valid_i(rx_valid), .rx_ready_o(rx_ready), .rx_data_i(rx_data),
    .tx_valid_o(tx_valid), .tx_ready_i(tx_ready), .tx_data_o(tx_data),
    .m_axil_awvalid_o(l_awvalid), .m_axil_awready_i(l_awready), .m_axil_awaddr_o(l_awaddr),
    .m_axil_wvalid_o(l_wvalid), .m_axil_wready_i(l_wready), .m_axil_wdata_o(l_wdata),
    .m_axil_wstrb_o(l_wstrb), .m_axil_bvalid_i(l_bvalid), .m_axil_bready_o(l_bready),
    .m_axil_bresp_i(l_bresp), .m_axil_arvalid_o(l_arvalid), .m_axil_arready_i(l_arready),
    .m_axil_araddr_o(l_araddr), .m_axil_rvalid_i(l_rvalid), .m_axil_rready_o(l_rready),
    .m_axil_rdata_i(l_rdata), .m_axil_rresp_i(l_rresp),
    .m_axi_awvalid_o(m_awvalid), .m_axi_awready_i(m_awready), .m_axi_awaddr_o(m_awaddr),
    .m_axi_awlen_o(m_awlen), .m_axi_awsize_o(m_awsize), .m_axi_awburst_o(m_awburst),
    .m_axi_awcache_o(m_awcache), .m_axi_awprot_o(m_awprot),
    .m_axi_wvalid_o(m_wvalid), .m_axi_wready_i(m_wready), .m_axi_wdata_o(m_wdata),
    .m_axi_wstrb_o(m_wstrb), .m_axi_wlast_o(m_wlast),
    .m_axi_bvalid_i(m_bvalid), .m_axi_bready_o(m_bready), .m_axi_bresp_i(m_bresp),
    .m_axi_arvalid_o(m_arvalid), .m_axi_arready_i(m_arready), .m_axi_araddr_o(m_araddr),
    .m_axi_arlen_o(m_arlen), .m_axi_arsize_o(m_arsize), .m_axi_arburst_o(m_arburst),
    .m_axi_arcache_o(m_arcache), .m_axi_arprot_o(m_arprot),
    .m_axi_rvalid_i(m_rvalid), .m_axi_rready_o(m_rready), .m_axi_rdata_i(m_rdata),
    .m_axi_rresp_i(m_rresp), .m_axi_rlast_i(m_rlast)
  );

  // ------------------------------------------------------------ register slave
  // 16 registers at 0x000 .. 0x03C. 0x03C counts the writes it gets (to see
  // whether a request ran twice). Bit 1 of 0x000 reads 1 once `flag_at` cycles
  // have passed since 0x008 was written with that many (for WAIT). Other
  // offsets answer DECERR.
  logic [31:0] regs [16];
  logic [31:0] wr_count = 0;
  int unsigned cyc = 0, flag_at = 32'hFFFF_FFFF;
  always @(posedge clk) cyc <= cyc + 1;

  logic aw_have = 0, w_have = 0;
  logic [11:0] aw_q;
  logic [31:0] w_q;
  assign l_awready = !aw_have && !l_bvalid;
  assign l_wready  = !w_have && !l_bvalid;
  always @(posedge clk) begin
    if (l_awvalid && l_awready) begin aw_have <= 1; aw_q <= l_awaddr; end
    if (l_wvalid && l_wready) begin w_have <= 1; w_q <= l_wdata; end
    if (aw_have && w_have && !l_bvalid) begin
      l_bvalid <= 1;
      l_bresp  <= (aw_q < 12'h040) ? 2'b00 : 2'b11;
      if (aw_q < 12'h040) regs[aw_q[5:2]] <= w_q;
      if (aw_q == 12'h03C) wr_count <= wr_count + 1;
      if (aw_q == 12'h008) flag_at <= cyc + w_q;
      aw_have <= 0;
      w_have  <= 0;
    end
    if (l_bvalid && l_bready) l_bvalid <= 0;
  end
  assign l_arready = !l_rvalid;
  always @(posedge clk) begin
    if (l_arvalid && l_arready) begin
      l_rvalid <= 1;
      l_rresp  <= (l_araddr < 12'h040) ? 2'b00 : 2'b11;
      if (l_araddr == 12'h000) l_rdata <= regs[0] | ((cyc >= flag_at) ? 32'h2 : 32'h0);
      else if (l_araddr == 12'h03C) l_rdata <= wr_count;
      else if (l_araddr < 12'h040) l_rdata <= regs[l_araddr[5:2]];
      else l_rdata <= 32'hDEAD_BEEF;
    end
    if (l_rvalid && l_rready) l_rvalid <= 0;
  end

  // ------------------------------------------------------------ memory slave
  // MemBytes bytes at MemBase; anything else answers SLVERR. Random stalls.
  logic [7:0] mem [MemBytes];
  logic        maw_have = 0, mw_have = 0;
  logic [63:0] maw_q;
  logic [31:0] mw_q;
  logic [3:0]  mws_q;
  function automatic bit in_mem(logic [63:0] a);
    in_mem = a >= 64'(MemBase) && a + 4 <= 64'(MemBase + MemBytes);
  endfunction
  always @(posedge clk) begin
    m_awready <= !maw_have && ($urandom % 4 != 0);
    m_wready  <= !mw_have && ($urandom % 4 != 0);
    if (m_awvalid && m_awready) begin maw_have <= 1; maw_q <= m_awaddr; m_awready <= 0; end
    if (m_wvalid && m_wready) begin
      mw_have <= 1; mw_q <= m_wdata; mws_q <= m_wstrb; m_wready <= 0;
      if (!m_wlast) $error("tb: wlast low on a single-beat write");
    end
    if (maw_have && mw_have && !m_bvalid) begin
      m_bvalid <= 1;
      m_bresp  <= in_mem(maw_q) ? 2'b00 : 2'b10;
      if (in_mem(maw_q))
        for (int i = 0; i < 4; i++)
          if (mws_q[i]) mem[int'(maw_q) - MemBase + i] <= mw_q[i*8 +: 8];
      maw_have <= 0;
      mw_have  <= 0;
    end
    if (m_bvalid && m_bready) m_bvalid <= 0;
  end
  assign m_arready = !m_rvalid;
  always @(posedge clk) begin
    if (m_arvalid && m_arready) begin
      m_rvalid <= 1;
      m_rlast  <= 1;
      m_rresp  <= in_mem(m_araddr) ? 2'b00 : 2'b10;
      for (int i = 0; i < 4; i++)
        m_rdata[i*8 +: 8] <= in_mem(m_araddr) ? mem[int'(m_araddr) - MemBase + i] : 8'hEE;
      if (m_araddr[1:0] != 0) $error("tb: unaligned AR");
    end
    if (m_rvalid && m_rready) m_rvalid <= 0;
  end

  // ------------------------------------------------------------ link host
  typedef byte unsigned bytes_t[$];
  bytes_t none;  // an empty payload (Verilator 5.006 takes no {} argument)

  function automatic logic [15:0] crc(bytes_t b);
    logic [15:0] c = hta_usb_pkg::CrcInit;
    foreach (b[i]) c = hta_usb_pkg::crc16_byte(c, b[i]);
    crc = c;
  endfunction

  function automatic bit same(bytes_t a, bytes_t b);
    same = a.size() == b.size();
    for (int i = 0; i < a.size() && same; i++) same = a[i] == b[i];
  endfunction

  function automatic bytes_t le(longint unsigned v, int n);
    bytes_t q;
    for (int i = 0; i < n; i++) q.push_back(byte'(v >> (8 * i)));
    le = q;
  endfunction

  function automatic bytes_t frame(byte unsigned cmd, byte unsigned seq, longint unsigned addr,
                                   int unsigned arg, bytes_t payload);
    bytes_t h, f, c;
    h = {cmd, seq};
    h = {h, le(payload.size(), 2), le(addr, 8), le(arg, 4)};
    f = {8'hA5, 8'h5A};
    f = {f, h, le(crc(h), 2)};
    if (payload.size() > 0) f = {f, payload, le(crc(payload), 2)};
    frame = f;
  endfunction

  task automatic send(bytes_t f);
    foreach (f[i]) begin
      rx_valid <= 1;
      rx_data  <= f[i];
      @(posedge clk);
      while (!rx_ready) @(posedge clk);
      rx_valid <= 0;
      if ($urandom % 3 == 0) @(posedge clk);  // gaps in the stream
    end
  endtask

  // Responses, byte by byte as the bridge sends them (random back-pressure).
  bytes_t txq;
  always @(posedge clk) begin
    if (tx_valid && tx_ready) txq.push_back(tx_data);
    tx_ready <= ($urandom % 3 != 0);
  end

  typedef struct {
    bit ok;           // a whole frame with good CRCs arrived in time
    string why;
    byte unsigned cmd, seq, status;
    int unsigned value;
    bytes_t payload;
  } resp_t;

  task automatic pop_byte(output byte unsigned b, output bit ok, input int limit);
    int t = 0;
    while (txq.size() == 0 && t < limit) begin @(posedge clk); t++; end
    ok = txq.size() != 0;
    b = ok ? txq.pop_front() : 0;
  endtask

  task automatic recv(output resp_t r, input int limit = 20000);
    bytes_t h, p, q;
    byte unsigned b, prev = 0;
    bit ok;
    int unsigned len;
    r.ok = 0;
    r.payload = none;
    forever begin  // hunt 5A A5
      pop_byte(b, ok, limit);
      if (!ok) begin r.why = "no response"; return; end
      if (prev == 8'h5A && b == 8'hA5) break;
      prev = b;
    end
    for (int i = 0; i < 12; i++) begin
      pop_byte(b, ok, limit);
      if (!ok) begin r.why = "truncated header"; return; end
      h.push_back(b);
    end
    if (crc(h[0:9]) != {h[11], h[10]}) begin r.why = "bad header CRC"; return; end
    r.cmd = h[0]; r.seq = h[1]; r.status = h[2];
    len = {h[5], h[4]};
    r.value = {h[9], h[8], h[7], h[6]};
    if (len > 0) begin
      for (int i = 0; i < len + 2; i++) begin
        pop_byte(b, ok, limit);
        if (!ok) begin r.why = "truncated payload"; return; end
        p.push_back(b);
      end
      for (int i = 0; i < len; i++) q.push_back(p[i]);
      r.payload = q;
      if (crc(q) != {p[len+1], p[len]}) begin r.why = "bad payload CRC"; return; end
    end
    r.ok = 1;
  endtask

  // One request, its response, and a check of ok / cmd / seq / status.
  task automatic xfer(string name, byte unsigned cmd, byte unsigned seq, longint unsigned addr,
                      int unsigned arg, bytes_t payload, byte unsigned want_status,
                      output resp_t r);
    send(frame(cmd, seq, addr, arg, payload));
    recv(r);
    check({name, ": response"}, r.ok && r.cmd == cmd && r.seq == seq && r.status == want_status,
          $sformatf("ok=%0d (%s) cmd=%02x seq=%02x status=%02x, want status %02x",
                    r.ok, r.why, r.cmd, r.seq, r.status, want_status));
  endtask

  task automatic idle(int n);
    repeat (n) @(posedge clk);
  endtask

  // ------------------------------------------------------------ the checks
  initial begin
    resp_t r;
    bytes_t d, f;
    logic [31:0] cnt0;
    rx_valid = 0;
    rx_data  = 0;
    for (int i = 0; i < 16; i++) regs[i] = 0;
    for (int i = 0; i < MemBytes; i++) mem[i] = 8'(i * 7 + 1);
    l_bvalid = 0; l_rvalid = 0; m_bvalid = 0; m_rvalid = 0;
    idle(5);
    check("no byte is taken in reset", !rx_ready, "rx_ready_o high while rst_i");
    rst = 0;
    idle(5);

    // CRC test vector of the spec.
    d = {8'h31, 8'h32, 8'h33, 8'h34, 8'h35, 8'h36, 8'h37, 8'h38, 8'h39};
    check("crc16 of 123456789 is 0x29B1", crc(d) == 16'h29B1, $sformatf("%04x", crc(d)));
    // The spec's HELLO example frame.
    f = frame(8'h01, 8'h00, 0, 0, none);
    check("HELLO example bytes", f[18] == 8'h2E && f[19] == 8'hC2,
          $sformatf("%02x %02x", f[18], f[19]));

    xfer("HELLO", 8'h01, 8'h10, 0, 0, none, 8'h00, r);
    check("HELLO payload", r.value == 1 && r.payload.size() == 20 &&
          r.payload[0] == 8'h48 && r.payload[1] == 8'h54 &&
          r.payload[2] == 8'h41 && r.payload[3] == 8'h55 &&
          {r.payload[5], r.payload[4]} == 1 && {r.payload[7], r.payload[6]} == MaxPayload &&
          {r.payload[9], r.payload[8]} == BusBits / 8 && {r.payload[11], r.payload[10]} == 0 &&
          {r.payload[15], r.payload[14], r.payload[13], r.payload[12]} == IdleCycles &&
          {r.payload[19], r.payload[18], r.payload[17], r.payload[16]} == 100_000_000,
          $sformatf("value %0d, %0d bytes", r.value, r.payload.size()));

    // Registers.
    xfer("REG_WRITE", 8'h02, 8'h11, 'h010, 32'h1234_5678, none, 8'h00, r);
    check("REG_WRITE reached the slave", regs[4] == 32'h1234_5678, $sformatf("%08x", regs[4]));
    xfer("REG_READ", 8'h03, 8'h12, 'h010, 0, none, 8'h00, r);
    check("REG_READ value", r.value == 32'h1234_5678, $sformatf("%08x", r.value));
    xfer("REG_READ unaligned offset", 8'h03, 8'h13, 'h012, 0, none, 8'h04, r);
    xfer("REG_WRITE offset above 0xFFC", 8'h02, 8'h14, 'h1000, 0, none, 8'h04, r);
    xfer("REG_READ DECERR", 8'h03, 8'h15, 'h800, 0, none, 8'h06, r);
    xfer("START", 8'h06, 8'h16, 0, 0, none, 8'h00, r);
    check("START wrote 1 to CTRL", regs[0] == 1, $sformatf("%08x", regs[0]));
    xfer("REG_WRITE", 8'h02, 8'h17, 'h000, 0, none, 8'h00, r);

    // Memory at unaligned addresses and lengths.
    d.delete();
    for (int i = 0; i < 13; i++) d.push_back(8'(8'hC0 + i));
    xfer("MEM_WRITE 13 bytes at +3", 8'h04, 8'h18, MemBase + 3, 0, d, 8'h00, r);
    begin
      bit ok = 1;
      for (int i = 0; i < 13; i++) ok &= mem[3 + i] == 8'(8'hC0 + i);
      ok &= mem[2] == 8'(2 * 7 + 1) && mem[16] == 8'(16 * 7 + 1);
      check("MEM_WRITE bytes and their neighbours", ok, "memory differs");
    end
    xfer("MEM_READ 20 bytes at +1", 8'h05, 8'h19, MemBase + 1, 20, none, 8'h00, r);
    begin
      bit ok = r.payload.size() == 20;
      for (int i = 0; i < 20 && ok; i++) ok &= r.payload[i] == mem[1 + i];
      check("MEM_READ data", ok, $sformatf("%0d bytes", r.payload.size()));
    end
    d.delete();
    for (int i = 0; i < MaxPayload; i++) d.push_back(8'($urandom));
    xfer("MEM_WRITE MaxPayload", 8'h04, 8'h1A, MemBase + 64, 0, d, 8'h00, r);
    xfer("MEM_READ MaxPayload", 8'h05, 8'h1B, MemBase + 64, MaxPayload, none, 8'h00, r);
    check("MEM_READ MaxPayload data", same(r.payload, d), "payload differs");

    // AXI errors: the offset of the failing beat comes back.
    d = {8'h1, 8'h2, 8'h3, 8'h4, 8'h5, 8'h6, 8'h7, 8'h8};
    xfer("MEM_WRITE across the end", 8'h04, 8'h1C, MemBase + MemBytes - 6, 0, d, 8'h05, r);
    check("MEM_WRITE error offset", r.value == 6, $sformatf("%0d", r.value));
    check("MEM_WRITE kept the beat before", mem[MemBytes - 6] == 1 && mem[MemBytes - 3] == 4,
          "memory differs");
    xfer("MEM_READ outside memory", 8'h05, 8'h1D, 'h10, 4, none, 8'h05, r);

    // Limits.
    xfer("unknown command", 8'h42, 8'h1E, 0, 0, none, 8'h02, r);
    xfer("MEM_READ of 0 bytes", 8'h05, 8'h1F, MemBase, 0, none, 8'h03, r);
    xfer("MEM_READ above MaxPayload", 8'h05, 8'h20, MemBase, MaxPayload + 1, none, 8'h03, r);
    d.delete();
    d.push_back(8'h1);
    xfer("REG_READ with a payload", 8'h03, 8'h21, 0, 0, d, 8'h03, r);
    d.delete();
    for (int i = 0; i < MaxPayload + 5; i++) d.push_back(8'hA5);
    xfer("MEM_WRITE above MaxPayload (skipped)", 8'h04, 8'h22, MemBase, 0, d, 8'h03, r);
    xfer("next frame after a skipped payload", 8'h03, 8'h23, 'h010, 0, none, 8'h00, r);

    // A corrupted payload: BAD_CRC, memory untouched.
    d = {8'h55, 8'h66};
    f = frame(8'h04, 8'h24, MemBase, 0, d);
    f[21] ^= 8'h01;
    send(f);
    recv(r);
    check("corrupted payload gives BAD_CRC", r.ok && r.seq == 8'h24 && r.status == 8'h01,
          $sformatf("ok=%0d status=%02x", r.ok, r.status));
    check("corrupted payload not written", mem[0] == 8'(0 * 7 + 1) && mem[1] == 8'(1 * 7 + 1),
          "memory changed");

    // A corrupted header: silence, then the next frame is read from its sync.
    f = frame(8'h02, 8'h25, 'h010, 32'hBAD0_BAD0, none);
    f[8] ^= 8'h40;
    send(f);
    recv(r, 2000);
    check("corrupted header gets no response", !r.ok && txq.size() == 0, r.why);
    check("corrupted header not executed", regs[4] == 32'h1234_5678,
          $sformatf("%08x", regs[4]));
    xfer("frame after a corrupted header", 8'h03, 8'h26, 'h010, 0, none, 8'h00, r);

    // Garbage (with sync-like bytes) before a frame.
    send({8'h00, 8'hA5, 8'h00, 8'hA5, 8'hA5, 8'hFF, 8'h5A, 8'h13});
    xfer("frame after garbage", 8'h03, 8'h27, 'h010, 0, none, 8'h00, r);
    check("value after garbage", r.value == 32'h1234_5678, $sformatf("%08x", r.value));

    // A truncated frame is dropped after RxIdleCycles; the next is whole.
    f = frame(8'h02, 8'h28, 'h010, 0, none);
    send(f[0:8]);
    idle(IdleCycles + 20);
    xfer("frame after a truncated one", 8'h03, 8'h29, 'h010, 0, none, 8'h00, r);
    check("truncated frame not executed", r.value == 32'h1234_5678, $sformatf("%08x", r.value));

    // Retransmission: same cmd and seq = the remembered answer, not a rerun.
    cnt0 = wr_count;
    xfer("REG_WRITE counted", 8'h02, 8'h30, 'h03C, 7, none, 8'h00, r);
    xfer("REG_WRITE retransmitted", 8'h02, 8'h30, 'h03C, 7, none, 8'h00, r);
    check("retransmission did not write again", wr_count == cnt0 + 1,
          $sformatf("%0d writes", wr_count - cnt0));
    xfer("REG_WRITE next seq", 8'h02, 8'h31, 'h03C, 7, none, 8'h00, r);
    check("next seq writes", wr_count == cnt0 + 2, $sformatf("%0d writes", wr_count - cnt0));
    xfer("MEM_READ", 8'h05, 8'h32, MemBase, 8, none, 8'h00, r);
    d = r.payload;
    mem[0] = ~mem[0];
    xfer("MEM_READ retransmitted", 8'h05, 8'h32, MemBase, 8, none, 8'h00, r);
    check("retransmitted MEM_READ gives the remembered data", same(r.payload, d), "payload differs");
    xfer("MEM_READ next seq", 8'h05, 8'h33, MemBase, 8, none, 8'h00, r);
    check("next MEM_READ reads memory again", r.payload[0] == mem[0], "stale data");

    // WAIT: polls until the mask matches, or times out.
    xfer("REG_WRITE flag delay", 8'h02, 8'h34, 'h008, 300, none, 8'h00, r);
    xfer("WAIT for bit 1", 8'h07, 8'h35, 64'h0000_0002_0000_0000, 5000, none, 8'h00, r);
    check("WAIT value has bit 1", r.value[1] == 1'b1, $sformatf("%08x", r.value));
    xfer("REG_WRITE flag far away", 8'h02, 8'h36, 'h008, 1_000_000, none, 8'h00, r);
    xfer("WAIT times out", 8'h07, 8'h37, 64'h0000_0002_0000_0000, 500, none, 8'h07, r);
    xfer("WAIT with budget 0 reads once", 8'h07, 8'h38, 64'h0000_0010_0000_0010, 0, none,
         8'h00, r);

    check("no stray response bytes", txq.size() == 0, $sformatf("%0d bytes", txq.size()));
    $display("%0d passed, %0d failed", passed, failed);
    $finish;
  end

  // Bound the whole run.
  initial begin
    #50ms;
    $display("FAIL timeout: the test did not finish");
    $display("%0d passed, %0d failed", passed, failed + 1);
    $finish;
  end
endmodule
