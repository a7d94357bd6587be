/*
 * backend_cpu.c - the "cpu" device: the golden model (hta_golden.h) run on
 * the host. It reads the input from the data window image and writes every
 * layer's output where the compiled program would, so everything above the
 * backend (outputs, layer outputs) works the same as on an engine. It counts
 * no cycles.
 *
 *   cpu[:cfg=NAME][,mem_mb=N]   NAME: the configuration the compiler
 *                    targets; N: the memory one inference may need, in MiB
 *                    (1..65536, default HTA_CPU_DEFAULT_MEM_MB)
 *
 * Bounded like an engine: a model whose tensors need more memory than the
 * limit is refused naming the layer that crosses it (a few-KB model can
 * describe GB tensors), and the timeout is checked between layers and before
 * every output row of a convolution or pool (HTA_ERROR_TIMEOUT).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "backend.h"
#include "hta_golden.h"

/* The memory need of one inference: the data window (every tensor in the
 * program's layout) and the golden model's own dense copy of each tensor (a
 * graph may read any earlier tensor). */
#define HTA_CPU_DEFAULT_MEM_MB 2048u

typedef struct cpu_dev {
  uint64_t mem_limit; /* bytes */
} cpu_dev;

/* Options, comma-separated: cfg=NAME chooses the configuration whose limits
 * the compiler applies (and whose signature the program carries; the golden
 * model itself computes any layer), so a model can be checked against a
 * part's limits without its simulation; mem_mb=N bounds one inference's
 * memory. */
static int cpu_open(hta_device *dev, const char *opts) {
  unsigned long mb = HTA_CPU_DEFAULT_MEM_MB;
  char buf[256];
  if (strlen(opts) >= sizeof buf)
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "cpu: options too long");
  snprintf(buf, sizeof buf, "%s", opts);
  for (char *save = NULL, *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    char *end;
    if (strncmp(o, "cfg=", 4) == 0) {
      const int rc = hta_dev_set_config(dev, "cpu", o + 4);
      if (rc != HTA_SUCCESS) return rc;
    } else if (strncmp(o, "mem_mb=", 7) != 0 || o[7] < '0' || o[7] > '9' ||
               (mb = strtoul(o + 7, &end, 10), *end != '\0') || mb < 1 || mb > 65536) {
      return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                           "cpu: bad option '%s' (known: cfg=NAME with NAME one of %s; "
                           "mem_mb=1..65536, default %u)", o, HTA_HW_CONFIG_NAMES,
                           HTA_CPU_DEFAULT_MEM_MB);
    }
  }
  cpu_dev *c = calloc(1, sizeof *c);
  if (c == NULL) return hta_dev_error(dev, HTA_ERROR_NO_MEM, "cpu: out of memory");
  c->mem_limit = (uint64_t)mb << 20;
  dev->priv = c;
  return HTA_SUCCESS;
}

static void cpu_close(hta_device *dev) {
  free(dev->priv);
  dev->priv = NULL;
}

static int past(void *deadline) { return hta_now_s() > *(const double *)deadline; }

static int cpu_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  const cpu_dev *c = dev->priv;
  if (n <= 0) return hta_dev_error(dev, HTA_ERROR_INVALID_PARAM, "cpu: no layers");
  double deadline = hta_now_s() + timeout_ms / 1e3;
  /* before anything is allocated or run: the data window (allocated by
   * the caller, touched here) and the golden model's dense tensors */
  uint64_t need = prog->data_size + (uint64_t)hta_layer_in_size(&layers[0]), big = 0;
  int ibig = 0;
  for (int i = 0; i < n; i++) {
    const uint64_t o = hta_layer_out_size(&layers[i]);
    need += o;
    if (o > big) big = o, ibig = i;
  }
  if (need > c->mem_limit) {
    const hta_layer *l = &layers[ibig];
    return hta_dev_error(dev, HTA_ERROR_NO_MEM,
                         "cpu: the model needs %llu MiB per inference (data window %llu MiB; "
                         "largest tensor: layer %d, %s, output %dx%dx%d, %llu MiB), more than "
                         "the cpu device's limit of %llu MiB (open 'cpu:mem_mb=N' for another)",
                         (unsigned long long)((need + (1u << 20) - 1) >> 20),
                         (unsigned long long)((prog->data_size + (1u << 20) - 1) >> 20), ibig,
                         hta_op_name(l->op), hta_layer_out_h(l), hta_layer_out_w(l), l->out_c,
                         (unsigned long long)((big + (1u << 20) - 1) >> 20),
                         (unsigned long long)(c->mem_limit >> 20));
  }
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
      const int g = past(&deadline)
                        ? 1
                        : hta_golden_layer2_stop(l, t0 == 0 ? in : outs[t0 - 1],
                                                 t1 < 0 ? NULL : t1 == 0 ? in : outs[t1 - 1],
                                                 outs[i], past, &deadline);
      if (g == 1) {
        rc = hta_dev_error(dev, HTA_ERROR_TIMEOUT,
                           "cpu: timeout (%u ms) in layer %d (%s) of %d; %d layers done",
                           timeout_ms, i, hta_op_name(l->op), n, i);
        break;
      }
      if (g != 0) {
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
