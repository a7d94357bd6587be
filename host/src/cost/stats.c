/*
 * stats.c - the cost model (hta_stats.h, docs/architecture.md "Cost model").
 *
 * Per output pixel and filter (K = reduction length, NG = groups per filter,
 * r = strassen hidden units), dense counts:
 *   INT8              K MACs = K mults + K adds
 *   TERNARY, BINARY   K adds (one per weight, zeros included), NG mults (one
 *                     per group scale alpha_g) and NG - 1 adds joining the
 *                     NG scaled group sums
 *   STRASSEN filter   r adds (its W_c row)
 *   strassen block    r K adds (W_b) and r mults (the vector a^, stored as
 *                     hmul/hshift): once per layer, or once per STRASSEN
 *                     channel of a depthwise layer
 *   GAP channel       K = H W adds and 1 mult (the 1/(H W) scaling)
 *   graph ops (no weights), per output value: ADD 1 add; MUL 1 mult; CONCAT,
 *                     RESIZE, PAD nothing (data movement); MAXPOOL kh kw - 1
 *                     comparisons and GMP H W - 1, counted as adds; AVGPOOL
 *                     kh kw - 1 adds and 1 mult (the 1/n); activation tables
 *                     are lookups and cost nothing
 * EXACT also charges every output value of every filter its bias add and its
 * requantization multiply (graph ops with an output stage too, and ADD and
 * CONCAT one more multiply per input value: the input rescales) (for GAP that multiply is the 1/(H W) scaling, so
 * it is counted once). adds_nonzero skips the add of every zero weight
 * (INT8, ternary, W_b, W_c). Padding positions count like the others.
 */
#include "hta_stats.h"

#include <string.h>

#include "hta_hw_config.h"
#include "model_internal.h"
#include "errmsg.h"

/* Access energy (Horowitz 45 nm): a 32-bit read of an 8 KB SRAM, of DRAM. */
#define E_SRAM_32B_PJ 5.0
#define E_DRAM_32B_PJ 640.0

void hta_stats_default_opts(hta_stats_opts *o) {
  o->accounting = HTA_ACCOUNT_PAPER;
  o->fp_bits = 16;
  o->energy = HTA_ENERGY_FP32;
  o->adders_per_mac = 2.0;
}

int hta_stats_energy_costs(hta_energy_table t, double *e_mult, double *e_add, int *act_bytes) {
  double m, a;
  int b;
  switch (t) {
  case HTA_ENERGY_FP32: m = 3.7, a = 0.9, b = 4; break;
  case HTA_ENERGY_FP16: m = 1.1, a = 0.4, b = 2; break;
  case HTA_ENERGY_INT8: m = 0.2, a = 0.1, b = 1; break; /* 8b mult, 32b accumulate */
  default: return -1;
  }
  if (e_mult) *e_mult = m;
  if (e_add) *e_add = a;
  if (act_bytes) *act_bytes = b;
  return 0;
}

int hta_stats_check_opts(const hta_stats_opts *o, char *err, size_t errlen) {
  if (o == NULL) return hta_errf(err, errlen, "options are NULL");
  if (o->accounting != HTA_ACCOUNT_PAPER && o->accounting != HTA_ACCOUNT_EXACT)
    return hta_errf(err, errlen, "accounting = %d is not paper (0) or exact (1)",
                    (int)o->accounting);
  if (o->fp_bits != 8 && o->fp_bits != 16 && o->fp_bits != 32)
    return hta_errf(err, errlen, "fp_bits = %d is not 8, 16 or 32", o->fp_bits);
  if (hta_stats_energy_costs(o->energy, NULL, NULL, NULL))
    return hta_errf(err, errlen, "energy = %d is not fp32 (0), fp16 (1) or int8 (2)",
                    (int)o->energy);
  /* (also false for NaN) */
  if (!(o->adders_per_mac > 0 && o->adders_per_mac <= 1e6))
    return hta_errf(err, errlen, "adders_per_mac = %g must be in (0, 1e6]", o->adders_per_mac);
  return 0;
}

static uint64_t nonzero(const int8_t *v, uint64_t n) {
  uint64_t c = 0;
  for (uint64_t i = 0; i < n; i++) c += v[i] != 0;
  return c;
}

/* One strassen block (W_b rows wb[r][K], the vector a^) per output pixel. */
static void add_block(hta_cost *c, const int8_t *wb, uint64_t r, uint64_t K, uint64_t pix,
                      uint64_t fp_bits) {
  c->params += r * K + r;
  c->size_bits += r * K * 2 + r * fp_bits;
  c->adds += r * K * pix;
  c->adds_nonzero += nonzero(wb, r * K) * pix;
  c->mults += r * pix;
}

int hta_stats_layer(const hta_layer *l, const hta_stats_opts *o, hta_cost *c, char *err,
                    size_t errlen) {
  char msg[200];
  memset(c, 0, sizeof *c);
  if (hta_stats_check_opts(o, err, errlen)) return -1;
  if (hta_layer_check(l, msg, sizeof msg)) return hta_errf(err, errlen, "%s", msg);
  const int exact = o->accounting == HTA_ACCOUNT_EXACT;
  const uint64_t fpb = (uint64_t)o->fp_bits;
  const uint64_t pix = (uint64_t)hta_layer_out_h(l) * (uint64_t)hta_layer_out_w(l);
  const uint64_t K = (uint64_t)hta_layer_k(l), NG = (uint64_t)hta_layer_ngroups(l);
  const uint64_t oc = (uint64_t)l->out_c;
  const int dw = hta_layer_is_depthwise(l);
  const uint64_t vals = pix * oc;
  if (l->op == HTA_OP_GAP) {
    c->adds = c->adds_nonzero = oc * K;
    c->mults = exact ? 0 : oc; /* under EXACT, the requantization below is it */
  } else if (!hta_op_has_weights(l->op)) {
    switch (l->op) {
    case HTA_OP_ADD: c->adds = vals; break;
    case HTA_OP_MUL: c->mults = vals; break;
    case HTA_OP_MAXPOOL: c->adds = vals * (K - 1); break;
    case HTA_OP_GMP: c->adds = oc * (K - 1); break;
    case HTA_OP_AVGPOOL:
      c->adds = vals * (K - 1);
      c->mults = exact ? 0 : vals; /* under EXACT, the requantization below is it */
      break;
    default: break;
    }
    c->adds_nonzero = c->adds;
    if (exact && (l->op == HTA_OP_ADD || l->op == HTA_OP_CONCAT))
      c->mults += (l->op == HTA_OP_ADD ? 2 : 1) * vals;
  } else {
    const uint64_t r = (uint64_t)l->r;
    for (uint64_t f = 0; f < oc; f++) {
      const hta_kind k = hta_layer_kind(l, (int)f);
      c->n_kind[k]++;
      switch (k) {
      case HTA_KIND_INT8:
        c->params += K + 1;
        c->size_bits += (K + 1) * fpb;
        c->mults += K * pix;
        c->adds += K * pix;
        c->adds_nonzero += nonzero(l->w + f * K, K) * pix;
        break;
      case HTA_KIND_TERNARY:
      case HTA_KIND_BINARY:
        c->params += K + 1;
        c->size_bits += (K + 1) * (k == HTA_KIND_TERNARY ? 2 : 1);
        c->mults += NG * pix;
        c->adds += (K + NG - 1) * pix;
        c->adds_nonzero += (nonzero(l->t + f * K, K) + NG - 1) * pix;
        break;
      case HTA_KIND_STRASSEN:
        c->params += r + 1;
        c->size_bits += (r + 1) * 2;
        c->adds += r * pix;
        c->adds_nonzero += nonzero(l->wc + f * r, r) * pix;
        if (dw) add_block(c, l->wb + f * r * K, r, K, pix, fpb);
        break;
      }
    }
    if (!dw && c->n_kind[HTA_KIND_STRASSEN] > 0) add_block(c, l->wb, r, K, pix, fpb);
  }
  if (exact) {
    if (hta_op_has_output_stage(l->op)) {
      c->mults += oc * pix;
      c->adds += oc * pix;
      c->adds_nonzero += oc * pix;
    }
    c->size_bits = 8 * hta_model_layer_file_bytes(l);
  }
  double e_mult = 0, e_add = 0;
  int act = 1;
  hta_stats_energy_costs(o->energy, &e_mult, &e_add, &act);
  c->energy_pj = (double)c->mults * e_mult + (double)c->adds * e_add;
  /* Traffic of a layer-at-a-time engine with filter-parallel lanes and an
   * input broadcast (HTA's dataflow, ideal): DRAM carries the layer's stored
   * weights once and its input and output tensors once; on chip, every
   * output pixel reads its input window once (shared by all filters) and
   * every filter's weights once from the weight buffer. */
  const double wbytes = (double)c->size_bits / 8.0;
  const uint64_t in2 = (uint64_t)l->in2_h * (uint64_t)l->in2_w * (uint64_t)l->in2_c;
  const uint64_t window =
      l->op == HTA_OP_GAP || l->op == HTA_OP_GMP ? hta_layer_in_size(l)
      : dw || l->op == HTA_OP_MAXPOOL || l->op == HTA_OP_AVGPOOL
          ? (uint64_t)l->kh * (uint64_t)l->kw * (uint64_t)l->in_c
      : hta_op_has_weights(l->op) ? K * (uint64_t)hta_layer_cgroups(l) /* (every group's) */
                                  : (uint64_t)l->in_c + (uint64_t)l->in2_c; /* per pixel */
  c->sram_bytes = (double)pix * ((double)window * act + wbytes);
  c->dram_bytes =
      wbytes + (double)(hta_layer_in_size(l) + in2 + hta_layer_out_size(l)) * act;
  c->energy_mem_pj = c->energy_pj + c->sram_bytes / 4.0 * E_SRAM_32B_PJ +
                     c->dram_bytes / 4.0 * E_DRAM_32B_PJ;
  c->cost = (double)c->mults + ((double)c->adds - (double)c->mults) / o->adders_per_mac;
  return 0;
}

static void add_cost(hta_cost *t, const hta_cost *c) {
  for (int i = 0; i < 4; i++) t->n_kind[i] += c->n_kind[i];
  t->params += c->params;
  t->size_bits += c->size_bits;
  t->mults += c->mults;
  t->adds += c->adds;
  t->adds_nonzero += c->adds_nonzero;
  t->energy_pj += c->energy_pj;
  t->sram_bytes += c->sram_bytes;
  t->dram_bytes += c->dram_bytes;
  t->energy_mem_pj += c->energy_mem_pj;
  t->cost += c->cost;
}

int hta_stats_layers(const hta_layer *ls, int n, const hta_stats_opts *o, hta_cost *per_layer,
                     hta_cost *total, char *err, size_t errlen) {
  char msg[240];
  memset(total, 0, sizeof *total);
  if (hta_stats_check_opts(o, err, errlen)) return -1;
  if (n < 0 || (n > 0 && ls == NULL))
    return hta_errf(err, errlen, "%d layers at %p", n, (const void *)ls);
  for (int i = 0; i < n; i++) {
    hta_cost c;
    if (hta_stats_layer(&ls[i], o, &c, msg, sizeof msg))
      return hta_errf(err, errlen, "layer %d: %s", i, msg);
    if (per_layer) per_layer[i] = c;
    add_cost(total, &c);
  }
  return 0;
}

int hta_stats_model(const hta_model *m, const hta_stats_opts *o, hta_cost *per_layer,
                    hta_cost *total, char *err, size_t errlen) {
  if (m == NULL) {
    memset(total, 0, sizeof *total);
    return hta_errf(err, errlen, "model is NULL");
  }
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  if (hta_stats_layers(hta_model_layers(m), mi.n_layers, o, per_layer, total, err, errlen))
    return -1;
  if (o->accounting == HTA_ACCOUNT_EXACT) {
    total->size_bits += 8 * hta_model_file_fixed_bytes(m);
    const uint64_t rec = hta_model_record_bytes(m);
    for (int i = 0; i < mi.n_layers; i++) { /* records of a version-2 file */
      const uint64_t more = 8 * (rec - hta_model_layer_record_bytes(&hta_model_layers(m)[i]));
      total->size_bits += more;
      if (per_layer) per_layer[i].size_bits += more;
    }
  }
  return 0;
}

static double ratio(double a, double b) { return b != 0 ? a / b : 0.0 / 0.0; }

void hta_stats_normalise(const hta_cost *c, const hta_cost *base, hta_cost_norm *n) {
  n->params = ratio((double)c->params, (double)base->params);
  n->size = ratio((double)c->size_bits, (double)base->size_bits);
  n->mults = ratio((double)c->mults, (double)base->mults);
  n->adds = ratio((double)c->adds, (double)base->adds);
  n->adds_nonzero = ratio((double)c->adds_nonzero, (double)base->adds_nonzero);
  n->energy = ratio(c->energy_pj, base->energy_pj);
  n->energy_mem = ratio(c->energy_mem_pj, base->energy_mem_pj);
  n->throughput = ratio(base->cost, c->cost);
}

/* ---- the hardware's work per array ---- */

void hta_array_work_of(const hta_hw_config *cfg, const hta_layer *l, hta_array_work *w) {
  memset(w, 0, sizeof *w);
  if (l->op != HTA_OP_GAP && !hta_op_has_weights(l->op)) {
    /* graph ops: no array work on the version-1 engine (it cannot run them) */
    w->bytes = (hta_op_has_output_stage(l->op) ? 9 * (uint64_t)l->out_c : 0) +
               (l->lut ? 256 : 0);
    return;
  }
  const uint64_t K = (uint64_t)hta_layer_k(l);
  const uint64_t pix = (uint64_t)hta_layer_out_h(l) * (uint64_t)hta_layer_out_w(l);
  const uint64_t ng = (uint64_t)hta_layer_ngroups(l);
  const int dw = hta_layer_is_depthwise(l);
  const uint64_t r = (uint64_t)(l->r > 0 ? l->r : 0);
  for (int o = 0; o < l->out_c; o++) {
    const hta_kind k = hta_layer_kind(l, o);
    w->n_kind[k]++;
    w->bytes += 9; /* bias, mult, shift */
    if (l->op == HTA_OP_GAP) {
      w->mac += K * pix;
      continue;
    }
    switch (k) {
    case HTA_KIND_INT8:
      w->mac += K * pix;
      w->params += K;
      w->bytes += K;
      break;
    case HTA_KIND_TERNARY:
    case HTA_KIND_BINARY:
      w->add += K * pix;
      w->params += K;
      w->bytes += (k == HTA_KIND_TERNARY ? hta_ternary_packed_bytes(K)
                                          : hta_binary_packed_bytes(K)) + ng;
      break;
    case HTA_KIND_STRASSEN:
      w->add += r * pix; /* W_c */
      w->params += r;
      w->bytes += hta_ternary_packed_bytes(r);
      if (dw) { /* per channel W_b */
        w->add += r * K * pix;
        w->params += r * K;
        w->bytes += r * (hta_ternary_packed_bytes(K) + 5);
      }
      break;
    }
  }
  if (!dw && w->n_kind[HTA_KIND_STRASSEN] > 0) { /* shared W_b */
    w->add += r * K * pix;
    w->params += r * K;
    w->bytes += r * (hta_ternary_packed_bytes(K) + 5);
  }
  if (cfg == NULL) cfg = hta_hw_config_default();
  /* MACs per cycle of each array: v1 lanes, or the v2 core's Pix x Ci x Co */
  const uint64_t ml = cfg->engine == 2 ? (uint64_t)cfg->pix * cfg->ci * cfg->mac_co : cfg->mac_lanes;
  const uint64_t al = cfg->engine == 2 ? (uint64_t)cfg->pix * cfg->ci * cfg->add_co : cfg->add_lanes;
  if (al == 0) { /* a MAC-only v2 core runs ternary filters as INT8 weights (compile_v2.c) */
    w->mac += w->add;
    w->add = 0;
  }
  const uint64_t im = (w->mac + ml - 1) / ml;
  const uint64_t ia = al ? (w->add + al - 1) / al : 0;
  w->ideal = im > ia ? im : ia;
}
