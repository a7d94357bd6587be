/*
 * backend.h - what a device backend provides to host/src/device.c (internal).
 *
 * A backend is a table of function pointers (libusb's usbi_os_backend).
 * Everything above it - argument checks, compilation, batching, statistics,
 * layer outputs - lives in device.c and is the same for every backend.
 * A backend runs one inference of a compiled program: it gets the data window
 * image with the input packed in, and returns it with every layer's output.
 */
#ifndef HTA_BACKEND_H
#define HTA_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "hta.h"
#include "hta_compile.h"
#include "hta_prog.h"

/* What one inference reports: STATUS and the error registers, every
 * performance counter of the register map (cycles, layers_done, ...:
 * HTA_COUNTERS), and the cycles the simulator ran. */
typedef struct hta_backend_result {
  uint32_t status, err_info;
  uint64_t err_addr;
  HTA_COUNTERS(HTA_COUNTER_MEMBER)
  uint64_t sim_cycles;
  int guard_ok;          /* no byte around the windows changed (where guarded) */
  uint32_t *desc_cycles; /* [n_desc], filled by backends that count cycles */
} hta_backend_result;

typedef struct hta_backend {
  const char *scheme;      /* URI scheme */
  const char *description; /* for error messages and help */
  int has_cycles;
  /* Open with the text after "scheme:" (or "" ). Sets dev->priv. On error
   * writes a message with hta_dev_error. */
  int (*open)(hta_device *dev, const char *opts);
  void (*close)(hta_device *dev);
  /* Run one inference. data: data window image (prog->data_size bytes), in
   * and out. layers: the model layers (for backends that compute on the
   * host). timeout_ms > 0. */
  int (*run)(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
             uint8_t *data, unsigned timeout_ms, hta_backend_result *res);
} hta_backend;

struct hta_device {
  const hta_backend *be;
  void *priv;
  /* The hardware configuration programs are compiled for: the device's own
   * (sim, xrt, usb: what it reports) or the one named in the URI (cpu).
   * Set by the backend's open; hta_open sets the default before calling it. */
  const hta_hw_config *hw;
  char uri[256];
  char err[1024];
  hta_progress_fn progress;
  void *progress_user;
  struct hta_net *nets; /* list of loaded nets (closed with the device) */
};

/* Parse a "cfg=NAME" option value into dev->hw; on an unknown name, an
 * error naming the known configurations. */
int hta_dev_set_config(hta_device *dev, const char *scheme, const char *name);

/* Record the device's last error (printf style) and return code. */
int hta_dev_error(hta_device *dev, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

extern const hta_backend hta_backend_cpu;
extern const hta_backend hta_backend_sim;
extern const hta_backend hta_backend_xrt;
extern const hta_backend hta_backend_usb;

#endif /* HTA_BACKEND_H */
