/*
 * compile.c - model layers -> device program (docs/architecture.md).
 *
 * Two steps. plan_*: every model layer becomes one or more hardware layers
 * (hw_layer: one descriptor each, with one lane entry per output channel
 * saying which array computes it and from which weights). emit_*: each
 * hardware layer becomes a descriptor and a weight stream.
 *
 * Mapping (docs/architecture.md, "Dataflow of one layer"):
 *   CONV2D, POINTWISE, FC   one CONV layer (FC: a 1x1 image)
 *   DEPTHWISE               one DW layer
 *   GAP                     one DW layer, kernel = the whole image, INT8
 *                           weights 1
 *   STRASSEN filters of a CONV-like layer:
 *     W_b  CONV, the layer's kernel, r adder filters requantized by
 *          hmul/hshift (bias 0, zp_out 0, clamp -128..127) -> scratch
 *          tensor out_h x out_w x r
 *     W_c  CONV 1x1 on the scratch tensor, zp_in 0, one group, alpha 1,
 *          writing only the STRASSEN channels of the output
 *     then the layer's other filters, writing the other channels.
 *   STRASSEN channels of a DEPTHWISE layer (r hidden units per channel):
 *     W_b,j (j < r)  DW with the layer's kernel, writing hidden unit j of
 *          every STRASSEN channel to scratch tensor S_j (out_h x out_w x C);
 *          the S_j are consecutive in the scratch region,
 *     W_c  DW reading S_0..S_r-1 as one image of r rows x (out_h*out_w)
 *          columns with an r x 1 kernel: output pixel p sums wc[c][j] *
 *          S_j[p][c] down column p. Its output (1 x out_h*out_w) has the
 *          layout of the layer's output tensor.
 *     then the layer's other channels.
 *
 * Choices where docs/architecture.md leaves freedom:
 *   - a CONV pass with no lanes in one array gives that array base 0;
 *   - the G field is 0 whenever a filter is one group, or the hardware
 *     layer has no adder lanes (the group size cannot matter then);
 *   - tile_pixels = min(out pixels, StageBytes / max(mac_stride,
 *     add_stride), 65535);
 *   - every block of the weight stream (map, pass header, records, MAC rows,
 *     adder rows, alpha rows) starts on a 16-byte boundary (a no-op for
 *     lane counts that are multiples of 64);
 *   - data window: layer 0's input at 0, each layer's output after it, then
 *     one scratch region sized for the largest STRASSEN layer.
 */
#include "hta_compile.h"
#include "hta_compile_v2.h"

#include "bytes.h"
#include "gop.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONV_KERNEL_MAX 7 /* descriptor: kh, kw 1..7 for CONV */
#define DW_KERNEL_MAX 255 /* 1..255 for DW */
#define STRIDE_MAX 2
#define FIELD8_MAX 255
#define FIELD16_MAX 65535

void hta_hw_cfg_default(hta_hw_cfg *cfg) { *cfg = *hta_hw_config_default(); }

/* ---- tensors ---- */

uint32_t hta_pix_stride(int c) { return ((uint32_t)c + HTA_ALIGN - 1) / HTA_ALIGN * HTA_ALIGN; }

static hta_tensor tensor(uint32_t off, int h, int w, int c) {
  hta_tensor t = {off, h, w, c, hta_pix_stride(c), 0, {0}};
  t.bytes = (uint32_t)((uint64_t)h * w * t.pix_stride);
  return t;
}

/* Pixel p of a tensor with im2col windows m: each tap's c bytes from the
 * input, or m->fill outside it. */
static void pack_window(const hta_tensor *t, const hta_im2col *m, size_t p, const int8_t *dense,
                        uint8_t *px) {
  const int y0 = (int)(p / (size_t)t->w) * m->stride - m->pad_t;
  const int x0 = (int)(p % (size_t)t->w) * m->stride - m->pad_l;
  for (int ky = 0; ky < m->kh; ky++)
    for (int kx = 0; kx < m->kw; kx++) {
      uint8_t *d = px + (size_t)(ky * m->kw + kx) * m->c;
      const int y = y0 + ky, x = x0 + kx;
      if (y >= 0 && y < m->in_h && x >= 0 && x < m->in_w)
        memcpy(d, dense + ((size_t)y * m->in_w + x) * m->c, (size_t)m->c);
      else
        memset(d, (uint8_t)m->fill, (size_t)m->c);
    }
}

void hta_tensor_pack(const hta_tensor *t, const int8_t *dense, uint8_t *window) {
  for (size_t p = 0; p < (size_t)t->h * t->w; p++) {
    uint8_t *px = window + t->off + p * t->pix_stride;
    if (t->im2col.kh > 0)
      pack_window(t, &t->im2col, p, dense, px);
    else
      memcpy(px, dense + p * t->c, (size_t)t->c);
    memset(px + t->c, 0, t->pix_stride - (size_t)t->c);
  }
}

hta_tensor hta_tensor_item(const hta_tensor *t, int item) {
  hta_tensor r = *t;
  r.off += (uint32_t)item * t->bytes;
  return r;
}

void hta_tensor_unpack(const hta_tensor *t, const uint8_t *window, int8_t *dense) {
  for (size_t p = 0; p < (size_t)t->h * t->w; p++)
    memcpy(dense + p * t->c, window + t->off + p * t->pix_stride, (size_t)t->c);
}

/* ---- hardware layers ---- */

typedef struct lane {
  unsigned src;         /* HTA_SRC_NONE / MAC / ADD */
  const int8_t *w;      /* K weights: INT8 (MAC) or -1/0/+1 (ADD) */
  const uint8_t *alpha; /* n_groups group scales (ADD); NULL = all 1 */
  int32_t bias, mult;
  uint8_t shift;
} lane;

typedef struct hw_layer {
  int layer;        /* model layer index */
  const char *what; /* "" or " (STRASSEN W_b)" ..., for messages */
  unsigned op;      /* HTA_DESC_OP_CONV / HTA_DESC_OP_DW / HTA_DESC_OP_GOP */
  gop g;            /* a graph op (HTA_DESC_OP_GOP): gop.c lowers it */
  int kh, kw, stride, pad_t, pad_l;
  int zp_in, zp_out, act_min, act_max;
  int G, K, n_groups;
  hta_tensor in, out;
  lane *ch; /* [out.c] */
} hw_layer;

typedef struct compiler {
  const hta_hw_cfg *cfg;
  char *err;
  size_t errlen;
  hw_layer *hl;
  int n_hl, cap_hl;
  int8_t *ones; /* k_max weights of 1: GAP's kernel */
} compiler;

static int fail(compiler *cc, const char *fmt, ...) {
  if (cc->err != NULL && cc->errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cc->err, cc->errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* A new hardware layer with every channel NONE; NULL when out of memory. */
static hw_layer *add_hw_layer(compiler *cc, int layer, const char *what, unsigned op,
                              hta_tensor in, hta_tensor out) {
  if (cc->n_hl == cc->cap_hl) {
    int cap = cc->cap_hl ? 2 * cc->cap_hl : 8;
    hw_layer *p = realloc(cc->hl, (size_t)cap * sizeof *p);
    if (p == NULL) return NULL;
    cc->hl = p;
    cc->cap_hl = cap;
  }
  hw_layer *h = &cc->hl[cc->n_hl];
  memset(h, 0, sizeof *h);
  h->ch = calloc((size_t)out.c, sizeof *h->ch);
  if (h->ch == NULL) return NULL;
  cc->n_hl++;
  h->layer = layer;
  h->what = what;
  h->op = op;
  h->kh = h->kw = h->stride = 1;
  h->act_min = -128;
  h->act_max = 127;
  h->in = in;
  h->out = out;
  return h;
}

/* Kernel geometry and quantization of the model layer itself. */
static void copy_geometry(hw_layer *h, const hta_layer *l) {
  h->kh = l->kh;
  h->kw = l->kw;
  h->stride = l->stride;
  h->pad_t = l->pad_t;
  h->pad_l = l->pad_l;
  h->zp_in = l->zp_in;
}

static void copy_output(hw_layer *h, const hta_layer *l) {
  h->zp_out = l->zp_out;
  h->act_min = l->act_min;
  h->act_max = l->act_max;
}

static void set_lane(lane *ln, unsigned src, const int8_t *w, const uint8_t *alpha,
                     int32_t bias, int32_t mult, uint8_t shift) {
  ln->src = src;
  ln->w = w;
  ln->alpha = alpha;
  ln->bias = bias;
  ln->mult = mult;
  ln->shift = shift;
}

/* Sets h->K, h->n_groups (G normalized: one group is always G = 0). */
static void set_reduction(hw_layer *h, int G) {
  h->K = h->kh * h->kw * (h->op == HTA_DESC_OP_CONV ? h->in.c : 1);
  h->n_groups = G == 0 ? 1 : (h->K + G - 1) / G;
  h->G = h->n_groups == 1 ? 0 : G;
}

/* The layer's INT8 / ternary / binary filters: ch[o] for every filter o whose
 * kind is not STRASSEN. */
static void assign_plain_filters(hw_layer *h, const hta_layer *l) {
  const size_t K = (size_t)hta_layer_k(l), ng = (size_t)hta_layer_ngroups(l);
  for (int o = 0; o < l->out_c; o++) {
    switch (hta_layer_kind(l, o)) {
    case HTA_KIND_INT8:
      set_lane(&h->ch[o], HTA_SRC_MAC, l->w + o * K, NULL, l->bias[o], l->mult[o],
               l->shift[o]);
      break;
    case HTA_KIND_TERNARY:
    case HTA_KIND_BINARY: /* binary weights are ternary weights without 0 */
      set_lane(&h->ch[o], HTA_SRC_ADD, l->t + o * K, l->alpha + o * ng, l->bias[o],
               l->mult[o], l->shift[o]);
      break;
    case HTA_KIND_STRASSEN:
      break;
    }
  }
}

static int count_kind(const hta_layer *l, hta_kind k) {
  int n = 0;
  for (int o = 0; o < l->out_c; o++) n += hta_layer_kind(l, o) == k;
  return n;
}

#define NEW_HW_LAYER(h, ...)                               \
  do {                                                     \
    h = add_hw_layer(cc, __VA_ARGS__);                     \
    if (h == NULL) return fail(cc, "out of memory");       \
  } while (0)

/* conv2d, pointwise, fully connected. */
static int plan_conv(compiler *cc, int i, const hta_layer *l, hta_tensor in,
                     hta_tensor out, uint32_t scratch_off) {
  const int K = hta_layer_k(l);
  hw_layer *h;
  if (count_kind(l, HTA_KIND_STRASSEN) > 0) {
    const hta_tensor hidden = tensor(scratch_off, out.h, out.w, l->r);
    NEW_HW_LAYER(h, i, " (STRASSEN W_b)", HTA_DESC_OP_CONV, in, hidden);
    copy_geometry(h, l);
    set_reduction(h, 0);
    for (int j = 0; j < l->r; j++)
      set_lane(&h->ch[j], HTA_SRC_ADD, l->wb + (size_t)j * K, NULL, 0, l->hmul[j],
               l->hshift[j]);

    NEW_HW_LAYER(h, i, " (STRASSEN W_c)", HTA_DESC_OP_CONV, hidden, out);
    copy_output(h, l);
    set_reduction(h, 0);
    for (int o = 0; o < l->out_c; o++)
      if (hta_layer_kind(l, o) == HTA_KIND_STRASSEN)
        set_lane(&h->ch[o], HTA_SRC_ADD, l->wc + (size_t)o * l->r, NULL, l->bias[o],
                 l->mult[o], l->shift[o]);
  }
  if (count_kind(l, HTA_KIND_STRASSEN) < l->out_c) {
    NEW_HW_LAYER(h, i, "", HTA_DESC_OP_CONV, in, out);
    copy_geometry(h, l);
    copy_output(h, l);
    set_reduction(h, l->group);
    assign_plain_filters(h, l);
  }
  return 0;
}

static int plan_depthwise(compiler *cc, int i, const hta_layer *l, hta_tensor in,
                          hta_tensor out, uint32_t scratch_off) {
  const int K = hta_layer_k(l), r = l->r, C = l->out_c;
  const int npix = out.h * out.w;
  hw_layer *h;
  if (count_kind(l, HTA_KIND_STRASSEN) > 0) {
    for (int j = 0; j < r; j++) {
      const uint32_t off = scratch_off + (uint32_t)j * (uint32_t)npix * out.pix_stride;
      NEW_HW_LAYER(h, i, " (STRASSEN W_b)", HTA_DESC_OP_DW, in,
                   tensor(off, out.h, out.w, C));
      copy_geometry(h, l);
      set_reduction(h, 0);
      for (int c = 0; c < C; c++)
        if (hta_layer_kind(l, c) == HTA_KIND_STRASSEN)
          set_lane(&h->ch[c], HTA_SRC_ADD, l->wb + ((size_t)c * r + j) * K, NULL, 0,
                   l->hmul[c * r + j], l->hshift[c * r + j]);
    }
    NEW_HW_LAYER(h, i, " (STRASSEN W_c: kernel r x 1 over r rows of out_h*out_w pixels)",
                 HTA_DESC_OP_DW, tensor(scratch_off, r, npix, C),
                 tensor(out.off, 1, npix, C));
    h->kh = r;
    copy_output(h, l);
    set_reduction(h, 0);
    for (int c = 0; c < C; c++)
      if (hta_layer_kind(l, c) == HTA_KIND_STRASSEN)
        set_lane(&h->ch[c], HTA_SRC_ADD, l->wc + (size_t)c * r, NULL, l->bias[c],
                 l->mult[c], l->shift[c]);
  }
  if (count_kind(l, HTA_KIND_STRASSEN) < C) {
    NEW_HW_LAYER(h, i, "", HTA_DESC_OP_DW, in, out);
    copy_geometry(h, l);
    copy_output(h, l);
    set_reduction(h, l->group);
    assign_plain_filters(h, l);
  }
  return 0;
}

static int plan_gap(compiler *cc, int i, const hta_layer *l, hta_tensor in,
                    hta_tensor out) {
  hw_layer *h;
  NEW_HW_LAYER(h, i, " (GAP: kernel in_h x in_w)", HTA_DESC_OP_DW, in, out);
  h->kh = l->in_h;
  h->kw = l->in_w;
  h->zp_in = l->zp_in;
  copy_output(h, l);
  set_reduction(h, 0);
  if ((unsigned)h->K > cc->cfg->k_max) return 0; /* check_hw_layer reports it */
  for (int c = 0; c < l->out_c; c++)
    set_lane(&h->ch[c], HTA_SRC_MAC, cc->ones, NULL, l->bias[c], l->mult[c], l->shift[c]);
  return 0;
}

/* A graph op (table = 0) or the activation table of a layer of another op
 * (table = 1, in place over out): one graph-op descriptor, lowered by gop.c
 * (shared with compile_v2.c). */
static int plan_gop(compiler *cc, int i, const hta_layer *l, int table, hta_tensor in,
                    hta_tensor in2, hta_tensor out) {
  hw_layer *h;
  NEW_HW_LAYER(h, i, table ? " (activation table)" : "", HTA_DESC_OP_GOP, in, out);
  gop_plan(&h->g, l, i, table, in, in2, out);
  return 0;
}

/* Bytes of scratch a layer needs (its STRASSEN hidden tensors). */
static uint64_t scratch_need(const hta_layer *l) {
  if (l->op == HTA_OP_GAP || count_kind(l, HTA_KIND_STRASSEN) == 0) return 0;
  const uint64_t npix = (uint64_t)hta_layer_out_h(l) * hta_layer_out_w(l);
  if (hta_layer_is_depthwise(l)) return (uint64_t)l->r * npix * hta_pix_stride(l->out_c);
  return npix * hta_pix_stride(l->r);
}

/* ---- hardware limits (docs/numerics.md "Limits", architecture.md checks) ---- */

static int field16(compiler *cc, const hw_layer *h, const char *name, long v) {
  if (v > FIELD16_MAX)
    return fail(cc, "layer %d%s: %s = %ld exceeds its 16-bit descriptor field (65535)",
                h->layer, h->what, name, v);
  return 0;
}

static int count_src(const hw_layer *h, unsigned src) {
  int n = 0;
  for (int c = 0; c < h->out.c; c++) n += h->ch[c].src == src;
  return n;
}

/* Staging bytes one output pixel takes in each array (descriptor word 12). */
static void staging_strides(const hw_layer *h, unsigned *mac, unsigned *add) {
  if (h->op == HTA_DESC_OP_DW) {
    *mac = *add = h->out.pix_stride;
  } else {
    *mac = (unsigned)count_src(h, HTA_SRC_MAC);
    *add = (unsigned)count_src(h, HTA_SRC_ADD);
  }
}

static int check_hw_layer(compiler *cc, const hw_layer *h) {
  const hta_hw_cfg *cfg = cc->cfg;
  const int d = h->layer;
  const char *w = h->what;
  if (h->op == HTA_DESC_OP_GOP) return gop_check(&h->g, cfg->chan_max, cc->err, cc->errlen);
  const int kmax = h->op == HTA_DESC_OP_DW ? DW_KERNEL_MAX : CONV_KERNEL_MAX;
  const char *mode = h->op == HTA_DESC_OP_DW ? "DW" : "CONV";
  if (h->kh > kmax)
    return fail(cc, "layer %d%s: kh = %d exceeds the %s kernel limit %d", d, w, h->kh, mode, kmax);
  if (h->kw > kmax)
    return fail(cc, "layer %d%s: kw = %d exceeds the %s kernel limit %d", d, w, h->kw, mode, kmax);
  if (h->stride > STRIDE_MAX)
    return fail(cc, "layer %d%s: stride = %d exceeds the hardware stride limit %d", d, w,
                h->stride, STRIDE_MAX);
  if (h->pad_t > FIELD8_MAX)
    return fail(cc, "layer %d%s: pad_t = %d exceeds its 8-bit descriptor field (255)", d, w, h->pad_t);
  if (h->pad_l > FIELD8_MAX)
    return fail(cc, "layer %d%s: pad_l = %d exceeds its 8-bit descriptor field (255)", d, w, h->pad_l);
  if ((unsigned)h->K > cfg->k_max) {
    if (h->op == HTA_DESC_OP_CONV)
      return fail(cc, "layer %d%s: K = kh*kw*in_c = %d*%d*%d = %d exceeds KMax %u", d, w,
                  h->kh, h->kw, h->in.c, h->K, cfg->k_max);
    return fail(cc, "layer %d%s: K = kh*kw = %d*%d = %d exceeds KMax %u", d, w, h->kh, h->kw,
                h->K, cfg->k_max);
  }
  if (h->G != 0 && h->G < 4)
    return fail(cc, "layer %d%s: group size G = %d is below 4 with %d groups per filter "
                "(the hardware needs G >= 4 unless a filter is one group)", d, w, h->G,
                h->n_groups);
  if ((unsigned)h->n_groups > cfg->alpha_depth)
    return fail(cc, "layer %d%s: %d groups per filter (K %d, G %d) exceed AlphaDepth %u", d,
                w, h->n_groups, h->K, h->G, cfg->alpha_depth);
  if ((unsigned)h->out.c > cfg->chan_max)
    return fail(cc, "layer %d%s: out_c = %d exceeds ChanMax %u", d, w, h->out.c, cfg->chan_max);
  if (field16(cc, h, "in_h", h->in.h) || field16(cc, h, "in_w", h->in.w) ||
      field16(cc, h, "in_c", h->in.c) || field16(cc, h, "in_pix_stride", h->in.pix_stride) ||
      field16(cc, h, "out_h", h->out.h) || field16(cc, h, "out_w", h->out.w) ||
      field16(cc, h, "out_pix_stride", h->out.pix_stride))
    return -1;
  unsigned ms, as;
  staging_strides(h, &ms, &as);
  const unsigned pixel = ms > as ? ms : as;
  if (pixel > cfg->stage_bytes)
    return fail(cc, "layer %d%s: one pixel's staging (%u bytes) exceeds StageBytes %u", d, w,
                pixel, cfg->stage_bytes);
  return 0;
}

/* ---- emission ---- */

/* The first pack error of the program is kept; bytes_put() of the (zeroed) bytes
 * goes on so offsets stay consistent until emit() reports it. */
static void packed(bytes *b, int rc, const char *why) {
  if (rc != 0 && b->bad[0] == '\0') snprintf(b->bad, sizeof b->bad, "%s", why);
}

/* Lane record (hta_prog.h; a NULL lane is all zero). */
static void put_record(bytes *b, const lane *ln) {
  const hta_lane_record r = {ln ? ln->bias : 0, ln ? ln->mult : 0, ln ? ln->shift : 0u};
  uint8_t buf[HTA_LANE_RECORD_BYTES];
  char why[200];
  packed(b, hta_lane_record_pack(&r, buf, why, sizeof why), why);
  bytes_put(b, buf, sizeof buf);
}

static unsigned ternary_code(int8_t t) { return t == 1 ? 1u : t == -1 ? 3u : 0u; }

/* Weight rows of one pass. lanes[i] is the filter of lane i (NULL: idle or
 * the other array's channel, weights 0). */
static void put_mac_rows(bytes *b, const hw_layer *h, const lane *const *lanes, int n,
                         unsigned mac_lanes) {
  uint8_t *row = calloc(mac_lanes, 1);
  if (row == NULL) {
    b->oom = 1;
    return;
  }
  bytes_align16(b);
  for (int k = 0; k < h->K; k++) {
    for (int i = 0; i < n; i++) row[i] = lanes[i] ? (uint8_t)lanes[i]->w[k] : 0;
    bytes_put(b, row, mac_lanes);
  }
  free(row);
}

static void put_add_rows(bytes *b, const hw_layer *h, const lane *const *lanes, int n,
                         unsigned add_lanes) {
  uint8_t *row = malloc(add_lanes);
  if (row == NULL) {
    b->oom = 1;
    return;
  }
  bytes_align16(b);
  for (int k = 0; k < h->K; k++) {
    memset(row, 0, add_lanes / 4);
    for (int i = 0; i < n; i++)
      if (lanes[i]) row[i / 4] |= (uint8_t)(ternary_code(lanes[i]->w[k]) << (2 * (i % 4)));
    bytes_put(b, row, add_lanes / 4);
  }
  bytes_align16(b);
  for (int g = 0; g < h->n_groups; g++) {
    memset(row, 0, add_lanes);
    for (int i = 0; i < n; i++)
      if (lanes[i]) row[i] = lanes[i]->alpha ? lanes[i]->alpha[g] : 1;
    bytes_put(b, row, add_lanes);
  }
  free(row);
}

static void put_pass_header(bytes *b, unsigned n_mac, unsigned n_add, unsigned mac_base,
                            unsigned add_base) {
  const hta_pass_header h = {n_mac, n_add, mac_base, add_base};
  uint8_t buf[HTA_PASS_HEADER_BYTES];
  char why[200];
  bytes_align16(b);
  packed(b, hta_pass_header_pack(&h, buf, why, sizeof why), why);
  bytes_put(b, buf, sizeof buf);
}

/* CONV passes: pass p gives MAC lanes the INT8 filters p*MacLanes.. and adder
 * lanes the adder filters p*AddLanes.., each list in channel order. */
static unsigned put_conv_passes(bytes *b, const hw_layer *h, const hta_hw_cfg *cfg,
                                const lane **mac, const lane **add) {
  int nm = 0, na = 0;
  for (int c = 0; c < h->out.c; c++) {
    if (h->ch[c].src == HTA_SRC_MAC) mac[nm++] = &h->ch[c];
    if (h->ch[c].src == HTA_SRC_ADD) add[na++] = &h->ch[c];
  }
  const int ml = (int)cfg->mac_lanes, al = (int)cfg->add_lanes;
  const int pm = (nm + ml - 1) / ml, pa = (na + al - 1) / al;
  const int n_passes = pm > pa ? pm : pa;
  for (int p = 0; p < n_passes; p++) {
    const int m0 = p * ml, a0 = p * al;
    const int n_mac = nm - m0 < 0 ? 0 : nm - m0 > ml ? ml : nm - m0;
    const int n_add = na - a0 < 0 ? 0 : na - a0 > al ? al : na - a0;
    /* A pass with no lanes in an array gives that array base 0, so that
     * base + lanes <= stride holds however many passes the other needs. */
    put_pass_header(b, (unsigned)n_mac, (unsigned)n_add, n_mac ? (unsigned)m0 : 0,
                    n_add ? (unsigned)a0 : 0);
    for (int i = 0; i < n_mac; i++) put_record(b, mac[m0 + i]);
    for (int i = 0; i < n_add; i++) put_record(b, add[a0 + i]);
    if (n_mac > 0) put_mac_rows(b, h, mac + m0, n_mac, cfg->mac_lanes);
    if (n_add > 0) put_add_rows(b, h, add + a0, n_add, cfg->add_lanes);
  }
  return (unsigned)n_passes;
}

/* DW passes: pass p covers channels c0 = p*MacLanes .. c0+nvec-1 of the
 * padded pixel; lane i of both arrays is channel c0+i. */
static unsigned put_dw_passes(bytes *b, const hw_layer *h, const hta_hw_cfg *cfg,
                              const lane **mac, const lane **add) {
  const unsigned stride = h->out.pix_stride, ml = cfg->mac_lanes;
  const unsigned n_passes = (stride + ml - 1) / ml;
  for (unsigned p = 0; p < n_passes; p++) {
    const unsigned c0 = p * ml, nvec = stride - c0 < ml ? stride - c0 : ml;
    unsigned n_mac = 0, n_add = 0;
    for (unsigned i = 0; i < nvec; i++) {
      const lane *ln = c0 + i < (unsigned)h->out.c ? &h->ch[c0 + i] : NULL;
      mac[i] = ln && ln->src == HTA_SRC_MAC ? ln : NULL;
      add[i] = ln && ln->src == HTA_SRC_ADD ? ln : NULL;
      n_mac += mac[i] != NULL;
      n_add += add[i] != NULL;
    }
    put_pass_header(b, n_mac, n_add, c0, c0);
    for (unsigned i = 0; i < nvec; i++) put_record(b, mac[i]);
    for (unsigned i = 0; i < nvec; i++) put_record(b, add[i]);
    if (n_mac > 0) put_mac_rows(b, h, mac, (int)nvec, ml);
    if (n_add > 0) put_add_rows(b, h, add, (int)nvec, cfg->add_lanes);
  }
  return n_passes;
}

/* Weight stream of h at the end of b; fills the descriptor. */
static int emit_layer(compiler *cc, bytes *b, const hw_layer *h, hta_desc *desc) {
  const hta_hw_cfg *cfg = cc->cfg;
  const lane **mac = calloc((size_t)h->out.c + cfg->mac_lanes, sizeof *mac);
  const lane **add = calloc((size_t)h->out.c + cfg->add_lanes, sizeof *add);
  if (mac == NULL || add == NULL) {
    free(mac);
    free(add);
    return fail(cc, "out of memory");
  }
  bytes_align16(b);
  const size_t start = b->n;
  /* channel source map */
  for (uint32_t w = 0; w < h->out.pix_stride / 16; w++) {
    uint32_t word = 0;
    for (int i = 0; i < 16; i++) {
      const int c = (int)w * 16 + i;
      if (c < h->out.c) word |= h->ch[c].src << (2 * i);
    }
    bytes_put32(b, word);
  }
  const unsigned n_passes = h->op == HTA_DESC_OP_DW ? put_dw_passes(b, h, cfg, mac, add)
                                                    : put_conv_passes(b, h, cfg, mac, add);
  free(mac);
  free(add);
  bytes_align16(b);

  unsigned ms, as;
  staging_strides(h, &ms, &as);
  const unsigned pixel = ms > as ? ms : as;
  const unsigned npix = (unsigned)h->out.h * (unsigned)h->out.w;
  unsigned tile = pixel ? cfg->stage_bytes / pixel : npix;
  if (tile > npix) tile = npix;
  if (tile > FIELD16_MAX) tile = FIELD16_MAX;

  if (b->n - start > UINT32_MAX) return fail(cc, "layer %d%s: weight stream exceeds 4 GiB",
                                             h->layer, h->what);
  const hta_desc d = {
      .op = h->op, .kh = (uint32_t)h->kh, .kw = (uint32_t)h->kw,
      .stride_h = (uint32_t)h->stride, .stride_w = (uint32_t)h->stride,
      .pad_top = (uint32_t)h->pad_t, .pad_left = (uint32_t)h->pad_l,
      .zp_in = h->zp_in, .zp_out = h->zp_out, .act_min = h->act_min, .act_max = h->act_max,
      .group = (uint32_t)h->G,
      .in_h = (uint32_t)h->in.h, .in_w = (uint32_t)h->in.w,
      .in_c = (uint32_t)h->in.c, .in_pix_stride = h->in.pix_stride,
      .out_h = (uint32_t)h->out.h, .out_w = (uint32_t)h->out.w,
      .out_c = (uint32_t)h->out.c, .out_pix_stride = h->out.pix_stride,
      .in_off = h->in.off, .out_off = h->out.off,
      .wts_off = (uint32_t)start, .wts_bytes = (uint32_t)(b->n - start),
      .n_passes = n_passes, .tile_pixels = tile,
      .mac_stride = ms, .add_stride = as,
      .k = (uint32_t)h->K, .n_groups = (uint32_t)h->n_groups};
  *desc = d;
  return b->oom ? fail(cc, "out of memory") : 0;
}

/* ---- driver ---- */

static void free_compiler(compiler *cc) {
  for (int i = 0; i < cc->n_hl; i++) free(cc->hl[i].ch);
  free(cc->hl);
  free(cc->ones);
}

void hta_program_free(hta_program *p) {
  if (p == NULL) return;
  free(p->bytes);
  free(p->layer_out);
  free(p->desc_layer);
  free(p);
}

/* Data window: layer 0's input, every layer's output, then the scratch
 * region shared by all layers (they run one after another). */
static int plan_data(compiler *cc, const hta_layer *layers, int n, hta_program *prog) {
  const hta_layer *l0 = &layers[0];
  uint64_t off = (uint64_t)l0->in_h * l0->in_w * hta_pix_stride(l0->in_c), scratch = 0;
  for (int i = 0; i < n; i++) {
    const hta_layer *l = &layers[i];
    const int oh = hta_layer_out_h(l), ow = hta_layer_out_w(l);
    if (scratch_need(l) > scratch) scratch = scratch_need(l);
    if (off > UINT32_MAX) break;
    prog->layer_out[i] = tensor((uint32_t)off, oh, ow, l->out_c);
    off += (uint64_t)oh * ow * hta_pix_stride(l->out_c);
  }
  if (off + scratch > UINT32_MAX)
    return fail(cc, "the data window (%llu bytes or more) exceeds the 32-bit offsets of "
                "descriptors", (unsigned long long)(off + scratch));
  prog->input = tensor(0, l0->in_h, l0->in_w, l0->in_c);
  prog->output = prog->layer_out[n - 1];
  prog->scratch_off = (uint32_t)off;
  prog->scratch_bytes = (uint32_t)scratch;
  prog->data_size = (size_t)(off + scratch);
  return 0;
}

/* Every layer valid and every input the shape its source tensor has
 * (hta_layers_check, the golden model's own graph check). */
static int check_chain(compiler *cc, const hta_layer *layers, int n) {
  char msg[400];
  if (hta_layers_check(layers, n, msg, sizeof msg) != 0) return fail(cc, "%s", msg);
  return 0;
}

/* Tensor t of the graph: 0 the model input, j + 1 layer j's output. */
static hta_tensor graph_tensor(const hta_program *prog, int t) {
  return t == 0 ? prog->input : prog->layer_out[t - 1];
}

static int plan(compiler *cc, const hta_layer *layers, int n, hta_program *prog) {
  for (int i = 0; i < n; i++) {
    const hta_layer *l = &layers[i];
    const hta_tensor in = graph_tensor(prog, hta_layer_src(l, i, 0));
    const hta_tensor out = prog->layer_out[i];
    int rc;
    switch (l->op) {
    case HTA_OP_DEPTHWISE: rc = plan_depthwise(cc, i, l, in, out, prog->scratch_off); break;
    case HTA_OP_GAP: rc = plan_gap(cc, i, l, in, out); break;
    case HTA_OP_ADD: case HTA_OP_CONCAT: case HTA_OP_MUL:
      rc = plan_gop(cc, i, l, 0, in, graph_tensor(prog, hta_layer_src(l, i, 1)), out);
      break;
    default:
      rc = gop_op(l->op) ? plan_gop(cc, i, l, 0, in, in, out)
                         : plan_conv(cc, i, l, in, out, prog->scratch_off);
      break;
    }
    if (rc == 0 && l->lut != NULL && !gop_op(l->op)) rc = plan_gop(cc, i, l, 1, out, out, out);
    if (rc != 0) return rc;
  }
  for (int i = 0; i < cc->n_hl; i++) {
    hw_layer *h = &cc->hl[i];
    if (h->op != HTA_DESC_OP_GOP && count_src(h, HTA_SRC_ADD) == 0) {
      /* groups only matter to adder lanes */
      h->G = 0;
      h->n_groups = 1;
    }
    if (check_hw_layer(cc, h) != 0) return -1;
  }
  return 0;
}

static int emit(compiler *cc, hta_program *prog) {
  bytes b = {0};
  const hta_prog_header hdr = {HTA_PROG_MAGIC, HTA_PROG_VERSION, (uint32_t)cc->n_hl,
                               HTA_PROG_HEADER_BYTES, cc->cfg->signature};
  uint8_t hbuf[HTA_PROG_HEADER_BYTES];
  char why[200];
  packed(&b, hta_prog_header_pack(&hdr, hbuf, why, sizeof why), why);
  bytes_put(&b, hbuf, sizeof hbuf);
  bytes_put(&b, NULL, (size_t)cc->n_hl * HTA_DESC_BYTES);
  for (int i = 0; i < cc->n_hl; i++) {
    if (cc->hl[i].op == HTA_DESC_OP_GOP) {
      hta_gop_desc gd;
      if (gop_emit(&cc->hl[i].g, &b, &gd, cc->err, cc->errlen) != 0) {
        free(b.p);
        return -1;
      }
      if (hta_gop_desc_pack(&gd, b.p + HTA_PROG_HEADER_BYTES + (size_t)i * HTA_DESC_BYTES, why,
                            sizeof why) != 0) {
        free(b.p);
        return fail(cc, "layer %d%s: graph-op descriptor: %s", cc->hl[i].layer, cc->hl[i].what,
                    why);
      }
      prog->desc_layer[i] = cc->hl[i].layer;
      continue;
    }
    hta_desc desc = {0};
    if (emit_layer(cc, &b, &cc->hl[i], &desc) != 0) {
      free(b.p);
      return -1;
    }
    /* emit_layer returned 0, so the buffer exists (no out-of-memory) */
    if (hta_desc_pack(&desc, b.p + HTA_PROG_HEADER_BYTES + (size_t)i * HTA_DESC_BYTES, why,
                      sizeof why) != 0) {
      free(b.p);
      return fail(cc, "layer %d%s: descriptor: %s", cc->hl[i].layer, cc->hl[i].what, why);
    }
    prog->desc_layer[i] = cc->hl[i].layer;
  }
  if (b.oom) {
    free(b.p);
    return fail(cc, "out of memory");
  }
  if (b.bad[0] != '\0') {
    free(b.p);
    return fail(cc, "program: %s", b.bad);
  }
  if (b.n > UINT32_MAX) {
    free(b.p);
    return fail(cc, "the program (%zu bytes) exceeds the 32-bit offsets of descriptors", b.n);
  }
  prog->bytes = b.p;
  prog->size = b.n;
  prog->n_desc = cc->n_hl;
  return 0;
}

/* The v1 engine has no grouped convolution: a grouped layer runs as its
 * block-diagonal layer (hta_layer_block_diag: the same outputs, g times the
 * MACs and a reduction g times longer). *flat: the layers with those in
 * place, their arrays in mem[i] (both freed by the caller). */
static int ungroup(compiler *cc, const hta_layer *layers, int n, hta_layer **flat, void ***mem) {
  *flat = malloc((size_t)n * sizeof **flat);
  *mem = calloc((size_t)n, sizeof **mem);
  if (*flat == NULL || *mem == NULL) return fail(cc, "out of memory");
  for (int i = 0; i < n; i++) {
    char why[300];
    (*flat)[i] = layers[i];
    if (layers[i].cgroups > 1 &&
        hta_layer_block_diag(&layers[i], &(*flat)[i], &(*mem)[i], why, sizeof why) != 0)
      return fail(cc, "layer %d (%s, cgroups %d): the v1 engine of %s runs a grouped convolution "
                  "as its block-diagonal layer: %s", i, hta_op_name(layers[i].op),
                  layers[i].cgroups, cc->cfg->name ? cc->cfg->name : "this configuration", why);
  }
  return 0;
}

hta_program *hta_compile_cfg(const hta_hw_cfg *cfg, const hta_layer *layers, int n,
                             char *err, size_t errlen) {
  compiler cc = {cfg, err, errlen, NULL, 0, 0, NULL};
  if (err != NULL && errlen > 0) err[0] = '\0';
  if (cfg == NULL || layers == NULL || n < 1) {
    fail(&cc, "no layers to compile (layers %p, n %d) or no configuration",
         (const void *)layers, n);
    return NULL;
  }
  if (cfg->engine == 2) { /* the v2 core and the graph-op unit: compile_v2.c */
    if (cfg->bus_bits != 128 && cfg->bus_bits != 256 && cfg->bus_bits != 512) {
      fail(&cc, "configuration %s: the v2 engine needs BusBits 128, 256 or 512 (has %u)",
           cfg->name, cfg->bus_bits);
      return NULL;
    }
    hta_v2_cfg v2;
    hta_v2_cfg_from_hw(cfg, &v2);
    return hta_compile_v2(&v2, layers, n, err, errlen);
  }
  if (cfg->mac_lanes < 1 || cfg->add_lanes < cfg->mac_lanes || cfg->add_lanes % 4 != 0) {
    fail(&cc, "configuration: AddLanes (%u) must be a multiple of 4 and >= MacLanes (%u) >= 1",
         cfg->add_lanes, cfg->mac_lanes);
    return NULL;
  }
  hta_program *prog = calloc(1, sizeof *prog);
  cc.ones = malloc(cfg->k_max);
  if (prog == NULL || cc.ones == NULL) {
    free(prog);
    free(cc.ones);
    fail(&cc, "out of memory");
    return NULL;
  }
  memset(cc.ones, 1, cfg->k_max);
  prog->n_layers = n;
  prog->batch = 1;
  prog->layer_out = calloc((size_t)n, sizeof *prog->layer_out);
  int rc = prog->layer_out == NULL ? fail(&cc, "out of memory") : 0;
  if (rc == 0) rc = check_chain(&cc, layers, n);
  hta_layer *flat = NULL;
  void **mem = NULL;
  if (rc == 0) rc = ungroup(&cc, layers, n, &flat, &mem);
  if (rc == 0) rc = plan_data(&cc, flat, n, prog);
  if (rc == 0) rc = plan(&cc, flat, n, prog);
  if (rc == 0) {
    prog->desc_layer = calloc((size_t)cc.n_hl, sizeof *prog->desc_layer);
    rc = prog->desc_layer == NULL ? fail(&cc, "out of memory") : emit(&cc, prog);
  }
  for (int i = 0; mem != NULL && i < n; i++) free(mem[i]);
  free(mem);
  free(flat);
  free_compiler(&cc);
  if (rc != 0) {
    hta_program_free(prog);
    return NULL;
  }
  return prog;
}

hta_program *hta_compile(const hta_hw_cfg *cfg, const hta_layer *layers, int n, char *err,
                         size_t errlen) {
  return hta_compile_cfg(cfg, layers, n, err, errlen);
}

hta_program *hta_compile_batch(const hta_hw_cfg *cfg, const hta_layer *layers, int n, int batch,
                               char *err, size_t errlen) {
  if (batch == 1) return hta_compile_cfg(cfg, layers, n, err, errlen);
  compiler cc = {cfg, err, errlen, NULL, 0, 0, NULL};
  if (err != NULL && errlen > 0) err[0] = '\0';
  if (cfg == NULL || cfg->engine != 2 || batch < 1 || batch > HTA_BATCH_PROG_MAX ||
      (cfg->bus_bits != 128 && cfg->bus_bits != 256 && cfg->bus_bits != 512)) {
    fail(&cc, "batch programs: batch %d (1..%d) on an engine-v2 configuration (%s is %s)", batch,
         HTA_BATCH_PROG_MAX, cfg ? cfg->name : "none",
         cfg == NULL ? "missing" : cfg->engine != 2 ? "engine v1" : "of another bus width");
    return NULL;
  }
  hta_v2_cfg v2;
  hta_v2_cfg_from_hw(cfg, &v2);
  return hta_compile_v2_batch(&v2, layers, n, batch, err, errlen);
}
