/*
 * test_hta_npy.c - the CLI's .npy reader and writer (tools/hta/npy.c):
 * round trips of several shapes, the header variants NumPy writes (versions
 * 1.0 and 2.0, Python 2 longs, 1-d and 0-d shapes), and clean errors - never
 * a read out of bounds (the sanitizer build checks) - on every truncation of
 * a valid file and on wrong dtypes, Fortran order and malformed headers.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "npy.h"

/* A v1.0 (or v2.0) file image with header dict d and n data bytes 0,1,2... */
static size_t make(uint8_t *buf, int major, const char *d, size_t n) {
  const size_t dl = strlen(d), pre = major == 1 ? 10 : 12;
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (uint8_t)major;
  buf[7] = 0;
  const size_t hl = dl + 1;
  buf[8] = (uint8_t)hl;
  buf[9] = (uint8_t)(hl >> 8);
  if (major != 1) buf[10] = buf[11] = 0;
  memcpy(buf + pre, d, dl);
  buf[pre + dl] = '\n';
  for (size_t i = 0; i < n; i++) buf[pre + hl + i] = (uint8_t)i;
  return pre + hl + n;
}

static void expect_error(const char *name, const char *d, size_t n, const char *want) {
  static uint8_t buf[4096];
  const size_t len = make(buf, 1, d, n);
  npy_array a;
  char err[300] = "";
  const int rc = npy_parse(buf, len, &a, err, sizeof err);
  check(rc == -1 && strstr(err, want) != NULL, name, "rc %d, err '%s'", rc, err);
  if (rc == 0) npy_free(&a);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char path[] = "/tmp/test_hta_npy_XXXXXX";
  const int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  const size_t shapes[][4] = {{2, 3, 4, 5}, {7, 0, 0, 0}, {1, 1, 1, 1000}};
  const int ndims[] = {4, 1, 4};
  for (int s = 0; s < 3; s++) {
    size_t n = 1;
    for (int i = 0; i < ndims[s]; i++) n *= shapes[s][i];
    int8_t *data = malloc(n);
    for (size_t i = 0; i < n; i++) data[i] = (int8_t)(i * 37 + 5);
    char err[300] = "";
    npy_array a = {0};
    int ok = npy_write(path, ndims[s], shapes[s], data, err, sizeof err) == 0 &&
             npy_read(path, n, "test", &a, err, sizeof err) == 0 && a.ndim == ndims[s] &&
             a.count == n &&
             memcmp(a.data, data, n) == 0;
    for (int i = 0; ok && i < ndims[s]; i++) ok = a.shape[i] == shapes[s][i];
    check(ok, "round trip", "shape %d: %s", s, err);
    /* every truncation of the file is a clean error */
    uint8_t *img;
    size_t len;
    int trunc_ok = npy_read_file(path, UINT64_MAX, "test", &img, &len, err, sizeof err) == 0;
    for (size_t cut = 0; trunc_ok && cut < len; cut++) {
      npy_array t;
      uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
      memcpy(copy, img, cut);
      if (npy_parse(copy, cut, &t, err, sizeof err) == 0) {
        trunc_ok = 0;
        npy_free(&t);
      }
      free(copy);
    }
    check(trunc_ok, "every truncation is refused", "shape %d", s);
    free(img);
    npy_free(&a);
    free(data);
  }
  unlink(path);

  static uint8_t buf[4096];
  npy_array a;
  char err[300] = "";
  size_t len = make(buf, 2, "{'descr': '<i1', 'shape': (3L, 2L), 'fortran_order': False}", 6);
  check(npy_parse(buf, len, &a, err, sizeof err) == 0 && a.ndim == 2 && a.shape[0] == 3 &&
            a.count == 6 && a.data[5] == 5,
        "version 2.0, key order, Python 2 longs", "%s", err);
  if (a.data) npy_free(&a);
  len = make(buf, 1, "{'descr':'|i1','fortran_order':False,'shape':()}", 1);
  check(npy_parse(buf, len, &a, err, sizeof err) == 0 && a.ndim == 0 && a.count == 1,
        "0-d array", "%s", err);
  if (a.data) npy_free(&a);
  expect_error("float dtype", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8,
               "not int8");
  expect_error("uint8 dtype", "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", 2,
               "not int8");
  expect_error("fortran order", "{'descr': '|i1', 'fortran_order': True, 'shape': (2,), }", 2,
               "fortran_order");
  expect_error("missing shape", "{'descr': '|i1', 'fortran_order': False, }", 2, "shape");
  expect_error("unknown key", "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), "
                              "'x': 1}", 2, "unknown key");
  expect_error("trailing data", "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", 3,
               "trailing");
  expect_error("short data", "{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }", 3,
               "truncated");
  expect_error("bad shape", "{'descr': '|i1', 'fortran_order': False, 'shape': (a,), }", 3,
               "shape");
  expect_error("shape overflow", "{'descr': '|i1', 'fortran_order': False, "
                                 "'shape': (4294967296, 4294967296, 4294967296), }", 3,
               "overflow");
  expect_error("too many dims", "{'descr': '|i1', 'fortran_order': False, "
                                "'shape': (1,1,1,1,1,1,1,1,1), }", 1, "dimensions");
  expect_error("not a dict", "['descr']", 0, "dictionary");
  memcpy(buf, "\x93NUMPX\x01\x00\x00\x00", 10);
  check(npy_parse(buf, 10, &a, err, sizeof err) == -1 && strstr(err, "magic"), "bad magic",
        "%s", err);
  len = make(buf, 4, "{}", 0);
  check(npy_parse(buf, len, &a, err, sizeof err) == -1 && strstr(err, "version 4"),
        "unknown version", "%s", err);
  check(npy_read("/nonexistent/x.npy", 100, "test", &a, err, sizeof err) == -1 &&
            strstr(err, "/nonexistent/x.npy"),
        "missing file names the path", "%s", err);
  /* bounded reads: a device that never ends, a FIFO nobody writes (its open
   * must not block), a file over the bound - each refused before reading */
  check(npy_read("/dev/zero", 100, "test", &a, err, sizeof err) == -1 &&
            strstr(err, "character device"),
        "/dev/zero is refused, not read", "%s", err);
  char fifo[] = "/tmp/test_hta_npy-XXXXXX";
  if (mkdtemp(fifo) != NULL) {
    char fp[64];
    snprintf(fp, sizeof fp, "%s/f", fifo);
    const int made = mkfifo(fp, 0600) == 0;
    check(made && npy_read(fp, 100, "test", &a, err, sizeof err) == -1 && strstr(err, "FIFO"),
          "a FIFO is refused without blocking", "%s", err);
    unlink(fp);
    rmdir(fifo);
  }
  char big[] = "/tmp/test_hta_npy-big-XXXXXX";
  const int bfd = mkstemp(big);
  if (bfd >= 0) {
    const int sized = ftruncate(bfd, 1000 + NPY_MAX_HEADER + 1) == 0;
    close(bfd);
    check(sized && npy_read(big, 1000, "the bound", &a, err, sizeof err) == -1 &&
              strstr(err, "larger than the bound"),
          "a file over the bound is refused, the bound named", "%s", err);
    uint8_t *img = NULL;
    size_t blen = 0;
    check(npy_read_file(big, 1000 + NPY_MAX_HEADER + 1, "x", &img, &blen, err, sizeof err) == 0 &&
              blen == 1000 + NPY_MAX_HEADER + 1,
          "a file at the bound is read", "%s", err);
    free(img);
    unlink(big);
  }
  return check_summary();
}
