/*
 * hta_layer.h - a model layer as the user describes it (docs/numerics.md).
 *
 * Weights are unpacked (one int8 per weight) so a layer reads like the
 * arithmetic it defines. All arrays belong to the caller; rows of filters of
 * another kind are ignored (they may hold anything). K is the reduction length
 * of one filter (hta_layer_k), NG the groups per filter (hta_layer_ngroups).
 */
#ifndef HTA_LAYER_H
#define HTA_LAYER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hta_op {
  HTA_OP_CONV2D = 0,
  HTA_OP_DEPTHWISE = 1,
  HTA_OP_POINTWISE = 2, /* kh = kw = stride = 1, no padding */
  HTA_OP_FC = 3,        /* pointwise on a 1x1 input */
  HTA_OP_GAP = 4,       /* global average pool: no weights, no kinds */
  /* Format version 2 (docs/numerics.md "Graph ops"): no weights, no kinds.
   * They run on the golden model, the cpu device and both engines' graph-op
   * unit (hw/rtl/hta_gop.sv). */
  HTA_OP_ADD = 5,       /* residual add of two inputs, each rescaled */
  HTA_OP_CONCAT = 6,    /* channels of input 0, then those of input 1 */
  HTA_OP_MUL = 7,       /* [h,w,c] x [1,1,c] channel-wise (squeeze-excite) */
  HTA_OP_MAXPOOL = 8,   /* kh x kw window, stride, padding ignored */
  HTA_OP_AVGPOOL = 9,   /* kh x kw window, stride, mean of in-image values */
  HTA_OP_GMP = 10,      /* global max pool */
  HTA_OP_RESIZE = 11,   /* nearest neighbour, x2 in height and width */
  HTA_OP_PAD = 12,      /* constant padding with the real value 0 (zp_in) */
  HTA_OP_LAYERNORM = 13 /* each pixel normalized over its channels, then the output
                         * stage per channel; in_mult[0] = the epsilon term E */
} hta_op;
#define HTA_OP_COUNT 14

typedef enum hta_kind {
  HTA_KIND_INT8 = 0,
  HTA_KIND_TERNARY = 1,
  HTA_KIND_BINARY = 2,
  HTA_KIND_STRASSEN = 3
} hta_kind;

typedef struct hta_layer {
  hta_op op;
  int in_h, in_w, in_c;
  int out_c;                     /* DEPTHWISE and GAP: equal to in_c */
  int kh, kw, stride;            /* ignored for GAP */
  int pad_t, pad_b, pad_l, pad_r; /* ignored for GAP */
  int zp_in, zp_out;             /* int8 zero points */
  int act_min, act_max;          /* int8 output clamp */
  int group;                     /* G: ternary group size, 0 = one group */

  const uint8_t *kind;   /* [out_c] hta_kind; NULL = all INT8 */
  const int8_t *w;       /* [out_c][K] INT8 weights */
  const int8_t *t;       /* [out_c][K] TERNARY {-1,0,1} / BINARY {-1,1} */
  const uint8_t *alpha;  /* [out_c][NG] group scales of TERNARY/BINARY */
  const int32_t *bias;   /* [out_c] */
  const int32_t *mult;   /* [out_c] Q31 multiplier */
  const uint8_t *shift;  /* [out_c] right shift 0..31 */

  /* Strassenified block covering the STRASSEN filters (r hidden units).
   * CONV2D/POINTWISE/FC: wb[r][K], hmul[r], hshift[r], wc[out_c][r].
   * DEPTHWISE (per channel c): wb[c][r][K], hmul[c][r], hshift[c][r],
   * wc[c][r]. */
  int r;
  const int8_t *wb;
  const int32_t *hmul;
  const uint8_t *hshift;
  const int8_t *wc;

  /* ---- graph (format version 2); all zero = a version-1 chain layer ----
   * Tensor ids: 0 is the model input, j + 1 the output of layer j. Layer i
   * reads src[0] (and src[1] for ADD, CONCAT, MUL), ids <= i. n_src = 0
   * means the chain: one input, the previous layer's output (layer 0: the
   * model input); models keep n_src explicit (hta_op_inputs(op)). */
  int n_src;
  int src[2];
  /* Second input (ADD: same shape as the first; CONCAT: same h, w; MUL:
   * 1 x 1 x in_c) and its zero point. */
  int in2_h, in2_w, in2_c, zp_in2;
  /* ADD, CONCAT: input j enters as RDBPOT(SRDHM((x - zp) * 2^20,
   * in_mult[j]), in_shift[j]) (docs/numerics.md). LAYERNORM: in_mult[0] >= 0
   * is the epsilon term E added to the variance numerator; the rest 0. */
  int32_t in_mult[2];
  int in_shift[2];
  /* Activation table applied last: out = lut[v + 128]; NULL = none. */
  const int8_t *lut;

  /* ---- grouped convolution (format version 3) ----
   * cgroups = g >= 2 (CONV2D, POINTWISE): the input channels and the filters
   * form g groups; filter o reads only the in_c / g input channels of its
   * group, [(o / (out_c / g)) in_c / g, +in_c / g), so K = kh kw in_c / g
   * (weight k of a row: (ky kw + kx) in_c / g + ci, ci within the group).
   * 0 or 1: every filter reads all in_c channels. (Not to be confused with
   * `group`, the ternary group size G.) */
  int cgroups;
} hta_layer;

/* Inputs an op reads (2 for ADD, CONCAT, MUL; else 1). */
int hta_op_inputs(hta_op op);
/* Ops with weights and a kind per filter (CONV2D, DEPTHWISE, POINTWISE, FC). */
int hta_op_has_weights(hta_op op);
/* Ops whose value passes the output stage (bias, mult, shift per channel):
 * the weighted ops, GAP, ADD, CONCAT, MUL, AVGPOOL. The others (MAXPOOL,
 * GMP, RESIZE, PAD) move int8 values and have none (zp_out == zp_in). */
int hta_op_has_output_stage(hta_op op);
/* Tensor id input j of layer i reads (resolves n_src = 0 to the chain). */
int hta_layer_src(const hta_layer *l, int i, int j);
/* Does the layer need format version 2 (new op, table, graph input)? i is
 * its index. */
int hta_layer_is_v2(const hta_layer *l, int i);
/* Does the layer need format version 3 (a grouped convolution)? */
int hta_layer_is_v3(const hta_layer *l);

/* Shapes. GAP, GMP: out_h = out_w = 1, K = in_h*in_w. RESIZE: 2 in_h x
 * 2 in_w. PAD: in + pads. CONCAT: out_c = in_c + in2_c. Pools as conv2d. */
int hta_layer_out_h(const hta_layer *l);
int hta_layer_out_w(const hta_layer *l);
int hta_layer_k(const hta_layer *l);       /* reduction length of one filter */
int hta_layer_ngroups(const hta_layer *l); /* 1 when G = 0, else ceil(K/G) */
/* Convolution groups (cgroups, 1 when 0) and the input channels one filter
 * reads (in_c / cgroups; in_c for the ops that read all, 1 for DEPTHWISE). */
int hta_layer_cgroups(const hta_layer *l);
int hta_layer_filter_c(const hta_layer *l);
hta_kind hta_layer_kind(const hta_layer *l, int o); /* GAP: INT8 */
size_t hta_layer_in_size(const hta_layer *l);  /* in_h*in_w*in_c bytes */
size_t hta_layer_out_size(const hta_layer *l); /* out_h*out_w*out_c bytes */
int hta_layer_is_depthwise(const hta_layer *l); /* DEPTHWISE (not GAP) */

/* The block-diagonal layer equal to a grouped convolution l (cgroups >= 2;
 * valid, not STRASSEN): the same op ungrouped, filter o's weights on its
 * group's input channels and 0 on the others (BINARY filters become
 * TERNARY: binary has no 0), so its golden outputs are those of l bit for
 * bit. Ternary fine groups of G weights need G to divide
 * in_c / cgroups (each expanded group is G channels of one tap; those
 * outside the filter's group get alpha 1). *d shares l's other arrays and
 * points into *mem, one allocation the caller frees. 0, or -1 with a
 * message in err. */
int hta_layer_block_diag(const hta_layer *l, hta_layer *d, void **mem, char *err, size_t n);

/* 0 if the layer is a valid instance of the arithmetic (no hardware limits
 * here: see hta_compile). Otherwise -1 and a message naming the bad field in
 * err (if err != NULL). */
int hta_layer_check(const hta_layer *l, char *err, size_t n);

/* Does layer i of layers[0..i] read tensors that exist (ids 0..i) with
 * its shapes and zero points (layer 0 defines the model input)? 0, or -1
 * with a message. */
int hta_layer_links(const hta_layer *layers, int i, char *err, size_t n);
/* hta_layer_check and hta_layer_links of every layer; the message names
 * the layer. The model input is layer 0's input, its output the last
 * layer's output. */
int hta_layers_check(const hta_layer *layers, int n, char *err, size_t errlen);

const char *hta_op_name(hta_op op);
const char *hta_kind_name(hta_kind k);

/* Model-file storage of ternary and binary weights, weight i of a row at the
 * lowest free bits first (docs/numerics.md codes):
 * ternary: 2 bits, byte i/4 bits [2(i%4)+1 : 2(i%4)], 00 = 0, 01 = +1, 11 = -1;
 * binary:  1 bit,  byte i/8 bit i%8, 0 = +1, 1 = -1.
 * Unused high bits of the last byte are zero. Pack returns -1 (and writes
 * nothing meaningful) on a value outside the kind's set; unpack returns -1 on
 * the invalid ternary code 10. Sizes: hta_*_packed_bytes(n). */
size_t hta_ternary_packed_bytes(size_t n);
size_t hta_binary_packed_bytes(size_t n);
int hta_pack_ternary(const int8_t *t, size_t n, uint8_t *out);
int hta_unpack_ternary(const uint8_t *in, size_t n, int8_t *t);
int hta_pack_binary(const int8_t *t, size_t n, uint8_t *out);
int hta_unpack_binary(const uint8_t *in, size_t n, int8_t *t);

#ifdef __cplusplus
}
#endif
#endif /* HTA_LAYER_H */
