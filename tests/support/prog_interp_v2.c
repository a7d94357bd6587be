/*
 * prog_interp_v2.c - see prog_interp_v2.h. Written from docs/engine-v2.md
 * and hw/rtl/hta_v2_core.sv's buffer layouts, not from the compiler.
 */
#include "prog_interp_v2.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_golden.h"

typedef struct run {
  const hta_v2_cfg *cfg;
  hta_interp_status *st;
  const uint8_t *prog;
  size_t prog_size;
  uint8_t *data;
  size_t data_size;
  hta_v2_job j;
  /* the core's buffers */
  uint8_t *bank;   /* [2 Pix][ActDepth][Ci] */
  uint8_t *wbuf;   /* [WDepth][block bytes] */
  uint8_t *abuf;   /* [ADepth][AddCo] */
  hta_v2_lane *rec;
  /* the job whose blocks the weight, record and scale buffers hold */
  int loaded;
  hta_v2_job ld;
} run;

static int report(run *r, int code, uint32_t info, uint64_t addr, const char *fmt, ...) {
  r->st->code = code;
  r->st->info = info;
  r->st->addr = addr;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->st->msg, sizeof r->st->msg, fmt, ap);
  va_end(ap);
  return code;
}

#define DESC_ERR(word, ...) report(r, HTA_INTERP_ERR_DESC, (word), 0, __VA_ARGS__)
#define STREAM_ERR(...) report(r, HTA_INTERP_ERR_STREAM, 0, 0, __VA_ARGS__)

static unsigned cdiv(unsigned a, unsigned b) { return (a + b - 1) / b; }

static int check_job(run *r) {
  const hta_v2_job *j = &r->j;
  const hta_v2_cfg *c = r->cfg;
  /* modes: 0 convolution, 1 depthwise, 2 global sum (docs/engine-v2.md) */
  const int dwm = j->mode == 1, gap = j->mode == 2;
  if (j->op != HTA_DESC_OP_V2_JOB) return DESC_ERR(HTA_V2_JOB_W_OP, "op = %u is not JOB", j->op);
  if (j->mode == 3 || (j->mode == 0) != (j->blk_passes == 0))
    return DESC_ERR(HTA_V2_JOB_W_MODE, "mode %u with blk_passes %u", j->mode, j->blk_passes);
  if (j->kh < 1 || j->kh > 7 || j->kw < 1 || j->kw > 7 || (gap && (j->kh != 1 || j->kw != 1)))
    return DESC_ERR(HTA_V2_JOB_W_KH, "kernel %ux%u outside 1..7 (mode 2: 1x1)", j->kh, j->kw);
  if (j->stride < 1 || j->stride > 2 || (gap && j->stride != 1))
    return DESC_ERR(HTA_V2_JOB_W_STRIDE, "stride %u (mode %u)", j->stride, j->mode);
  if (j->pad_top > 7 || (gap && j->pad_top != 0))
    return DESC_ERR(HTA_V2_JOB_W_PAD_TOP, "pad_top %u > 7 (mode 2: 0)", j->pad_top);
  if (j->pad_left > 7 || j->pad_left > 2 * c->pix || (gap && j->pad_left != 0))
    return DESC_ERR(HTA_V2_JOB_W_PAD_LEFT, "pad_left %u > min(7, 2 Pix) (mode 2: 0)", j->pad_left);
  if (j->act_min > j->act_max)
    return DESC_ERR(HTA_V2_JOB_W_ACT_MIN, "act_min %d > act_max %d", j->act_min, j->act_max);
  if (j->cb_n != cdiv(j->in_c, c->ci) || j->cb_n == 0)
    return DESC_ERR(HTA_V2_JOB_W_CB_N, "cb_n %u for in_c %u, Ci %u", j->cb_n, j->in_c, c->ci);
  if (j->in_pix_stride % 16 != 0 || j->in_pix_stride < j->cb_n * c->ci)
    return DESC_ERR(HTA_V2_JOB_W_IN_PIX_STRIDE, "in_pix_stride %u for %u blocks of %u",
                    j->in_pix_stride, j->cb_n, c->ci);
  if (j->out_pix_stride != (j->out_c + 15) / 16 * 16)
    return DESC_ERR(HTA_V2_JOB_W_OUT_PIX_STRIDE, "out_pix_stride %u for out_c %u",
                    j->out_pix_stride, j->out_c);
  if (j->out_h < 1 || j->out_w < 1 || (gap && (j->out_h != 1 || j->out_w != 1)))
    return DESC_ERR(HTA_V2_JOB_W_OUT_H, "output %ux%u (mode 2: 1x1)", j->out_h, j->out_w);
  if (j->in_w < 1 || (gap && j->in_h < 1))
    return DESC_ERR(HTA_V2_JOB_W_IN_W, "input %ux%u", j->in_h, j->in_w);
  /* the engine checks it after out_pix_stride and out_h, with the input's end
     (word 7 both; here the loader refuses a read past the window) */
  if (j->in_off % c->ci != 0)
    return DESC_ERR(HTA_V2_JOB_W_IN_OFF,
                    "in_off %u is not a multiple of Ci %u: the engine reads Ci-aligned words",
                    j->in_off, c->ci);
  const unsigned kb = gap ? 1 : dwm ? j->kh * j->kw : j->kh * j->kw * j->cb_n;
  if (j->k_blocks != kb)
    return DESC_ERR(HTA_V2_JOB_W_K_BLOCKS, "k_blocks %u != %u (mode %u)", j->k_blocks, kb,
                    j->mode);
  if (j->passes < 1 || j->passes * j->k_blocks > c->w_depth ||
      (j->mode != 0 && j->passes != j->cb_n * j->blk_passes))
    return DESC_ERR(HTA_V2_JOB_W_PASSES,
                    "%u passes of %u blocks (weight buffer %u; modes 1, 2: cb_n %u x blk_passes %u)",
                    j->passes, j->k_blocks, c->w_depth, j->cb_n, j->blk_passes);
  if (j->gblk != 0) {
    /* mode 1 counts taps, the window's last group may be shorter; GAP has
       none; a MAC-only core (AddCo 0) has no group scales */
    if (!c->fine_groups || c->add_co == 0 || gap || (!dwm && j->k_blocks % j->gblk != 0) ||
        j->passes * cdiv(j->k_blocks, j->gblk) > c->a_depth)
      return DESC_ERR(HTA_V2_JOB_W_GBLK, "gblk %u for K %u, %u passes (mode %u, ADepth %u, fine %u)",
                      j->gblk, j->k_blocks, j->passes, j->mode, c->a_depth, c->fine_groups);
  }
  const unsigned row_words = j->cb_n * cdiv(j->in_w, 2 * c->pix);
  if ((uint64_t)j->in_h * row_words > c->act_depth)
    return DESC_ERR(HTA_V2_JOB_W_IN_H, "%u rows of %u words exceed the banks (%u)", j->in_h,
                    row_words, c->act_depth);
  if ((uint64_t)j->wts_off + j->wts_bytes > r->prog_size ||
      j->wts_bytes != j->passes * j->k_blocks * hta_v2_block_bytes(c))
    return DESC_ERR(HTA_V2_JOB_W_WTS_BYTES, "weights %u + %u bytes (program %zu)", j->wts_off,
                    j->wts_bytes, r->prog_size);
  if (j->rec_mac > c->mac_co || j->rec_add > c->add_co || j->rec_mac + j->rec_add == 0)
    return DESC_ERR(HTA_V2_JOB_W_REC_MAC, "records per pass: %u MAC (of %u), %u adder (of %u)",
                    j->rec_mac, c->mac_co, j->rec_add, c->add_co);
  if ((uint64_t)j->rec_off + (uint64_t)j->passes * (j->rec_mac + j->rec_add) * HTA_V2_LANE_BYTES >
      r->prog_size)
    return DESC_ERR(HTA_V2_JOB_W_REC_OFF, "records at %u run past the program", j->rec_off);
  if (j->gblk != 0 && (uint64_t)j->alpha_off + (uint64_t)j->passes * cdiv(j->k_blocks, j->gblk) *
                                                   hta_v2_arow_bytes(c) > r->prog_size)
    return DESC_ERR(HTA_V2_JOB_W_ALPHA_OFF, "group scales at %u run past the program",
                    j->alpha_off);
  /* reuse: the buffers must hold exactly this job's blocks (the previous load) */
  const hta_v2_job *l = &r->ld;
  if (j->reuse &&
      (!r->loaded || l->wts_off != j->wts_off || l->wts_bytes != j->wts_bytes ||
       l->rec_off != j->rec_off || l->passes != j->passes || l->k_blocks != j->k_blocks ||
       l->gblk != j->gblk || (j->gblk != 0 && l->alpha_off != j->alpha_off)))
    return DESC_ERR(HTA_V2_JOB_W_REUSE, "reuse: the buffers hold %s, not weights %u, records %u",
                    r->loaded ? "another job's blocks" : "nothing of this run", j->wts_off,
                    j->rec_off);
  return 0;
}

/* The loader: banks, weights, records, scales. */
static int load(run *r) {
  const hta_v2_job *j = &r->j;
  const hta_v2_cfg *c = r->cfg;
  const unsigned nb = 2 * c->pix, ci = c->ci;
  const unsigned blk_words = cdiv(j->in_w, nb), row_words = j->cb_n * blk_words;
  for (unsigned y = 0; y < j->in_h; y++)
    for (unsigned cb = 0; cb < j->cb_n; cb++)
      for (unsigned x = 0; x < j->in_w; x++) {
        const uint64_t at = j->in_off + ((uint64_t)y * j->in_w + x) * j->in_pix_stride + cb * ci;
        if (at + ci > r->data_size)
          return report(r, HTA_INTERP_ERR_WINDOW, 0, at, "input read at %llu past the window",
                        (unsigned long long)at);
        const unsigned word = y * row_words + cb * blk_words + x / nb, bank = x % nb;
        memcpy(r->bank + ((size_t)bank * c->act_depth + word) * ci, r->data + at, ci);
      }
  if (j->reuse) return 0; /* weights, records and scales: those already in the buffers */
  r->loaded = 1;
  r->ld = *j;
  const size_t bb = hta_v2_block_bytes(c);
  memcpy(r->wbuf, r->prog + j->wts_off, (size_t)j->passes * j->k_blocks * bb);
  /* per pass: records of MAC lanes 0..rec_mac-1, then adder lanes 0..rec_add-1;
     the other lanes write nothing */
  const unsigned nl = c->mac_co + c->add_co, rpp = j->rec_mac + j->rec_add;
  memset(r->rec, 0, (size_t)j->passes * nl * sizeof *r->rec);
  for (unsigned n = 0; n < j->passes; n++)
    for (unsigned k = 0; k < rpp; k++) {
      const unsigned lane = k < j->rec_mac ? k : c->mac_co + (k - j->rec_mac);
      hta_v2_lane_unpack(r->prog + j->rec_off + ((size_t)n * rpp + k) * HTA_V2_LANE_BYTES,
                         &r->rec[n * nl + lane]);
    }
  if (j->gblk != 0) {
    const size_t row = hta_v2_arow_bytes(c);
    for (unsigned g = 0; g < j->passes * cdiv(j->k_blocks, j->gblk); g++)
      memcpy(r->abuf + (size_t)g * c->add_co, r->prog + j->alpha_off + g * row, c->add_co);
  }
  return 0;
}

static int ternary(unsigned code) { return code == 1 ? 1 : code == 3 ? -1 : 0; }

/* One tile (Pix columns from x0) of one pass and output row: the core's sums
 * into mac[Pix][MacCo], add[Pix][AddCo] (as the core's output beat). */
static int core_tile(run *r, unsigned oy, unsigned pass, unsigned x0, int64_t *mac,
                     int64_t *add) {
  const hta_v2_job *j = &r->j;
  const hta_v2_cfg *c = r->cfg;
  const unsigned nb = 2 * c->pix, ci = c->ci, P = c->pix, M = c->mac_co, A = c->add_co;
  const unsigned blk_words = cdiv(j->in_w, nb), row_words = j->cb_n * blk_words;
  const size_t bb = hta_v2_block_bytes(c), mbytes = (M * ci + 15) / 16 * 16;
  int64_t *gs = calloc((size_t)P * A, sizeof *gs);
  if (gs == NULL) return report(r, HTA_INTERP_ERR_NOMEM, 0, 0, "out of memory");
  memset(mac, 0, (size_t)P * M * sizeof *mac);
  memset(add, 0, (size_t)P * A * sizeof *add);
  /* mode 0: every window position, every channel block; 1 (depthwise): the
     pass's channel block only; 2 (GAP): its block, the window the whole input,
     one weight block per pass. k counts the blocks the arrays take. */
  const int gap = j->mode == 2;
  const unsigned nky = gap ? j->in_h : j->kh, nkx = gap ? j->in_w : j->kw;
  const unsigned ncb = j->mode ? 1 : j->cb_n, cb0 = j->mode ? pass / j->blk_passes : 0;
  const unsigned nblk = nky * nkx * ncb, ngr = j->gblk ? cdiv(j->k_blocks, j->gblk) : 0;
  unsigned k = 0;
  for (unsigned ky = 0; ky < nky; ky++)
    for (unsigned kx = 0; kx < nkx; kx++)
      for (unsigned cb = cb0; cb < cb0 + ncb; cb++, k++) {
        const uint8_t *blk = r->wbuf + ((size_t)pass * j->k_blocks + (gap ? 0 : k)) * bb;
        for (unsigned p = 0; p < P; p++) {
          const int iy = (int)(oy * j->stride + ky) - (int)j->pad_top;
          const int ix = (int)((x0 + p) * j->stride + kx) - (int)j->pad_left;
          const int pad = iy < 0 || iy >= (int)j->in_h || ix < 0 || ix >= (int)j->in_w;
          const uint8_t *xw = pad ? NULL
                                  : r->bank + ((size_t)(ix % nb) * c->act_depth +
                                               (unsigned)iy * row_words + cb * blk_words +
                                               (unsigned)ix / nb) * ci;
          for (unsigned i = 0; i < ci; i++) {
            const int x = pad ? j->zp_in : (int8_t)xw[i];
            for (unsigned o = 0; o < M; o++) mac[p * M + o] += (int8_t)blk[o * ci + i] * x;
            for (unsigned o = 0; o < A; o++) {
              const unsigned bit = (o * ci + i) * 2;
              gs[p * A + o] += ternary(blk[mbytes + bit / 8] >> (bit % 8) & 3u) * x;
            }
          }
        }
        const int gend = j->gblk ? (k + 1) % j->gblk == 0 || k + 1 == nblk : k + 1 == nblk;
        if (!gend) continue;
        for (unsigned q = 0; q < P * A; q++) {
          if (gs[q] < -(INT64_C(1) << 23) || gs[q] >= (INT64_C(1) << 23)) {
            const long long v = (long long)gs[q];
            free(gs);
            return STREAM_ERR("ternary group sum %lld overflows the core's 24 bits", v);
          }
          const unsigned g = pass * ngr + (j->gblk ? k / j->gblk : 0);
          add[q] += j->gblk ? (int64_t)r->abuf[(size_t)g * A + q % A] * gs[q] : gs[q];
          gs[q] = 0;
        }
      }
  free(gs);
  for (unsigned q = 0; q < P * M; q++)
    if (mac[q] < INT32_MIN || mac[q] > INT32_MAX)
      return STREAM_ERR("MAC sum %lld overflows the core's 32 bits", (long long)mac[q]);
  for (unsigned q = 0; q < P * A; q++)
    if (add[q] < INT32_MIN || add[q] > INT32_MAX)
      return STREAM_ERR("scaled ternary sum %lld overflows the core's 32 bits", (long long)add[q]);
  return 0;
}

/* Requantization and the writer for one output beat. */
static int drain(run *r, unsigned oy, unsigned pass, unsigned x0, const int64_t *mac,
                 const int64_t *add) {
  const hta_v2_job *j = &r->j;
  const hta_v2_cfg *c = r->cfg;
  const unsigned M = c->mac_co, A = c->add_co;
  for (unsigned p = 0; p < c->pix && x0 + p < j->out_w; p++)
    for (unsigned l = 0; l < M + A; l++) {
      const hta_v2_lane *rec = &r->rec[pass * (M + A) + l];
      if (!rec->valid) continue;
      if (rec->chan >= j->out_c)
        return STREAM_ERR("lane %u of pass %u writes channel %u of %u", l, pass, rec->chan,
                          j->out_c);
      const int64_t sum = l < M ? mac[p * M + l] : add[p * A + (l - M)];
      const int64_t bias = (int64_t)((uint64_t)(uint32_t)rec->bias_hi << 32 | rec->bias_lo);
      /* a MAC-only core (A = 0) applies every record's alpha */
      const int64_t acc = (int64_t)(l < M && A > 0 ? 1 : rec->alpha) * sum + bias;
      const uint64_t at = j->out_off + ((uint64_t)oy * j->out_w + x0 + p) * j->out_pix_stride +
                          rec->chan;
      if (at >= r->data_size)
        return report(r, HTA_INTERP_ERR_WINDOW, 0, at, "output write at %llu past the window",
                      (unsigned long long)at);
      r->data[at] = (uint8_t)hta_requant(acc, 0, rec->mult, (int)rec->shift, j->zp_out,
                                         j->act_min, j->act_max);
    }
  return 0;
}

static int run_job(run *r) {
  const hta_v2_job *j = &r->j;
  const hta_v2_cfg *c = r->cfg;
  int rc = check_job(r);
  if (rc == 0) rc = load(r);
  if (rc != 0) return rc;
  int64_t *mac = malloc((size_t)c->pix * c->mac_co * sizeof *mac);
  int64_t *add = malloc((size_t)c->pix * (c->add_co ? c->add_co : 1) * sizeof *add);
  if (mac == NULL || add == NULL) rc = report(r, HTA_INTERP_ERR_NOMEM, 0, 0, "out of memory");
  for (unsigned oy = 0; rc == 0 && oy < j->out_h; oy++)
    for (unsigned pass = 0; rc == 0 && pass < j->passes; pass++)
      for (unsigned x0 = 0; rc == 0 && x0 < j->out_w; x0 += c->pix) {
        rc = core_tile(r, oy, pass, x0, mac, add);
        if (rc == 0) rc = drain(r, oy, pass, x0, mac, add);
      }
  free(mac);
  free(add);
  return rc;
}

int hta_interp_v2_run(const hta_v2_cfg *cfg, const uint8_t *prog, size_t prog_size,
                      uint8_t *data, size_t data_size, const hta_interp_opts *opts,
                      hta_interp_status *st) {
  run rr = {cfg, st, prog, prog_size, data, data_size, {0}, NULL, NULL, NULL, NULL, 0, {0}};
  run *r = &rr;
  memset(st, 0, sizeof *st);
  st->layer = -1;
  if (prog_size < HTA_PROG_HEADER_BYTES)
    return report(r, HTA_INTERP_ERR_PROG, 0, 0, "program of %zu bytes", prog_size);
  hta_prog_header hdr;
  hta_prog_header_unpack(prog, &hdr);
  if (hdr.magic != HTA_PROG_MAGIC)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_MAGIC, 0, "magic 0x%08x", hdr.magic);
  if (hdr.version != HTA_PROG_VERSION_V2)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_VERSION, 0, "version %u",
                  hdr.version);
  if (hdr.cfg_sig != cfg->signature)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_CFG_SIG, 0, "signature 0x%08x",
                  hdr.cfg_sig);
  if (hdr.desc_off % 64 != 0 ||
      (uint64_t)hdr.desc_off + (uint64_t)hdr.n_desc * HTA_V2_JOB_BYTES > prog_size)
    return report(r, HTA_INTERP_ERR_PROG, HTA_PROG_HEADER_W_DESC_OFF, 0,
                  "%u descriptors at %u run past the program", hdr.n_desc, hdr.desc_off);
  r->bank = calloc((size_t)2 * cfg->pix * cfg->act_depth, cfg->ci);
  r->wbuf = calloc(cfg->w_depth, hta_v2_block_bytes(cfg));
  r->abuf = calloc(cfg->a_depth, cfg->add_co ? cfg->add_co : 1); /* MAC-only: unused */
  r->rec = calloc((size_t)cfg->w_depth * (cfg->mac_co + cfg->add_co), sizeof *r->rec);
  int rc = r->bank && r->wbuf && r->abuf && r->rec
               ? 0
               : report(r, HTA_INTERP_ERR_NOMEM, 0, 0, "out of memory");
  for (unsigned i = 0; rc == 0 && i < hdr.n_desc; i++) {
    const uint8_t *at = prog + hdr.desc_off + (size_t)i * HTA_V2_JOB_BYTES;
    st->layer = (int)i;
    if (at[0] == HTA_DESC_OP_GOP) { /* the graph-op unit, as on engine v1 */
      rc = hta_interp_gop(cfg->chan_max, (unsigned)hta_v2_bus_bytes(cfg), prog, prog_size, data,
                          data_size, at, st);
    } else {
      hta_v2_job_unpack(at, &r->j);
      rc = run_job(r);
    }
    if (rc == 0) {
      st->layers_done++;
      if (opts != NULL && opts->on_layer != NULL) opts->on_layer(opts->user, (int)i, data, data_size);
    }
  }
  if (rc == 0) st->layer = -1;
  free(r->bank);
  free(r->wbuf);
  free(r->abuf);
  free(r->rec);
  return rc;
}
