/*
 * hta_compile_v2.h - the compiler for engine v2 (docs/engine-v2.md,
 * "Programs of the v2 core"): model layers -> ProgVersionV2 programs of
 * v2_job descriptors, each one convolution of a band of rows on the
 * compute core hw/rtl/hta_v2_core.sv.
 *
 * hta_compile_cfg (compile.c) calls it for configurations whose Engine is 2
 * (hw/config/v2*.cfg); the v2 sizes are also a structure of their own, so
 * tests can compile for sizes no configuration has.
 * tests/support/prog_interp_v2.c executes its programs.
 */
#ifndef HTA_COMPILE_V2_H
#define HTA_COMPILE_V2_H

#include <stddef.h>
#include <stdint.h>

#include "hta_compile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The parameters of hta_v2_core a program depends on. */
typedef struct hta_v2_cfg {
  const char *name;
  unsigned pix;         /* output pixels per cycle (>= 2) */
  unsigned ci;          /* input channels per cycle: 1, 2, 4, 8 or 16 (divides 16) */
  unsigned mac_co;      /* INT8 output channels (even, >= 2) */
  unsigned add_co;      /* ternary output channels; 0: MAC-only (ternary on the INT8 array) */
  unsigned act_depth;   /* words per activation bank */
  unsigned w_depth;     /* weight blocks */
  unsigned a_depth;     /* group-scale words */
  unsigned fine_groups; /* 0: one ternary group per filter only */
  uint32_t signature;   /* program header word 4 */
  unsigned rec_depth;   /* lane records of a job: passes x (mac_co + add_co) */
  unsigned chan_max;    /* channels of a graph op's tensors (the graph-op unit's
                           pixel buffers); 0: no graph ops */
  unsigned bus_bytes;   /* m_axi_gmem beat: 16, 32 or 64 bytes (0: 16). Weight
                           blocks, group-scale rows and the starts of blocks,
                           records and scales are whole beats */
} hta_v2_cfg;

/* The v2 sizes of a hardware configuration whose Engine is 2. */
void hta_v2_cfg_from_hw(const hta_hw_cfg *hw, hta_v2_cfg *cfg);

/* Bytes of one weight block in the program: MacCo rows of Ci int8 weights,
 * then AddCo rows of Ci 2-bit codes, each part padded to 16 bytes, the
 * block to a whole bus beat. */
size_t hta_v2_block_bytes(const hta_v2_cfg *cfg);

/* Bytes of one bus beat (16 when bus_bytes is 0). */
size_t hta_v2_bus_bytes(const hta_v2_cfg *cfg);

/* Bytes of one group-scale row: AddCo bytes padded to a whole bus beat. */
size_t hta_v2_arow_bytes(const hta_v2_cfg *cfg);

/* Compile a model (a chain or a graph: layers name their inputs). NULL on
 * error, with a message naming the layer in err. STRASSEN filters of a
 * depthwise layer, GAP windows larger than 7x7, ternary groups not aligned
 * to Ci blocks and
 * layers beyond the core's or the graph-op unit's limits are refused. */
hta_program *hta_compile_v2(const hta_v2_cfg *cfg, const hta_layer *layers, int n, char *err,
                            size_t errlen);

/* The same for `batch` inputs at once (hta_compile_batch): every tensor holds
 * the batch's items one after another; 1x1 stride-1 convolutions (and FC)
 * run once over all items' pixels, every other layer's jobs run item after
 * item within each range of passes, the later items' jobs with `reuse` set,
 * so each weight block loads once per batch. */
hta_program *hta_compile_v2_batch(const hta_v2_cfg *cfg, const hta_layer *layers, int n,
                                  int batch, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* HTA_COMPILE_V2_H */
