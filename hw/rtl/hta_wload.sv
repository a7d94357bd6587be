// hta_wload: loads the weight stream of a layer into the buffers: the channel
// source map once per layer, then one pass block at a time (pass header, lane
// records, MAC rows, adder rows, group scales; docs/architecture.md). The pass
// header is read and checked first, since it gives the sizes of the rest.
`default_nettype none

module hta_wload #(
  parameter int MacLanes = hta_cfg_pkg::MacLanes,
  parameter int AddLanes = hta_cfg_pkg::AddLanes,
  parameter int BusBits  = hta_cfg_pkg::BusBits,
  parameter int MaxBurst = hta_cfg_pkg::MaxBurst
) (
  input  logic               clk_i,
  input  logic               rst_i,
  input  logic               clr_i,
  // commands
  input  logic               map_start_i,
  input  logic               pass_start_i,
  input  logic [31:0]        off_i,         // program-window offset of the block
  input  logic [15:0]        map_beats_i,
  output logic               busy_o,
  output logic [31:0]        next_off_o,    // offset after the loaded pass block
  // layer context
  input  logic               dw_i,
  input  logic [15:0]        k_i,
  input  logic [15:0]        n_groups_i,
  input  logic [15:0]        out_stride_i,
  input  logic [15:0]        mac_stride_i,
  input  logic [15:0]        add_stride_i,
  input  logic [15:0]        pass_i,
  input  logic [31:0]        wts_end_i,     // end of the layer's weight stream
  // the loaded pass header
  output logic [15:0]        n_mac_o,
  output logic [15:0]        n_add_o,
  output logic [15:0]        mac_base_o,
  output logic [15:0]        add_base_o,
  output logic [15:0]        drain_mac_o,
  output logic [15:0]        drain_add_o,
  output logic               err_o,         // pulse: bad pass header
  output logic [31:0]        err_info_o,
  // read port client (program window)
  output logic               req_valid_o,
  input  logic               req_ready_i,
  output logic [31:0]        req_off_o,
  output logic [7:0]         req_beats_o,
  input  logic               rd_valid_i,
  input  logic [BusBits-1:0] rd_data_i,
  // buffer writes
  output logic               map_we_o,
  output logic [15:0]        map_row_o,
  output logic               wmac_we_o,
  output logic [31:0]        wmac_idx_o,
  output logic               wadd_we_o,
  output logic [31:0]        wadd_idx_o,
  output logic               alpha_we_o,
  output logic [31:0]        alpha_idx_o,
  output logic               pmac_we_o,
  output logic               padd_we_o,
  output logic [15:0]        prec_idx_o,
  output logic [BusBits-1:0] wdata_o
);
  localparam int BusBytes = BusBits / 8;
  localparam int NbMac    = MacLanes * 8 / BusBits;
  localparam int NbAdd    = AddLanes * 2 / BusBits;
  localparam int NbAlpha  = AddLanes * 8 / BusBits;

  typedef enum logic [2:0] {
    SIdle, SMap, SHdrReq, SHdrWait, SBody
  } state_e;
  state_e state_q;

  // Regions of a pass block body, in stream order.
  localparam logic [2:0] RPmac  = 3'd0;  // MAC lane records
  localparam logic [2:0] RPadd  = 3'd1;  // adder lane records
  localparam logic [2:0] RWmac  = 3'd2;  // MAC weight rows
  localparam logic [2:0] RWadd  = 3'd3;  // adder weight rows
  localparam logic [2:0] RAlpha = 3'd4;  // group scales
  localparam logic [2:0] REnd   = 3'd5;

  logic [31:0] off_q;        // next offset to request
  logic [31:0] left_q;       // beats still to request
  logic [31:0] got_q;        // beats received in the current region
  logic [2:0]  region_q;
  logic [31:0] rsize [6];    // beats of each region
  logic [5:0]  nz_q;         // regions that are not empty

  // The first non-empty region at or after `from` (REnd if none), so that a
  // beat arriving right after a region's last one lands in the right buffer.
  function automatic logic [2:0] first_nz(input logic [5:0] nz, input int from);
    first_nz = REnd;
    for (int r = 4; r >= 0; r--) begin
      if (r >= from && nz[r]) first_nz = 3'(r);
    end
  endfunction
  logic [15:0] n_mac_q, n_add_q, mac_base_q, add_base_q;

  // ----------------------------------------------------- request bursts
  wire [31:0] to_boundary = 32'(MaxBurst) - ((off_q / 32'(BusBytes)) % 32'(MaxBurst));
  wire [31:0] burst = (left_q < to_boundary) ? left_q : to_boundary;
  assign req_valid_o = (state_q == SMap || state_q == SBody || state_q == SHdrReq)
                       && left_q != '0;
  assign req_off_o   = off_q;
  assign req_beats_o = burst[7:0];
  wire req_fire = req_valid_o && req_ready_i;

  // --------------------------------------------------- header decoding
  // The pass header (hta_prog_pkg::pass_header_t, from hw/config/program.cfg)
  // is the low PassHeaderBytes of its beat.
  hta_prog_pkg::pass_header_t hdr;
  assign hdr = rd_data_i[hta_prog_pkg::PassHeaderBytes*8-1:0];
  wire [31:0] h_mac   = hdr.n_mac;
  wire [31:0] h_add   = hdr.n_add;
  wire [31:0] h_mbase = hdr.mac_base;
  wire [31:0] h_abase = hdr.add_base;
  // DW: this pass covers channels c0 .. c0 + nvec - 1.
  wire [31:0] c0   = 32'(pass_i) * 32'(MacLanes);
  wire [31:0] nvec = (32'(out_stride_i) > c0 + 32'(MacLanes)) ? 32'(MacLanes)
                   : (32'(out_stride_i) > c0 ? 32'(out_stride_i) - c0 : 32'd0);
  wire [31:0] nrec_mac = dw_i ? nvec : h_mac;
  wire [31:0] nrec_add = dw_i ? nvec : h_add;
  wire [31:0] sz_wmac  = (h_mac != 0) ? 32'(k_i) * NbMac : '0;
  wire [31:0] sz_wadd  = (h_add != 0) ? 32'(k_i) * NbAdd : '0;
  wire [31:0] sz_alpha = (h_add != 0) ? 32'(n_groups_i) * NbAlpha : '0;
  wire [31:0] body     = nrec_mac + nrec_add + sz_wmac + sz_wadd + sz_alpha;
  wire [33:0] blk_end  = 34'(off_q) + 34'(body) * 34'(BusBytes);

  // ERR_INFO of a bad header: ErrInfoPass + the word index of the field.
  localparam logic [31:0] BadMac   = hta_prog_pkg::ErrInfoPass + hta_prog_pkg::PassHeaderWNMac;
  localparam logic [31:0] BadAdd   = hta_prog_pkg::ErrInfoPass + hta_prog_pkg::PassHeaderWNAdd;
  localparam logic [31:0] BadMbase = hta_prog_pkg::ErrInfoPass + hta_prog_pkg::PassHeaderWMacBase;
  localparam logic [31:0] BadAbase = hta_prog_pkg::ErrInfoPass + hta_prog_pkg::PassHeaderWAddBase;

  logic [31:0] hdr_bad;      // 0: fine, else the ERR_INFO
  always_comb begin
    hdr_bad = '0;
    if (dw_i) begin
      if (nvec == '0)                        hdr_bad = BadMac;
      else if (h_mac > nvec)                 hdr_bad = BadMac;
      else if (h_add > nvec)                 hdr_bad = BadAdd;
      else if (h_mbase != c0)                hdr_bad = BadMbase;
      else if (h_abase != c0)                hdr_bad = BadAbase;
    end else begin
      if (h_mac > 32'(MacLanes))             hdr_bad = BadMac;
      else if (h_add > 32'(AddLanes))        hdr_bad = BadAdd;
      else if (h_mbase + h_mac > 32'(mac_stride_i)) hdr_bad = BadMbase;
      else if (h_abase + h_add > 32'(add_stride_i)) hdr_bad = BadAbase;
    end
    // A block may not run past its layer's weight stream.
    if (hdr_bad == '0 && blk_end > 34'(wts_end_i)) hdr_bad = hta_prog_pkg::ErrInfoPassEnd;
  end

  // ------------------------------------------------------- FSM
  wire hdr_beat = (state_q == SHdrWait) && rd_valid_i;

  always_ff @(posedge clk_i) begin
    if (rst_i || clr_i) begin
      state_q  <= SIdle;
      left_q   <= '0;
      region_q <= REnd;
      err_o    <= 1'b0;
    end else begin
      err_o <= 1'b0;
      if (req_fire) begin
        off_q  <= off_q + burst * 32'(BusBytes);
        left_q <= left_q - burst;
      end
      unique case (state_q)
        SIdle: begin
          got_q <= '0;
          if (map_start_i) begin
            state_q <= SMap;
            off_q   <= off_i;
            left_q  <= 32'(map_beats_i);
          end else if (pass_start_i) begin
            state_q <= SHdrReq;
            off_q   <= off_i;
            left_q  <= 32'd1;
          end
        end
        SMap: begin
          if (rd_valid_i) got_q <= got_q + 32'd1;
          if (rd_valid_i && got_q + 32'd1 == 32'(map_beats_i)) state_q <= SIdle;
        end
        SHdrReq: if (req_fire) state_q <= SHdrWait;
        SHdrWait: begin
          if (hdr_beat) begin
            n_mac_q    <= h_mac[15:0];
            n_add_q    <= h_add[15:0];
            mac_base_q <= h_mbase[15:0];
            add_base_q <= h_abase[15:0];
            rsize[0] <= nrec_mac;
            rsize[1] <= nrec_add;
            rsize[2] <= sz_wmac;
            rsize[3] <= sz_wadd;
            rsize[4] <= sz_alpha;
            rsize[5] <= '0;
            drain_mac_o <= nrec_mac[15:0];
            drain_add_o <= nrec_add[15:0];
            got_q    <= '0;
            nz_q     <= {1'b0, sz_alpha != '0, sz_wadd != '0, sz_wmac != '0,
                         nrec_add != '0, nrec_mac != '0};
            region_q <= first_nz({1'b0, sz_alpha != '0, sz_wadd != '0, sz_wmac != '0,
                                  nrec_add != '0, nrec_mac != '0}, 0);
            if (hdr_bad != '0) begin
              err_o      <= 1'b1;
              err_info_o <= hdr_bad;
              state_q    <= SIdle;
            end else begin
              left_q     <= body;
              next_off_o <= blk_end[31:0];
              state_q    <= (body == '0) ? SIdle : SBody;
            end
          end
        end
        SBody: begin
          if (rd_valid_i) begin
            if (got_q + 32'd1 == rsize[32'(region_q)]) begin
              got_q    <= '0;
              region_q <= first_nz(nz_q, 32'(region_q) + 1);
            end else begin
              got_q <= got_q + 32'd1;
            end
          end
          if (region_q == REnd && left_q == '0) state_q <= SIdle;
        end
        default: state_q <= SIdle;
      endcase
    end
  end

  assign busy_o     = (state_q != SIdle);
  assign n_mac_o    = n_mac_q;
  assign n_add_o    = n_add_q;
  assign mac_base_o = mac_base_q;
  assign add_base_o = add_base_q;

  // ------------------------------------------------------- buffer writes
  wire body_beat = (state_q == SBody) && rd_valid_i;
  assign wdata_o    = rd_data_i;
  assign map_we_o   = (state_q == SMap) && rd_valid_i;
  assign map_row_o  = got_q[15:0];
  assign pmac_we_o  = body_beat && region_q == RPmac;
  assign padd_we_o  = body_beat && region_q == RPadd;
  assign prec_idx_o = got_q[15:0];
  assign wmac_we_o  = body_beat && region_q == RWmac;
  assign wmac_idx_o = got_q;
  assign wadd_we_o  = body_beat && region_q == RWadd;
  assign wadd_idx_o = got_q;
  assign alpha_we_o = body_beat && region_q == RAlpha;
  assign alpha_idx_o = got_q;

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (!rst_i && body_beat)
      assert (region_q != REnd)
        else $error("hta_wload: body beat with no region to take it");
  end
`endif
endmodule
