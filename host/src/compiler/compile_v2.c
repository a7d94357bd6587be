/*
 * compile_v2.c - model layers -> engine-v2 programs (docs/engine-v2.md,
 * "Programs of the v2 core"). The v1 compiler (compile.c) is untouched.
 *
 * Two steps. lower_*: every model layer becomes one or more convolutions
 * the core runs (vconv: a kernel over a slice of channels of a tensor, with
 * one lane per filter, MAC or adder):
 *   CONV2D, POINTWISE, FC   one vconv (FC: 1x1 image, as the model has it);
 *                           STRASSEN filters two more: the hidden units into
 *                           the scratch region, then a 1x1 vconv over them
 *                           (lower_strassen);
 *                           1x1 layers of over 255 Ci blocks: runs of pixels
 *                           read as half-pixels by a 1x2 kernel (emit_halves);
 *                           a first convolution over few channels as a 1x1
 *                           one over its im2col windows, which the driver
 *                           packs (augment_first: channel augmentation)
 *   DEPTHWISE               jobs in the core's depthwise mode (mode 1): a
 *                           channel block's INT8 and ternary channels on
 *                           both arrays in the same cycles (lower_dw)
 *   GAP                     jobs in the core's global-sum mode (mode 2): the
 *                           whole input in the banks, any size they hold
 *                           (lower_dw)
 *   graph ops (ADD .. PAD)  one gop_desc each, run by the graph-op unit
 *                           (hw/rtl/hta_gop.sv) as on engine v1: gop.c, shared
 *                           with compile.c; a layer of another op with an
 *                           activation table gets a TABLE gop over its output
 *                           after its jobs. Tensors are those of the graph
 *                           (layer inputs by hta_layer_src), every one with
 *                           pixels of c rounded up to 16 bytes: the layout of
 *                           both the jobs and the graph-op unit.
 * emit_vconv: each vconv is split into jobs (one v2_job descriptor each):
 *   - passes: pass n holds INT8 filters n MacCo .. and ternary filters
 *     n AddCo .. of the vconv (in channel order); a job takes as many passes
 *     as the weight buffer (WDepth blocks of K) and the group-scale buffer
 *     hold;
 *   - bands of output rows whose input rows fit the activation banks
 *     (ActDepth words of row_words = cb_n ceil(in_w / 2 Pix) each): a band is
 *     a standalone convolution of a sub-image with its own pad_top and in_h,
 *     so the core knows nothing of bands.
 * Weights are laid out in the core's block order (block k = (ky kw + kx)
 * cb_n + cb of pass n), zp_in sum w is folded into a 40-bit bias
 * (docs/engine-v2.md "Zero points leave the array"), one-group ternary
 * filters carry alpha in their record (applied to the raw sum before the
 * bias), fine groups (G a multiple of Ci, in_c a multiple of G) are scaled
 * in the core from the job's group-scale rows. The output stage is
 * golden.c's: sat32(acc + bias), SRDHM, RDBPOT, zp_out, clamp.
 *
 * Batch programs (hta_compile_v2_batch, B items in one start): every tensor
 * of the data window holds its B items one after another (plan_data); a 1x1
 * stride-1 convolution or FC runs once over all of them as one image of B
 * in_h rows (stack_items; flat_width then picks its width), every other
 * layer's descriptors are repeated item after item within each run that
 * shares weight blocks, the repeats with `reuse` set (repeat_items): each
 * block loads once per batch.
 *
 * A MAC-only configuration (AddCo 0: no ternary array) runs ternary and
 * binary filters on the INT8 array: one group per filter with weights t
 * and alpha in the record (the MAC-only engine applies every record's alpha,
 * 1 for INT8 filters); fine groups with weights alpha_g t[k] (g the group of
 * k): sum_g alpha_g sum_{k in g} t x = sum_k (alpha_g t) x, exact, as long
 * as every alpha_g <= 127 (an int8 weight); larger scales are refused.
 */
#include "hta_compile_v2.h"

#include "bytes.h"
#include "gop.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_MAX 7   /* the core's kh, kw (3 bits) */
#define PAD_MAX 7      /* pad_t, pad_l (3 bits) */
#define DIM_MAX 4095   /* the core's DimBits = 12 */
#define FIELD8_MAX 255 /* cb_n, passes, gblk */
#define TERN_MAX ((INT32_C(1) << 23) - 1) /* the core's 24-bit ternary sums */

typedef struct vlane {
  int chan;              /* output channel */
  const int8_t *w;       /* [kh kw in_c] weights, golden order (INT8 or -1/0/1) */
  int8_t *own;           /* w when this file made it (MAC-only: alpha_g t) */
  const uint8_t *alpha;  /* ternary: group scales (one group: alpha[0]); a MAC lane's:
                            one group on a MAC-only core (applied from the record) */
  int32_t bias, mult;
  uint8_t shift;
} vlane;

typedef struct vconv {
  int layer;
  const char *what;
  int kh, kw, s, pad_t, pad_l, zp_in, zp_out, act_min, act_max;
  int gblk;        /* ternary group in blocks; 0 = one group per filter */
  hta_tensor in;   /* in.off at the first channel read, in.c channels read */
  hta_tensor out;
  int n_mac, n_add;
  vlane *mac, *add;
} vconv;

typedef struct compiler {
  const hta_v2_cfg *cfg;
  char *err;
  size_t errlen;
  bytes blob;     /* weights, records, scales: offsets relative to blob */
  hta_v2_job *jobs;
  hta_gop_desc *gops; /* descriptor i is a graph op when gops[i].op is GOP */
  int *job_layer;
  int n_jobs, cap_jobs;
  int items;                /* batch items the program runs (1: one) */
  int stacked;              /* the convolution being emitted runs over all items at once */
  const hta_program *prog;  /* its tensors (item 0's) */
  hta_tensor hid;           /* the STRASSEN layer being lowered: its hidden units */
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

static size_t r16(size_t n) { return (n + HTA_ALIGN - 1) / HTA_ALIGN * HTA_ALIGN; }

void hta_v2_cfg_from_hw(const hta_hw_cfg *hw, hta_v2_cfg *c) {
  memset(c, 0, sizeof *c);
  c->name = hw->name;
  c->pix = hw->pix;
  c->ci = hw->ci;
  c->mac_co = hw->mac_co;
  c->add_co = hw->add_co;
  c->act_depth = hw->act_depth;
  c->w_depth = hw->w_depth;
  c->a_depth = hw->a_depth;
  c->fine_groups = 1; /* hta_top builds the core with fine groups */
  c->signature = hw->signature;
  c->rec_depth = hw->rec_depth;
  c->chan_max = hw->chan_max;
  c->bus_bytes = hw->bus_bits / 8;
}

size_t hta_v2_bus_bytes(const hta_v2_cfg *cfg) {
  return cfg->bus_bytes == 0 ? HTA_ALIGN : cfg->bus_bytes;
}

/* n rounded up to whole bus beats */
static size_t rbus(const hta_v2_cfg *cfg, size_t n) {
  const size_t b = hta_v2_bus_bytes(cfg);
  return (n + b - 1) / b * b;
}

/* the blob padded to a whole bus beat (blocks, records and scales start on
 * one; the engine reads whole beats) */
static void blob_align(compiler *cc) {
  const size_t b = hta_v2_bus_bytes(cc->cfg);
  bytes_put(&cc->blob, NULL, (b - cc->blob.n % b) % b);
}

size_t hta_v2_block_bytes(const hta_v2_cfg *cfg) {
  return rbus(cfg, r16((size_t)cfg->mac_co * cfg->ci) +
                       r16(((size_t)cfg->add_co * cfg->ci * 2 + 7) / 8));
}

size_t hta_v2_arow_bytes(const hta_v2_cfg *cfg) { return rbus(cfg, r16(cfg->add_co)); }

static hta_tensor tensor(uint32_t off, int h, int w, int c) {
  hta_tensor t = {off, h, w, c, hta_pix_stride(c), 0, {0}};
  t.bytes = (uint32_t)((uint64_t)h * w * t.pix_stride);
  return t;
}

static int count_kind(const hta_layer *l, hta_kind k) {
  int n = 0;
  for (int o = 0; o < l->out_c; o++) n += hta_layer_kind(l, o) == k;
  return n;
}

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* ---- emit: passes, bands, jobs ---- */

static unsigned ternary_code(int8_t t) { return t == 1 ? 1u : t == -1 ? 3u : 0u; }

/* sum of a lane's weights k = from .. to-1 (golden order) */
static int64_t lane_wsum(const vlane *ln, int from, int to) {
  int64_t s = 0;
  for (int k = from; k < to; k++) s += ln->w[k];
  return s;
}

/* Blocks of passes p0 .. p1-1 into the blob; returns their offset. */
static size_t put_weights(compiler *cc, const vconv *v, int cb_n, int p0, int p1) {
  const hta_v2_cfg *cfg = cc->cfg;
  const int ci = (int)cfg->ci, K = v->kh * v->kw * cb_n;
  const size_t mbytes = r16((size_t)cfg->mac_co * cfg->ci);
  const size_t bb = hta_v2_block_bytes(cfg); /* (padded to a whole beat) */
  uint8_t *blk = calloc(1, bb);
  if (blk == NULL) {
    cc->blob.oom = 1;
    return 0;
  }
  blob_align(cc);
  const size_t off = cc->blob.n;
  for (int n = p0; n < p1; n++) {
    for (int k = 0; k < K; k++) {
      const int pos = k / cb_n, cb = k % cb_n;
      memset(blk, 0, bb);
      for (int o = 0; o < (int)cfg->mac_co; o++) {
        const int li = n * (int)cfg->mac_co + o;
        if (li >= v->n_mac) break;
        if (v->mac[li].w == NULL) continue; /* an empty lane (plan_passes) */
        for (int i = 0; i < ci && cb * ci + i < v->in.c; i++)
          blk[o * ci + i] = (uint8_t)v->mac[li].w[pos * v->in.c + cb * ci + i];
      }
      for (int o = 0; o < (int)cfg->add_co; o++) {
        const int li = n * (int)cfg->add_co + o;
        if (li >= v->n_add) break;
        if (v->add[li].w == NULL) continue;
        for (int i = 0; i < ci && cb * ci + i < v->in.c; i++) {
          const unsigned bit = (unsigned)(o * ci + i) * 2;
          blk[mbytes + bit / 8] |=
              (uint8_t)(ternary_code(v->add[li].w[pos * v->in.c + cb * ci + i]) << (bit % 8));
        }
      }
      bytes_put(&cc->blob, blk, bb);
    }
  }
  free(blk);
  return off;
}

/* Records of passes p0 .. p1-1 (MacCo MAC lanes, then AddCo adder lanes). */
/* Lanes of one side (co of them) with a filter in pass p: filters fill the
 * lanes of passes in order, so pass p uses lanes 0 .. this - 1. */
static int rec_lanes(int n_filters, int co, int p) {
  const int left = n_filters - p * co;
  return left < 0 ? 0 : left < co ? left : co;
}

static size_t put_records(compiler *cc, const vconv *v, int cb_n, int p0, int p1) {
  const hta_v2_cfg *cfg = cc->cfg;
  /* a block holds Ci of the lane's dense weights (in_c a multiple of Ci when
   * groups are fine) */
  const int npos = v->kh * v->kw, G = v->gblk * v->in.c / cb_n;
  blob_align(cc);
  const size_t off = cc->blob.n;
  for (int n = p0; n < p1; n++) {
    for (int side = 0; side < 2; side++) {
      const int co = side ? (int)cfg->add_co : (int)cfg->mac_co;
      const int nl = side ? v->n_add : v->n_mac;
      const vlane *lanes = side ? v->add : v->mac;
      /* records of lanes 0 .. rec_lanes()-1 only: pass p0 has the most */
      const int nrec = rec_lanes(nl, co, p0);
      for (int o = 0; o < nrec; o++) {
        hta_v2_lane rec = {0};
        const int li = n * co + o;
        rec.alpha = 1;
        if (li < nl && lanes[li].w != NULL) { /* (not an empty lane) */
          const vlane *ln = &lanes[li];
          int64_t fold;
          if (!side && ln->alpha == NULL) {
            fold = lane_wsum(ln, 0, npos * v->in.c);
          } else if (v->gblk == 0) {
            rec.alpha = ln->alpha[0];
            fold = (int64_t)ln->alpha[0] * lane_wsum(ln, 0, npos * v->in.c);
          } else {
            fold = 0;
            for (int g = 0; g * G < npos * v->in.c; g++)
              fold += (int64_t)ln->alpha[g] * lane_wsum(ln, g * G, (g + 1) * G);
          }
          const int64_t bias = (int64_t)ln->bias - (int64_t)v->zp_in * fold;
          rec.bias_lo = (uint32_t)(uint64_t)bias;
          rec.bias_hi = (int32_t)(bias >> 32);
          rec.shift = ln->shift;
          rec.valid = 1;
          rec.mult = ln->mult;
          rec.chan = (uint32_t)ln->chan;
        }
        uint8_t buf[HTA_V2_LANE_BYTES];
        char why[160];
        if (hta_v2_lane_pack(&rec, buf, why, sizeof why) != 0) {
          fail(cc, "layer %d%s: lane record: %s", v->layer, v->what, why);
          cc->blob.oom = 2;
          return 0;
        }
        bytes_put(&cc->blob, buf, sizeof buf);
      }
    }
  }
  blob_align(cc); /* (the engine reads the last beat whole) */
  return off;
}

/* Group-scale rows of passes p0 .. p1-1: (K / gblk) rows of AddCo bytes. */
static size_t put_alphas(compiler *cc, const vconv *v, int cb_n, int p0, int p1) {
  const hta_v2_cfg *cfg = cc->cfg;
  const int ngr = v->kh * v->kw * cb_n / v->gblk;
  const size_t row = hta_v2_arow_bytes(cfg);
  uint8_t *buf = calloc(1, row);
  if (buf == NULL) {
    cc->blob.oom = 1;
    return 0;
  }
  blob_align(cc);
  const size_t off = cc->blob.n;
  for (int n = p0; n < p1; n++)
    for (int g = 0; g < ngr; g++) {
      memset(buf, 0, row);
      for (int o = 0; o < (int)cfg->add_co; o++) {
        const int li = n * (int)cfg->add_co + o;
        if (li < v->n_add && v->add[li].w != NULL) buf[o] = v->add[li].alpha[g];
      }
      bytes_put(&cc->blob, buf, row);
    }
  free(buf);
  return off;
}

static int add_job(compiler *cc, const hta_v2_job *j, int layer) {
  if (cc->n_jobs == cc->cap_jobs) {
    const int cap = cc->cap_jobs ? 2 * cc->cap_jobs : 16;
    hta_v2_job *p = realloc(cc->jobs, (size_t)cap * sizeof *p);
    int *q = realloc(cc->job_layer, (size_t)cap * sizeof *q);
    hta_gop_desc *g = realloc(cc->gops, (size_t)cap * sizeof *g);
    if (p != NULL) cc->jobs = p;
    if (q != NULL) cc->job_layer = q;
    if (g != NULL) cc->gops = g;
    if (p == NULL || q == NULL || g == NULL) return fail(cc, "out of memory");
    cc->cap_jobs = cap;
  }
  cc->jobs[cc->n_jobs] = *j;
  memset(&cc->gops[cc->n_jobs], 0, sizeof cc->gops[0]);
  cc->job_layer[cc->n_jobs] = layer;
  cc->n_jobs++;
  return 0;
}

/* ---- batch programs: the later items' descriptors ---- */

/* Bytes per item of the tensor whose items hold window offset off. */
static uint32_t item_bytes(const compiler *cc, uint32_t off) {
  const hta_program *p = cc->prog;
  if (cc->hid.bytes != 0 && off >= cc->hid.off &&
      (uint64_t)off < cc->hid.off + (uint64_t)cc->items * cc->hid.bytes)
    return cc->hid.bytes; /* (a STRASSEN layer's hidden units, in the scratch region) */
  for (int i = -1; i < p->n_layers; i++) {
    const hta_tensor *t = i < 0 ? &p->input : &p->layer_out[i];
    if (off >= t->off && (uint64_t)off < t->off + (uint64_t)cc->items * t->bytes)
      return t->bytes;
  }
  return 0; /* (every descriptor reads and writes the program's tensors) */
}

/* Descriptors j0 .. n_jobs-1 compute item 0 of a layer: each run of them
 * that shares weight blocks (a job that loads, then the bands with `reuse`)
 * is repeated for items 1 .. B-1 right after it, every offset into a tensor
 * moved to the item, the repeats' first job with `reuse` set: the blocks it
 * names are the ones the run's last job left in the buffers. Graph ops
 * repeat alone. */
static int repeat_items(compiler *cc, int j0) {
  const int n = cc->n_jobs - j0;
  if (cc->items <= 1 || n <= 0) return 0;
  hta_v2_job *jobs = malloc((size_t)n * sizeof *jobs);
  hta_gop_desc *gops = malloc((size_t)n * sizeof *gops);
  if (jobs == NULL || gops == NULL) {
    free(jobs);
    free(gops);
    return fail(cc, "out of memory");
  }
  memcpy(jobs, cc->jobs + j0, (size_t)n * sizeof *jobs);
  memcpy(gops, cc->gops + j0, (size_t)n * sizeof *gops);
  const int layer = cc->job_layer[j0];
  cc->n_jobs = j0;
  int rc = 0;
  for (int a = 0; rc == 0 && a < n;) {
    const int gop = gops[a].op == HTA_DESC_OP_GOP;
    int e = a + 1;
    while (!gop && e < n && gops[e].op != HTA_DESC_OP_GOP && jobs[e].reuse) e++;
    for (int b = 0; rc == 0 && b < cc->items; b++)
      for (int k = a; rc == 0 && k < e; k++) {
        hta_v2_job j = jobs[k];
        hta_gop_desc g = gops[k];
        if (gop) {
          g.in_off += (uint32_t)b * item_bytes(cc, g.in_off);
          g.out_off += (uint32_t)b * item_bytes(cc, g.out_off);
          if (g.in2_c != 0) g.in2_off += (uint32_t)b * item_bytes(cc, g.in2_off);
        } else {
          j.in_off += (uint32_t)b * item_bytes(cc, j.in_off);
          j.out_off += (uint32_t)b * item_bytes(cc, j.out_off);
          if (b > 0) j.reuse = 1;
        }
        rc = add_job(cc, &j, layer);
        if (rc == 0) cc->gops[cc->n_jobs - 1] = g;
      }
    a = e;
  }
  free(jobs);
  free(gops);
  return rc;
}

/* Passes a job of K blocks (ngr group-scale rows per pass) may take when it
 * may use 1 / div of each buffer: the weight blocks, the group-scale rows,
 * the lane records (MacCo + AddCo per pass) and the passes field. */
static int job_passes(const hta_v2_cfg *cfg, int K, int ngr, unsigned div) {
  int pj = (int)(cfg->w_depth / div) / K;
  if (ngr > 0 && (int)(cfg->a_depth / div) / ngr < pj) pj = (int)(cfg->a_depth / div) / ngr;
  if (pj > FIELD8_MAX) pj = FIELD8_MAX;
  if (pj > (int)(cfg->rec_depth / div / (cfg->mac_co + cfg->add_co)))
    pj = (int)(cfg->rec_depth / div / (cfg->mac_co + cfg->add_co));
  return pj;
}

/* Whether jobs of ph passes (half buffers) pay: the input read once per pass
 * range costs less than the weight beats a job loads while another runs. */
static int half_pays(const hta_v2_cfg *cfg, const vconv *v, int K, int ph) {
  const uint64_t in_bytes = (uint64_t)v->in.h * v->in.w * v->in.pix_stride;
  const uint64_t w_bytes = (uint64_t)ph * K * hta_v2_block_bytes(cfg);
  return in_bytes <= w_bytes;
}

/* Row-spanning tiles for 1x1 stride-1 layers without padding
 * (docs/engine-v2.md, "Tiles over the flat pixel index"): such a layer on a
 * dense H x W image is the same layer on any H' x W' image with H' W' = H W
 * (NHWC rows are contiguous), and the core's tiles of Pix columns waste
 * Pix ceil(W / Pix) - W of each row. The width the layer runs at: the
 * narrowest divisor W' of H W whose tiles are at least 97.5% full (narrow
 * rows keep the first row of a job short: the core starts once it is in),
 * else the fullest; W itself unless W' fills its tiles better. Rows must fit
 * the banks and DimBits, and there are at least 4 (the core waits for a
 * job's rows one at a time: MobileNet-V1's 7x7 layers as one row of 49
 * took 30% more cycles, the input's load no longer overlapping the run). */
static int flat_width(const hta_v2_cfg *cfg, const vconv *v) {
  const int h = v->in.h, w = v->in.w, pix = (int)cfg->pix, nb = 2 * pix;
  if (v->kh != 1 || v->kw != 1 || v->s != 1 || v->pad_t != 0 || v->pad_l != 0 ||
      v->out.h != h || v->out.w != w || h <= 1)
    return w;
  const long n = (long)h * w;
  const int cb_n = ceil_div(v->in.c, (int)cfg->ci);
  /* fill of a row of x pixels in tiles of pix, in 1/1000 */
  #define FILL(x) ((long)(x) * 1000 / ((long)pix * ceil_div((x), pix)))
  int best = w, first = 0;
  for (long x = 1; x <= n && x <= DIM_MAX; x++) {
    if (n % x != 0 || n / x > DIM_MAX || n / x < 4) continue;
    if ((long)cb_n * ceil_div((int)x, nb) > (long)cfg->act_depth) break;
    if (first == 0 && FILL(x) >= 975) first = (int)x;
    if (FILL(x) > FILL(best)) best = (int)x;
  }
  const int pick = first != 0 ? first : best;
  const int r = FILL(pick) > FILL(w) ? pick : w;
  #undef FILL
  return r;
}

/* Splits a vconv into jobs (passes that fit the weight buffer, bands of
 * rows that fit the activation banks). */
static int emit_vconv(compiler *cc, const vconv *v0) {
  const hta_v2_cfg *cfg = cc->cfg;
  vconv flat = *v0;
  const int fw = flat_width(cfg, v0);
  if (fw != v0->in.w) {
    flat.in.h = flat.out.h = (int)((long)v0->in.h * v0->in.w / fw);
    flat.in.w = flat.out.w = fw;
  }
  const vconv *v = &flat;
  const int d = v->layer;
  const char *w = v->what;
  const int ci = (int)cfg->ci, nb = 2 * (int)cfg->pix;
  const int out_h = v->out.h, out_w = v->out.w;
  const int cb_n = ceil_div(v->in.c, ci);
  const int K = v->kh * v->kw * cb_n;
  const long kel = (long)v->kh * v->kw * v->in.c;
  if (v->kh > KERNEL_MAX || v->kw > KERNEL_MAX)
    return fail(cc, "layer %d%s: kernel %dx%d exceeds the v2 core's %dx%d", d, w, v->kh, v->kw,
                KERNEL_MAX, KERNEL_MAX);
  if (v->pad_t > PAD_MAX || v->pad_l > PAD_MAX || v->pad_l > nb)
    return fail(cc, "layer %d%s: padding top %d, left %d exceeds the v2 core's %d (left: <= 2 Pix "
                "= %d)", d, w, v->pad_t, v->pad_l, PAD_MAX, nb);
  if (v->in.h > DIM_MAX || v->in.w > DIM_MAX || out_h > DIM_MAX || out_w > DIM_MAX)
    return fail(cc, "layer %d%s: image %dx%d -> %dx%d exceeds the v2 core's %d", d, w, v->in.h,
                v->in.w, out_h, out_w, DIM_MAX);
  if (cb_n > FIELD8_MAX)
    return fail(cc, "layer %d%s: %d input channels make %d blocks of Ci = %d, more than %d", d, w,
                v->in.c, cb_n, ci, FIELD8_MAX);
  /* the core's 32-bit accumulators: |sum w x| <= K 2^14, |sum alpha S| <= K 255 2^7 */
  if (kel * 128 * 128 > INT32_MAX || kel * 128 > TERN_MAX ||
      (v->gblk != 0 && kel * 128 * 255 > INT32_MAX))
    return fail(cc, "layer %d%s: reduction of %ld products can overflow the v2 core's "
                "accumulators", d, w, kel);
  if (K > (int)cfg->w_depth)
    return fail(cc, "layer %d%s: K = %d blocks (%dx%d kernel, %d blocks of %d channels) exceed "
                "the weight buffer (WDepth %u blocks of %s)", d, w, K, v->kh, v->kw, cb_n, ci,
                cfg->w_depth, cfg->name ? cfg->name : "this configuration");
  const int pm = ceil_div(v->n_mac, (int)cfg->mac_co);
  const int pa = v->n_add > 0 ? ceil_div(v->n_add, (int)cfg->add_co) : 0; /* add_co >= 1 then */
  const int passes = pm > pa ? pm : pa;
  if (passes == 0) return 0;
  const int ngr = v->gblk != 0 ? K / v->gblk : 0;
  if (ngr > (int)cfg->a_depth)
    return fail(cc, "layer %d%s: %d ternary groups exceed the group-scale buffer (%u)", d, w,
                ngr, cfg->a_depth);
  int pj = job_passes(cfg, K, ngr, 1);
  /* Passes of a job that fits half of each buffer: the engine loads it while
     the previous job runs (docs/engine-v2.md, "The next job's loads overlap
     the run"). More pass ranges read the layer's input once more each, so
     halves when that is less than the weights a half job loads. */
  const int ph = job_passes(cfg, K, ngr, 2);
  if (ph >= 1 && ph < pj && ph < passes && half_pays(cfg, v, K, ph)) pj = ph;
  /* bands */
  const int blk_words = ceil_div(v->in.w, nb), row_words = cb_n * blk_words;
  const int rows_max = (int)cfg->act_depth / row_words;
  if (rows_max < v->kh)
    return fail(cc, "layer %d%s: %d input rows of %d words (%d blocks of %d columns) exceed the "
                "activation banks (%u words)", d, w, v->kh, row_words, cb_n, blk_words,
                cfg->act_depth);
  const int band = (rows_max - v->kh) / v->s + 1;
  for (int p0 = 0; p0 < passes; p0 += pj) {
    const int p1 = p0 + pj < passes ? p0 + pj : passes;
    const size_t woff = put_weights(cc, v, cb_n, p0, p1);
    const size_t wend = cc->blob.n;
    const size_t roff = put_records(cc, v, cb_n, p0, p1);
    const size_t aoff = v->gblk ? put_alphas(cc, v, cb_n, p0, p1) : 0;
    if (cc->blob.oom == 2) return -1;
    if (cc->blob.oom) return fail(cc, "out of memory");
    for (int oy0 = 0; oy0 < out_h; oy0 += band) {
      const int oy1 = oy0 + band < out_h ? oy0 + band : out_h;
      const int first = oy0 * v->s - v->pad_t, last = (oy1 - 1) * v->s - v->pad_t + v->kh - 1;
      const int iy0 = first > 0 ? first : 0;
      const int iy1 = last < v->in.h - 1 ? last : v->in.h - 1;
      hta_v2_job j = {0};
      j.op = HTA_DESC_OP_V2_JOB;
      j.kh = (uint32_t)v->kh;
      j.kw = (uint32_t)v->kw;
      j.stride = (uint32_t)v->s;
      j.pad_top = (uint32_t)(iy0 - first);
      j.pad_left = (uint32_t)v->pad_l;
      j.zp_in = v->zp_in;
      j.zp_out = v->zp_out;
      j.act_min = v->act_min;
      j.act_max = v->act_max;
      j.gblk = (uint32_t)v->gblk;
      j.cb_n = (uint32_t)cb_n;
      j.in_h = (uint32_t)(iy1 >= iy0 ? iy1 - iy0 + 1 : 0);
      j.in_w = (uint32_t)v->in.w;
      j.in_c = (uint32_t)v->in.c;
      j.in_pix_stride = v->in.pix_stride;
      j.out_h = (uint32_t)(oy1 - oy0);
      j.out_w = (uint32_t)out_w;
      j.out_c = (uint32_t)v->out.c;
      j.out_pix_stride = v->out.pix_stride;
      j.in_off = v->in.off + (uint32_t)iy0 * (uint32_t)v->in.w * v->in.pix_stride;
      j.out_off = v->out.off + (uint32_t)oy0 * (uint32_t)out_w * v->out.pix_stride;
      j.wts_off = (uint32_t)woff; /* relative to the blob until emit() */
      j.wts_bytes = (uint32_t)(wend - woff);
      j.passes = (uint32_t)(p1 - p0);
      j.k_blocks = (uint32_t)K;
      j.rec_off = (uint32_t)roff;
      j.alpha_off = (uint32_t)aoff;
      j.rec_mac = (uint32_t)rec_lanes(v->n_mac, (int)cfg->mac_co, p0);
      j.rec_add = (uint32_t)rec_lanes(v->n_add, (int)cfg->add_co, p0);
      /* the previous job is the band above, of the same pass range: its
         weights, records and scales are still in the core's buffers */
      j.reuse = oy0 > 0;
      if (j.pad_top > PAD_MAX)
        return fail(cc, "layer %d%s: band padding %u exceeds %d", d, w, j.pad_top, PAD_MAX);
      if (add_job(cc, &j, d) != 0) return -1;
    }
  }
  return 0;
}

/* ---- lower: model layers -> vconvs ---- */

static void free_vconv(vconv *v) {
  for (int i = 0; i < v->n_mac; i++) free(v->mac[i].own);
  for (int i = 0; i < v->n_add; i++) free(v->add[i].own);
  free(v->mac);
  free(v->add);
}

static int new_vconv(compiler *cc, vconv *v, int layer, const char *what, const hta_layer *l,
                     int nl) {
  memset(v, 0, sizeof *v);
  v->layer = layer;
  v->what = what;
  v->kh = l->kh;
  v->kw = l->kw;
  v->s = l->stride;
  v->pad_t = l->pad_t;
  v->pad_l = l->pad_l;
  v->zp_in = l->zp_in;
  v->zp_out = l->zp_out;
  v->act_min = l->act_min;
  v->act_max = l->act_max;
  v->mac = calloc((size_t)(nl ? nl : 1), sizeof *v->mac);
  v->add = calloc((size_t)(nl ? nl : 1), sizeof *v->add);
  if (v->mac == NULL || v->add == NULL) {
    free_vconv(v);
    return fail(cc, "out of memory");
  }
  return 0;
}

static vlane *push_lane(vconv *v, int ternary) {
  return ternary ? &v->add[v->n_add++] : &v->mac[v->n_mac++];
}

/* Ternary groups of G weights (golden order) as whole blocks of the core:
 * 0 = one group per filter; > 0 blocks per group; -1 not expressible. */
static int conv_gblk(const hta_v2_cfg *cfg, const hta_layer *l) {
  const int K = hta_layer_k(l);
  if (l->group == 0 || l->group >= K) return 0;
  if (!cfg->fine_groups) return -1;
  if (l->group % (int)cfg->ci != 0 || hta_layer_filter_c(l) % l->group != 0) return -1;
  return l->group / (int)cfg->ci;
}

static int one_group(const hta_layer *l) {
  return l->group == 0 || l->group >= hta_layer_k(l);
}

/* MAC-only configuration, fine groups: filter o (ternary or binary) runs as
 * INT8 weights alpha_g t[k], which needs every group scale <= 127; 0 if so,
 * else -1 with the error set. */
static int check_mac_scales(compiler *cc, int i, const hta_layer *l, int o) {
  const int ng = hta_layer_ngroups(l);
  const uint8_t *alpha = l->alpha + (size_t)o * ng;
  for (int g = 0; g < ng; g++)
    if (alpha[g] > 127)
      return fail(cc, "layer %d (%s): filter %d is %s with group scale %u; configuration %s is "
                  "MAC-only (AddCo 0) and runs filters of fine groups (G %d) as INT8 weights "
                  "alpha x t, which needs every scale <= 127: compile one group per filter or "
                  "the int8 plan, or use a configuration with a ternary array", i,
                  hta_op_name(l->op), o,
                  hta_layer_kind(l, o) == HTA_KIND_BINARY ? "binary" : "ternary", alpha[g],
                  cc->cfg->name ? cc->cfg->name : "?", l->group);
  return 0;
}

/* Those weights (golden order, K of them); NULL with the error set when a
 * scale exceeds 127 or memory runs out. */
static int8_t *fold_alpha(compiler *cc, int i, const hta_layer *l, int o) {
  const int K = hta_layer_k(l), ng = hta_layer_ngroups(l), G = l->group;
  if (check_mac_scales(cc, i, l, o) != 0) return NULL;
  const uint8_t *alpha = l->alpha + (size_t)o * ng;
  const int8_t *t = l->t + (size_t)o * K;
  int8_t *w = malloc((size_t)K);
  if (w == NULL) {
    fail(cc, "out of memory");
    return NULL;
  }
  for (int k = 0; k < K; k++) w[k] = (int8_t)(alpha[k / G] * t[k]);
  return w;
}

/* A 1x1 layer (stride 1) of more input blocks than a job's 8-bit cb_n holds
 * (ResNet-50's 2048 channels on Ci 8): a run of n pixels of in_c channels,
 * laid out contiguously, is one row of 2n half-pixels of in_c / 2 channels,
 * so a 1x2 kernel of stride 2 over it reads pixel x's channels in golden
 * order (kx in_c / 2 + c) and writes n output pixels in their place; runs as
 * long as a row of the banks holds. 1 when v was emitted this way, 0 when
 * the layer is not such a layer, -1 on an error. */
static int emit_halves(compiler *cc, vconv *v, const hta_layer *l) {
  const int ci = (int)cc->cfg->ci, half = v->in.c / 2;
  if (l->kh != 1 || l->kw != 1 || l->stride != 1 || v->pad_t != 0 || v->pad_l != 0 ||
      ceil_div(v->in.c, ci) <= FIELD8_MAX || v->in.c % 32 != 0 ||
      v->in.pix_stride != (uint32_t)v->in.c)
    return 0;
  const int run = (int)cc->cfg->pix * ((int)cc->cfg->act_depth / ceil_div(half, ci));
  const int n = v->in.h * v->in.w;
  const hta_tensor in = v->in, out = v->out;
  v->kw = 2;
  v->s = 2;
  for (int p0 = 0; p0 < n; p0 += run > 0 ? run : n) {
    const int np = run > 0 && n - p0 > run ? run : n - p0;
    v->in = tensor(in.off + (uint32_t)p0 * in.pix_stride, 1, 2 * np, half);
    v->out = out;
    v->out.off = out.off + (uint32_t)p0 * out.pix_stride;
    v->out.h = 1;
    v->out.w = np;
    v->out.bytes = (uint32_t)np * out.pix_stride;
    if (emit_vconv(cc, v) != 0) return -1;
  }
  return 1;
}

/* Grouped convolutions (cgroups g > 1): runs of b consecutive groups, each a
 * vconv over its own channels of the input tensor (in.off + c0, in.c = the
 * b groups' channels, the tensor's pixel stride) writing its filters'
 * channels of the output (lane records name them): the engine reads a
 * channel slice of a wider tensor as depthwise jobs do, so no block of
 * another run's channels is multiplied. Within a run filter o's weights
 * are its group's, 0 on the run's other groups' channels. A run starts on a
 * Ci boundary (the loader's words are Ci-aligned) so b cpg is a multiple of
 * Ci; b is the multiple of the smallest such b with the fewest cycles,
 * counting a run's passes x blocks per Pix output pixels against the input
 * it reads (one run per pixel) and its weights' bus beats, as the engine
 * overlaps them (small images: the weights). With ternary fine groups b = 1
 * (a group of G channels is then whole blocks). */
static int run_cost_passes(const hta_v2_cfg *cfg, int n_mac, int n_add) {
  const int pm = ceil_div(n_mac, (int)cfg->mac_co);
  const int pa = n_add > 0 ? ceil_div(n_add, (int)cfg->add_co) : 0;
  return pm > pa ? pm : pa;
}

static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }

/* Filter o's output stage (folded bias, multiplier, shift) on its lane. */
static void lane_out_stage(vlane *ln, const hta_layer *l, int o) {
  ln->bias = l->bias[o];
  ln->mult = l->mult[o];
  ln->shift = l->shift[o];
}

/* A batch program's 1x1 stride-1 convolution (and FC, a 1x1 image) over the
 * B items of its input at once: a tensor's items are consecutive, so they
 * are one image of B in_h rows (at any width flat_width picks), whose jobs
 * load each weight block once for all items. Not where the stacked rows
 * would exceed the core's DimBits at every width flat_width may pick. */
static int stack_items(compiler *cc, vconv *v) {
  if (cc->items <= 1 || v->kh != 1 || v->kw != 1 || v->s != 1 || v->pad_t != 0 ||
      v->pad_l != 0 || v->out.h != v->in.h || v->out.w != v->in.w)
    return 0;
  vconv t = *v;
  t.in.h = t.out.h = cc->items * v->in.h;
  const long rows = (long)t.in.h * t.in.w / flat_width(cc->cfg, &t);
  if (rows > DIM_MAX) return 0;
  v->in.h = v->out.h = t.in.h;
  return 1;
}

/* ---- passes of a hybrid convolution: whole output beats ----
 *
 * Pass n takes lanes n MacCo .. of v->mac and n AddCo .. of v->add. Filled
 * in channel order, a pass of a layer whose INT8 and ternary filters
 * interleave (the plans keep each layer's most sensitive filters INT8,
 * wherever they are) writes each pixel's bytes all over its bus beats, INT8
 * lanes first, then ternary ones: each pixel's merger (hta_v2_engine's
 * writer) holds one open beat and writes it whenever a byte lies in
 * another, so a pixel of C channels costs up to passes x beats writes
 * instead of C / BB (MobileNet-V1 1.0/224 hybrid:0.5 on zcu104: its
 * 112x112x64 pointwise layer took 66k cycles, int8 36k). So where both
 * arrays have filters, a second plan: each pass the channels of at most one
 * output beat (a beat's channels over two passes where one side overflows;
 * the beat stays open across them), padded with empty lanes (no weights, a
 * record without its valid bit), and of the two the one that costs the
 * layer fewer cycles is kept (plan_cost: the core, the writes as the merger
 * makes them, the weight loads; more passes load more blocks). */

/* Output beat of channel c (pixel 0; pixels of a stride that is a multiple
 * of the beat the same). */
static int beat_of(const hta_v2_cfg *cfg, const vconv *v, int c) {
  const size_t bb = hta_v2_bus_bytes(cfg);
  return (int)((v->out.off % bb + (size_t)c) / bb);
}

/* A pixel's writes under a plan of P passes (pass p: lanes p M .. of mac,
 * then p A .. of add; lanes without weights write nothing): one whenever a
 * byte's beat differs from the open one. */
static long plan_writes(const hta_v2_cfg *cfg, const vconv *v, const vlane *mac, int nm,
                        const vlane *add, int na, int P) {
  const int M = (int)cfg->mac_co, A = (int)cfg->add_co;
  long w = 0;
  int open = -1;
  for (int p = 0; p < P; p++)
    for (int i = 0; i < M + A; i++) {
      const int li = i < M ? p * M + i : p * A + i - M;
      const vlane *ln = i < M ? (li < nm ? &mac[li] : NULL) : (li < na ? &add[li] : NULL);
      if (ln == NULL || ln->w == NULL) continue;
      const int b = beat_of(cfg, v, ln->chan);
      if (b != open) w++, open = b;
    }
  return w;
}

/* Cycles a plan of P passes and W writes per pixel costs the layer: the
 * most of the core's (P K blocks per tile of Pix pixels), the writer's (one
 * beat a cycle) and the weight loads' (P K blocks of whole beats, once for
 * every item of a batch program). */
static int64_t plan_cost(const compiler *cc, const vconv *v, int P, long W) {
  const hta_v2_cfg *cfg = cc->cfg;
  const int64_t K = (int64_t)v->kh * v->kw * ceil_div(v->in.c, (int)cfg->ci);
  const int64_t pixels = (int64_t)v->out.h * v->out.w;
  const int64_t tiles = (int64_t)v->out.h * ceil_div(v->out.w, (int)cfg->pix);
  const int64_t run = P * K * tiles, writes = W * pixels;
  const int64_t loads = P * K * (int64_t)(hta_v2_block_bytes(cfg) / hta_v2_bus_bytes(cfg)) /
                        (cc->stacked ? 1 : cc->items);
  int64_t c = run > writes ? run : writes;
  return c > loads ? c : loads;
}

/* Replaces v's lanes with the beat plan where it costs less (see above):
 * 0, or -1 on an error. */
static int plan_passes(compiler *cc, vconv *v) {
  const hta_v2_cfg *cfg = cc->cfg;
  const int M = (int)cfg->mac_co, A = (int)cfg->add_co, nm = v->n_mac, na = v->n_add;
  if (A == 0 || nm == 0 || na == 0) return 0;
  /* The beat plan: the lanes in channel order (merging the two sides),
     a new pass where the beat changes or the lane's side is full. Counted
     first (np passes), then laid out. */
  vlane *mac = NULL, *add = NULL;
  int np = 0;
  for (int round = 0; round < 2; round++) {
    int p = -1, cm = 0, ca = 0, beat = -1;
    for (int a = 0, b = 0; a < nm || b < na;) {
      const int is_mac = b >= na || (a < nm && v->mac[a].chan < v->add[b].chan);
      const vlane *ln = is_mac ? &v->mac[a++] : &v->add[b++];
      const int bt = beat_of(cfg, v, ln->chan);
      if (p < 0 || bt != beat || (is_mac ? cm == M : ca == A)) p++, cm = ca = 0, beat = bt;
      if (round == 1 && is_mac) mac[p * M + cm] = *ln;
      if (round == 1 && !is_mac) add[p * A + ca] = *ln;
      if (is_mac) cm++;
      else ca++;
    }
    if (round == 0) {
      np = p + 1;
      mac = calloc((size_t)np * (size_t)M, sizeof *mac); /* (empty lanes: w NULL) */
      add = calloc((size_t)np * (size_t)A, sizeof *add);
      if (mac == NULL || add == NULL) {
        free(mac), free(add);
        return fail(cc, "out of memory");
      }
    }
  }
  /* the current plan against it (writes of a pixel, passes, weight loads) */
  const int pm = ceil_div(nm, M), pa = ceil_div(na, A), p1 = pm > pa ? pm : pa;
  const int64_t c1 = plan_cost(cc, v, p1, plan_writes(cfg, v, v->mac, nm, v->add, na, p1));
  const int64_t c2 = plan_cost(cc, v, np, plan_writes(cfg, v, mac, np * M, add, np * A, np));
  if (c2 < c1) {
    free(v->mac);
    free(v->add);
    v->mac = mac;
    v->add = add;
    v->n_mac = np * M;
    v->n_add = np * A;
  } else {
    free(mac);
    free(add);
  }
  return 0;
}

/* Emits a convolution's jobs (in half-pixel runs where emit_halves applies)
 * and frees v: 0, or -1 on an error. */
static int emit_conv(compiler *cc, vconv *v, const hta_layer *l) {
  const int j0 = cc->n_jobs;
  cc->stacked = stack_items(cc, v); /* (batch programs: all items at once) */
  int rc = plan_passes(cc, v);
  if (rc == 0) rc = emit_halves(cc, v, l);
  if (rc == 0) rc = emit_vconv(cc, v);
  if (rc == 0 && !cc->stacked) rc = repeat_items(cc, j0); /* (else item after item) */
  free_vconv(v);
  return rc < 0 ? -1 : 0;
}

/* INT8 lanes and ternary lanes of filters f0 .. f1-1 (MAC-only: all INT8). */
static void run_lanes(const hta_v2_cfg *cfg, const hta_layer *l, int f0, int f1, int *nm,
                      int *na) {
  *nm = *na = 0;
  for (int o = f0; o < f1; o++) {
    if (hta_layer_kind(l, o) != HTA_KIND_INT8 && cfg->add_co > 0) (*na)++;
    else (*nm)++;
  }
}

static uint64_t grouped_cost(const hta_v2_cfg *cfg, const hta_layer *l, hta_tensor in,
                             hta_tensor out, int b) {
  const int g = l->cgroups, cpg = l->in_c / g, opg = l->out_c / g, ci = (int)cfg->ci;
  const uint64_t tiles = (uint64_t)out.h * (uint64_t)ceil_div(out.w, (int)cfg->pix);
  const size_t bus = hta_v2_bus_bytes(cfg);
  uint64_t cost = 0;
  for (int g0 = 0; g0 < g; g0 += b) {
    const int nb = g - g0 < b ? g - g0 : b, win = nb * cpg;
    int nm, na;
    run_lanes(cfg, l, g0 * opg, (g0 + nb) * opg, &nm, &na);
    const uint64_t blocks = (uint64_t)run_cost_passes(cfg, nm, na) *
                            (uint64_t)(l->kh * l->kw * ceil_div(win, ci));
    const uint64_t run = tiles * blocks;
    const uint64_t beats = (ceil_div(win, ci) * (size_t)ci + bus - 1) / bus; /* per pixel */
    const uint64_t load = (uint64_t)in.h * (uint64_t)in.w * beats;
    const uint64_t wload = blocks * hta_v2_block_bytes(cfg) / bus; /* its weights' beats */
    uint64_t c = run > load ? run : load;
    cost += c > wload ? c : wload;
  }
  return cost;
}

static int lower_grouped(compiler *cc, int i, const hta_layer *l, hta_tensor in,
                         hta_tensor out) {
  const hta_v2_cfg *cfg = cc->cfg;
  const int g = l->cgroups, cpg = l->in_c / g, opg = l->out_c / g, ci = (int)cfg->ci;
  const int taps = l->kh * l->kw, Kn = hta_layer_k(l), ng = hta_layer_ngroups(l);
  const int mac_only = cfg->add_co == 0;
  const int nt = l->out_c - count_kind(l, HTA_KIND_INT8);
  const int gblk = nt > 0 && !mac_only ? conv_gblk(cfg, l) : 0;
  char what[48];
  snprintf(what, sizeof what, " (%s, cgroups %d)", hta_op_name(l->op), g);
  if (gblk < 0)
    return fail(cc, "layer %d%s: ternary groups of G = %d are not lowered to engine v2: they "
                "need G a multiple of Ci = %u and the %d channels of a group a multiple of G%s",
                i, what, l->group, cfg->ci, cpg,
                cfg->fine_groups ? "" : ", and a core built with fine groups");
  int b = ci / gcd(cpg, ci); /* the fewest groups of a run that ends on a Ci boundary */
  if (b > g) b = g;
  if (gblk > 0) {
    b = 1; /* (cpg % G == 0 and G % Ci == 0: conv_gblk) */
  } else {
    uint64_t best = grouped_cost(cfg, l, in, out, b);
    for (int m = 2 * b; m < g + b; m += b) {
      const int bm = m < g ? m : g, cb = ceil_div(bm * cpg, ci);
      /* (runs wider than the smallest only where they fit the core: a job's
         K blocks, its cb_n field, kh rows of them in the banks) */
      if (l->kh * l->kw * cb > (int)cfg->w_depth || cb > FIELD8_MAX ||
          l->kh * cb * ceil_div(in.w, 2 * (int)cfg->pix) > (int)cfg->act_depth)
        break;
      const uint64_t c = grouped_cost(cfg, l, in, out, bm);
      if (c <= best) { /* (ties: fewer runs) */
        best = c;
        b = bm;
      }
    }
  }
  for (int g0 = 0; g0 < g; g0 += b) {
    const int nb = g - g0 < b ? g - g0 : b, win = nb * cpg;
    vconv v;
    if (new_vconv(cc, &v, i, what, l, nb * opg) != 0) return -1;
    v.in = in;
    v.in.off = in.off + (uint32_t)(g0 * cpg);
    v.in.c = win;
    v.out = out;
    v.gblk = gblk;
    for (int o = g0 * opg; o < (g0 + nb) * opg; o++) {
      const int t = hta_layer_kind(l, o) != HTA_KIND_INT8;
      vlane *ln = push_lane(&v, t && !mac_only);
      ln->chan = o;
      const int8_t *row = t ? l->t + (size_t)o * Kn : l->w + (size_t)o * Kn;
      int8_t *folded = NULL;
      ln->alpha = t ? l->alpha + (size_t)o * ng : NULL;
      if (t && mac_only && !one_group(l)) {
        row = folded = fold_alpha(cc, i, l, o);
        ln->alpha = NULL;
        if (folded == NULL) {
          free_vconv(&v);
          return -1;
        }
      }
      if (nb == 1) { /* the group's own rows, in golden order */
        ln->w = ln->own = folded;
        if (folded == NULL) ln->w = row;
      } else { /* within the run's channels: 0 outside the filter's group */
        int8_t *x = calloc((size_t)taps * win, 1);
        if (x == NULL) {
          free(folded);
          free_vconv(&v);
          return fail(cc, "out of memory");
        }
        const int at = (o / opg - g0) * cpg;
        for (int k = 0; k < Kn; k++) x[(k / cpg) * win + at + k % cpg] = row[k];
        free(folded);
        ln->w = ln->own = x;
      }
      lane_out_stage(ln, l, o);
    }
    if (emit_conv(cc, &v, l) != 0) return -1;
  }
  return 0;
}

/* STRASSEN filters (docs/numerics.md): the layer's r hidden units h_j =
 * clamp(-128, 127, RDBPOT(SRDHM(sat32(wb_j . xc), hmul_j), hshift_j)), then
 * filter o's output stage of sum_j wc[o][j] h_j. Two convolutions: the
 * hidden units, the layer's kernel over its input into the scratch region
 * (an output stage of bias 0, zp_out 0, clamp -128..127: the v2 stage
 * exactly), then a 1x1 one over them (zp_in 0) into the STRASSEN filters'
 * channels of the output, both with weights -1/0/1 on ternary lanes of
 * alpha 1 (a MAC-only core: INT8 lanes). The layer's other filters are a
 * convolution of their own (lower_conv), writing the other channels. */
static const uint8_t ALPHA_ONE = 1;

static int lower_strassen(compiler *cc, int i, const hta_layer *l, hta_tensor in,
                          hta_tensor out) {
  const int K = hta_layer_k(l), r = l->r, tern = cc->cfg->add_co > 0;
  cc->hid = tensor(cc->prog->scratch_off, out.h, out.w, r);
  vconv h;
  if (new_vconv(cc, &h, i, " (STRASSEN hidden units)", l, r) != 0) return -1;
  h.in = in;
  h.out = cc->hid;
  h.zp_out = 0;
  h.act_min = -128;
  h.act_max = 127;
  for (int j = 0; j < r; j++) {
    vlane *ln = push_lane(&h, tern);
    ln->chan = j;
    ln->w = l->wb + (size_t)j * K;
    ln->alpha = tern ? &ALPHA_ONE : NULL;
    ln->bias = 0;
    ln->mult = l->hmul[j];
    ln->shift = l->hshift[j];
  }
  if (emit_conv(cc, &h, l) != 0) return -1;
  vconv o;
  if (new_vconv(cc, &o, i, " (STRASSEN filters)", l, l->out_c) != 0) return -1;
  o.kh = o.kw = o.s = 1;
  o.pad_t = o.pad_l = o.zp_in = 0;
  o.in = cc->hid;
  o.out = out;
  for (int f = 0; f < l->out_c; f++) {
    if (hta_layer_kind(l, f) != HTA_KIND_STRASSEN) continue;
    vlane *ln = push_lane(&o, tern);
    ln->chan = f;
    ln->w = l->wc + (size_t)f * r;
    ln->alpha = tern ? &ALPHA_ONE : NULL;
    lane_out_stage(ln, l, f);
  }
  const int rc = emit_conv(cc, &o, l);
  cc->hid.bytes = 0;
  return rc;
}

static int lower_conv(compiler *cc, int i, const hta_layer *l, hta_tensor in, hta_tensor out) {
  if (l->cgroups > 1) return lower_grouped(cc, i, l, in, out);
  if (count_kind(l, HTA_KIND_STRASSEN) > 0 && lower_strassen(cc, i, l, in, out) != 0) return -1;
  const int K = hta_layer_k(l), ng = hta_layer_ngroups(l);
  vconv v;
  if (new_vconv(cc, &v, i, "", l, l->out_c) != 0) return -1;
  v.in = in;
  v.out = out;
  const int mac_only = cc->cfg->add_co == 0;
  const int nt = count_kind(l, HTA_KIND_TERNARY) + count_kind(l, HTA_KIND_BINARY);
  v.gblk = nt > 0 && !mac_only ? conv_gblk(cc->cfg, l) : 0;
  if (v.gblk < 0) {
    free_vconv(&v);
    return fail(cc, "layer %d (%s): ternary groups of G = %d are not lowered to engine v2: they "
                "need G a multiple of Ci = %u and in_c (%d) a multiple of G%s", i,
                hta_op_name(l->op), l->group, cc->cfg->ci, hta_layer_filter_c(l),
                cc->cfg->fine_groups ? "" : ", and a core built with fine groups");
  }
  for (int o = 0; o < l->out_c; o++) {
    if (hta_layer_kind(l, o) == HTA_KIND_STRASSEN) continue; /* (lower_strassen) */
    const int t = hta_layer_kind(l, o) != HTA_KIND_INT8;
    vlane *ln = push_lane(&v, t && !mac_only);
    ln->chan = o;
    ln->w = t ? l->t + (size_t)o * K : l->w + (size_t)o * K;
    ln->alpha = t ? l->alpha + (size_t)o * ng : NULL;
    if (t && mac_only && !one_group(l)) {
      ln->w = ln->own = fold_alpha(cc, i, l, o);
      ln->alpha = NULL;
      if (ln->own == NULL) {
        free_vconv(&v);
        return -1;
      }
    }
    lane_out_stage(ln, l, o);
  }
  return emit_conv(cc, &v, l);
}

/* Depthwise (the core's mode 1) and GAP (mode 2): docs/engine-v2.md,
 * "Depthwise, global sums and layouts". A channel block (Ci channels) has
 * bp passes; in pass j of a block, INT8 row o is the block's (j MacCo + o)-th
 * INT8 channel and ternary row o its (j AddCo + o)-th ternary channel, each
 * weighing only its own lane, so the block's INT8 and ternary channels are
 * computed in the same cycles on both arrays. GAP: weight 1, a block's
 * channels on MacCo INT8 rows, then AddCo ternary rows (code 01, alpha 1)
 * while a sum fits the core's 24-bit ternary sums, per pass. A MAC-only core
 * (AddCo 0) takes every channel on its INT8 rows, ternary and binary ones as
 * lower_conv does: one group as t with alpha in the record, fine groups as
 * the weights alpha_g t. */
typedef struct dwl {
  const hta_layer *l;
  int gap, C, ci, M, A;
  int npos;    /* taps per channel: kh kw (GAP: 1, the same weight everywhere) */
  int K;       /* blocks per pass: kh kw (GAP: 1) */
  int gblk;    /* ternary group in taps, 0 = one group */
  int fold_g;  /* MAC-only, fine groups: G of the INT8 weights alpha_g t (else 0) */
  int tern_ok; /* GAP: ternary rows may sum */
  int bp;      /* passes per channel block */
  long npix;   /* GAP: pixels summed */
} dwl;

/* 0: INT8 row, 1: ternary row */
static int dw_side(const dwl *d, int c) {
  if (!d->gap) return d->A > 0 && hta_layer_kind(d->l, c) != HTA_KIND_INT8;
  const int cap = d->M + (d->tern_ok ? d->A : 0);
  return (c % d->ci) % cap >= d->M;
}

/* The channel of row o of side `side` in pass j of block cb; -1 if none. */
static int dw_chan(const dwl *d, int cb, int j, int side, int o) {
  const int want = j * (side ? d->A : d->M) + o;
  const int c1 = (cb + 1) * d->ci < d->C ? (cb + 1) * d->ci : d->C;
  for (int c = cb * d->ci, n = 0; c < c1; c++)
    if (dw_side(d, c) == side && n++ == want) return c;
  return -1;
}

/* Rows of `side` with a channel in pass j of block cb (rows 0 .. this-1). */
static int dw_rows(const dwl *d, int cb, int j, int side) {
  const int co = side ? d->A : d->M;
  int n = 0;
  while (n < co && dw_chan(d, cb, j, side, n) >= 0) n++;
  return n;
}

static int dw_tern(const dwl *d, int c) {
  return !d->gap && hta_layer_kind(d->l, c) != HTA_KIND_INT8;
}

static int8_t dw_w(const dwl *d, int c, int side, int k) {
  if (d->gap) return 1;
  const hta_layer *l = d->l;
  if (!dw_tern(d, c)) return l->w[(size_t)c * d->npos + k];
  const int8_t t = l->t[(size_t)c * d->npos + k];
  if (side || d->fold_g == 0) return t;
  /* (every alpha_g <= 127: lower_dw checked) */
  return (int8_t)(l->alpha[(size_t)c * hta_layer_ngroups(l) + k / d->fold_g] * t);
}

/* Weights, records and group scales of blocks cb0 .. cb0+nb-1 (nb bp passes);
 * offsets into the blob. */
static int put_dw(compiler *cc, const dwl *d, int layer, int cb0, int nb, int rec_mac,
                  int rec_add, size_t *woff, size_t *wend, size_t *roff, size_t *aoff) {
  const hta_v2_cfg *cfg = cc->cfg;
  const hta_layer *l = d->l;
  const size_t mbytes = r16((size_t)cfg->mac_co * cfg->ci);
  const size_t bb = hta_v2_block_bytes(cfg); /* (padded to a whole beat) */
  const int ng = d->gap ? 1 : hta_layer_ngroups(l);
  const int ngr = d->gblk ? ceil_div(d->K, d->gblk) : 0;
  const size_t arow = hta_v2_arow_bytes(cfg);
  uint8_t *blk = calloc(1, bb + arow);
  if (blk == NULL) return fail(cc, "out of memory");
  blob_align(cc);
  *woff = cc->blob.n;
  for (int cb = cb0; cb < cb0 + nb; cb++)
    for (int j = 0; j < d->bp; j++)
      for (int k = 0; k < d->K; k++) {
        memset(blk, 0, bb);
        for (int o = 0; o < d->M; o++) {
          const int c = dw_chan(d, cb, j, 0, o);
          if (c >= 0) blk[o * d->ci + c % d->ci] = (uint8_t)dw_w(d, c, 0, k);
        }
        for (int o = 0; o < d->A; o++) {
          const int c = dw_chan(d, cb, j, 1, o);
          if (c < 0) continue;
          const unsigned bit = (unsigned)(o * d->ci + c % d->ci) * 2;
          blk[mbytes + bit / 8] |= (uint8_t)(ternary_code(dw_w(d, c, 1, k)) << (bit % 8));
        }
        bytes_put(&cc->blob, blk, bb);
      }
  *wend = cc->blob.n;
  blob_align(cc);
  *roff = cc->blob.n;
  for (int cb = cb0; cb < cb0 + nb; cb++)
    for (int j = 0; j < d->bp; j++)
      for (int side = 0; side < 2; side++)
        for (int o = 0; o < (side ? rec_add : rec_mac); o++) {
          hta_v2_lane rec = {0};
          const int c = dw_chan(d, cb, j, side, o);
          rec.alpha = 1;
          if (c >= 0) {
            /* -zp_in sum w: the raw sums count padding as zp_in */
            int64_t fold = 0;
            if (d->gap) {
              fold = d->npix;
            } else if (!dw_tern(d, c) || d->fold_g) {
              for (int k = 0; k < d->npos; k++) fold += dw_w(d, c, side, k);
            } else { /* ternary array, or one group on a MAC-only core's INT8 rows */
              const uint8_t *al = l->alpha + (size_t)c * ng;
              const int G = d->gblk ? d->gblk : d->npos;
              for (int k = 0; k < d->npos; k++) fold += (int64_t)al[k / G] * dw_w(d, c, 1, k);
              if (!d->gblk) rec.alpha = al[0];
            }
            const int64_t bias = (int64_t)l->bias[c] - (int64_t)l->zp_in * fold;
            rec.bias_lo = (uint32_t)(uint64_t)bias;
            rec.bias_hi = (int32_t)(bias >> 32);
            rec.shift = l->shift[c];
            rec.valid = 1;
            rec.mult = l->mult[c];
            rec.chan = (uint32_t)c;
          }
          uint8_t buf[HTA_V2_LANE_BYTES];
          char why[160];
          if (hta_v2_lane_pack(&rec, buf, why, sizeof why) != 0) {
            free(blk);
            return fail(cc, "layer %d%s: lane record: %s", layer, d->gap ? " (GAP)" : "", why);
          }
          bytes_put(&cc->blob, buf, sizeof buf);
        }
  blob_align(cc);
  *aoff = cc->blob.n;
  for (int cb = cb0; d->gblk && cb < cb0 + nb; cb++)
    for (int j = 0; j < d->bp; j++)
      for (int g = 0; g < ngr; g++) {
        uint8_t *row = blk + bb;
        memset(row, 0, arow);
        for (int o = 0; o < d->A; o++) {
          const int c = dw_chan(d, cb, j, 1, o);
          if (c >= 0) row[o] = l->alpha[(size_t)c * ng + g];
        }
        bytes_put(&cc->blob, row, arow);
      }
  free(blk);
  if (!d->gblk) *aoff = 0;
  return cc->blob.oom ? fail(cc, "out of memory") : 0;
}

static int lower_dw(compiler *cc, int i, const hta_layer *l, hta_tensor in, hta_tensor out) {
  const hta_v2_cfg *cfg = cc->cfg;
  const int j0 = cc->n_jobs;
  const int gap = l->op == HTA_OP_GAP;
  const char *w = gap ? " (GAP)" : " (DEPTHWISE)";
  const int nbk = 2 * (int)cfg->pix, NL = (int)(cfg->mac_co + cfg->add_co);
  dwl d = {.l = l, .gap = gap, .C = l->out_c, .ci = (int)cfg->ci, .M = (int)cfg->mac_co,
           .A = (int)cfg->add_co, .npos = gap ? 1 : l->kh * l->kw, .K = gap ? 1 : l->kh * l->kw,
           .bp = 1, .npix = (long)l->in_h * l->in_w};
  const int out_h = out.h, out_w = out.w;
  if (!gap && (l->kh > KERNEL_MAX || l->kw > KERNEL_MAX))
    return fail(cc, "layer %d%s: kernel %dx%d exceeds the v2 core's %dx%d", i, w, l->kh, l->kw,
                KERNEL_MAX, KERNEL_MAX);
  if (!gap && (l->pad_t > PAD_MAX || l->pad_l > PAD_MAX || l->pad_l > nbk))
    return fail(cc, "layer %d%s: padding top %d, left %d exceeds the v2 core's %d (left: <= 2 "
                "Pix = %d)", i, w, l->pad_t, l->pad_l, PAD_MAX, nbk);
  if (in.h > DIM_MAX || in.w > DIM_MAX || out_h > DIM_MAX || out_w > DIM_MAX)
    return fail(cc, "layer %d%s: image %dx%d -> %dx%d exceeds the v2 core's %d", i, w, in.h,
                in.w, out_h, out_w, DIM_MAX);
  if (gap && d.npix * 128 > INT32_MAX)
    return fail(cc, "layer %d%s: a sum of %ld pixels can overflow the v2 core's accumulators", i,
                w, d.npix);
  d.tern_ok = gap && d.A > 0 && d.npix * 128 <= TERN_MAX;
  if (!gap && d.A == 0 && l->group != 0 && l->group < d.npos) {
    for (int c = 0; c < d.C; c++) /* (dw_w folds alpha_g t itself) */
      if (dw_tern(&d, c) && check_mac_scales(cc, i, l, c) != 0) return -1;
    d.fold_g = l->group;
  } else if (!gap && l->group != 0 && l->group < d.npos &&
             l->out_c > count_kind(l, HTA_KIND_INT8)) {
    if (!cfg->fine_groups)
      return fail(cc, "layer %d%s: ternary groups of G = %d need a core built with fine groups",
                  i, w, l->group);
    d.gblk = l->group; /* mode 1 counts taps; the window's last group may be shorter */
  }
  const int cb_n = ceil_div(d.C, d.ci);
  for (int cb = 0; cb < cb_n; cb++) {
    int c8 = 0, ct = 0;
    for (int c = cb * d.ci; c < d.C && c < (cb + 1) * d.ci; c++) {
      if (dw_side(&d, c)) ct++;
      else c8++;
    }
    const int pt = d.A > 0 ? ceil_div(ct, d.A) : 0; /* (MAC-only: ct = 0) */
    const int p = ceil_div(c8, d.M) > pt ? ceil_div(c8, d.M) : pt;
    if (p > d.bp) d.bp = p;
  }
  /* channel blocks per job: what the passes field, weight, record and scale
     buffers and (for kh rows, GAP: the whole input) the banks hold */
  const int blk_words = ceil_div(in.w, nbk), rows = gap ? in.h : l->kh;
  int nb = cb_n;
  if (nb > FIELD8_MAX / d.bp) nb = FIELD8_MAX / d.bp;
  if (nb > (int)cfg->w_depth / (d.bp * d.K)) nb = (int)cfg->w_depth / (d.bp * d.K);
  if (nb > (int)cfg->rec_depth / (d.bp * NL)) nb = (int)cfg->rec_depth / (d.bp * NL);
  if (d.gblk && nb > (int)cfg->a_depth / (d.bp * ceil_div(d.K, d.gblk)))
    nb = (int)cfg->a_depth / (d.bp * ceil_div(d.K, d.gblk));
  if (nb > (int)cfg->act_depth / (rows * blk_words)) nb = (int)cfg->act_depth / (rows * blk_words);
  /* jobs that fit half of each buffer, so that the engine loads the next
     one while one runs (docs/engine-v2.md, "The next job's loads overlap
     the run"): each job reads only its own channel blocks of the input, so
     smaller jobs cost descriptors only */
  {
    int nh = nb;
    if (nh > (int)cfg->w_depth / 2 / (d.bp * d.K)) nh = (int)cfg->w_depth / 2 / (d.bp * d.K);
    if (nh > (int)cfg->rec_depth / 2 / (d.bp * NL)) nh = (int)cfg->rec_depth / 2 / (d.bp * NL);
    if (d.gblk && nh > (int)cfg->a_depth / 2 / (d.bp * ceil_div(d.K, d.gblk)))
      nh = (int)cfg->a_depth / 2 / (d.bp * ceil_div(d.K, d.gblk));
    if (nh >= 1) nb = nh;
  }
  /* (the convolution lowering cannot take what does not fit here either: a
     GAP kernel of the whole image needs the same rows in the banks, and a
     depthwise layer's diagonal convolution the same rows of a block) */
  if (nb < 1)
    return fail(cc, "layer %d%s: one channel block (%d passes of %d blocks) does not fit the v2 "
                "core (%d input rows of %d words: banks of %u words; weight buffer %u blocks, "
                "records %u, group scales %u)", i, w, d.bp, d.K, rows, blk_words, cfg->act_depth,
                cfg->w_depth, cfg->rec_depth, cfg->a_depth);
  for (int cb0 = 0; cb0 < cb_n; cb0 += nb) {
    const int nbj = cb_n - cb0 < nb ? cb_n - cb0 : nb;
    int rec_mac = 0, rec_add = 0; /* the most rows any pass of the job uses */
    for (int cb = cb0; cb < cb0 + nbj; cb++)
      for (int j = 0; j < d.bp; j++) {
        const int a = dw_rows(&d, cb, j, 0), b = dw_rows(&d, cb, j, 1);
        rec_mac = a > rec_mac ? a : rec_mac;
        rec_add = b > rec_add ? b : rec_add;
      }
    size_t woff, wend, roff, aoff;
    if (put_dw(cc, &d, i, cb0, nbj, rec_mac, rec_add, &woff, &wend, &roff, &aoff) != 0) return -1;
    const int in_c = d.C - cb0 * d.ci < nbj * d.ci ? d.C - cb0 * d.ci : nbj * d.ci;
    const int row_words = nbj * blk_words;
    const int s = gap ? 1 : l->stride, kh = gap ? 1 : l->kh;
    const int pad_t = gap ? 0 : l->pad_t;
    /* bands of output rows whose input rows fit the banks (GAP: one) */
    const int band = gap ? 1 : ((int)cfg->act_depth / row_words - kh) / s + 1;
    for (int oy0 = 0; oy0 < out_h; oy0 += band) {
      const int oy1 = oy0 + band < out_h ? oy0 + band : out_h;
      const int first = gap ? 0 : oy0 * s - pad_t;
      const int last = gap ? in.h - 1 : (oy1 - 1) * s - pad_t + kh - 1;
      const int iy0 = first > 0 ? first : 0;
      const int iy1 = last < in.h - 1 ? last : in.h - 1;
      hta_v2_job j = {0};
      j.op = HTA_DESC_OP_V2_JOB;
      j.mode = gap ? 2 : 1;
      j.blk_passes = (uint32_t)d.bp;
      j.kh = (uint32_t)kh;
      j.kw = (uint32_t)(gap ? 1 : l->kw);
      j.stride = (uint32_t)s;
      j.pad_top = (uint32_t)(iy0 - first);
      j.pad_left = (uint32_t)(gap ? 0 : l->pad_l);
      j.zp_in = l->zp_in;
      j.zp_out = l->zp_out;
      j.act_min = l->act_min;
      j.act_max = l->act_max;
      j.gblk = (uint32_t)d.gblk;
      j.cb_n = (uint32_t)nbj;
      j.in_h = (uint32_t)(iy1 >= iy0 ? iy1 - iy0 + 1 : 0);
      j.in_w = (uint32_t)in.w;
      j.in_c = (uint32_t)in_c;
      j.in_pix_stride = in.pix_stride;
      j.out_h = (uint32_t)(oy1 - oy0);
      j.out_w = (uint32_t)out_w;
      j.out_c = (uint32_t)out.c;
      j.out_pix_stride = out.pix_stride;
      j.in_off = in.off + (uint32_t)iy0 * (uint32_t)in.w * in.pix_stride + (uint32_t)(cb0 * d.ci);
      j.out_off = out.off + (uint32_t)oy0 * (uint32_t)out_w * out.pix_stride;
      j.wts_off = (uint32_t)woff; /* relative to the blob until emit() */
      j.wts_bytes = (uint32_t)(wend - woff);
      j.passes = (uint32_t)(nbj * d.bp);
      j.k_blocks = (uint32_t)d.K;
      j.rec_off = (uint32_t)roff;
      j.alpha_off = (uint32_t)aoff;
      j.rec_mac = (uint32_t)rec_mac;
      j.rec_add = (uint32_t)rec_add;
      j.reuse = oy0 > 0; /* the band above: the same blocks */
      if (j.pad_top > PAD_MAX)
        return fail(cc, "layer %d%s: band padding %u exceeds %d", i, w, j.pad_top, PAD_MAX);
      if (add_job(cc, &j, i) != 0) return -1;
    }
  }
  return repeat_items(cc, j0); /* (batch programs: item after item) */
}

/* A graph op (table = 0) or the activation table of a layer of another op
 * (table = 1, in place over out): one graph-op descriptor (gop.c). */
static int lower_gop(compiler *cc, int i, const hta_layer *l, int table, hta_tensor in,
                     hta_tensor in2, hta_tensor out, unsigned chan_max) {
  gop g;
  gop_plan(&g, l, i, table, in, in2, out);
  hta_gop_desc gd;
  if (gop_check(&g, chan_max, cc->err, cc->errlen) != 0 ||
      gop_emit(&g, &cc->blob, &gd, cc->err, cc->errlen) != 0)
    return -1;
  const hta_v2_job none = {0};
  if (add_job(cc, &none, i) != 0) return -1;
  cc->gops[cc->n_jobs - 1] = gd; /* par_off relative to the blob until emit() */
  return repeat_items(cc, cc->n_jobs - 1); /* (batch programs: one per item) */
}

/* ---- channel augmentation of the first convolution ---- */

/* A first convolution over few channels (an RGB or gray image) fills little
 * of a Ci block: kh kw blocks of ceil(in_c / Ci) per output pixel, 3 of 16
 * lanes busy for RGB. When layer 0 is the only reader of the model input,
 * it runs instead as a 1x1 convolution over the input's im2col windows
 * (hta_im2col: pixel (y, x) holds the kh x kw x in_c window of output pixel
 * (y, x), in golden.c's reduction order, so the weights and the zp_in fold
 * stay as they are; the padding holds zp_in, the real 0), which the driver
 * writes when it packs the input (hta_tensor_pack). Taken when it at least
 * halves the blocks per output pixel and at most doubles the input's bytes
 * (3x3 stride 2 over RGB on Ci 16: 9 blocks -> 2, bytes x 1/2), also where
 * the layer's kernel, padding or rows exceed the core: the 1x1 layer has
 * none of those. Not for fine ternary groups on a hybrid core (G would have
 * to divide kh kw in_c). Fills *a with the 1x1 layer and *m with the
 * windows; 0 when not taken. */
static int augment_first(const hta_v2_cfg *cfg, const hta_layer *layers, int n, hta_layer *a,
                         hta_im2col *m) {
  const hta_layer *l = &layers[0];
  const int fine_ternary =
      l->group != 0 && cfg->add_co > 0 && count_kind(l, HTA_KIND_INT8) < l->out_c;
  if (l->op != HTA_OP_CONV2D || l->cgroups > 1 || fine_ternary || l->kh * l->kw < 2) return 0;
  for (int i = 1; i < n; i++)
    for (int j = 0; j < hta_op_inputs(layers[i].op); j++)
      if (hta_layer_src(&layers[i], i, j) == 0) return 0;
  const int K = hta_layer_k(l), ci = (int)cfg->ci;
  const int oh = hta_layer_out_h(l), ow = hta_layer_out_w(l);
  const long blocks = (long)l->kh * l->kw * ((l->in_c + ci - 1) / ci);
  const long aug_blocks = (K + ci - 1) / ci;
  const uint64_t bytes = (uint64_t)l->in_h * l->in_w * hta_pix_stride(l->in_c);
  const uint64_t aug_bytes = (uint64_t)oh * ow * hta_pix_stride(K);
  if (2 * aug_blocks > blocks || aug_bytes > 2 * bytes) return 0;
  const hta_im2col w = {l->kh, l->kw, l->stride, l->pad_t, l->pad_l,
                        l->in_h, l->in_w, l->in_c, l->zp_in};
  *m = w;
  *a = *l;
  a->in_h = oh;
  a->in_w = ow;
  a->in_c = K;
  a->kh = a->kw = a->stride = 1;
  a->pad_t = a->pad_b = a->pad_l = a->pad_r = 0;
  return 1;
}

/* ---- the program ---- */

/* l0: layer 0 as it runs (augmented or not); m: its input's windows. */
static int plan_data(compiler *cc, const hta_layer *layers, int n, const hta_layer *l0,
                     const hta_im2col *m, hta_program *prog) {
  const uint64_t b = (uint64_t)cc->items; /* a tensor's items one after another */
  uint64_t off = b * l0->in_h * l0->in_w * hta_pix_stride(l0->in_c);
  for (int i = 0; i < n; i++) {
    const hta_layer *l = &layers[i];
    const int oh = hta_layer_out_h(l), ow = hta_layer_out_w(l);
    if (off > UINT32_MAX) break;
    prog->layer_out[i] = tensor((uint32_t)off, oh, ow, l->out_c);
    off += b * oh * ow * hta_pix_stride(l->out_c);
  }
  /* the scratch region: the hidden units of the largest STRASSEN layer
     (lower_strassen), every item; the layers run one after another */
  uint64_t scratch = 0;
  for (int i = 0; i < n; i++) {
    const hta_layer *l = &layers[i];
    const uint64_t hb = b * hta_layer_out_h(l) * hta_layer_out_w(l) * hta_pix_stride(l->r);
    if (l->r > 0 && hb > scratch) scratch = hb;
  }
  prog->scratch_off = (uint32_t)(off <= UINT32_MAX ? off : 0);
  prog->scratch_bytes = (uint32_t)(scratch <= UINT32_MAX ? scratch : 0);
  off += scratch;
  if (off > UINT32_MAX)
    return fail(cc, "the data window (%llu bytes or more) exceeds the 32-bit offsets of "
                "descriptors", (unsigned long long)off);
  prog->input = tensor(0, l0->in_h, l0->in_w, l0->in_c);
  prog->input.im2col = *m;
  prog->output = prog->layer_out[n - 1];
  /* whole bus beats: the engine reads the beats holding a tensor's bytes */
  prog->data_size = rbus(cc->cfg, (size_t)off);
  return 0;
}

/* Every layer valid, every input the shape of its source tensor
 * (hta_layers_check, as compile.c); STRASSEN filters refused. */
static int check_graph(compiler *cc, const hta_layer *layers, int n) {
  char msg[400];
  if (hta_layers_check(layers, n, msg, sizeof msg) != 0) return fail(cc, "%s", msg);
  for (int i = 0; i < n; i++)
    if (layers[i].op == HTA_OP_DEPTHWISE && count_kind(&layers[i], HTA_KIND_STRASSEN) > 0)
      return fail(cc, "layer %d (%s): STRASSEN filters of a depthwise layer (a hidden block "
                  "per channel) are not lowered to engine v2", i, hta_op_name(layers[i].op));
  return 0;
}

static int check_cfg(compiler *cc, const hta_v2_cfg *c) {
  if (c->pix < 2 || c->ci < 1 || c->ci > 16 || 16 % c->ci != 0 || c->mac_co < 2 ||
      c->mac_co % 2 != 0 || c->act_depth < 1 || c->w_depth < 1 ||
      c->a_depth < 1 || c->rec_depth < c->mac_co + c->add_co)
    return fail(cc, "v2 configuration %s: Pix %u (>= 2), Ci %u (divides 16), MacCo %u (even), "
                "AddCo %u (0: MAC-only), ActDepth %u, WDepth %u, ADepth %u (>= 1), RecDepth %u "
                "(>= MacCo + AddCo)", c->name ? c->name : "?", c->pix, c->ci, c->mac_co,
                c->add_co, c->act_depth, c->w_depth, c->a_depth, c->rec_depth);
  return 0;
}

static int emit(compiler *cc, hta_program *prog) {
  const size_t desc_off = HTA_PROG_HEADER_BYTES;
  /* a multiple of 64 (desc_off and the descriptors are): the graph ops'
   * parameters, 64-byte aligned in the blob, stay so in the program */
  const size_t blob_off = desc_off + (size_t)cc->n_jobs * HTA_V2_JOB_BYTES;
  const size_t size = blob_off + cc->blob.n;
  if (size > UINT32_MAX)
    return fail(cc, "the program (%zu bytes) exceeds the 32-bit offsets of descriptors", size);
  uint8_t *p = calloc(1, size ? size : 1);
  prog->desc_layer = calloc((size_t)(cc->n_jobs ? cc->n_jobs : 1), sizeof *prog->desc_layer);
  if (p == NULL || prog->desc_layer == NULL) {
    free(p);
    return fail(cc, "out of memory");
  }
  char why[200];
  const hta_prog_header hdr = {HTA_PROG_MAGIC, HTA_PROG_VERSION_V2, (uint32_t)cc->n_jobs,
                               (uint32_t)desc_off, cc->cfg->signature};
  if (hta_prog_header_pack(&hdr, p, why, sizeof why) != 0) {
    free(p);
    return fail(cc, "program header: %s", why);
  }
  for (int i = 0; i < cc->n_jobs; i++) {
    prog->desc_layer[i] = cc->job_layer[i];
    if (cc->gops[i].op == HTA_DESC_OP_GOP) {
      hta_gop_desc g = cc->gops[i];
      g.par_off += (uint32_t)blob_off;
      if (hta_gop_desc_pack(&g, p + desc_off + (size_t)i * HTA_V2_JOB_BYTES, why,
                            sizeof why) != 0) {
        free(p);
        return fail(cc, "layer %d: graph-op descriptor: %s", cc->job_layer[i], why);
      }
      continue;
    }
    hta_v2_job j = cc->jobs[i];
    j.wts_off += (uint32_t)blob_off;
    j.rec_off += (uint32_t)blob_off;
    if (j.gblk) j.alpha_off += (uint32_t)blob_off;
    if (hta_v2_job_pack(&j, p + desc_off + (size_t)i * HTA_V2_JOB_BYTES, why, sizeof why) != 0) {
      free(p);
      return fail(cc, "layer %d: job descriptor: %s", cc->job_layer[i], why);
    }
  }
  if (cc->blob.n) memcpy(p + blob_off, cc->blob.p, cc->blob.n);
  prog->bytes = p;
  prog->size = size;
  prog->n_desc = cc->n_jobs;
  return 0;
}

hta_program *hta_compile_v2_batch(const hta_v2_cfg *cfg, const hta_layer *layers, int n,
                                  int batch, char *err, size_t errlen) {
  compiler cc = {cfg, err, errlen, {0}, NULL, NULL, NULL, 0, 0, batch, 0, NULL, {0}};
  if (err != NULL && errlen > 0) err[0] = '\0';
  if (cfg == NULL || layers == NULL || n < 1) {
    fail(&cc, "no layers to compile (n %d) or no v2 configuration", n);
    return NULL;
  }
  if (batch < 1 || batch > HTA_BATCH_PROG_MAX) {
    fail(&cc, "batch %d: a program runs 1..%d items", batch, HTA_BATCH_PROG_MAX);
    return NULL;
  }
  if (check_cfg(&cc, cfg) != 0) return NULL;
  hta_program *prog = calloc(1, sizeof *prog);
  if (prog == NULL) {
    fail(&cc, "out of memory");
    return NULL;
  }
  prog->n_layers = n;
  prog->batch = batch;
  cc.prog = prog;
  prog->layer_out = calloc((size_t)n, sizeof *prog->layer_out);
  int rc = prog->layer_out == NULL ? fail(&cc, "out of memory") : 0;
  if (rc == 0) rc = check_graph(&cc, layers, n);
  hta_layer aug;
  hta_im2col m = {0};
  const int augmented = rc == 0 && augment_first(cfg, layers, n, &aug, &m);
  if (rc == 0) rc = plan_data(&cc, layers, n, augmented ? &aug : &layers[0], &m, prog);
  for (int i = 0; rc == 0 && i < n; i++) {
    const hta_layer *l = i == 0 && augmented ? &aug : &layers[i];
    const int s0 = hta_layer_src(l, i, 0);
    const hta_tensor in = s0 == 0 ? prog->input : prog->layer_out[s0 - 1];
    const hta_tensor out = prog->layer_out[i];
    if (gop_op(l->op)) {
      const int s1 = hta_op_inputs(l->op) == 2 ? hta_layer_src(l, i, 1) : s0;
      const hta_tensor in2 = s1 == 0 ? prog->input : prog->layer_out[s1 - 1];
      rc = lower_gop(&cc, i, l, 0, in, in2, out, cfg->chan_max);
    } else if (l->op == HTA_OP_DEPTHWISE || l->op == HTA_OP_GAP) {
      rc = lower_dw(&cc, i, l, in, out);
    } else {
      rc = lower_conv(&cc, i, l, in, out);
    }
    if (rc == 0 && !gop_op(l->op) && l->lut != NULL)
      rc = lower_gop(&cc, i, l, 1, out, out, out, cfg->chan_max);
  }
  if (rc == 0) rc = emit(&cc, prog);
  free(cc.blob.p);
  free(cc.jobs);
  free(cc.gops);
  free(cc.job_layer);
  if (rc != 0) {
    hta_program_free(prog);
    return NULL;
  }
  return prog;
}

hta_program *hta_compile_v2(const hta_v2_cfg *cfg, const hta_layer *layers, int n, char *err,
                            size_t errlen) {
  return hta_compile_v2_batch(cfg, layers, n, 1, err, errlen);
}
