/* gop.h - the lowering of graph ops to the graph-op unit (hw/rtl/hta_gop.sv,
 * gop_desc in hw/config/program.cfg), shared by both compilers: compile.c
 * (engine v1) and compile_v2.c (engine v2) emit the same descriptors and
 * parameters for ADD, CONCAT, MUL, RESIZE, PAD, MAXPOOL, GMP, AVGPOOL, LAYERNORM and
 * for the activation table of a layer of another op (TABLE, in place).
 * Three steps, so a compiler can check every layer before it emits any:
 * gop_plan (what the descriptor says), gop_check (the unit's limits),
 * gop_emit (parameters into the program, the descriptor filled in). */
#ifndef HTA_COMPILER_GOP_H
#define HTA_COMPILER_GOP_H

#include "bytes.h"
#include "hta_compile.h"

typedef struct gop {
  int layer;          /* model layer index, for messages */
  const char *what;   /* "" or " (activation table)" */
  unsigned kind;      /* HTA_GOP_* */
  hta_tensor in, in2, out;
  int zp_in, zp_in2, zp_out, act_min, act_max;
  int32_t in_mult[2];
  int in_shift[2];
  int kh, kw, stride, pad_t, pad_l; /* pools: the window; PAD: the offsets */
  const int8_t *lut;  /* the table applied last, or NULL */
  const hta_layer *l; /* bias, mult, shift per output channel (an output stage) */
} gop;

/* Does op run on the graph-op unit (ADD .. LAYERNORM)? */
int gop_op(hta_op op);

/* The descriptor of layer i (gop_op(l->op)) reading in (and in2) into out;
 * with table != 0 instead the TABLE pass of l's activation table over out,
 * in place (for a layer of another op). */
void gop_plan(gop *g, const hta_layer *l, int i, int table, hta_tensor in, hta_tensor in2,
              hta_tensor out);

/* The unit's limits (ChanMax, descriptor fields): 0, or -1 with a message
 * naming the layer in err. */
int gop_check(const gop *g, unsigned chan_max, char *err, size_t errlen);

/* The parameters (the table, then a lane record per output channel where
 * the op has an output stage) at the end of b, from a multiple of 64 bytes
 * (a whole beat of any bus); d filled, its par_off the offset in b. 0, or
 * -1 with a message in err. */
int gop_emit(const gop *g, bytes *b, hta_gop_desc *d, char *err, size_t errlen);

#endif /* HTA_COMPILER_GOP_H */
