/*
 * npy.h - NumPy .npy files of int8 (dtype |i1), C order: a small, strict
 * reader and a writer (format versions 1.0, 2.0 and 3.0 read; 1.0 written).
 * The reader validates the magic, the header dictionary (descr, fortran_order,
 * shape), and that the data is exactly product(shape) bytes.
 */
#ifndef HTA_NPY_H
#define HTA_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8

typedef struct npy_array {
  int ndim;
  size_t shape[NPY_MAX_DIMS];
  size_t count; /* product of shape (1 for a 0-d array) */
  int8_t *data; /* malloc'd; npy_free */
} npy_array;

/* Parse a whole file image. 0, or -1 with a message in err. */
int npy_parse(const uint8_t *buf, size_t len, npy_array *a, char *err, size_t errlen);
/* A file larger than max_count data bytes plus NPY_MAX_HEADER is refused
 * before it is read ("larger than WHAT"), and so is anything but a regular
 * file (files.h). */
#define NPY_MAX_HEADER 65548 /* magic, version and length (12) + 64 KiB of header */
int npy_read(const char *path, uint64_t max_count, const char *what, npy_array *a, char *err,
             size_t errlen);
/* Written to a temporary file renamed over path when complete. */
int npy_write(const char *path, int ndim, const size_t *shape, const int8_t *data, char *err,
              size_t errlen);
void npy_free(npy_array *a);

/* Any little-endian integer or float array (datasets: images, labels). */
typedef struct npy_any {
  int ndim;
  size_t shape[NPY_MAX_DIMS];
  size_t count;
  char kind;       /* 'i', 'u' or 'f' */
  size_t itemsize; /* 1, 2, 4 or 8 bytes */
  uint8_t *data;   /* count * itemsize bytes, as in the file; npy_any_free */
} npy_any;

int npy_parse_any(const uint8_t *buf, size_t len, npy_any *a, char *err, size_t errlen);
double npy_any_get(const npy_any *a, size_t i); /* element i as a double */
void npy_any_free(npy_any *a);

/* Whole file into memory (also for --raw), at most max bytes, a regular file
 * only. 0 or -1 with a message. */
int npy_read_file(const char *path, uint64_t max, const char *what, uint8_t **buf, size_t *len,
                  char *err, size_t errlen);

#endif /* HTA_NPY_H */
