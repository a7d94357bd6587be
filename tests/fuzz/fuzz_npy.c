/*
 * fuzz_npy.c - libFuzzer harness: bytes -> the CLI's .npy readers
 * (tools/hta/npy.c: npy_parse for int8 inputs, npy_parse_any for datasets),
 * docs/fuzzing.md.
 *
 * Properties checked on top of the sanitizers: a refused file has a
 * message; an accepted file's count is the product of its shape, its data
 * fills the rest of the file exactly (every byte is read here, so ASan sees
 * a short buffer), and every element of an npy_any converts to a double.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "npy.h"

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_npy: %s (%s)\n", what, detail);
  abort();
}

/* product of the shape, or fail */
static size_t product(int ndim, const size_t *shape) {
  if (ndim < 0 || ndim > NPY_MAX_DIMS) fail("ndim out of range", "");
  size_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[300] = "";
  npy_array a;
  if (npy_parse(data, size, &a, err, sizeof err) == 0) {
    if (a.count != product(a.ndim, a.shape)) fail("count != product(shape)", "npy_parse");
    if (a.count > size) fail("more data than the file holds", "npy_parse");
    unsigned sum = 0;
    for (size_t i = 0; i < a.count; i++) sum += (uint8_t)a.data[i];
    if (a.count > 0 && (uint8_t)a.data[a.count - 1] != data[size - 1])
      fail("the data is not the file's last count bytes", "npy_parse");
    (void)sum;
    npy_free(&a);
  } else if (err[0] == '\0') {
    fail("refused without a message", "npy_parse");
  }

  err[0] = '\0';
  npy_any y;
  if (npy_parse_any(data, size, &y, err, sizeof err) == 0) {
    if (y.count != product(y.ndim, y.shape)) fail("count != product(shape)", "npy_parse_any");
    if (y.itemsize != 1 && y.itemsize != 2 && y.itemsize != 4 && y.itemsize != 8)
      fail("itemsize not 1, 2, 4 or 8", "npy_parse_any");
    if (y.count > size / y.itemsize) fail("more data than the file holds", "npy_parse_any");
    double s = 0;
    for (size_t i = 0; i < y.count; i++) {
      const double v = npy_any_get(&y, i);
      if (y.kind != 'f' && !isfinite(v)) fail("an integer element is not finite", "");
      s += v;
    }
    (void)s;
    npy_any_free(&y);
  } else if (err[0] == '\0') {
    fail("refused without a message", "npy_parse_any");
  }
  return 0;
}
