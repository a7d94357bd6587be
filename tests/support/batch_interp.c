/* batch_interp.c - see batch_interp.h. */
#include "batch_interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_outputs.h"
#include "hta_golden.h"
#include "prog_interp_v2.h"
#include "rand_layer.h"

int batch_interp_check(const hta_v2_cfg *cfg, const hta_program *prog, const hta_layer *layers,
                       int n, hta_rng *g, const char *who, char *detail, size_t len) {
  const int nb = prog->batch > 1 ? prog->batch : 1;
  int8_t ***golden = calloc((size_t)nb, sizeof *golden);
  int8_t *input = malloc(hta_layer_in_size(&layers[0]));
  uint8_t *data = malloc(prog->data_size), *before = malloc(prog->data_size);
  int ok = 0, mem = golden && input && data && before;
  for (int b = 0; mem && b < nb; b++) {
    golden[b] = calloc((size_t)n, sizeof *golden[b]);
    for (int i = 0; golden[b] && i < n; i++) golden[b][i] = malloc(hta_layer_out_size(&layers[i]));
    mem = golden[b] && golden[b][n - 1];
  }
  hta_interp_status st;
  if (!mem) {
    snprintf(detail, len, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < prog->data_size; i++) data[i] = (uint8_t)hta_rng_u64(g);
  for (int b = 0; b < nb; b++) {
    hta_rand_fill(g, input, hta_layer_in_size(&layers[0]));
    if (hta_golden_layers(layers, n, input, golden[b]) != 0) {
      snprintf(detail, len, "golden model refused the layers");
      goto out;
    }
    const hta_tensor t = hta_tensor_item(&prog->input, b);
    hta_tensor_pack(&t, input, data);
  }
  memcpy(before, data, prog->data_size);
  if (hta_interp_v2_run(cfg, prog->bytes, prog->size, data, prog->data_size, NULL, &st) != 0) {
    snprintf(detail, len, "%s: interpreter: code %d at job %d (layer %d) info 0x%x: %s", who,
             st.code, st.layer, st.layer >= 0 ? prog->desc_layer[st.layer] : -1, st.info, st.msg);
    goto out;
  }
  if (st.layers_done != prog->n_desc) {
    snprintf(detail, len, "%s: interpreter ran %d of %d jobs", who, st.layers_done, prog->n_desc);
    goto out;
  }
  ok = check_batch_outputs(prog, layers, n, (int8_t *const *const *)golden, data, before, who,
                           detail, len);
out:
  for (int b = 0; golden && b < nb; b++) {
    for (int i = 0; golden[b] && i < n; i++) free(golden[b][i]);
    free(golden[b]);
  }
  free(golden);
  free(input);
  free(data);
  free(before);
  return ok;
}
