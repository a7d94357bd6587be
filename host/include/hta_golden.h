/*
 * hta_golden.h - the golden model: docs/numerics.md as code.
 *
 * The primitives below are the only implementation of HTA's requantization
 * arithmetic in the project; everything else (compiler tests, interpreter,
 * RTL scoreboards) calls them.
 */
#ifndef HTA_GOLDEN_H
#define HTA_GOLDEN_H

#include <stdint.h>

#include "hta_layer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Clamp an exact integer to [INT32_MIN, INT32_MAX]. */
int32_t hta_sat32(int64_t v);

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties toward
 * +infinity, INT32_MIN*INT32_MIN saturating to INT32_MAX. */
int32_t hta_srdhm(int32_t a, int32_t b);

/* gemmlowp RoundingDivideByPOT: x / 2^e, ties away from zero; e in 0..31. */
int32_t hta_rdbpot(int32_t x, int e);
/* floor(sqrt(v)) of a 64-bit value (LAYERNORM). */
uint64_t hta_isqrt64(uint64_t v);
/* LAYERNORM's accumulators acc[0..C) of one pixel x[0..C) (docs/numerics.md
 * LAYERNORM): zero point zp_in, epsilon term E >= 0, 1 <= C <= 65535. */
void hta_layernorm_acc(const int8_t *x, int C, int zp_in, int32_t E, int64_t *acc);

/* The output stage of one filter:
 *   acc32 = sat32(bias + acc)
 *   y     = zp_out + RDBPOT(SRDHM(acc32, mult), shift)   (exact: no wrap)
 *   out   = clamp(act_min, act_max, y) */
int8_t hta_requant(int64_t acc, int32_t bias, int32_t mult, int shift,
                   int zp_out, int act_min, int act_max);

/* Run one layer: in is dense NHWC (in_h*in_w*in_c bytes), out dense NHWC
 * (out_h*out_w*out_c bytes). 0 on success, -1 if hta_layer_check fails or
 * memory runs out (out untouched). */
int hta_golden_layer(const hta_layer *l, const int8_t *in, int8_t *out);

/* The same for every op: in2 is the second input of ADD, CONCAT and MUL
 * (NULL for the others; -1 if a two-input op gets NULL). */
int hta_golden_layer2(const hta_layer *l, const int8_t *in, const int8_t *in2, int8_t *out);

/* The same, asking stop(user) (when stop is not NULL) before each output row
 * of the ops that loop over rows (convolutions, pools): when it returns
 * nonzero the layer stops and this returns 1 (out is then incomplete). The
 * other ops take time linear in their tensors. The cpu device's timeout. */
int hta_golden_layer2_stop(const hta_layer *l, const int8_t *in, const int8_t *in2, int8_t *out,
                           int (*stop)(void *), void *user);

/* Run a model's layers (hta_layers_check: a chain or a graph, each layer
 * reading its src tensors). outs[i] receives layer i's dense output
 * (outs[n-1] the network output). 0 or -1. */
int hta_golden_layers(const hta_layer *layers, int n, const int8_t *in,
                      int8_t *const *outs);

#ifdef __cplusplus
}
#endif
#endif /* HTA_GOLDEN_H */
