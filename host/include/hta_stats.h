/*
 * hta_stats.h - the cost model of a model: parameters, model size,
 * multiplications and additions, energy, and area-equivalent throughput,
 * per layer and in total (docs/architecture.md, "Cost model"; the
 * conventions are those of the hybrid-filter-bank paper's TABLE I).
 *
 * Everything here is counted from the layers' shapes, kinds and weights;
 * nothing runs. The hardware's own work per array (what `hta bench` calls
 * ideal cycles) is hta_array_work_of, at the end.
 */
#ifndef HTA_STATS_H
#define HTA_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "hta_layer.h"
#include "hta_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How model size (and the output stage's arithmetic) is counted.
 * PAPER: every parameter at its kind's nominal width (INT8 filters at
 *   fp_bits, ternary and strassen 2 bits, binary 1 bit; a filter's bias has
 *   its filter's width, the strassen vector a^ has fp_bits); group scales,
 *   requantization and the file's bookkeeping are ignored. The output stage
 *   costs nothing (a float network folds batch-norm into the bias).
 * EXACT: the bytes the .hta file stores for the layer (its 280-byte record,
 *   340 in a format-version-2 file, and its tensors; the model total adds the
 *   header, section table and INFO, so it equals the file size); each output value also costs its bias
 *   add and its requantization multiply, as in the hardware. */
typedef enum hta_accounting { HTA_ACCOUNT_PAPER = 0, HTA_ACCOUNT_EXACT = 1 } hta_accounting;

/* Horowitz 45 nm (ISSCC 2014) energy per operation:
 * FP32: mult 3.7 pJ, add 0.9 pJ; FP16: mult 1.1, add 0.4;
 * INT8: the hardware as built, 8-bit mult 0.2, 32-bit accumulate add 0.1. */
typedef enum hta_energy_table {
  HTA_ENERGY_FP32 = 0,
  HTA_ENERGY_FP16 = 1,
  HTA_ENERGY_INT8 = 2
} hta_energy_table;

typedef struct hta_stats_opts {
  hta_accounting accounting; /* default PAPER */
  int fp_bits;               /* 8, 16 (default) or 32: full precision in PAPER */
  hta_energy_table energy;   /* default FP32 */
  double adders_per_mac;     /* R: adders in the area of one MAC, > 0 (default 2) */
} hta_stats_opts;

/* The costs of one layer, or of a model (totals). */
typedef struct hta_cost {
  int n_kind[4];          /* filters of each hta_kind (GAP: none) */
  uint64_t params;        /* weights + biases (GAP: none) */
  uint64_t size_bits;     /* model size in bits (EXACT: 8 x bytes) */
  uint64_t mults, adds;   /* dense counts, zero weights included */
  uint64_t adds_nonzero;  /* additions of zero weights skipped */
  double energy_pj;       /* arithmetic only: mults e_mult + adds e_add */
  double sram_bytes;      /* modelled on-chip buffer reads */
  double dram_bytes;      /* modelled off-chip traffic */
  double energy_mem_pj;   /* energy_pj + SRAM and DRAM access energy */
  double cost;            /* area-equivalent MAC slots: mults + (adds - mults) / R */
} hta_cost;

/* Defaults: PAPER, 16 bits, FP32, R = 2. */
void hta_stats_default_opts(hta_stats_opts *o);
/* 0, or -1 with a message naming the bad option. */
int hta_stats_check_opts(const hta_stats_opts *o, char *err, size_t errlen);

/* Energy per multiplication and per addition (pJ) of a table, and the
 * bytes of one activation value it implies (4, 2, 1). -1 on a bad table. */
int hta_stats_energy_costs(hta_energy_table t, double *e_mult, double *e_add, int *act_bytes);

/* Costs of one valid layer (hta_layer_check). 0, or -1 with a message. */
int hta_stats_layer(const hta_layer *l, const hta_stats_opts *o, hta_cost *c, char *err,
                    size_t errlen);

/* Costs of n layers: per layer into per_layer[n] (may be NULL) and their
 * sum into *total. 0, or -1 with a message naming the layer. */
int hta_stats_layers(const hta_layer *ls, int n, const hta_stats_opts *o, hta_cost *per_layer,
                     hta_cost *total, char *err, size_t errlen);

/* hta_stats_layers over a model's layers; under EXACT the total's size also
 * holds the file's header, section table and INFO section, so it is the
 * size of the .hta file the model writes. */
int hta_stats_model(const hta_model *m, const hta_stats_opts *o, hta_cost *per_layer,
                    hta_cost *total, char *err, size_t errlen);

/* A cost relative to a baseline's: each figure divided by the baseline's,
 * throughput = base->cost / c->cost (ideal time at equal area). A ratio
 * whose denominator is 0 is NaN (e.g. the parameters of a GAP layer). */
typedef struct hta_cost_norm {
  double params, size, mults, adds, adds_nonzero, energy, energy_mem, throughput;
} hta_cost_norm;

void hta_stats_normalise(const hta_cost *c, const hta_cost *base, hta_cost_norm *n);

/* ---- the hardware's work per array (hta info, hta bench) ---- */

/* Work of a layer on HTA's arrays, counted as the hardware sees it: filters
 * x K x output pixels on the MAC array (INT8 filters, and GAP, which runs
 * there) and on the adder array (TERNARY/BINARY filters, the strassen W_b and
 * W_c); ideal = max(mac / MacLanes, add / AddLanes) cycles of the
 * configuration cfg (hta_hw_config.h; NULL: the default).
 * params and bytes: weights (strassen: W_b and W_c) and the bytes of the
 * rows in the file's packing plus 9 per filter (bias, mult, shift), 1 per
 * group scale and 5 per strassen hidden unit (hmul, hshift). */
typedef struct hta_array_work {
  uint64_t mac, add, ideal;
  int n_kind[4];
  uint64_t params, bytes;
} hta_array_work;

struct hta_hw_config;
void hta_array_work_of(const struct hta_hw_config *cfg, const hta_layer *l, hta_array_work *w);

#ifdef __cplusplus
}
#endif
#endif /* HTA_STATS_H */
