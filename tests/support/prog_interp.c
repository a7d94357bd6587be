/*
 * prog_interp.c - see prog_interp.h. Written from docs/architecture.md, not
 * from the compiler. It shares with the compiler and the RTL only the bit
 * layout of the format: constants, and the unpack functions of hta_prog.h
 * generated from hw/config/program.cfg (which fields sit at which bits).
 * What the fields mean - the checks, the stream order, the loop nest, the
 * arithmetic - is interpreted here independently.
 */
#include "prog_interp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_golden.h"
#include "util.h"

typedef hta_desc desc;

/* One pass of the weight stream, located (pointers into the program). */
typedef struct pass {
  unsigned n_mac, n_add, mac_base, add_base;
  unsigned n_mac_rec, n_add_rec; /* CONV: n_mac / n_add; DW: nvec each */
  unsigned nvec;                 /* lanes computed (CONV: unused) */
  const uint8_t *mac_rec, *add_rec, *mac_rows, *add_rows, *alpha_rows;
} pass;

typedef struct run {
  const hta_hw_cfg *cfg;
  hta_interp_status *st;
  const uint8_t *prog;
  size_t prog_size;
  uint8_t *data;
  size_t data_size;
  /* per layer */
  desc d;
  const uint8_t *map;
  pass *passes;
  uint8_t *stage[2], *valid[2]; /* [0] MAC, [1] adder staging */
  int64_t *acc[2], *gsum;
} run;


static int report(run *r, int code, uint32_t info, uint64_t addr, const char *fmt, ...) {
  hta_interp_status *st = r->st;
  st->code = code;
  st->info = info;
  st->addr = addr;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(st->msg, sizeof st->msg, fmt, ap);
  va_end(ap);
  return code;
}

#define DESC_ERR(word, ...) report(r, HTA_INTERP_ERR_DESC, (word), 0, __VA_ARGS__)
#define STREAM_ERR(...) report(r, HTA_INTERP_ERR_STREAM, 0, 0, __VA_ARGS__)

static unsigned round16(unsigned c) { return (c + 15) / 16 * 16; }

/* The engine's checks, before the layer touches memory (architecture.md),
 * in the order and with the word indices hw/rtl/hta_ctrl.sv reports, so the
 * first failing check agrees with the RTL's ERR_INFO. */
static int check_desc(run *r) {
  const desc *d = &r->d;
  const hta_hw_cfg *cfg = r->cfg;
  const int dw = d->op == HTA_DESC_OP_DW;
  const uint64_t data_limit = r->data_size < (UINT64_C(1) << 32) ? r->data_size
                                                                 : UINT64_C(1) << 32;
  if (d->op != HTA_DESC_OP_CONV && !dw) return DESC_ERR(HTA_DESC_W_OP, "op = %u is not CONV or DW", d->op);
  if (d->kh < 1 || d->kw < 1 || (!dw && (d->kh > 7 || d->kw > 7)))
    return DESC_ERR(HTA_DESC_W_KH, "kernel %ux%u outside 1..%u", d->kh, d->kw, dw ? 255 : 7);
  if (d->stride_h < 1 || d->stride_h > 2 || d->stride_w < 1 || d->stride_w > 2)
    return DESC_ERR(HTA_DESC_W_STRIDE_H, "strides %u,%u outside 1..2", d->stride_h, d->stride_w);
  if (d->act_min > d->act_max)
    return DESC_ERR(HTA_DESC_W_ACT_MIN, "act_min %d > act_max %d", d->act_min, d->act_max);
  if (d->group != 0 && d->group < 4) return DESC_ERR(HTA_DESC_W_GROUP, "G = %u: must be 0 or >= 4", d->group);
  if (d->in_h < 1 || d->in_w < 1) return DESC_ERR(HTA_DESC_W_IN_H, "empty input %ux%u", d->in_h, d->in_w);
  if (d->in_c < 1 || d->in_pix_stride != round16(d->in_c))
    return DESC_ERR(HTA_DESC_W_IN_C, "in_pix_stride %u for in_c %u", d->in_pix_stride, d->in_c);
  if (d->out_h < 1 || d->out_w < 1)
    return DESC_ERR(HTA_DESC_W_OUT_H, "empty output %ux%u", d->out_h, d->out_w);
  if (d->out_c < 1 || d->out_c > cfg->chan_max)
    return DESC_ERR(HTA_DESC_W_OUT_C, "out_c %u outside 1..ChanMax %u", d->out_c, cfg->chan_max);
  if (d->out_pix_stride != round16(d->out_c))
    return DESC_ERR(HTA_DESC_W_OUT_PIX_STRIDE, "out_pix_stride %u for out_c %u", d->out_pix_stride, d->out_c);
  if (dw && d->in_c != d->out_c)
    return DESC_ERR(HTA_DESC_W_OUT_C, "DW with in_c %u != out_c %u", d->in_c, d->out_c);
  if (d->in_off % 16 || (uint64_t)d->in_off + (uint64_t)d->in_h * d->in_w * d->in_pix_stride > data_limit)
    return DESC_ERR(HTA_DESC_W_IN_OFF, "input tensor at 0x%x misaligned or outside the data window", d->in_off);
  if (d->out_off % 16 ||
      (uint64_t)d->out_off + (uint64_t)d->out_h * d->out_w * d->out_pix_stride > data_limit)
    return DESC_ERR(HTA_DESC_W_OUT_OFF, "output tensor at 0x%x misaligned or outside the data window", d->out_off);
  if (d->wts_off % 16) return DESC_ERR(HTA_DESC_W_WTS_OFF, "wts_off 0x%x not a multiple of 16", d->wts_off);
  if ((uint64_t)d->wts_off + d->wts_bytes > r->prog_size)
    return DESC_ERR(HTA_DESC_W_WTS_BYTES, "weight stream at 0x%x (+%u) leaves the program window", d->wts_off,
                    d->wts_bytes);
  const unsigned pixel = d->mac_stride > d->add_stride ? d->mac_stride : d->add_stride;
  if (d->n_passes < 1 || d->tile_pixels < 1)
    return DESC_ERR(HTA_DESC_W_N_PASSES, "n_passes %u, tile_pixels %u", d->n_passes, d->tile_pixels);
  if ((uint64_t)d->tile_pixels * pixel > cfg->stage_bytes)
    return DESC_ERR(HTA_DESC_W_TILE_PIXELS, "tile_pixels %u x %u bytes exceeds StageBytes %u", d->tile_pixels,
                    pixel, cfg->stage_bytes);
  if (dw && d->n_passes != (d->out_pix_stride + cfg->mac_lanes - 1) / cfg->mac_lanes)
    return DESC_ERR(HTA_DESC_W_N_PASSES, "DW n_passes = %u for out_pix_stride %u", d->n_passes, d->out_pix_stride);
  if (dw && (d->mac_stride != d->out_pix_stride || d->add_stride != d->out_pix_stride))
    return DESC_ERR(HTA_DESC_W_MAC_STRIDE, "DW staging strides %u,%u != out_pix_stride %u", d->mac_stride,
                    d->add_stride, d->out_pix_stride);
  const unsigned K = d->kh * d->kw * (dw ? 1 : d->in_c);
  if (d->k < 1 || d->k != K || d->k > cfg->k_max)
    return DESC_ERR(HTA_DESC_W_K, "K = %u (kernel and channels give %u, KMax %u)", d->k, K, cfg->k_max);
  if (d->n_groups < 1 || d->n_groups > cfg->alpha_depth)
    return DESC_ERR(HTA_DESC_W_N_GROUPS, "n_groups = %u outside 1..AlphaDepth %u", d->n_groups, cfg->alpha_depth);
  const unsigned ng = d->group == 0 ? 1 : (d->k + d->group - 1) / d->group;
  if (d->n_groups != ng)
    return DESC_ERR(HTA_DESC_W_N_GROUPS, "n_groups = %u, K %u and G %u give %u", d->n_groups, d->k, d->group, ng);
  return 0;
}

/* ---- weight stream ---- */

typedef struct reader {
  const uint8_t *base;
  size_t n, pos;
} reader;

/* Next block of n bytes, starting on a 16-byte boundary; NULL past the end. */
static const uint8_t *block(reader *rd, size_t n) {
  const size_t at = (rd->pos + 15) / 16 * 16;
  if (at + n > rd->n) return NULL;
  rd->pos = at + n;
  return rd->base + at;
}

static unsigned map_src(const run *r, unsigned c) {
  return hta_ld_le32(r->map + 4 * (c / 16)) >> (2 * (c % 16)) & 3u;
}

static unsigned code_at(const uint8_t *row, unsigned lane) {
  return row[lane / 4] >> (2 * (lane % 4)) & 3u;
}

static int check_records(run *r, int p, const char *arr, const uint8_t *rec, unsigned n,
                         const uint8_t *zero_mask) {
  for (unsigned i = 0; i < n; i++) {
    const uint8_t *q = rec + HTA_LANE_RECORD_BYTES * i;
    if (zero_mask && zero_mask[i]) {
      for (unsigned b = 0; b < HTA_LANE_RECORD_BYTES; b++)
        if (q[b]) return STREAM_ERR("pass %d %s record %u of a lane of another kind is not zero", p, arr, i);
      continue;
    }
    hta_lane_record lr;
    uint8_t again[HTA_LANE_RECORD_BYTES];
    hta_lane_record_unpack(q, &lr);
    if (lr.shift > 31) return STREAM_ERR("pass %d %s record %u: shift %u > 31", p, arr, i, lr.shift);
    /* the fields packed again give the record back: its reserved bits are 0 */
    if (hta_lane_record_pack(&lr, again, NULL, 0) != 0 || memcmp(again, q, sizeof again) != 0)
      return STREAM_ERR("pass %d %s record %u: reserved bits not zero", p, arr, i);
  }
  return 0;
}

/* Weight rows: lanes with active[i] == 0 must hold zero weights; ternary
 * codes must not be 10. */
static int check_rows(run *r, int p, const pass *ps, const uint8_t *active_mac,
                      const uint8_t *active_add) {
  const desc *d = &r->d;
  const unsigned ml = r->cfg->mac_lanes, al = r->cfg->add_lanes;
  for (unsigned k = 0; ps->mac_rows && k < d->k; k++)
    for (unsigned i = 0; i < ml; i++)
      if (!active_mac[i] && ps->mac_rows[k * ml + i])
        return STREAM_ERR("pass %d: MAC row %u lane %u of an idle lane is not zero", p, k, i);
  for (unsigned k = 0; ps->add_rows && k < d->k; k++) {
    for (unsigned i = 0; i < al; i++) {
      const unsigned code = code_at(ps->add_rows + k * (al / 4), i);
      if (code == 2) return STREAM_ERR("pass %d: adder row %u lane %u has code 10", p, k, i);
      if (!active_add[i] && code)
        return STREAM_ERR("pass %d: adder row %u lane %u of an idle lane is not zero", p, k, i);
    }
  }
  for (unsigned g = 0; ps->alpha_rows && g < d->n_groups; g++)
    for (unsigned i = 0; i < al; i++)
      if (!active_add[i] && ps->alpha_rows[g * al + i])
        return STREAM_ERR("pass %d: alpha row %u lane %u of an idle lane is not zero", p, g, i);
  return 0;
}

/* Locate and check the channel source map and every pass. */
static int parse_stream(run *r) {
  const desc *d = &r->d;
  const hta_hw_cfg *cfg = r->cfg;
  const int dw = d->op == HTA_DESC_OP_DW;
  const unsigned ml = cfg->mac_lanes, al = cfg->add_lanes;
  reader rd = {r->prog + d->wts_off, d->wts_bytes, 0};
  r->map = block(&rd, d->out_pix_stride / 16 * 4);
  if (r->map == NULL) return STREAM_ERR("stream too short for the channel source map");
  unsigned n_src[4] = {0, 0, 0, 0};
  for (unsigned c = 0; c < d->out_pix_stride; c++) {
    const unsigned s = map_src(r, c);
    if (s == 3) return STREAM_ERR("channel %u has source code 3", c);
    if (c >= d->out_c && s != HTA_SRC_NONE)
      return STREAM_ERR("padding channel %u (out_c %u) has a source", c, d->out_c);
    n_src[s]++;
  }
  if (n_src[HTA_SRC_MAC] + n_src[HTA_SRC_ADD] == 0) return STREAM_ERR("no channel has a source");
  if (!dw && (n_src[HTA_SRC_MAC] != d->mac_stride || n_src[HTA_SRC_ADD] != d->add_stride))
    return STREAM_ERR("map has %u MAC / %u adder channels, strides say %u / %u",
                      n_src[HTA_SRC_MAC], n_src[HTA_SRC_ADD], d->mac_stride, d->add_stride);

  uint8_t *act_mac = calloc(ml, 1), *act_add = calloc(al, 1), *zero_mac = calloc(ml, 1),
          *zero_add = calloc(al, 1);
  int rc = act_mac && act_add && zero_mac && zero_add
               ? 0
               : report(r, HTA_INTERP_ERR_NOMEM, 0, 0, "out of memory");
  for (unsigned p = 0; rc == 0 && p < d->n_passes; p++) {
    pass *ps = &r->passes[p];
    const uint8_t *h = block(&rd, HTA_PASS_HEADER_BYTES);
    if (h == NULL) {
      rc = DESC_ERR(HTA_ERR_INFO_PASS_END, "pass %u's header runs past the end of the weight stream", p);
      break;
    }
    hta_pass_header ph;
    hta_pass_header_unpack(h, &ph);
    ps->n_mac = ph.n_mac;
    ps->n_add = ph.n_add;
    ps->mac_base = ph.mac_base;
    ps->add_base = ph.add_base;
    memset(act_mac, 0, ml);
    memset(act_add, 0, al);
    if (dw) {
      const unsigned c0 = p * ml;
      ps->nvec = d->out_pix_stride - c0 < ml ? d->out_pix_stride - c0 : ml;
      if (ps->n_mac > ps->nvec) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_N_MAC, "pass %u: n_mac %u > nvec %u", p, ps->n_mac, ps->nvec); break; }
      if (ps->n_add > ps->nvec) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_N_ADD, "pass %u: n_add %u > nvec %u", p, ps->n_add, ps->nvec); break; }
      if (ps->mac_base != c0) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_MAC_BASE, "pass %u: mac_base %u != c0 %u", p, ps->mac_base, c0); break; }
      if (ps->add_base != c0) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_ADD_BASE, "pass %u: add_base %u != c0 %u", p, ps->add_base, c0); break; }
      unsigned nm = 0, na = 0;
      for (unsigned i = 0; i < ps->nvec; i++) {
        const unsigned s = map_src(r, c0 + i);
        act_mac[i] = s == HTA_SRC_MAC;
        act_add[i] = s == HTA_SRC_ADD;
        zero_mac[i] = !act_mac[i];
        zero_add[i] = !act_add[i];
        nm += act_mac[i];
        na += act_add[i];
      }
      if (ps->n_mac != nm || ps->n_add != na) {
        rc = STREAM_ERR("pass %u: counts n_mac %u n_add %u, map has %u / %u", p, ps->n_mac,
                        ps->n_add, nm, na);
        break;
      }
      ps->n_mac_rec = ps->n_add_rec = ps->nvec;
    } else {
      if (ps->n_mac > ml) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_N_MAC, "pass %u: n_mac %u > MacLanes %u", p, ps->n_mac, ml); break; }
      if (ps->n_add > al) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_N_ADD, "pass %u: n_add %u > AddLanes %u", p, ps->n_add, al); break; }
      if (ps->mac_base + ps->n_mac > d->mac_stride) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_MAC_BASE, "pass %u: mac_base %u + n_mac %u > mac_stride %u", p, ps->mac_base, ps->n_mac, d->mac_stride); break; }
      if (ps->add_base + ps->n_add > d->add_stride) { rc = DESC_ERR(HTA_ERR_INFO_PASS + HTA_PASS_HEADER_W_ADD_BASE, "pass %u: add_base %u + n_add %u > add_stride %u", p, ps->add_base, ps->n_add, d->add_stride); break; }
      for (unsigned i = 0; i < ps->n_mac; i++) act_mac[i] = 1;
      for (unsigned i = 0; i < ps->n_add; i++) act_add[i] = 1;
      ps->n_mac_rec = ps->n_mac;
      ps->n_add_rec = ps->n_add;
    }
    ps->mac_rec = block(&rd, HTA_LANE_RECORD_BYTES * (size_t)ps->n_mac_rec);
    ps->add_rec = block(&rd, HTA_LANE_RECORD_BYTES * (size_t)ps->n_add_rec);
    ps->mac_rows = ps->n_mac ? block(&rd, (size_t)d->k * ml) : NULL;
    ps->add_rows = ps->n_add ? block(&rd, (size_t)d->k * (al / 4)) : NULL;
    ps->alpha_rows = ps->n_add ? block(&rd, (size_t)d->n_groups * al) : NULL;
    if (!ps->mac_rec || !ps->add_rec || (ps->n_mac && !ps->mac_rows) ||
        (ps->n_add && (!ps->add_rows || !ps->alpha_rows))) {
      rc = DESC_ERR(HTA_ERR_INFO_PASS_END, "pass %u runs past the end of the weight stream (%u bytes)", p,
                    d->wts_bytes);
      break;
    }
    rc = check_records(r, (int)p, "MAC", ps->mac_rec, ps->n_mac_rec, dw ? zero_mac : NULL);
    if (rc == 0)
      rc = check_records(r, (int)p, "adder", ps->add_rec, ps->n_add_rec, dw ? zero_add : NULL);
    if (rc == 0) rc = check_rows(r, (int)p, ps, act_mac, act_add);
  }
  if (rc == 0 && (rd.pos + 15) / 16 * 16 != rd.n)
    rc = STREAM_ERR("weight stream uses %zu of its %u bytes", rd.pos, d->wts_bytes);
  free(act_mac);
  free(act_add);
  free(zero_mac);
  free(zero_add);
  return rc;
}

/* ---- compute ---- */

/* Centred input x - zp_in at window position (ky, kx) of output pixel gp,
 * channel c; 0 in the padding. */
static int32_t input_at(const run *r, unsigned gp, unsigned ky, unsigned kx, unsigned c) {
  const desc *d = &r->d;
  const long iy = (long)(gp / d->out_w) * d->stride_h - d->pad_top + ky;
  const long ix = (long)(gp % d->out_w) * d->stride_w - d->pad_left + kx;
  if (iy < 0 || iy >= (long)d->in_h || ix < 0 || ix >= (long)d->in_w) return 0;
  const size_t at = d->in_off + ((size_t)iy * d->in_w + (size_t)ix) * d->in_pix_stride + c;
  return (int8_t)r->data[at] - d->zp_in;
}

static int8_t lane_out(const run *r, const uint8_t *rec, int64_t acc) {
  const desc *d = &r->d;
  hta_lane_record lr;
  hta_lane_record_unpack(rec, &lr);
  return hta_requant(acc, lr.bias, lr.mult, (uint8_t)lr.shift, d->zp_out, d->act_min,
                     d->act_max);
}

static int stage_put(run *r, int arr, size_t at, int8_t v) {
  if (r->valid[arr][at])
    return STREAM_ERR("%s staging byte %zu written twice in one tile", arr ? "adder" : "MAC", at);
  r->stage[arr][at] = (uint8_t)v;
  r->valid[arr][at] = 1;
  return 0;
}

/* One pixel of one pass: K steps on both arrays, then requantize into the
 * staging (lane i at pixel*stride + base + i). p = pixel index in the tile. */
static int compute_pixel(run *r, const pass *ps, unsigned gp, unsigned p) {
  const desc *d = &r->d;
  const int dw = d->op == HTA_DESC_OP_DW;
  const unsigned ml = r->cfg->mac_lanes, al = r->cfg->add_lanes;
  const unsigned nm = dw ? (ps->n_mac ? ps->nvec : 0) : ps->n_mac;
  const unsigned na = dw ? (ps->n_add ? ps->nvec : 0) : ps->n_add;
  int64_t *am = r->acc[0], *aa = r->acc[1], *gs = r->gsum;
  memset(am, 0, ml * sizeof *am);
  memset(aa, 0, al * sizeof *aa);
  memset(gs, 0, al * sizeof *gs);
  for (unsigned k = 0; k < d->k; k++) {
    /* CONV: one input byte broadcast to all lanes; DW: lane i reads channel c0+i */
    const unsigned pos = dw ? k : k / d->in_c, ci = dw ? 0 : k % d->in_c;
    const unsigned ky = pos / d->kw, kx = pos % d->kw;
    const int32_t x = dw ? 0 : input_at(r, gp, ky, kx, ci);
    for (unsigned i = 0; i < nm; i++) {
      const int32_t xi = dw ? input_at(r, gp, ky, kx, ps->mac_base + i) : x;
      am[i] += (int8_t)ps->mac_rows[k * ml + i] * xi;
    }
    for (unsigned i = 0; i < na; i++) {
      static const int t_of_code[4] = {0, 1, 0, -1};
      const int32_t xi = dw ? input_at(r, gp, ky, kx, ps->add_base + i) : x;
      gs[i] += t_of_code[code_at(ps->add_rows + k * (al / 4), i)] * xi;
    }
    /* end of a group: scale the group sum by its alpha (shift-add in hardware) */
    if (d->group == 0 ? k + 1 == d->k : ((k + 1) % d->group == 0 || k + 1 == d->k)) {
      const unsigned g = d->group == 0 ? 0 : k / d->group;
      for (unsigned i = 0; i < na; i++) {
        aa[i] += (int64_t)ps->alpha_rows[g * al + i] * gs[i];
        gs[i] = 0;
      }
    }
  }
  for (unsigned i = 0; i < nm; i++)
    if (stage_put(r, 0, (size_t)p * d->mac_stride + ps->mac_base + i,
                  lane_out(r, ps->mac_rec + HTA_LANE_RECORD_BYTES * i, am[i])))
      return r->st->code;
  for (unsigned i = 0; i < na; i++)
    if (stage_put(r, 1, (size_t)p * d->add_stride + ps->add_base + i,
                  lane_out(r, ps->add_rec + HTA_LANE_RECORD_BYTES * i, aa[i])))
      return r->st->code;
  return 0;
}

/* Write a tile back: channel c of each pixel comes from the array its map
 * code names (CONV: that array's next compacted byte; DW: byte c); channels
 * with source none get strobe 0 (memory untouched). */
static int write_tile(run *r, unsigned gp0, unsigned n) {
  const desc *d = &r->d;
  const int dw = d->op == HTA_DESC_OP_DW;
  for (unsigned p = 0; p < n; p++) {
    unsigned next[2] = {0, 0};
    uint8_t *px = r->data + d->out_off + (size_t)(gp0 + p) * d->out_pix_stride;
    for (unsigned c = 0; c < d->out_pix_stride; c++) {
      const unsigned s = map_src(r, c);
      if (s == HTA_SRC_NONE) continue;
      const int arr = s == HTA_SRC_ADD;
      const size_t stride = arr ? d->add_stride : d->mac_stride;
      const size_t at = (size_t)p * stride + (dw ? c : next[arr]++);
      if (!r->valid[arr][at])
        return STREAM_ERR("channel %u of pixel %u reads %s staging byte %zu, not computed", c,
                          gp0 + p, arr ? "adder" : "MAC", at);
      px[c] = r->stage[arr][at];
    }
  }
  return 0;
}

static int run_layer(run *r) {
  const desc *d = &r->d;
  const unsigned npix = d->out_h * d->out_w;
  for (unsigned gp0 = 0; gp0 < npix; gp0 += d->tile_pixels) {
    const unsigned n = npix - gp0 < d->tile_pixels ? npix - gp0 : d->tile_pixels;
    memset(r->valid[0], 0, r->cfg->stage_bytes);
    memset(r->valid[1], 0, r->cfg->stage_bytes);
    for (unsigned p = 0; p < d->n_passes; p++)
      for (unsigned i = 0; i < n; i++)
        if (compute_pixel(r, &r->passes[p], gp0 + i, i)) return r->st->code;
    if (write_tile(r, gp0, n)) return r->st->code;
  }
  return 0;
}

/* ---- graph ops (gop_desc, op DescOpGop) ---- */

/* hta_gop's checks, in its order and with its word indices. */
static int check_gop(run *r, const hta_gop_desc *g) {
  const int add = g->kind == HTA_GOP_ADD, cat = g->kind == HTA_GOP_CONCAT;
  const int mul = g->kind == HTA_GOP_MUL, tab = g->kind == HTA_GOP_TABLE;
  const int rsz = g->kind == HTA_GOP_RESIZE, pad = g->kind == HTA_GOP_PAD;
  const int mx = g->kind == HTA_GOP_MAXPOOL, gmp = g->kind == HTA_GOP_GMP;
  const int avg = g->kind == HTA_GOP_AVGPOOL, ln = g->kind == HTA_GOP_LAYERNORM;
  const int one = tab || rsz || pad || mx || gmp; /* no y, no lane records */
  const int no_y = one || avg || ln;
  const uint64_t npix = (uint64_t)g->h * g->w;
  const uint64_t in_pix = (one && !tab) || avg ? (uint64_t)g->in_h * g->in_w : npix;
  const uint64_t limit = r->data_size < (1ull << 32) ? r->data_size : (1ull << 32);
#define GOP_ERR(word, ...) report(r, HTA_INTERP_ERR_DESC, (word), 0, __VA_ARGS__)
  if (g->kind > HTA_GOP_LAYERNORM || (tab && !g->lut_en))
    return GOP_ERR(HTA_GOP_DESC_W_KIND, "gop kind %u (lut_en %u)", g->kind, g->lut_en);
  if (ln && g->in_mult0 < 0)
    return GOP_ERR(HTA_GOP_DESC_W_IN_MULT0, "gop LAYERNORM epsilon term %d", g->in_mult0);
  if (g->act_min > g->act_max)
    return GOP_ERR(HTA_GOP_DESC_W_ACT_MIN, "act_min %d > act_max %d", g->act_min, g->act_max);
  if (g->h == 0 || g->w == 0) return GOP_ERR(HTA_GOP_DESC_W_H, "gop %ux%u", g->h, g->w);
  if (g->in_c == 0 || g->in_c > r->cfg->chan_max || g->in_pix_stride != round16(g->in_c))
    return GOP_ERR(HTA_GOP_DESC_W_IN_C, "gop in_c %u stride %u", g->in_c, g->in_pix_stride);
  if ((rsz || pad) &&
      (g->in_h == 0 || g->in_w == 0 || (rsz && (g->h != 2 * g->in_h || g->w != 2 * g->in_w)) ||
       (pad && (g->h < g->in_h + g->pad_top || g->w < g->in_w + g->pad_left))))
    return GOP_ERR(HTA_GOP_DESC_W_IN_H, "gop %s of %ux%u to %ux%u (pad %u, %u)",
                   rsz ? "RESIZE" : "PAD", g->in_h, g->in_w, g->h, g->w, g->pad_top, g->pad_left);
  /* a pool: every window holds an in-image position */
  if ((mx || gmp || avg) &&
      (g->in_h == 0 || g->in_w == 0 || (gmp && (g->h != 1 || g->w != 1)) ||
       ((mx || avg) && (g->kh == 0 || g->kw == 0 || g->stride == 0 || g->pad_top >= g->kh ||
               g->pad_left >= g->kw ||
               (uint64_t)(g->h - 1) * g->stride > (uint64_t)g->in_h - 1 + g->pad_top ||
               (uint64_t)(g->w - 1) * g->stride > (uint64_t)g->in_w - 1 + g->pad_left))))
    return GOP_ERR(HTA_GOP_DESC_W_IN_H,
                   "gop pool of %ux%u to %ux%u (k %ux%u, stride %u, pad %u, %u)", g->in_h, g->in_w, g->h, g->w, g->kh, g->kw, g->stride, g->pad_top,
                   g->pad_left);
  if (!no_y && (g->in2_c == 0 || g->in2_c > r->cfg->chan_max ||
               g->in2_pix_stride != round16(g->in2_c)))
    return GOP_ERR(HTA_GOP_DESC_W_IN2_C, "gop in2_c %u stride %u", g->in2_c, g->in2_pix_stride);
  if ((add || mul) && g->in2_c != g->in_c)
    return GOP_ERR(HTA_GOP_DESC_W_IN2_C, "gop in2_c %u != in_c %u", g->in2_c, g->in_c);
  if (cat ? g->out_c != g->in_c + g->in2_c : g->out_c != g->in_c)
    return GOP_ERR(HTA_GOP_DESC_W_OUT_C, "gop out_c %u", g->out_c);
  if (g->out_c > r->cfg->chan_max || g->out_pix_stride != round16(g->out_c))
    return GOP_ERR(HTA_GOP_DESC_W_OUT_C, "gop out_c %u stride %u", g->out_c, g->out_pix_stride);
  if (g->in_off % 16 || g->in_off + in_pix * g->in_pix_stride > limit)
    return GOP_ERR(HTA_GOP_DESC_W_IN_OFF, "gop x at 0x%x", g->in_off);
  if (!no_y && (g->in2_off % 16 ||
               g->in2_off + (mul ? 1 : npix) * g->in2_pix_stride > limit))
    return GOP_ERR(HTA_GOP_DESC_W_IN2_OFF, "gop y at 0x%x", g->in2_off);
  if (g->out_off % 16 || g->out_off + npix * g->out_pix_stride > limit)
    return GOP_ERR(HTA_GOP_DESC_W_OUT_OFF, "gop output at 0x%x", g->out_off);
  if (g->par_off % (r->cfg->bus_bits / 8))
    return GOP_ERR(HTA_GOP_DESC_W_PAR_OFF, "gop par_off 0x%x", g->par_off);
  const uint32_t need = (g->lut_en ? HTA_GOP_LUT_BYTES : 0) + (one ? 0 : 16 * g->out_c);
  if (g->par_bytes != need || (uint64_t)g->par_off + g->par_bytes > r->prog_size)
    return GOP_ERR(HTA_GOP_DESC_W_PAR_BYTES, "gop par_bytes %u (needs %u)", g->par_bytes, need);
#undef GOP_ERR
  return 0;
}

/* R_j(v) of docs/numerics.md: RDBPOT(SRDHM(vc * 2^20, m), s). */
static int32_t gop_rescale(int vc, int32_t m, unsigned s) {
  return hta_rdbpot(hta_srdhm(vc * (INT32_C(1) << 20), m), (int)s);
}

/* Every pixel, every output channel, written in place of the output tensor;
 * x and y of a pixel are read before any of its output is written. */
static int run_gop(run *r, const uint8_t *at) {
  hta_gop_desc g;
  hta_gop_desc_unpack(at, &g);
  const int rc = check_gop(r, &g);
  if (rc != 0) return rc;
  const uint8_t *lut = g.lut_en ? r->prog + g.par_off : NULL;
  const uint8_t *rec = r->prog + g.par_off + (g.lut_en ? HTA_GOP_LUT_BYTES : 0);
  int8_t *px = malloc(g.out_c);
  int64_t *ln = malloc(g.out_c * sizeof *ln);
  if (px == NULL || ln == NULL) {
    free(px);
    free(ln);
    return report(r, HTA_INTERP_ERR_NOMEM, 0, 0, "out of memory");
  }
  const int move = g.kind == HTA_GOP_RESIZE || g.kind == HTA_GOP_PAD;
  for (uint32_t p = 0; p < g.h * g.w; p++) {
    /* RESIZE, PAD: the source pixel of output pixel (oy, ox), or none */
    const long oy = (long)(p / g.w), ox = (long)(p % g.w);
    const long sy = g.kind == HTA_GOP_RESIZE ? oy / 2 : oy - (long)g.pad_top;
    const long sx = g.kind == HTA_GOP_RESIZE ? ox / 2 : ox - (long)g.pad_left;
    const int outside = move && (sy < 0 || sy >= (long)g.in_h || sx < 0 || sx >= (long)g.in_w);
    const size_t src = move ? (outside ? 0 : (size_t)sy * g.in_w + (size_t)sx) : p;
    const uint8_t *x = r->data + g.in_off + src * g.in_pix_stride;
    const uint8_t *y =
        r->data + g.in2_off + (g.kind == HTA_GOP_MUL ? 0 : (size_t)p * g.in2_pix_stride);
    if (g.kind == HTA_GOP_LAYERNORM)
      hta_layernorm_acc((const int8_t *)x, (int)g.in_c, g.zp_in, g.in_mult0, ln);
    for (uint32_t o = 0; o < g.out_c; o++) {
      int v;
      if (g.kind == HTA_GOP_TABLE) {
        v = (int8_t)x[o];
      } else if (g.kind == HTA_GOP_LAYERNORM) {
        hta_lane_record lr;
        hta_lane_record_unpack(rec + 16 * (size_t)o, &lr);
        v = hta_requant(ln[o], lr.bias, lr.mult, (uint8_t)lr.shift, g.zp_out, g.act_min,
                        g.act_max);
      } else if (g.kind == HTA_GOP_AVGPOOL) {
        /* the in-image mean of xc, rounded half away from zero */
        int64_t sum = 0, n = 0;
        for (uint32_t ky = 0; ky < g.kh; ky++)
          for (uint32_t kx = 0; kx < g.kw; kx++) {
            const long iy = oy * (long)g.stride - (long)g.pad_top + (long)ky;
            const long ix = ox * (long)g.stride - (long)g.pad_left + (long)kx;
            if (iy < 0 || iy >= (long)g.in_h || ix < 0 || ix >= (long)g.in_w) continue;
            sum += (int8_t)r->data[g.in_off + ((size_t)iy * g.in_w + (size_t)ix) *
                                                  g.in_pix_stride + o] - g.zp_in;
            n++;
          }
        const int64_t q = ((sum < 0 ? -sum : sum) * 2 + n) / (2 * n);
        hta_lane_record lr;
        hta_lane_record_unpack(rec + 16 * (size_t)o, &lr);
        v = hta_requant(sum < 0 ? -q : q, lr.bias, lr.mult, (uint8_t)lr.shift, g.zp_out,
                        g.act_min, g.act_max);
      } else if (g.kind == HTA_GOP_MAXPOOL || g.kind == HTA_GOP_GMP) {
        const int gm = g.kind == HTA_GOP_GMP;
        v = -128;
        for (uint32_t ky = 0; ky < (gm ? g.in_h : g.kh); ky++)
          for (uint32_t kx = 0; kx < (gm ? g.in_w : g.kw); kx++) {
            const long iy = gm ? (long)ky : oy * (long)g.stride - (long)g.pad_top + (long)ky;
            const long ix = gm ? (long)kx : ox * (long)g.stride - (long)g.pad_left + (long)kx;
            if (iy < 0 || iy >= (long)g.in_h || ix < 0 || ix >= (long)g.in_w) continue;
            const size_t at = g.in_off + ((size_t)iy * g.in_w + (size_t)ix) * g.in_pix_stride + o;
            const int8_t xv = (int8_t)r->data[at];
            v = xv > v ? xv : v;
          }
        v = v < g.act_min ? g.act_min : v > g.act_max ? g.act_max : v;
      } else if (move) {
        v = outside ? g.zp_in : (int8_t)x[o];
        v = v < g.act_min ? g.act_min : v > g.act_max ? g.act_max : v;
      } else {
        int64_t acc;
        const int xc = (int8_t)x[o] - g.zp_in;
        if (g.kind == HTA_GOP_ADD)
          acc = (int64_t)gop_rescale(xc, g.in_mult0, g.in_shift0) +
                gop_rescale((int8_t)y[o] - g.zp_in2, g.in_mult1, g.in_shift1);
        else if (g.kind == HTA_GOP_CONCAT)
          acc = o < g.in_c ? gop_rescale(xc, g.in_mult0, g.in_shift0)
                           : gop_rescale((int8_t)y[o - g.in_c] - g.zp_in2, g.in_mult1,
                                         g.in_shift1);
        else
          acc = (int64_t)xc * ((int8_t)y[o] - g.zp_in2);
        hta_lane_record lr;
        hta_lane_record_unpack(rec + 16 * (size_t)o, &lr);
        v = hta_requant(acc, lr.bias, lr.mult, (uint8_t)lr.shift, g.zp_out, g.act_min,
                        g.act_max);
      }
      px[o] = (int8_t)(lut ? (int8_t)lut[v + 128] : v);
    }
    memcpy(r->data + g.out_off + (size_t)p * g.out_pix_stride, px, g.out_c);
  }
  free(px);
  free(ln);
  return 0;
}

int hta_interp_gop(unsigned chan_max, unsigned bus_bytes, const uint8_t *prog,
                   size_t prog_size, uint8_t *data, size_t data_size, const uint8_t *desc,
                   hta_interp_status *st) {
  hta_hw_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.chan_max = chan_max;
  cfg.bus_bits = bus_bytes * 8;
  run rr = {0};
  rr.cfg = &cfg;
  rr.st = st;
  rr.prog = prog;
  rr.prog_size = prog_size;
  rr.data = data;
  rr.data_size = data_size;
  return run_gop(&rr, desc);
}

/* ---- program ---- */

int hta_interp_run(const hta_hw_cfg *cfg, const uint8_t *prog, size_t prog_size,
                   uint8_t *data, size_t data_size, const hta_interp_opts *opts,
                   hta_interp_status *st) {
  run rr = {0}, *r = &rr;
  memset(st, 0, sizeof *st);
  st->layer = -1;
  r->cfg = cfg;
  r->st = st;
  r->prog = prog;
  r->prog_size = prog_size;
  r->data = data;
  r->data_size = data_size;
  if (prog_size < HTA_PROG_HEADER_BYTES)
    return report(r, HTA_INTERP_ERR_WINDOW, 0, 0, "program window (%zu bytes) has no header",
                  prog_size);
  hta_prog_header hdr;
  hta_prog_header_unpack(prog, &hdr);
  if (hdr.magic != HTA_PROG_MAGIC)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_MAGIC, 0, "magic 0x%08x", hdr.magic);
  if (hdr.version != HTA_PROG_VERSION)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_VERSION, 0, "version %u",
                  hdr.version);
  if (hdr.cfg_sig != cfg->signature)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_CFG_SIG, 0,
                  "configuration signature 0x%08x, engine 0x%08x", hdr.cfg_sig, cfg->signature);
  if (hdr.desc_off % HTA_DESC_BYTES)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_DESC_OFF, 0,
                  "descriptor offset 0x%x not a multiple of 64", hdr.desc_off);
  const uint32_t n_desc = hdr.n_desc, desc0 = hdr.desc_off;

  for (int a = 0; a < 2; a++) {
    r->stage[a] = malloc(cfg->stage_bytes);
    r->valid[a] = malloc(cfg->stage_bytes);
  }
  r->acc[0] = malloc(cfg->mac_lanes * sizeof(int64_t));
  r->acc[1] = malloc(cfg->add_lanes * sizeof(int64_t));
  r->gsum = malloc(cfg->add_lanes * sizeof(int64_t));
  int rc = 0;
  if (!r->stage[0] || !r->stage[1] || !r->valid[0] || !r->valid[1] || !r->acc[0] ||
      !r->acc[1] || !r->gsum)
    rc = report(r, HTA_INTERP_ERR_NOMEM, 0, 0, "out of memory");

  for (uint32_t i = 0; rc == 0 && i < n_desc; i++) {
    const uint64_t at = (uint64_t)desc0 + (uint64_t)i * HTA_DESC_BYTES;
    st->layer = (int)i;
    if (at + HTA_DESC_BYTES > prog_size) {
      rc = report(r, HTA_INTERP_ERR_WINDOW, 0, at, "descriptor %u at 0x%llx leaves the program window",
                  i, (unsigned long long)at);
      break;
    }
    if (prog[at] == HTA_DESC_OP_GOP) {
      rc = run_gop(r, prog + at);
      if (rc == 0) {
        st->layers_done++;
        if (opts && opts->on_layer) opts->on_layer(opts->user, (int)i, data, data_size);
      }
      continue;
    }
    hta_desc_unpack(prog + at, &r->d);
    rc = check_desc(r);
    if (rc != 0) break;
    r->passes = calloc(r->d.n_passes, sizeof *r->passes);
    if (r->passes == NULL) {
      rc = report(r, HTA_INTERP_ERR_NOMEM, 0, 0, "out of memory");
      break;
    }
    rc = parse_stream(r);
    if (rc == 0) rc = run_layer(r);
    free(r->passes);
    r->passes = NULL;
    if (rc == 0) {
      st->layers_done++;
      if (opts && opts->on_layer) opts->on_layer(opts->user, (int)i, data, data_size);
    }
  }
  if (rc == 0) st->layer = -1;
  for (int a = 0; a < 2; a++) {
    free(r->stage[a]);
    free(r->valid[a]);
  }
  free(r->acc[0]);
  free(r->acc[1]);
  free(r->gsum);
  return rc;
}
