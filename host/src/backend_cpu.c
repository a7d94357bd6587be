/*
 * backend_cpu.c - the "cpu" device: the golden model (hta_golden.h) run on
 * the host. It reads the input from the data window image and writes every
 * layer's output where the compiled program would, so everything above the
 * backend (outputs, layer outputs) works the same as on an engine. It counts
 * no cycles.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "hta_golden.h"

static int cpu_open(hta_device *dev, const char *opts) {
  if (opts[0] != '\0')
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "device 'cpu' takes no options (got '%s')",
                         opts);
  dev->priv = NULL;
  return HTA_SUCCESS;
}

static void cpu_close(hta_device *dev) { (void)dev; }

static int cpu_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  (void)timeout_ms; /* the golden model always ends; a layer takes seconds at most */
  int8_t *in = malloc(hta_layer_in_size(&layers[0]));
  if (in == NULL) return hta_dev_error(dev, HTA_ERROR_NO_MEM, "cpu: out of memory");
  hta_tensor_unpack(&prog->input, data, in);
  for (int i = 0; i < n; i++) {
    int8_t *out = malloc(hta_layer_out_size(&layers[i]));
    if (out == NULL) {
      free(in);
      return hta_dev_error(dev, HTA_ERROR_NO_MEM, "cpu: out of memory at layer %d", i);
    }
    if (hta_golden_layer(&layers[i], in, out) != 0) {
      free(in);
      free(out);
      return hta_dev_error(dev, HTA_ERROR_INVALID_PARAM,
                           "cpu: golden model rejected layer %d", i);
    }
    hta_tensor_pack(&prog->layer_out[i], out, data);
    free(in);
    in = out;
    res->layers_done = (uint32_t)i + 1;
  }
  free(in);
  return HTA_SUCCESS;
}

const hta_backend hta_backend_cpu = {
    .scheme = "cpu",
    .description = "the golden model on the host (bit-exact reference, no cycle counts)",
    .has_cycles = 0,
    .open = cpu_open,
    .close = cpu_close,
    .run = cpu_run,
};
