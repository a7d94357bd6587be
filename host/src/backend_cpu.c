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

/* The golden model computes any layer; cfg=NAME only chooses the
 * configuration whose limits the compiler applies (and whose signature the
 * program carries), so a model can be checked against a part's limits
 * without its simulation. */
static int cpu_open(hta_device *dev, const char *opts) {
  dev->priv = NULL;
  if (opts[0] == '\0') return HTA_SUCCESS;
  if (strncmp(opts, "cfg=", 4) == 0 && strchr(opts, ',') == NULL)
    return hta_dev_set_config(dev, "cpu", opts + 4);
  return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                       "device 'cpu' takes only cfg=NAME (got '%s'; known configurations: %s)",
                       opts, HTA_HW_CONFIG_NAMES);
}

static void cpu_close(hta_device *dev) { (void)dev; }

static int cpu_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  (void)timeout_ms; /* the golden model always ends; a layer takes seconds at most */
  /* Every layer's output is kept: a graph may read any earlier tensor. */
  int8_t *in = malloc(hta_layer_in_size(&layers[0]));
  int8_t **outs = calloc((size_t)n, sizeof *outs);
  int rc = in && outs ? HTA_SUCCESS : hta_dev_error(dev, HTA_ERROR_NO_MEM, "cpu: out of memory");
  for (int i = 0; rc == HTA_SUCCESS && i < n; i++)
    if ((outs[i] = malloc(hta_layer_out_size(&layers[i]))) == NULL)
      rc = hta_dev_error(dev, HTA_ERROR_NO_MEM, "cpu: out of memory at layer %d", i);
  if (rc == HTA_SUCCESS) {
    hta_tensor_unpack(&prog->input, data, in);
    for (int i = 0; i < n; i++) {
      const hta_layer *l = &layers[i];
      const int t0 = hta_layer_src(l, i, 0), t1 = hta_layer_src(l, i, 1);
      if (hta_golden_layer2(l, t0 == 0 ? in : outs[t0 - 1],
                            t1 < 0 ? NULL : t1 == 0 ? in : outs[t1 - 1], outs[i]) != 0) {
        rc = hta_dev_error(dev, HTA_ERROR_INVALID_PARAM, "cpu: golden model rejected layer %d",
                           i);
        break;
      }
      hta_tensor_pack(&prog->layer_out[i], outs[i], data);
      res->layers_done = (uint32_t)i + 1;
    }
  }
  for (int i = 0; outs && i < n; i++) free(outs[i]);
  free(outs);
  free(in);
  return rc;
}

const hta_backend hta_backend_cpu = {
    .scheme = "cpu",
    .description = "the golden model on the host (bit-exact reference, no cycle counts; "
                   "option: cfg=NAME, the configuration to compile for)",
    .has_cycles = 0,
    .open = cpu_open,
    .close = cpu_close,
    .run = cpu_run,
};
