/*
 * hta_model.h - a whole hybrid model: a graph of layers (hta_layer.h) with
 * the storage they point into, its metadata, and the .hta file format
 * (docs/model-format.md) that carries it.
 *
 * A model owns every array its layers point to. Each layer reads earlier
 * tensors (hta_layer.src: 0 the model input, j + 1 layer j's output; a chain
 * when every layer reads the previous one), with matching shapes and zero
 * points (hta_layer_links). The model input is layer 0's input, its output
 * the last layer's. Reading a file validates every field and never reads out
 * of bounds; errors name the field.
 */
#ifndef HTA_MODEL_H
#define HTA_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "hta_layer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hta_model hta_model;

/* Metadata of a model (strings are owned by the model). */
typedef struct hta_model_info {
  const char *name;      /* e.g. "mobilenet-v1-0.50-224" */
  const char *plan;      /* e.g. "hybrid:0.5", or "" */
  int in_h, in_w, in_c;  /* input tensor (NHWC, int8) */
  float in_scale;        /* real = in_scale * (q - in_zp) */
  int in_zp;
  int out_h, out_w, out_c; /* output of the last layer */
  float out_scale;
  int out_zp;
  int n_layers;
} hta_model_info;

/* ---- building a model (writer side) ---- */

/* An empty model; NULL if out of memory. */
hta_model *hta_model_new(const char *name, const char *plan);

/* Append a copy of layer l (all arrays deep-copied). Returns 0, or -1 with
 * a message naming the problem (invalid layer, an input that is not an
 * earlier tensor of its shape and zero point). */
int hta_model_add_layer(hta_model *m, const hta_layer *l, char *err, size_t errlen);

/* Quantization of the input and output tensors (defaults: scale 1, zp 0). */
void hta_model_set_io_quant(hta_model *m, float in_scale, int in_zp, float out_scale,
                            int out_zp);

void hta_model_free(hta_model *m);

/* ---- reading ---- */

void hta_model_get_info(const hta_model *m, hta_model_info *info);
const hta_layer *hta_model_layers(const hta_model *m); /* [n_layers] */

/* ---- the .hta file ---- */

/* Serialize to a malloc'd buffer (*buf, *len). 0 or -1 (out of memory). */
int hta_model_write_mem(const hta_model *m, uint8_t **buf, size_t *len);
/* Write to a file. 0, or -1 with a message (I/O error). */
int hta_model_save(const hta_model *m, const char *path, char *err, size_t errlen);

/* Parse and validate. NULL on any problem, with a message naming the
 * section and field (e.g. "layer 3: out_c 0 is not positive",
 * "section WEIGHTS: CRC mismatch", "file truncated at byte 812 of 4096"). */
hta_model *hta_model_read_mem(const uint8_t *buf, size_t len, char *err, size_t errlen);
hta_model *hta_model_load(const char *path, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* HTA_MODEL_H */
