/* gop.c - see gop.h. */
#include "gop.h"

#include "errmsg.h"

#include <stdio.h>
#include <string.h>

#define FIELD8_MAX 255
#define FIELD16_MAX 65535

int gop_op(hta_op op) { return op >= HTA_OP_ADD && op <= HTA_OP_LAYERNORM; }

void gop_plan(gop *g, const hta_layer *l, int i, int table, hta_tensor in, hta_tensor in2,
              hta_tensor out) {
  memset(g, 0, sizeof *g);
  g->layer = i;
  g->what = table ? " (activation table)" : "";
  g->lut = l->lut;
  if (table) { /* in place, no stage: the layer's own stage already ran */
    g->kind = HTA_GOP_TABLE;
    g->in = g->out = out;
    g->act_min = -128;
    g->act_max = 127;
    return;
  }
  g->in = in;
  g->out = out;
  g->zp_in = l->zp_in;
  g->zp_out = l->zp_out;
  g->act_min = l->act_min;
  g->act_max = l->act_max;
  switch (l->op) {
  case HTA_OP_ADD: case HTA_OP_CONCAT: case HTA_OP_MUL:
    g->kind = l->op == HTA_OP_ADD ? HTA_GOP_ADD : l->op == HTA_OP_CONCAT ? HTA_GOP_CONCAT
                                                                         : HTA_GOP_MUL;
    g->in2 = in2;
    g->zp_in2 = l->zp_in2;
    for (int j = 0; j < 2; j++) {
      g->in_mult[j] = l->in_mult[j];
      g->in_shift[j] = l->in_shift[j];
    }
    g->l = l;
    break;
  case HTA_OP_RESIZE: g->kind = HTA_GOP_RESIZE; break;
  case HTA_OP_PAD:
    g->kind = HTA_GOP_PAD;
    g->pad_t = l->pad_t;
    g->pad_l = l->pad_l;
    break;
  case HTA_OP_GMP: g->kind = HTA_GOP_GMP; break;
  case HTA_OP_LAYERNORM: /* E in in_mult0; the stage's records */
    g->kind = HTA_GOP_LAYERNORM;
    g->in_mult[0] = l->in_mult[0];
    g->l = l;
    break;
  default: /* MAXPOOL, AVGPOOL: a window */
    g->kind = l->op == HTA_OP_MAXPOOL ? HTA_GOP_MAXPOOL : HTA_GOP_AVGPOOL;
    g->kh = l->kh;
    g->kw = l->kw;
    g->stride = l->stride;
    g->pad_t = l->pad_t;
    g->pad_l = l->pad_l;
    if (l->op == HTA_OP_AVGPOOL) g->l = l;
    break;
  }
}

int gop_check(const gop *g, unsigned chan_max, char *err, size_t errlen) {
  const int one = g->kind >= HTA_GOP_TABLE; /* no second input */
  const int c[3] = {g->in.c, one ? 0 : g->in2.c, g->out.c};
  const char *name[3] = {"in_c", "in2_c", "out_c"};
  for (int k = 0; k < 3; k++)
    if ((unsigned)c[k] > chan_max)
      return hta_errf(err, errlen, "layer %d%s: %s = %d exceeds ChanMax %u (the graph-op "
                      "unit's pixel buffers)", g->layer, g->what, name[k], c[k], chan_max);
  if (g->pad_t > FIELD8_MAX || g->pad_l > FIELD8_MAX || g->kh > FIELD8_MAX ||
      g->kw > FIELD8_MAX || g->stride > 15)
    return hta_errf(err, errlen, "layer %d%s: padding %d, %d, kernel %dx%d or stride %d "
                    "exceeds its descriptor field (255, 255, 15)", g->layer, g->what, g->pad_t,
                    g->pad_l, g->kh, g->kw, g->stride);
  const struct { const char *name; long v; } f[3] = {
      {"h", g->out.h}, {"w", g->out.w}, {"out_pix_stride", (long)g->out.pix_stride}};
  for (int k = 0; k < 3; k++)
    if (f[k].v > FIELD16_MAX)
      return hta_errf(err, errlen, "layer %d%s: %s = %ld exceeds its 16-bit descriptor field "
                      "(65535)", g->layer, g->what, f[k].name, f[k].v);
  return 0;
}

int gop_emit(const gop *g, bytes *b, hta_gop_desc *d, char *err, size_t errlen) {
  while (b->n % 64) bytes_put(b, NULL, 1); /* par_off: a whole beat of any bus */
  const size_t start = b->n;
  if (g->lut != NULL) bytes_put(b, (const uint8_t *)g->lut, HTA_GOP_LUT_BYTES);
  const int one = g->kind >= HTA_GOP_TABLE; /* no second input */
  const int win = g->kind == HTA_GOP_MAXPOOL || g->kind == HTA_GOP_AVGPOOL;
  if (g->l != NULL) /* an output stage: its records */
    for (int c = 0; c < g->out.c; c++) {
      const hta_lane_record r = {g->l->bias[c], g->l->mult[c], g->l->shift[c]};
      uint8_t buf[HTA_LANE_RECORD_BYTES];
      char why[200];
      if (hta_lane_record_pack(&r, buf, why, sizeof why) != 0)
        return hta_errf(err, errlen, "layer %d%s: lane record %d: %s", g->layer, g->what, c,
                        why);
      bytes_put(b, buf, sizeof buf);
    }
  const size_t n = b->n - start;
  while (b->n % 64) bytes_put(b, NULL, 1);
  if (b->oom) return hta_errf(err, errlen, "out of memory");
  const hta_gop_desc gd = {
      .op = HTA_DESC_OP_GOP, .kind = g->kind, .lut_en = g->lut != NULL,
      .zp_in = g->zp_in, .zp_in2 = g->zp_in2, .zp_out = g->zp_out,
      .act_min = g->act_min, .act_max = g->act_max,
      .in_shift0 = (uint32_t)g->in_shift[0], .in_shift1 = (uint32_t)g->in_shift[1],
      .h = (uint32_t)g->out.h, .w = (uint32_t)g->out.w,
      .in_c = (uint32_t)g->in.c, .in_pix_stride = g->in.pix_stride,
      .in2_c = one ? 0 : (uint32_t)g->in2.c,
      .in2_pix_stride = one ? 0 : g->in2.pix_stride,
      .out_c = (uint32_t)g->out.c, .out_pix_stride = g->out.pix_stride,
      .in_off = g->in.off, .in2_off = one ? 0 : g->in2.off,
      .out_off = g->out.off, .par_off = (uint32_t)start, .par_bytes = (uint32_t)n,
      .in_mult0 = g->in_mult[0], .in_mult1 = g->in_mult[1],
      .in_h = (uint32_t)g->in.h, .in_w = (uint32_t)g->in.w,
      .pad_top = (uint32_t)g->pad_t, .pad_left = (uint32_t)g->pad_l,
      .kh = win ? (uint32_t)g->kh : 0, .kw = win ? (uint32_t)g->kw : 0,
      .stride = win ? (uint32_t)g->stride : 0};
  *d = gd;
  return 0;
}
