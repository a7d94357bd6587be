/* model_save.c - save_model (files.h): a .hta model written whole to a
 * temporary file and renamed, unlike hta_model_save, which writes in place. */
#include <stdio.h>
#include <stdlib.h>

#include "files.h"
#include "hta_model.h"

int save_model(const hta_model *m, const char *path, char *err, size_t errlen) {
  uint8_t *buf;
  size_t len;
  if (hta_model_write_mem(m, &buf, &len) != 0) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  const int rc = write_file_atomic(path, buf, len, err, errlen);
  free(buf);
  return rc;
}
