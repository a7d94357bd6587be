/*
 * rand_layer.h - random valid layers within a hardware configuration's
 * limits, for randomized tests (compiler vs golden model here; RTL vs golden
 * model in the simulator tests). Everything is drawn from an hta_rng, so a
 * layer is reproduced from the seed alone.
 */
#ifndef HTA_RAND_LAYER_H
#define HTA_RAND_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "hta_compile.h"
#include "hta_layer.h"
#include "rng.h"

typedef struct hta_rand_opts {
  hta_hw_cfg hw; /* limits the layer must respect */
  int op;        /* an hta_op, or -1 for any */
  unsigned kinds; /* mask of (1u << hta_kind) allowed; 0 = all */
  int max_hw;    /* largest in_h, in_w */
  int max_c;     /* largest channel count (out_c may reach max_out_c) */
  int max_out_c; /* largest out_c of CONV-like layers (to get several passes) */
  int max_r;     /* largest STRASSEN r */
  int out_c;     /* > 0: exactly this many output channels (DW, GAP: also
                    in_c), for lane-count edges; 0: drawn */
  int n_int8;    /* >= 0: exactly min(n_int8, out_c) INT8 filters, the rest
                    TERNARY or BINARY, in random positions; -1: drawn */
  int grouped;   /* percent of CONV2D / POINTWISE layers made grouped
                    convolutions (cgroups >= 2, no STRASSEN filters); 0: none,
                    and nothing more is drawn (older seeds keep their layers) */
} hta_rand_opts;

/* Defaults for hw: images up to 9x9, channels up to 40, out_c up to
 * mac_lanes + add_lanes + 8 (so some layers need two passes), r up to 6,
 * out_c and the INT8 count drawn. */
void hta_rand_opts_default(hta_rand_opts *o, const hta_hw_cfg *hw);

/* Input shape and zero point of a layer (to chain layers). */
typedef struct hta_rand_input {
  int h, w, c, zp;
} hta_rand_input;

typedef struct hta_rand_layer {
  hta_layer l;       /* points into mem */
  void *mem[12];     /* owned arrays */
  char desc[200];    /* one-line summary for messages */
} hta_rand_layer;

/* Draw a layer. in: its input (NULL: drawn too). 0 on success, -1 if memory
 * runs out. The layer always passes hta_layer_check and the hardware limits
 * of o->hw (hta_compile_cfg accepts it). */
int hta_rand_layer_make(hta_rand_layer *rl, hta_rng *rng, const hta_rand_opts *o,
                        const hta_rand_input *in);
void hta_rand_layer_free(hta_rand_layer *rl);

/* The input shape the next layer of a chain gets from layer l. */
hta_rand_input hta_rand_next_input(const hta_layer *l);

/* Random int8 tensor contents (uniform, with some runs of extremes). */
void hta_rand_fill(hta_rng *rng, int8_t *buf, size_t n);

#endif /* HTA_RAND_LAYER_H */
