/*
 * model_io.c - the .hta model file: writer and validating reader
 * (docs/model-format.md is the specification; keep the two in step).
 *
 * The reader trusts nothing: every read is bounds-checked against the
 * buffer, every count is range-checked before it enters size arithmetic
 * (all sizes are computed in uint64_t from bounded values), every tensor
 * must sit exactly where the chain of tensors says, and the memory it
 * allocates is bounded by a multiple of the file's size.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "hta_model.h"
#include "model_internal.h"
#include "errmsg.h"

#define FILE_MAGIC "HTAM"
#define FILE_VERSION 3u /* the newest; a file has the lowest version that holds its model */
#define HEADER_BYTES 32u
#define SECTION_ENTRY_BYTES 32u
#define N_SECTIONS 3u
#define INFO_FIXED_BYTES 48u
#define LAYER_RECORD_BYTES 280u    /* version 1 */
#define LAYER_RECORD_BYTES_V2 340u /* version 2: 13 tensors, graph fields */
#define LAYER_RECORD_BYTES_V3 344u /* version 3: and cgroups */
#define N_TENSORS 13               /* version 1 has the first 12 */
#define V2_FIELDS 11               /* the graph fields at the end of a version-2 record */

enum { SEC_INFO = 1, SEC_LAYERS = 2, SEC_TENSORS = 3 };
static const char *const sec_name[4] = {"?", "INFO", "LAYERS", "TENSORS"};

enum {
  T_KIND, T_W, T_TERNARY, T_BINARY, T_ALPHA, T_BIAS, T_MULT, T_SHIFT,
  T_WB, T_HMUL, T_HSHIFT, T_WC, T_LUT
};
static const char *const tensor_name[N_TENSORS] = {
    "kind", "w", "t_ternary", "t_binary", "alpha", "bias",
    "mult", "shift", "wb", "hmul", "hshift", "wc", "lut"};

static unsigned record_bytes(unsigned version) {
  return version == 1 ? LAYER_RECORD_BYTES
                      : version == 2 ? LAYER_RECORD_BYTES_V2 : LAYER_RECORD_BYTES_V3;
}
static int n_tensors(unsigned version) { return version == 1 ? 12 : N_TENSORS; }

/* The lowest version that holds the model: 3 with a grouped convolution,
 * else 2 with a graph op, table or graph input, else 1. */
static unsigned model_version(const hta_model *m) {
  unsigned v = 1;
  for (int i = 0; i < m->n; i++) {
    if (hta_layer_is_v3(&m->layers[i])) return 3;
    if (hta_layer_is_v2(&m->layers[i], i)) v = 2;
  }
  return v;
}

/* In-memory budget of the reader: what a file of len bytes may make it
 * allocate (the densest legal encoding, binary weights with full-size
 * unpacked arrays, needs 16x; the rest is headroom). */
#define MEM_FACTOR 64u
#define MEM_SLACK (1u << 20)

/* hta_model_load reads at most this much (2 GiB): the model size limit
 * (docs/model-format.md). */
#define MAX_FILE_BYTES (UINT64_C(1) << 31)

/* ---- CRC-32 (IEEE 802.3, as zlib: reflected 0xEDB88320, init/xorout ~0) ---- */

/* The table is built per call (2048 steps, nothing next to the data), so
 * the library keeps no mutable global state and needs no locking. */
static uint32_t crc32_buf(const uint8_t *p, size_t n) {
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1u ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/* ---- little-endian helpers (util.h, and the signed one) ---- */

static int32_t get_i32(const uint8_t *p) {
  const uint32_t u = hta_ld_le32(p);
  int32_t v;
  memcpy(&v, &u, 4);
  return v;
}
static uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
static float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* ---- sizes of a layer's stored tensors ---- */

/* Stored byte length of each tensor of a layer that passed
 * hta_model_layer_limits (no overflow: every factor is bounded). */
static void tensor_lengths(const hta_layer *l, const int c[4], uint64_t len[N_TENSORS]) {
  memset(len, 0, N_TENSORS * sizeof len[0]);
  const uint64_t oc = (uint64_t)l->out_c;
  len[T_LUT] = l->lut != NULL ? 256 : 0;
  if (!hta_op_has_output_stage(l->op)) return;
  len[T_BIAS] = 4 * oc;
  len[T_MULT] = 4 * oc;
  len[T_SHIFT] = oc;
  if (!hta_op_has_weights(l->op)) return;
  const uint64_t K = (uint64_t)hta_layer_k(l), NG = (uint64_t)hta_layer_ngroups(l);
  len[T_KIND] = oc;
  len[T_W] = (uint64_t)c[HTA_KIND_INT8] * K;
  len[T_TERNARY] = ((uint64_t)c[HTA_KIND_TERNARY] * K + 3) / 4;
  len[T_BINARY] = ((uint64_t)c[HTA_KIND_BINARY] * K + 7) / 8;
  len[T_ALPHA] = (uint64_t)(c[HTA_KIND_TERNARY] + c[HTA_KIND_BINARY]) * NG;
  const uint64_t ns = (uint64_t)c[HTA_KIND_STRASSEN];
  if (ns > 0) {
    const uint64_t r = (uint64_t)l->r, blocks = hta_layer_is_depthwise(l) ? ns : 1;
    len[T_WB] = (blocks * r * K + 3) / 4;
    len[T_HMUL] = 4 * blocks * r;
    len[T_HSHIFT] = blocks * r;
    len[T_WC] = (ns * r + 3) / 4;
  }
}

/* ---- writer ---- */

typedef struct wbuf {
  uint8_t *p;
  size_t len, cap;
  int oom;
} wbuf;

static uint8_t *wb_grow(wbuf *b, size_t n) {
  if (b->oom) return NULL;
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n) cap *= 2;
    uint8_t *np = realloc(b->p, cap);
    if (np == NULL) {
      b->oom = 1;
      return NULL;
    }
    b->p = np;
    b->cap = cap;
  }
  uint8_t *q = b->p + b->len;
  b->len += n;
  return q;
}

static void wb_bytes(wbuf *b, const void *src, size_t n) {
  uint8_t *q = wb_grow(b, n);
  if (q && n) memcpy(q, src, n);
}

/* Pack the selected rows (kind[o] == want) of a [rows][K] array as one
 * ternary (bits 2) or binary (bits 1) stream. */
static void wb_packed_rows(wbuf *b, const int8_t *a, size_t rows, size_t K,
                           const uint8_t *kind, int want, int bits) {
  size_t n = 0;
  for (size_t o = 0; o < rows; o++)
    if (kind == NULL || kind[o] == want) n++;
  int8_t *tmp = malloc(n * K > 0 ? n * K : 1);
  if (tmp == NULL) {
    b->oom = 1;
    return;
  }
  size_t j = 0;
  for (size_t o = 0; o < rows; o++)
    if (kind == NULL || kind[o] == want) {
      memcpy(tmp + j * K, a + o * K, K);
      j++;
    }
  const size_t nb = bits == 2 ? hta_ternary_packed_bytes(n * K) : hta_binary_packed_bytes(n * K);
  uint8_t *q = wb_grow(b, nb);
  if (q) {
    if (bits == 2)
      hta_pack_ternary(tmp, n * K, q);
    else
      hta_pack_binary(tmp, n * K, q);
  }
  free(tmp);
}

/* Append layer l's tensors to t, and its record (of a file of this
 * version) to rec. */
static void write_layer(wbuf *rec, wbuf *t, const hta_layer *l, unsigned version) {
  int c[4];
  hta_model_kind_counts(l, c);
  uint64_t len[N_TENSORS];
  tensor_lengths(l, c, len);
  uint64_t off[N_TENSORS] = {0};
  const size_t oc = (size_t)l->out_c;
  const size_t K = (size_t)hta_layer_k(l), NG = (size_t)hta_layer_ngroups(l);
  const uint8_t *kind = l->kind;
  for (int i = 0; i < N_TENSORS; i++) {
    if (len[i] == 0) continue;
    off[i] = t->len;
    const size_t before = t->len;
    switch (i) {
    case T_KIND: wb_bytes(t, kind, oc); break;
    case T_W:
      for (size_t o = 0; o < oc; o++)
        if (kind[o] == HTA_KIND_INT8) wb_bytes(t, l->w + o * K, K);
      break;
    case T_TERNARY: wb_packed_rows(t, l->t, oc, K, kind, HTA_KIND_TERNARY, 2); break;
    case T_BINARY: wb_packed_rows(t, l->t, oc, K, kind, HTA_KIND_BINARY, 1); break;
    case T_ALPHA:
      for (size_t o = 0; o < oc; o++)
        if (kind[o] == HTA_KIND_TERNARY || kind[o] == HTA_KIND_BINARY)
          wb_bytes(t, l->alpha + o * NG, NG);
      break;
    case T_BIAS:
    case T_MULT:
      for (size_t o = 0; o < oc; o++) {
        uint8_t *q = wb_grow(t, 4);
        if (q) hta_st_le32(q, (uint32_t)(i == T_BIAS ? l->bias[o] : l->mult[o]));
      }
      break;
    case T_SHIFT: wb_bytes(t, l->shift, oc); break;
    case T_WB:
      if (hta_layer_is_depthwise(l))
        wb_packed_rows(t, l->wb, oc, (size_t)l->r * K, kind, HTA_KIND_STRASSEN, 2);
      else
        wb_packed_rows(t, l->wb, 1, (size_t)l->r * K, NULL, 0, 2);
      break;
    case T_HMUL:
    case T_HSHIFT: {
      const size_t r = (size_t)l->r, blocks = hta_layer_is_depthwise(l) ? oc : 1;
      for (size_t bk = 0; bk < blocks; bk++) {
        if (blocks > 1 && kind[bk] != HTA_KIND_STRASSEN) continue;
        for (size_t j = 0; j < r; j++) {
          if (i == T_HSHIFT) {
            wb_bytes(t, &l->hshift[bk * r + j], 1);
          } else {
            uint8_t *q = wb_grow(t, 4);
            if (q) hta_st_le32(q, (uint32_t)l->hmul[bk * r + j]);
          }
        }
      }
      break;
    }
    case T_WC: wb_packed_rows(t, l->wc, oc, (size_t)l->r, kind, HTA_KIND_STRASSEN, 2); break;
    case T_LUT: wb_bytes(t, l->lut, 256); break;
    }
    if (!t->oom && t->len - before != len[i]) t->oom = 1; /* cannot happen */
  }
  uint8_t *q = wb_grow(rec, record_bytes(version));
  if (q == NULL) return;
  const int32_t f[18] = {(int32_t)l->op, l->in_h, l->in_w, l->in_c, l->out_c, l->kh, l->kw,
                         l->stride, l->pad_t, l->pad_b, l->pad_l, l->pad_r, l->zp_in,
                         l->zp_out, l->act_min, l->act_max, l->group, l->r};
  for (int i = 0; i < 18; i++) hta_st_le32(q + 4 * i, (uint32_t)f[i]);
  for (int i = 0; i < 4; i++) hta_st_le32(q + 72 + 4 * i, (uint32_t)c[i]);
  for (int i = 0; i < n_tensors(version); i++) {
    hta_st_le64(q + 88 + 16 * i, off[i]);
    hta_st_le64(q + 96 + 16 * i, len[i]);
  }
  if (version == 1) return;
  const int32_t g[V2_FIELDS] = {l->n_src,     l->src[0],      l->src[1],      l->in2_h,
                                l->in2_w,     l->in2_c,       l->zp_in2,      l->in_mult[0],
                                l->in_mult[1], l->in_shift[0], l->in_shift[1]};
  for (int i = 0; i < V2_FIELDS; i++) hta_st_le32(q + 88 + 16 * N_TENSORS + 4 * i, (uint32_t)g[i]);
  if (version >= 3) hta_st_le32(q + LAYER_RECORD_BYTES_V2, (uint32_t)l->cgroups);
}

int hta_model_write_mem(const hta_model *m, uint8_t **buf, size_t *len) {
  if (m == NULL || buf == NULL || len == NULL) return -1;
  *buf = NULL;
  *len = 0;
  wbuf info = {0}, rec = {0}, ten = {0};
  const size_t name_len = strlen(m->name), plan_len = strlen(m->plan);
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  uint8_t *q = wb_grow(&info, INFO_FIXED_BYTES);
  if (q) {
    const int32_t f[5] = {mi.in_h, mi.in_w, mi.in_c, mi.in_zp, 0};
    const int32_t g[5] = {mi.out_h, mi.out_w, mi.out_c, mi.out_zp, 0};
    hta_st_le32(q, (uint32_t)m->n);
    for (int i = 0; i < 4; i++) hta_st_le32(q + 4 + 4 * i, (uint32_t)f[i]);
    hta_st_le32(q + 20, float_bits(m->in_scale));
    for (int i = 0; i < 4; i++) hta_st_le32(q + 24 + 4 * i, (uint32_t)g[i]);
    hta_st_le32(q + 40, float_bits(m->out_scale));
    hta_st_le16(q + 44, (uint16_t)name_len);
    hta_st_le16(q + 46, (uint16_t)plan_len);
  }
  wb_bytes(&info, m->name, name_len);
  wb_bytes(&info, m->plan, plan_len);
  const unsigned version = model_version(m);
  for (int i = 0; i < m->n; i++) write_layer(&rec, &ten, &m->layers[i], version);
  int rc = -1;
  if (!info.oom && !rec.oom && !ten.oom) {
    const wbuf *sec[N_SECTIONS] = {&info, &rec, &ten};
    const size_t table_end = HEADER_BYTES + N_SECTIONS * SECTION_ENTRY_BYTES;
    const size_t total = table_end + info.len + rec.len + ten.len;
    uint8_t *out = calloc(total, 1);
    if (out != NULL) {
      memcpy(out, FILE_MAGIC, 4);
      hta_st_le32(out + 4, version);
      hta_st_le32(out + 8, HEADER_BYTES);
      hta_st_le32(out + 12, N_SECTIONS);
      hta_st_le64(out + 16, total);
      size_t pos = table_end;
      for (unsigned s = 0; s < N_SECTIONS; s++) {
        uint8_t *e = out + HEADER_BYTES + s * SECTION_ENTRY_BYTES;
        hta_st_le32(e, s + 1);
        hta_st_le64(e + 8, pos);
        hta_st_le64(e + 16, sec[s]->len);
        if (sec[s]->len) memcpy(out + pos, sec[s]->p, sec[s]->len);
        hta_st_le32(e + 24, crc32_buf(out + pos, sec[s]->len));
        pos += sec[s]->len;
      }
      hta_st_le32(out + 24, crc32_buf(out, table_end)); /* the crc field is still 0 */
      *buf = out;
      *len = total;
      rc = 0;
    }
  }
  free(info.p);
  free(rec.p);
  free(ten.p);
  return rc;
}

int hta_model_save(const hta_model *m, const char *path, char *err, size_t errlen) {
  uint8_t *buf;
  size_t len;
  if (path == NULL) return hta_errf(err, errlen, "path is NULL");
  if (hta_model_write_mem(m, &buf, &len)) return hta_errf(err, errlen, "out of memory");
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    const int e = errno;
    free(buf);
    return hta_errf(err, errlen, "%s: cannot create: %s", path, strerror(e));
  }
  const size_t nw = fwrite(buf, 1, len, f);
  const int e = errno;
  free(buf);
  if (nw != len) {
    fclose(f);
    return hta_errf(err, errlen, "%s: write error: %s", path, strerror(e));
  }
  if (fclose(f) != 0) return hta_errf(err, errlen, "%s: write error: %s", path, strerror(errno));
  return 0;
}

/* ---- reader ---- */

/* Unpack a ternary/binary stream of n weights from exactly nb bytes into the
 * selected rows of a [rows][rowlen] array. Rejects code 10 and nonzero
 * unused bits. 0 or -1 with a message. */
static int unpack_rows(const uint8_t *in, uint64_t nb, int8_t *a, size_t rows, size_t rowlen,
                       const uint8_t *kind, int want, int bits, char *err, size_t errlen) {
  size_t j = 0;
  for (size_t o = 0; o < rows; o++) {
    if (kind != NULL && kind[o] != want) continue;
    int8_t *dst = a + o * rowlen;
    for (size_t k = 0; k < rowlen; k++, j++) {
      const unsigned code = bits == 2 ? (in[j / 4] >> (2 * (j % 4))) & 3u
                                      : (in[j / 8] >> (j % 8)) & 1u;
      if (bits == 2 && code == 2)
        return hta_errf(err, errlen, "invalid ternary code 10 at weight %zu", j);
      dst[k] = bits == 2 ? (int8_t)(code == 0 ? 0 : code == 1 ? 1 : -1)
                         : (int8_t)(code ? -1 : 1);
    }
  }
  const size_t per = bits == 2 ? 4 : 8;
  if (j % per != 0) {
    const unsigned used = (unsigned)(j % per) * (unsigned)bits;
    if (in[nb - 1] >> used)
      return hta_errf(err, errlen, "unused bits of the last byte are not zero");
  }
  return 0;
}

typedef struct reader {
  const uint8_t *ten; /* the TENSORS section */
  uint64_t ten_len;
  uint64_t cursor;    /* where the next present tensor must start */
  uint64_t mem, mem_budget;
} reader;

static void *alloc_n(uint64_t n) { return calloc(n ? (size_t)n : 1, 1); }

/* Decode one layer record (layer i, of a file of this version) into *l
 * (arrays owned). 0 or -1 with a message (not yet prefixed with the layer). */
static int read_layer(reader *rd, const uint8_t *p, unsigned version, int li, hta_layer *l,
                      char *err, size_t errlen) {
  char msg[200];
  memset(l, 0, sizeof *l);
  int32_t f[18];
  for (int i = 0; i < 18; i++) f[i] = get_i32(p + 4 * i);
  const int max_op = version == 1 ? HTA_OP_GAP : HTA_OP_COUNT - 1;
  if (f[0] < 0 || f[0] > max_op)
    return hta_errf(err, errlen, "op = %d is not an operation of version %u", f[0], version);
  l->op = (hta_op)f[0];
  l->in_h = f[1]; l->in_w = f[2]; l->in_c = f[3]; l->out_c = f[4];
  l->kh = f[5]; l->kw = f[6]; l->stride = f[7];
  l->pad_t = f[8]; l->pad_b = f[9]; l->pad_l = f[10]; l->pad_r = f[11];
  l->zp_in = f[12]; l->zp_out = f[13]; l->act_min = f[14]; l->act_max = f[15];
  l->group = f[16]; l->r = f[17];
  if (version == 1) {
    l->n_src = 1; /* the chain */
    l->src[0] = li;
  } else {
    int32_t g[V2_FIELDS];
    for (int i = 0; i < V2_FIELDS; i++) g[i] = get_i32(p + 88 + 16 * N_TENSORS + 4 * i);
    l->n_src = g[0]; l->src[0] = g[1]; l->src[1] = g[2];
    l->in2_h = g[3]; l->in2_w = g[4]; l->in2_c = g[5]; l->zp_in2 = g[6];
    l->in_mult[0] = g[7]; l->in_mult[1] = g[8]; l->in_shift[0] = g[9]; l->in_shift[1] = g[10];
    if (l->n_src != hta_op_inputs(l->op))
      return hta_errf(err, errlen, "n_src = %d, expected %d for %s", l->n_src,
                      hta_op_inputs(l->op), hta_op_name(l->op));
  }
  if (version >= 3) {
    l->cgroups = get_i32(p + LAYER_RECORD_BYTES_V2);
    if (l->cgroups == 1 || l->cgroups < 0)
      return hta_errf(err, errlen, "cgroups = %d: 0 (not grouped) or the group count >= 2",
                      l->cgroups);
  }
  if (l->op == HTA_OP_GAP &&
      (l->kh != 1 || l->kw != 1 || l->stride != 1 || l->pad_t || l->pad_b || l->pad_l ||
       l->pad_r || l->group || l->r))
    return hta_errf(err, errlen, "GAP needs kh = kw = stride = 1, no padding, group = r = 0");
  if (hta_model_layer_limits(l, msg, sizeof msg)) return hta_errf(err, errlen, "%s", msg);
  uint32_t cnt[4];
  for (int i = 0; i < 4; i++) cnt[i] = hta_ld_le32(p + 72 + 4 * i);
  uint64_t off[N_TENSORS] = {0}, len[N_TENSORS] = {0};
  for (int i = 0; i < n_tensors(version); i++) {
    off[i] = hta_ld_le64(p + 88 + 16 * i);
    len[i] = hta_ld_le64(p + 96 + 16 * i);
  }
  /* The table is present iff its length is 256 (version 2 only); allocated
   * now (filled below) so the expected lengths and the budget count it. */
  if (len[T_LUT] == 256) {
    l->lut = alloc_n(256);
    if (l->lut == NULL) return hta_errf(err, errlen, "out of memory");
  }
  const uint64_t oc = (uint64_t)l->out_c;
  /* The kind map first: the other tensors' lengths follow from it. */
  int c[4] = {0, 0, 0, 0};
  uint8_t *kind = NULL;
  if (hta_op_has_weights(l->op)) {
    if (len[T_KIND] != oc)
      return hta_errf(err, errlen, "tensor kind: length %llu, expected out_c = %llu",
                  (unsigned long long)len[T_KIND], (unsigned long long)oc);
    if (off[T_KIND] != rd->cursor || len[T_KIND] > rd->ten_len - rd->cursor)
      return hta_errf(err, errlen, "tensor kind: offset %llu length %llu, expected offset %llu "
                  "within section TENSORS of %llu bytes", (unsigned long long)off[T_KIND],
                  (unsigned long long)len[T_KIND], (unsigned long long)rd->cursor,
                  (unsigned long long)rd->ten_len);
    const uint8_t *km = rd->ten + off[T_KIND];
    for (uint64_t o = 0; o < oc; o++) {
      if (km[o] > HTA_KIND_STRASSEN)
        return hta_errf(err, errlen, "kind[%llu] = %u is not a weight kind", (unsigned long long)o,
                    km[o]);
      c[km[o]]++;
    }
  }
  for (int i = 0; i < 4; i++)
    if (cnt[i] != (uint32_t)c[i])
      return hta_errf(err, errlen, "n_%s = %u but the kind map has %d",
                  i == 0 ? "int8" : i == 1 ? "ternary" : i == 2 ? "binary" : "strassen", cnt[i],
                  c[i]);
  if (c[HTA_KIND_STRASSEN] == 0 && l->r != 0)
    return hta_errf(err, errlen, "r = %d but no filter is STRASSEN", l->r);
  if (c[HTA_KIND_STRASSEN] > 0 && l->r < 1)
    return hta_errf(err, errlen, "r = %d must be >= 1 with STRASSEN filters", l->r);
  /* Budget before any allocation. */
  const uint64_t need = hta_model_layer_mem(l);
  if (need > rd->mem_budget - rd->mem)
    return hta_errf(err, errlen, "needs %llu bytes of memory, more than a file of this size "
                "may ask for", (unsigned long long)need);
  rd->mem += need;
  uint64_t want[N_TENSORS];
  tensor_lengths(l, c, want);
  for (int i = 0; i < N_TENSORS; i++) {
    if (len[i] != want[i])
      return hta_errf(err, errlen, "tensor %s: length %llu, expected %llu", tensor_name[i],
                  (unsigned long long)len[i], (unsigned long long)want[i]);
    if (len[i] == 0) {
      if (off[i] != 0)
        return hta_errf(err, errlen, "tensor %s: absent but offset %llu is not 0", tensor_name[i],
                    (unsigned long long)off[i]);
      continue;
    }
    if (off[i] != rd->cursor)
      return hta_errf(err, errlen, "tensor %s: offset %llu, expected %llu (tensors are "
                  "consecutive)", tensor_name[i], (unsigned long long)off[i],
                  (unsigned long long)rd->cursor);
    if (len[i] > rd->ten_len - rd->cursor)
      return hta_errf(err, errlen, "tensor %s: offset %llu + length %llu passes the end of "
                  "section TENSORS (%llu bytes)", tensor_name[i], (unsigned long long)off[i],
                  (unsigned long long)len[i], (unsigned long long)rd->ten_len);
    rd->cursor += len[i];
  }
  /* Everything is in bounds: allocate and decode. */
  const size_t K = (size_t)hta_layer_k(l), NG = (size_t)hta_layer_ngroups(l);
  if (l->lut != NULL) memcpy((int8_t *)l->lut, rd->ten + off[T_LUT], 256);
  if (!hta_op_has_output_stage(l->op)) return 0;
  int32_t *bias = alloc_n(oc * 4), *mult = alloc_n(oc * 4);
  uint8_t *shift = alloc_n(oc);
  l->bias = bias; l->mult = mult; l->shift = shift;
  if (!bias || !mult || !shift) return hta_errf(err, errlen, "out of memory");
  for (uint64_t o = 0; o < oc; o++) {
    bias[o] = get_i32(rd->ten + off[T_BIAS] + 4 * o);
    mult[o] = get_i32(rd->ten + off[T_MULT] + 4 * o);
    shift[o] = rd->ten[off[T_SHIFT] + o];
  }
  if (!hta_op_has_weights(l->op)) return 0;
  kind = alloc_n(oc);
  l->kind = kind;
  if (!kind) return hta_errf(err, errlen, "out of memory");
  memcpy(kind, rd->ten + off[T_KIND], oc);
  if (c[HTA_KIND_INT8]) {
    int8_t *w = alloc_n(oc * K);
    l->w = w;
    if (!w) return hta_errf(err, errlen, "out of memory");
    const uint8_t *s = rd->ten + off[T_W];
    for (size_t o = 0; o < oc; o++)
      if (kind[o] == HTA_KIND_INT8) {
        memcpy(w + o * K, s, K);
        s += K;
      }
  }
  if (c[HTA_KIND_TERNARY] + c[HTA_KIND_BINARY]) {
    int8_t *t = alloc_n(oc * K);
    uint8_t *alpha = alloc_n(oc * NG);
    l->t = t; l->alpha = alpha;
    if (!t || !alpha) return hta_errf(err, errlen, "out of memory");
    if (c[HTA_KIND_TERNARY] &&
        unpack_rows(rd->ten + off[T_TERNARY], len[T_TERNARY], t, oc, K, kind, HTA_KIND_TERNARY,
                    2, msg, sizeof msg))
      return hta_errf(err, errlen, "tensor t_ternary: %s", msg);
    if (c[HTA_KIND_BINARY] &&
        unpack_rows(rd->ten + off[T_BINARY], len[T_BINARY], t, oc, K, kind, HTA_KIND_BINARY, 1,
                    msg, sizeof msg))
      return hta_errf(err, errlen, "tensor t_binary: %s", msg);
    const uint8_t *s = rd->ten + off[T_ALPHA];
    for (size_t o = 0; o < oc; o++)
      if (kind[o] == HTA_KIND_TERNARY || kind[o] == HTA_KIND_BINARY) {
        memcpy(alpha + o * NG, s, NG);
        s += NG;
      }
  }
  if (c[HTA_KIND_STRASSEN]) {
    const size_t r = (size_t)l->r;
    const int dw = hta_layer_is_depthwise(l);
    const size_t blocks = dw ? (size_t)oc : 1;
    int8_t *wb = alloc_n(blocks * r * K), *wc = alloc_n(oc * r);
    int32_t *hmul = alloc_n(blocks * r * 4);
    uint8_t *hshift = alloc_n(blocks * r);
    l->wb = wb; l->wc = wc; l->hmul = hmul; l->hshift = hshift;
    if (!wb || !wc || !hmul || !hshift) return hta_errf(err, errlen, "out of memory");
    if (unpack_rows(rd->ten + off[T_WB], len[T_WB], wb, blocks, r * K, dw ? kind : NULL,
                    HTA_KIND_STRASSEN, 2, msg, sizeof msg))
      return hta_errf(err, errlen, "tensor wb: %s", msg);
    if (unpack_rows(rd->ten + off[T_WC], len[T_WC], wc, (size_t)oc, r, kind, HTA_KIND_STRASSEN,
                    2, msg, sizeof msg))
      return hta_errf(err, errlen, "tensor wc: %s", msg);
    size_t j = 0;
    for (size_t b = 0; b < blocks; b++) {
      if (dw && kind[b] != HTA_KIND_STRASSEN) continue;
      for (size_t i = 0; i < r; i++, j++) {
        hmul[b * r + i] = get_i32(rd->ten + off[T_HMUL] + 4 * j);
        hshift[b * r + i] = rd->ten[off[T_HSHIFT] + j];
      }
    }
  }
  return 0;
}

hta_model *hta_model_read_mem(const uint8_t *buf, size_t len, char *err, size_t errlen) {
  char msg[240];
  if (buf == NULL) {
    hta_errf(err, errlen, "buffer is NULL");
    return NULL;
  }
  if (len < HEADER_BYTES) {
    hta_errf(err, errlen, "file truncated at byte %zu: the header needs %u", len, HEADER_BYTES);
    return NULL;
  }
  if (memcmp(buf, FILE_MAGIC, 4) != 0) {
    hta_errf(err, errlen, "header: bad magic (not an .hta model file)");
    return NULL;
  }
  const uint32_t version = hta_ld_le32(buf + 4);
  if (version < 1 || version > FILE_VERSION) {
    hta_errf(err, errlen, "header: unsupported version %u (this reader knows 1 to %u)", version,
         FILE_VERSION);
    return NULL;
  }
  const uint64_t file_bytes = hta_ld_le64(buf + 16);
  if (file_bytes > len) {
    hta_errf(err, errlen, "file truncated at byte %zu of %llu", len, (unsigned long long)file_bytes);
    return NULL;
  }
  if (file_bytes < len) {
    hta_errf(err, errlen, "header: file_bytes %llu but the file has %zu bytes",
         (unsigned long long)file_bytes, len);
    return NULL;
  }
  if (hta_ld_le32(buf + 8) != HEADER_BYTES) {
    hta_errf(err, errlen, "header: header_bytes %u, expected %u", hta_ld_le32(buf + 8), HEADER_BYTES);
    return NULL;
  }
  if (hta_ld_le32(buf + 12) != N_SECTIONS) {
    hta_errf(err, errlen, "header: n_sections %u, expected %u", hta_ld_le32(buf + 12), N_SECTIONS);
    return NULL;
  }
  if (hta_ld_le32(buf + 28) != 0) {
    hta_errf(err, errlen, "header: reserved word is not 0");
    return NULL;
  }
  const size_t table_end = HEADER_BYTES + N_SECTIONS * SECTION_ENTRY_BYTES;
  if (len < table_end) {
    hta_errf(err, errlen, "file truncated at byte %zu: the section table ends at %zu", len,
         table_end);
    return NULL;
  }
  {
    uint8_t hdr[HEADER_BYTES + N_SECTIONS * SECTION_ENTRY_BYTES];
    memcpy(hdr, buf, table_end);
    hta_st_le32(hdr + 24, 0);
    if (crc32_buf(hdr, table_end) != hta_ld_le32(buf + 24)) {
      hta_errf(err, errlen, "header: CRC mismatch (header or section table corrupt)");
      return NULL;
    }
  }
  const uint8_t *sec[N_SECTIONS + 1] = {NULL};
  uint64_t sec_len[N_SECTIONS + 1] = {0};
  uint64_t pos = table_end;
  for (unsigned s = 0; s < N_SECTIONS; s++) {
    const uint8_t *e = buf + HEADER_BYTES + s * SECTION_ENTRY_BYTES;
    const unsigned want = s + 1;
    const uint32_t kind = hta_ld_le32(e);
    const uint64_t off = hta_ld_le64(e + 8), slen = hta_ld_le64(e + 16);
    if (kind != want) {
      hta_errf(err, errlen, "section table entry %u: kind %u, expected %u (%s)", s, kind, want,
           sec_name[want]);
      return NULL;
    }
    if (hta_ld_le32(e + 4) != 0 || hta_ld_le32(e + 28) != 0) {
      hta_errf(err, errlen, "section %s: reserved word is not 0", sec_name[want]);
      return NULL;
    }
    if (off != pos) {
      hta_errf(err, errlen, "section %s: offset %llu, expected %llu (sections are consecutive)",
           sec_name[want], (unsigned long long)off, (unsigned long long)pos);
      return NULL;
    }
    if (slen > len - off) {
      hta_errf(err, errlen, "section %s: offset %llu + length %llu passes the end of the file "
           "(%zu bytes)", sec_name[want], (unsigned long long)off, (unsigned long long)slen,
           len);
      return NULL;
    }
    if (crc32_buf(buf + off, (size_t)slen) != hta_ld_le32(e + 24)) {
      hta_errf(err, errlen, "section %s: CRC mismatch", sec_name[want]);
      return NULL;
    }
    sec[want] = buf + off;
    sec_len[want] = slen;
    pos = off + slen;
  }
  if (pos != len) {
    hta_errf(err, errlen, "%llu bytes after the last section", (unsigned long long)(len - pos));
    return NULL;
  }
  /* INFO */
  const uint8_t *in = sec[SEC_INFO];
  if (sec_len[SEC_INFO] < INFO_FIXED_BYTES) {
    hta_errf(err, errlen, "section INFO: length %llu, shorter than its %u fixed bytes",
         (unsigned long long)sec_len[SEC_INFO], INFO_FIXED_BYTES);
    return NULL;
  }
  const uint32_t n_layers = hta_ld_le32(in);
  const unsigned name_len = hta_ld_le16(in + 44), plan_len = hta_ld_le16(in + 46);
  if (sec_len[SEC_INFO] != INFO_FIXED_BYTES + (uint64_t)name_len + plan_len) {
    hta_errf(err, errlen, "section INFO: length %llu, expected %u + name_len %u + plan_len %u",
         (unsigned long long)sec_len[SEC_INFO], INFO_FIXED_BYTES, name_len, plan_len);
    return NULL;
  }
  if (name_len > HTA_MODEL_MAX_NAME || plan_len > HTA_MODEL_MAX_NAME) {
    hta_errf(err, errlen, "section INFO: name_len %u or plan_len %u exceeds %d", name_len, plan_len,
         HTA_MODEL_MAX_NAME);
    return NULL;
  }
  if (memchr(in + INFO_FIXED_BYTES, 0, name_len + plan_len) != NULL) {
    hta_errf(err, errlen, "section INFO: name or plan holds a NUL byte");
    return NULL;
  }
  if (n_layers > HTA_MODEL_MAX_LAYERS) {
    hta_errf(err, errlen, "section INFO: n_layers %u exceeds %d", n_layers, HTA_MODEL_MAX_LAYERS);
    return NULL;
  }
  if (sec_len[SEC_LAYERS] != (uint64_t)n_layers * record_bytes(version)) {
    hta_errf(err, errlen, "section LAYERS: length %llu, expected n_layers %u x %u",
         (unsigned long long)sec_len[SEC_LAYERS], n_layers, record_bytes(version));
    return NULL;
  }
  const float in_scale = bits_float(hta_ld_le32(in + 20)), out_scale = bits_float(hta_ld_le32(in + 40));
  const int32_t in_zp = get_i32(in + 16), out_zp = get_i32(in + 36);
  if (!isfinite(in_scale) || !(in_scale > 0) || !isfinite(out_scale) || !(out_scale > 0)) {
    hta_errf(err, errlen, "section INFO: in_scale %g / out_scale %g must be finite and positive",
         (double)in_scale, (double)out_scale);
    return NULL;
  }
  if (in_zp < -128 || in_zp > 127 || out_zp < -128 || out_zp > 127) {
    hta_errf(err, errlen, "section INFO: in_zp %d / out_zp %d is not int8", in_zp, out_zp);
    return NULL;
  }
  char name[HTA_MODEL_MAX_NAME + 1], plan[HTA_MODEL_MAX_NAME + 1];
  memcpy(name, in + INFO_FIXED_BYTES, name_len);
  name[name_len] = '\0';
  memcpy(plan, in + INFO_FIXED_BYTES + name_len, plan_len);
  plan[plan_len] = '\0';
  hta_model *m = hta_model_new(name, plan);
  if (m == NULL) {
    hta_errf(err, errlen, "out of memory");
    return NULL;
  }
  hta_model_set_io_quant(m, in_scale, in_zp, out_scale, out_zp);
  reader rd = {sec[SEC_TENSORS], sec_len[SEC_TENSORS], 0, 0,
               (uint64_t)len * MEM_FACTOR + MEM_SLACK};
  for (uint32_t i = 0; i < n_layers; i++) {
    hta_layer l;
    if (read_layer(&rd, sec[SEC_LAYERS] + (size_t)i * record_bytes(version), version, (int)i,
                   &l, msg, sizeof msg) ||
        hta_layer_check(&l, msg, sizeof msg)) {
      hta_errf(err, errlen, "layer %u: %s", i, msg);
      hta_model_free_layer(&l);
      hta_model_free(m);
      return NULL;
    }
    if (hta_model_push_owned(m, &l)) {
      hta_errf(err, errlen, "layer %u: out of memory", i);
      hta_model_free_layer(&l);
      hta_model_free(m);
      return NULL;
    }
    if (hta_layer_links(m->layers, (int)i, msg, sizeof msg)) {
      hta_errf(err, errlen, "layer %u: %s", i, msg);
      hta_model_free(m);
      return NULL;
    }
  }
  if (version >= 2 && model_version(m) != version) {
    hta_errf(err, errlen, "header: version %u for a model of version-%u layers (written as %u)",
             version, model_version(m), model_version(m));
    hta_model_free(m);
    return NULL;
  }
  if (rd.cursor != rd.ten_len) {
    hta_errf(err, errlen, "section TENSORS: %llu bytes after the last tensor",
         (unsigned long long)(rd.ten_len - rd.cursor));
    hta_model_free(m);
    return NULL;
  }
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const int32_t shp[6] = {get_i32(in + 4),  get_i32(in + 8),  get_i32(in + 12),
                          get_i32(in + 24), get_i32(in + 28), get_i32(in + 32)};
  const int want_shp[6] = {mi.in_h, mi.in_w, mi.in_c, mi.out_h, mi.out_w, mi.out_c};
  static const char *const shp_name[6] = {"in_h", "in_w", "in_c", "out_h", "out_w", "out_c"};
  for (int i = 0; i < 6; i++)
    if (shp[i] != want_shp[i]) {
      hta_errf(err, errlen, "section INFO: %s = %d but the layers give %d", shp_name[i], shp[i],
           want_shp[i]);
      hta_model_free(m);
      return NULL;
    }
  return m;
}

hta_model *hta_model_load(const char *path, char *err, size_t errlen) {
  if (path == NULL) {
    hta_errf(err, errlen, "path is NULL");
    return NULL;
  }
  /* O_NONBLOCK: a FIFO with no writer would block the open forever; it is
   * refused below with everything else that is not a regular file (a
   * device such as /dev/zero never ends). The size is known before a byte
   * is read, and the read is bounded by it. */
  const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    hta_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    close(fd);
    hta_errf(err, errlen, "%s: cannot stat: %s", path, strerror(e));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    hta_errf(err, errlen, "%s: %s", path,
             S_ISFIFO(st.st_mode)  ? "is a FIFO, not a model file (only regular files are read)"
             : S_ISDIR(st.st_mode) ? "is a directory, not a model file"
             : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)
                 ? "is a device, not a model file (only regular files are read)"
                 : "not a regular file");
    return NULL;
  }
  if ((uint64_t)st.st_size > MAX_FILE_BYTES) {
    close(fd);
    hta_errf(err, errlen, "%s: %llu bytes, larger than the model size limit (%llu bytes)", path,
             (unsigned long long)st.st_size, (unsigned long long)MAX_FILE_BYTES);
    return NULL;
  }
  const size_t size = (size_t)st.st_size;
  uint8_t *buf = malloc(size ? size : 1);
  if (buf == NULL) {
    close(fd);
    hta_errf(err, errlen, "%s: out of memory (%zu bytes)", path, size);
    return NULL;
  }
  size_t len = 0;
  while (len < size) { /* a file that shrinks meanwhile is read as it is */
    const ssize_t n = read(fd, buf + len, size - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      free(buf);
      close(fd);
      hta_errf(err, errlen, "%s: read error: %s", path, strerror(e));
      return NULL;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  char msg[300];
  hta_model *m = hta_model_read_mem(buf, len, msg, sizeof msg);
  free(buf);
  if (m == NULL) hta_errf(err, errlen, "%s: %s", path, msg);
  return m;
}

/* ---- sizes for the cost model (stats.c) ---- */

/* A layer alone is counted with the record of the version its op and table
 * need; in a version-2 file every record has the version-2 size
 * (hta_model_record_bytes; hta_stats_model corrects for it). */
static unsigned layer_record_bytes(const hta_layer *l) {
  if (hta_layer_is_v3(l)) return LAYER_RECORD_BYTES_V3;
  return (unsigned)l->op > (unsigned)HTA_OP_GAP || l->lut ? LAYER_RECORD_BYTES_V2
                                                          : LAYER_RECORD_BYTES;
}

uint64_t hta_model_layer_file_bytes(const hta_layer *l) {
  int c[4];
  hta_model_kind_counts(l, c);
  uint64_t len[N_TENSORS];
  tensor_lengths(l, c, len);
  uint64_t n = layer_record_bytes(l);
  for (int i = 0; i < N_TENSORS; i++) n += len[i];
  return n;
}

uint64_t hta_model_file_fixed_bytes(const hta_model *m) {
  return HEADER_BYTES + N_SECTIONS * SECTION_ENTRY_BYTES + INFO_FIXED_BYTES +
         (uint64_t)strlen(m->name) + (uint64_t)strlen(m->plan);
}

uint64_t hta_model_record_bytes(const hta_model *m) { return record_bytes(model_version(m)); }
uint64_t hta_model_layer_record_bytes(const hta_layer *l) { return layer_record_bytes(l); }
