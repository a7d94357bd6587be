/* npy.c - see npy.h. */
#include "npy.h"

#include "files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)

void npy_free(npy_array *a) {
  free(a->data);
  a->data = NULL;
}

int npy_read_file(const char *path, uint64_t max, const char *what, uint8_t **buf, size_t *len,
                  char *err, size_t errlen) {
  return read_file_bounded(path, max, what, buf, len, err, errlen);
}

/* The header dictionary: {'descr': '|i1', 'fortran_order': False,
 * 'shape': (2, 3), } in any key order, with optional spaces. */
static const char *skip_ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n')) p++;
  return p;
}

/* The header: shape into a->ndim/shape/count, the dtype string into
 * descr (NUL-terminated, at most 15 characters), the data offset into *off. */
static int parse_header(const uint8_t *buf, size_t len, npy_array *a, char descr[16],
                        size_t *off, char *err, size_t errlen) {
  memset(a, 0, sizeof *a);
  if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
    return FAIL("not a .npy file (no \\x93NUMPY magic)");
  const int major = buf[6];
  size_t hlen, hoff;
  if (major == 1) {
    hlen = buf[8] | (size_t)buf[9] << 8;
    hoff = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) return FAIL("truncated .npy header");
    hlen = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    hoff = 12;
  } else {
    return FAIL("unsupported .npy format version %d.%d", major, buf[7]);
  }
  if (hlen > len - hoff) return FAIL("truncated .npy header (%zu bytes announced)", hlen);
  const char *h = (const char *)buf + hoff, *e = h + hlen;
  int have_descr = 0, have_order = 0, have_shape = 0;
  const char *p = skip_ws(h, e);
  if (p >= e || *p++ != '{') return FAIL(".npy header is not a dictionary");
  for (;;) {
    p = skip_ws(p, e);
    if (p < e && *p == '}') break;
    if (p >= e || (*p != '\'' && *p != '"')) return FAIL(".npy header: expected a key");
    const char q = *p++;
    const char *k = p;
    while (p < e && *p != q) p++;
    if (p >= e) return FAIL(".npy header: unterminated key");
    const size_t klen = (size_t)(p - k);
    p = skip_ws(p + 1, e);
    if (p >= e || *p++ != ':') return FAIL(".npy header: expected ':'");
    p = skip_ws(p, e);
    if (klen == 5 && memcmp(k, "descr", 5) == 0) {
      if (p >= e || (*p != '\'' && *p != '"')) return FAIL(".npy header: bad descr");
      const char dq = *p++;
      const char *d = p;
      while (p < e && *p != dq) p++;
      if (p >= e) return FAIL(".npy header: bad descr");
      const size_t dl = (size_t)(p - d);
      p++;
      if (dl == 0 || dl > 15) return FAIL(".npy header: bad descr");
      memcpy(descr, d, dl);
      descr[dl] = '\0';
      have_descr = 1;
    } else if (klen == 13 && memcmp(k, "fortran_order", 13) == 0) {
      if (e - p >= 5 && memcmp(p, "False", 5) == 0) {
        p += 5;
      } else if (e - p >= 4 && memcmp(p, "True", 4) == 0) {
        return FAIL("fortran_order True is not supported (save a C-order array)");
      } else {
        return FAIL(".npy header: bad fortran_order");
      }
      have_order = 1;
    } else if (klen == 5 && memcmp(k, "shape", 5) == 0) {
      if (p >= e || *p++ != '(') return FAIL(".npy header: bad shape");
      for (;;) {
        p = skip_ws(p, e);
        if (p < e && *p == ')') {
          p++;
          break;
        }
        if (p >= e || *p < '0' || *p > '9') return FAIL(".npy header: bad shape");
        size_t v = 0;
        while (p < e && *p >= '0' && *p <= '9') {
          if (v > (SIZE_MAX - 9) / 10) return FAIL(".npy header: shape too large");
          v = v * 10 + (size_t)(*p++ - '0');
        }
        while (p < e && *p == 'L') p++; /* Python 2 longs */
        if (a->ndim == NPY_MAX_DIMS) return FAIL(".npy: more than %d dimensions", NPY_MAX_DIMS);
        a->shape[a->ndim++] = v;
        p = skip_ws(p, e);
        if (p < e && *p == ',') p++;
      }
      have_shape = 1;
    } else {
      return FAIL(".npy header: unknown key '%.*s'", (int)(klen > 20 ? 20 : klen), k);
    }
    p = skip_ws(p, e);
    if (p < e && *p == ',') p++;
  }
  if (!have_descr || !have_order || !have_shape)
    return FAIL(".npy header lacks %s", !have_descr ? "descr" : !have_order ? "fortran_order"
                                                                              : "shape");
  size_t count = 1;
  for (int i = 0; i < a->ndim; i++) {
    if (a->shape[i] != 0 && count > SIZE_MAX / a->shape[i]) return FAIL(".npy: shape overflows");
    count *= a->shape[i];
  }
  a->count = count;
  *off = hoff + hlen;
  return 0;
}

/* dtype code of descr: 'i' / 'u' / 'f' and the item size, little-endian or
 * single byte only; 0 on anything else. */
static int dtype_of(const char *descr, char *kind, size_t *size) {
  const char *d = descr;
  if (*d == '|' || *d == '<' || *d == '=') d++;
  else if (*d == '>' && strcmp(d + 1, "i1") != 0 && strcmp(d + 1, "u1") != 0) return 0;
  else if (*d == '>') d++;
  if (strcmp(d, "b") == 0) d = "i1"; /* numpy's old int8 code */
  if ((d[0] != 'i' && d[0] != 'u' && d[0] != 'f') || (d[1] != '1' && d[1] != '2' &&
                                                       d[1] != '4' && d[1] != '8') || d[2])
    return 0;
  if (d[0] == 'f' && (d[1] == '1' || d[1] == '2')) return 0;
  *kind = d[0];
  *size = (size_t)(d[1] - '0');
  return 1;
}

int npy_parse(const uint8_t *buf, size_t len, npy_array *a, char *err, size_t errlen) {
  char descr[16], kind;
  size_t off, size;
  if (parse_header(buf, len, a, descr, &off, err, errlen)) return -1;
  if (!dtype_of(descr, &kind, &size) || kind != 'i' || size != 1)
    return FAIL("dtype '%s' is not int8 (expected '|i1'; convert with "
                "x.astype(numpy.int8))", descr);
  const size_t have = len - off;
  if (have != a->count)
    return FAIL(".npy data is %zu bytes, shape needs %zu (%s)", have, a->count,
                have < a->count ? "file truncated" : "trailing bytes");
  a->data = malloc(a->count ? a->count : 1);
  if (a->data == NULL) return FAIL("out of memory");
  memcpy(a->data, buf + off, a->count);
  return 0;
}

int npy_parse_any(const uint8_t *buf, size_t len, npy_any *a, char *err, size_t errlen) {
  npy_array h;
  char descr[16];
  size_t off;
  memset(a, 0, sizeof *a);
  if (parse_header(buf, len, &h, descr, &off, err, errlen)) return -1;
  if (!dtype_of(descr, &a->kind, &a->itemsize))
    return FAIL("dtype '%s' is not a little-endian integer or float (int8..int64, uint8.."
                "uint64, float32, float64)", descr);
  a->ndim = h.ndim;
  memcpy(a->shape, h.shape, sizeof h.shape);
  a->count = h.count;
  if (a->count > (SIZE_MAX - 1) / a->itemsize) return FAIL(".npy: shape overflows");
  const size_t need = a->count * a->itemsize, have = len - off;
  if (have != need)
    return FAIL(".npy data is %zu bytes, shape and dtype '%s' need %zu (%s)", have, descr, need,
                have < need ? "file truncated" : "trailing bytes");
  a->data = malloc(need ? need : 1);
  if (a->data == NULL) return FAIL("out of memory");
  memcpy(a->data, buf + off, need);
  return 0;
}

double npy_any_get(const npy_any *a, size_t i) {
  const uint8_t *p = a->data + i * a->itemsize;
  uint64_t v = 0;
  for (size_t b = 0; b < a->itemsize; b++) v |= (uint64_t)p[b] << (8 * b);
  if (a->kind == 'f') {
    if (a->itemsize == 4) {
      float f;
      uint32_t u = (uint32_t)v;
      memcpy(&f, &u, 4);
      return f;
    }
    double d;
    memcpy(&d, &v, 8);
    return d;
  }
  if (a->kind == 'u' || a->itemsize == 8) return a->kind == 'u' ? (double)v : (double)(int64_t)v;
  const uint64_t sign = 1ull << (8 * a->itemsize - 1);
  return (double)(int64_t)((v ^ sign) - sign); /* sign-extend */
}

void npy_any_free(npy_any *a) {
  free(a->data);
  a->data = NULL;
}

int npy_read(const char *path, uint64_t max_count, const char *what, npy_array *a, char *err,
             size_t errlen) {
  uint8_t *buf;
  size_t len;
  memset(a, 0, sizeof *a);
  const uint64_t max = max_count > UINT64_MAX - NPY_MAX_HEADER ? UINT64_MAX
                                                               : max_count + NPY_MAX_HEADER;
  if (npy_read_file(path, max, what, &buf, &len, err, errlen) != 0) return -1;
  char e2[400];
  int rc = npy_parse(buf, len, a, e2, sizeof e2);
  free(buf);
  if (rc != 0) return FAIL("%s: %s", path, e2);
  return 0;
}

int npy_write(const char *path, int ndim, const size_t *shape, const int8_t *data, char *err,
              size_t errlen) {
  char dict[400];
  int n = snprintf(dict, sizeof dict, "{'descr': '|i1', 'fortran_order': False, 'shape': (");
  size_t count = 1;
  for (int i = 0; i < ndim; i++) {
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%zu%s", shape[i],
                  ndim == 1 || i + 1 < ndim ? ", " : "");
    count *= shape[i];
  }
  if (ndim == 1) n -= 1; /* "(5,)" */
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  /* pad with spaces so magic + length + dict + '\n' is a multiple of 64 */
  size_t total = 10 + (size_t)n + 1;
  const size_t pad = (64 - total % 64) % 64;
  char hdr[512];
  memcpy(hdr, "\x93NUMPY\x01\x00", 8);
  const size_t hlen = (size_t)n + pad + 1;
  hdr[8] = (char)(hlen & 0xff);
  hdr[9] = (char)(hlen >> 8);
  memcpy(hdr + 10, dict, (size_t)n);
  memset(hdr + 10 + n, ' ', pad);
  hdr[10 + n + pad] = '\n';
  /* a temporary file renamed over path when complete (files.h) */
  outfile o;
  if (outfile_open(&o, path, err, errlen) != 0 ||
      outfile_write(&o, hdr, 10 + hlen, err, errlen) != 0 ||
      outfile_write(&o, data, count, err, errlen) != 0)
    return -1;
  return outfile_commit(&o, err, errlen);
}
