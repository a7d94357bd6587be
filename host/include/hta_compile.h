/*
 * hta_compile.h - model layers -> device program (docs/architecture.md).
 *
 * The compiler knows nothing of backends: it produces the bytes of the
 * program window and a plan of the data window (where the input, output and
 * scratch tensors live). A backend copies the program to device memory,
 * packs the input into the data window with hta_tensor_pack, runs, and
 * unpacks the output with hta_tensor_unpack.
 */
#ifndef HTA_COMPILE_H
#define HTA_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "hta_hw_config.h"
#include "hta_layer.h"
/* The program format (constants, descriptor and pass header layout, pack
 * functions) is generated from hw/config/program.cfg. */
#include "hta_prog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* every block and tensor starts on a 16-byte boundary */
#define HTA_ALIGN HTA_BLOCK_ALIGN

/* The hardware sizes the compiler targets: one configuration of
 * hw/config/<name>.cfg (hta_hw_config.h; the compiler reads mac_lanes,
 * add_lanes, k_max, alpha_depth, stage_bytes, chan_max and writes signature
 * into the program header). Tests may fill one by hand. */
typedef hta_hw_config hta_hw_cfg;

/* Copy the default configuration (HTA_HW_CONFIG_DEFAULT, "small"). */
void hta_hw_cfg_default(hta_hw_cfg *cfg);

/* The model input as the windows of a first convolution (channel
 * augmentation, compile_v2.c): pixel (y, x) of the h x w tensor holds the
 * kh x kw x c window of the in_h x in_w x c input at (y stride - pad_t,
 * x stride - pad_l), in golden.c's reduction order (ky, kx, c), fill where
 * it lies outside. kh 0: none, the tensor is the input itself. */
typedef struct hta_im2col {
  int kh, kw, stride, pad_t, pad_l;
  int in_h, in_w, c;
  int fill; /* the layer's zp_in: the real 0 */
} hta_im2col;

/* A tensor in the data window: channel-padded NHWC, pixel stride = c rounded
 * up to 16 bytes; the padding bytes of a pixel are never read as data and
 * never written by the engine. */
typedef struct hta_tensor {
  uint32_t off;        /* byte offset in the data window, multiple of 16 */
  int h, w, c;
  uint32_t pix_stride; /* hta_pix_stride(c) */
  uint32_t bytes;      /* h * w * pix_stride */
  hta_im2col im2col;   /* a program's input only: its windows (kh 0: none) */
} hta_tensor;

uint32_t hta_pix_stride(int c);

/* Dense NHWC (h*w*c bytes) <-> the tensor's place in a data window image.
 * Pack zeroes the channel padding; for a tensor with im2col windows, dense
 * is the in_h x in_w x c input and pack writes its windows. Unpack takes
 * plain tensors (every layer output) only. */
void hta_tensor_pack(const hta_tensor *t, const int8_t *dense, uint8_t *window);
void hta_tensor_unpack(const hta_tensor *t, const uint8_t *window, int8_t *dense);

/* Item `item` of a batch program's tensor t (t itself for item 0): the
 * items of a tensor are consecutive, item b at t.off + b t.bytes. */
hta_tensor hta_tensor_item(const hta_tensor *t, int item);

/* A compiled program. All fields are read-only for the user. */
typedef struct hta_program {
  uint8_t *bytes;       /* program window image */
  size_t size;          /* its length in bytes */
  size_t data_size;     /* bytes of data window the program needs */
  hta_tensor input;     /* input of layer 0 */
  hta_tensor output;    /* output of the last layer */
  int n_layers;
  hta_tensor *layer_out; /* [n_layers] output tensor of each model layer */
  uint32_t scratch_off;  /* scratch region (STRASSEN hidden tensors), shared */
  uint32_t scratch_bytes; /*   by all layers; 0 bytes when there is none */
  int n_desc;            /* hardware layer descriptors */
  int *desc_layer;       /* [n_desc] model layer each descriptor belongs to */
  int batch;             /* inputs one run computes: 1, or a batch program's B
                            (its tensors describe item 0: hta_tensor_item) */
} hta_program;

/* Compile n layers chained through the data window (layer i+1 reads layer
 * i's output) for the hardware configuration cfg. NULL on error, with a
 * message naming the layer and the field or hardware limit in err. */
hta_program *hta_compile(const hta_hw_cfg *cfg, const hta_layer *layers, int n, char *err,
                         size_t errlen);

/* A program that runs `batch` inputs (1..HTA_BATCH_PROG_MAX) in one start,
 * each tensor holding the items one after another (hta_tensor_item): the
 * engine loads each weight block once for all of them (engine v2 only:
 * NULL with a message for a v1 configuration). batch 1 is hta_compile. */
#define HTA_BATCH_PROG_MAX 8
hta_program *hta_compile_batch(const hta_hw_cfg *cfg, const hta_layer *layers, int n, int batch,
                               char *err, size_t errlen);

/* The same (its older name). */
hta_program *hta_compile_cfg(const hta_hw_cfg *cfg, const hta_layer *layers, int n,
                             char *err, size_t errlen);

void hta_program_free(hta_program *p);

/* 0 if the layers are a plain model (format-version-1 ops, no activation
 * table, a chain). Otherwise -1 and ONE message naming every layer that uses
 * an op, table or graph input, by feature ("ADD at layers 3, 7; ..."). Both
 * engines run such models (their graph-op unit, hw/rtl/hta_gop.sv), so no
 * compiler refuses them; the cpu device plans them with hta_plan_host. */
int hta_engine_refusal(const hta_layer *layers, int n, char *err, size_t errlen);

/* The data-window plan of the cpu device for any valid model
 * (hta_layers_check): input and every layer's output, each in its own
 * place; no descriptors, no program bytes. NULL with a message. */
hta_program *hta_plan_host(const hta_layer *layers, int n, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* HTA_COMPILE_H */
