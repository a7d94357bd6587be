/*
 * model_internal.h - what model.c shares with model_io.c (not installed).
 */
#ifndef HTA_MODEL_INTERNAL_H
#define HTA_MODEL_INTERNAL_H

#include <stdint.h>

#include "hta_model.h"

/* Limits every model layer respects (the file format's bounds; they keep all
 * size arithmetic far from overflow). docs/model-format.md, "Limits". */
#define HTA_MODEL_MAX_DIM 65535   /* in_h, in_w, in_c, out_c, r, group */
#define HTA_MODEL_MAX_KERNEL 255  /* kh, kw, stride, each padding */
#define HTA_MODEL_MAX_K (1 << 24) /* reduction length of one filter */
#define HTA_MODEL_MAX_TENSOR 0x7fffffffLL /* bytes of one activation tensor */
#define HTA_MODEL_MAX_NAME 1024   /* bytes of the name and of the plan */
#define HTA_MODEL_MAX_LAYERS 65535

struct hta_model {
  char *name;
  char *plan;
  float in_scale, out_scale;
  int in_zp, out_zp;
  int n, cap;
  hta_layer *layers; /* every array malloc'd and owned */
};

/* Range checks of the scalar fields before any size is computed from them
 * (so hta_layer_* arithmetic cannot overflow). 0, or -1 with a message. */
int hta_model_layer_limits(const hta_layer *l, char *err, size_t errlen);

/* Filter counts per kind of a layer (ops without weights: all zero). */
void hta_model_kind_counts(const hta_layer *l, int counts[4]);

/* Bytes the in-memory copy of layer l allocates (for the reader's budget). */
uint64_t hta_model_layer_mem(const hta_layer *l);

/* Append an already-owned layer (arrays move into the model). 0 or -1 (OOM). */
int hta_model_push_owned(hta_model *m, const hta_layer *l);

/* Free the arrays of an owned layer. */
void hta_model_free_layer(hta_layer *l);

/* Bytes a valid layer takes in the .hta file: its record and its tensors
 * (model_io.c, the one place that knows the layout). The file is the sum of
 * these over the layers plus hta_model_file_fixed_bytes (header, section
 * table, INFO). Used by the cost model (stats.c). */
uint64_t hta_model_layer_file_bytes(const hta_layer *l);
uint64_t hta_model_file_fixed_bytes(const hta_model *m);
/* The record size of every layer in m's file (280 in version 1, 340 in 2),
 * and the one hta_model_layer_file_bytes counts for l alone: a version-1
 * layer in a version-2 file takes the difference more. */
uint64_t hta_model_record_bytes(const hta_model *m);
uint64_t hta_model_layer_record_bytes(const hta_layer *l);

#endif /* HTA_MODEL_INTERNAL_H */
