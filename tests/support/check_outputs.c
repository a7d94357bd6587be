/* check_outputs.c - see check_outputs.h. */
#include "check_outputs.h"

#include <stdio.h>
#include <stdlib.h>

int check_program_outputs(const hta_program *prog, const hta_layer *layers, int n,
                          int8_t *const *golden, const uint8_t *data, const uint8_t *before,
                          const char *who, char *detail, size_t len) {
  int8_t *const *const items[1] = {golden};
  return check_batch_outputs(prog, layers, n, items, data, before, who, detail, len);
}

int check_batch_outputs(const hta_program *prog, const hta_layer *layers, int n,
                        int8_t *const *const *golden, const uint8_t *data, const uint8_t *before,
                        const char *who, char *detail, size_t len) {
  const int nb = prog->batch > 1 ? prog->batch : 1;
  for (int it = 0; it < nb; it++)
    for (int i = 0; i < n; i++) {
      const hta_tensor t = hta_tensor_item(&prog->layer_out[i], it);
      const size_t size = hta_layer_out_size(&layers[i]);
      int8_t *got = malloc(size);
      if (got == NULL) {
        snprintf(detail, len, "out of memory");
        return 0;
      }
      hta_tensor_unpack(&t, data, got);
      for (size_t b = 0; b < size; b++) {
        if (got[b] != golden[it][i][b]) {
          const size_t px = b / (size_t)t.c;
          char item[32] = "";
          if (nb > 1) snprintf(item, sizeof item, "item %d ", it);
          snprintf(detail, len, "%slayer %d output pixel (%zu,%zu) channel %zu: %s %d, golden %d",
                   item, i, px / (size_t)t.w, px % (size_t)t.w, b % (size_t)t.c, who, got[b],
                   golden[it][i][b]);
          free(got);
          return 0;
        }
      }
      free(got);
    }
  for (size_t a = 0; a < prog->data_size; a++) {
    if (data[a] == before[a]) continue;
    int allowed = a >= prog->scratch_off && a < (size_t)prog->scratch_off + prog->scratch_bytes;
    for (int i = 0; i < n && !allowed; i++) {
      const hta_tensor *t = &prog->layer_out[i];
      allowed = a >= t->off && a < (size_t)t->off + (size_t)nb * t->bytes &&
                (a - t->off) % t->pix_stride < (size_t)t->c;
    }
    if (!allowed) {
      snprintf(detail, len,
               "data window byte 0x%zx changed outside the outputs (input at 0x%x, scratch "
               "0x%x+%u)", a, prog->input.off, prog->scratch_off, prog->scratch_bytes);
      return 0;
    }
  }
  return 1;
}
