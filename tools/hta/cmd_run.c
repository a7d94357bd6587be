/*
 * cmd_run.c - `hta run`: run a model on a device, .npy (or raw) in and out.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hta.h"
#include "hta_compile.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "npy.h"
#include "cli.h"
#include "files.h"

/* ---- hta run ---- */

static const char run_help[] =
    "usage: hta run --device D --model M.hta --input X.npy --output Y.npy\n"
    "               [--raw] [--timeout-ms N] [--stats]\n"
    "Run a model on a device. X.npy is int8 NHWC: shape (H, W, C) for one input or\n"
    "(N, H, W, C) for a batch of N (any shape with the right number of bytes is\n"
    "accepted when it is a whole number of inputs; a leading batch dimension is\n"
    "kept in the output). Y.npy gets int8 (H', W', C') or (N, H', W', C').\n"
    "  --device D      cpu (golden model), sim[:trace=FILE.fst] (Verilator RTL),\n"
    "                  xrt:N[:xclbin=PATH] (a card through XRT, or XRT's emulation\n"
    "                  of the RTL), usb:VID:PID[:SERIAL] (a board on USB)\n"
    "  --raw           X and Y are flat binary files (N inputs back to back)\n"
    "  --timeout-ms N  bound of each inference (default 600000)\n"
    "  --stats         print cycles and time on stderr\n";

int cmd_run(int argc, char **argv) {
  opt o[] = {{"--device", 1, NULL}, {"--model", 1, NULL}, {"--input", 1, NULL},
             {"--output", 1, NULL}, {"--raw", 0, NULL},   {"--timeout-ms", 1, NULL},
             {"--stats", 0, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("run", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(run_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *dev_uri = optv(o, no, "--device"), *mpath = optv(o, no, "--model");
  const char *ipath = optv(o, no, "--input"), *opath = optv(o, no, "--output");
  const int raw = optv(o, no, "--raw") != NULL;
  long timeout = 0;
  if (!dev_uri || !mpath || !ipath || !opath)
    return usage_error("run", "--device, --model, --input and --output are required");
  if (optv(o, no, "--timeout-ms") &&
      parse_long("run", "--timeout-ms", optv(o, no, "--timeout-ms"), 1, 86400000L, &timeout))
    return EXIT_USAGE;
  hta_model *m = load_model("run", mpath);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  /* The format allows a model of no layers, but it has no input shape to
   * divide the input into items by (and nothing to run). */
  if (mi.n_layers == 0 || (size_t)mi.in_h * mi.in_w * mi.in_c == 0) {
    fail("run", "model '%s' has no layers: nothing to run", mpath);
    hta_model_free(m);
    return 1;
  }
  const size_t ib = (size_t)mi.in_h * mi.in_w * mi.in_c;
  const size_t ob = (size_t)mi.out_h * mi.out_w * mi.out_c;
  char err[600];
  npy_array x = {0};
  int batched = 0;
  rc = 1;
  hta_device *dev = NULL;
  int8_t *y = NULL;
  /* before the run, which may take long on a simulated device */
  if (output_path_check(opath, err, sizeof err)) {
    fail("run", "%s", err);
    goto out;
  }
  /* at most the largest batch the library runs */
  const uint64_t max_bytes = (uint64_t)ib * HTA_MAX_BATCH;
  char what[120];
  snprintf(what, sizeof what, "the largest batch, %d inputs of %zu bytes", HTA_MAX_BATCH, ib);
  if (raw) {
    uint8_t *buf;
    size_t len;
    if (npy_read_file(ipath, max_bytes, what, &buf, &len, err, sizeof err)) {
      fail("run", "%s", err);
      goto out;
    }
    x.data = (int8_t *)buf;
    x.count = len;
    batched = len != ib;
  } else {
    if (npy_read(ipath, max_bytes, what, &x, err, sizeof err)) {
      fail("run", "%s", err);
      goto out;
    }
    batched = x.ndim == 4 ||
              (x.ndim >= 1 && x.ndim != 3 && x.count != ib);
  }
  if (x.count == 0 || x.count % ib != 0) {
    fail("run", "input '%s' has %zu bytes: not a whole number of %dx%dx%d inputs (%zu bytes)",
         ipath, x.count, mi.in_h, mi.in_w, mi.in_c, ib);
    goto out;
  }
  if (!raw && x.ndim == 4 &&
      (x.shape[1] != (size_t)mi.in_h || x.shape[2] != (size_t)mi.in_w ||
       x.shape[3] != (size_t)mi.in_c)) {
    fail("run", "input shape (%zu, %zu, %zu, %zu) does not match the model's (N, %d, %d, %d)",
         x.shape[0], x.shape[1], x.shape[2], x.shape[3], mi.in_h, mi.in_w, mi.in_c);
    goto out;
  }
  if (!raw && x.ndim == 3 &&
      (x.shape[0] != (size_t)mi.in_h || x.shape[1] != (size_t)mi.in_w ||
       x.shape[2] != (size_t)mi.in_c)) {
    fail("run", "input shape (%zu, %zu, %zu) does not match the model's (%d, %d, %d)",
         x.shape[0], x.shape[1], x.shape[2], mi.in_h, mi.in_w, mi.in_c);
    goto out;
  }
  const int batch = (int)(x.count / ib);
  if ((dev = open_device("run", dev_uri)) == NULL) goto out;
  hta_net *net;
  if ((rc = hta_load_model(dev, m, &net)) != 0) {
    fail("run", "%s (%s)", hta_last_error(dev), hta_error_name(rc));
    rc = 1;
    goto out;
  }
  y = malloc(ob * (size_t)batch);
  if (y == NULL) {
    fail("run", "out of memory");
    rc = 1;
    goto out;
  }
  hta_stats st;
  progress pg;
  progress_start(dev, &pg, 0, batch);
  rc = hta_run(net, x.data, y, batch, (unsigned)timeout, &st);
  progress_end(dev, &pg);
  if (rc != 0) {
    fail("run", "%s (%s)", hta_last_error(dev), hta_error_name(rc));
    rc = 1;
    goto out;
  }
  if (raw) {
    if (write_file_atomic(opath, y, ob * (size_t)batch, err, sizeof err)) {
      fail("run", "%s", err);
      rc = 1;
      goto out;
    }
  } else {
    size_t shape[4] = {(size_t)batch, (size_t)mi.out_h, (size_t)mi.out_w, (size_t)mi.out_c};
    if (npy_write(opath, batched ? 4 : 3, batched ? shape : shape + 1, y, err, sizeof err)) {
      fail("run", "%s", err);
      rc = 1;
      goto out;
    }
  }
  if (optv(o, no, "--stats")) {
    if (st.has_cycles)
      fprintf(stderr, "%d input(s): %" PRIu64 " cycles, %.3f s wall\n", batch, st.total_cycles,
              st.wall_s);
    else
      fprintf(stderr, "%d input(s): %.3f s wall (device %s counts no cycles)\n", batch,
              st.wall_s, hta_device_kind(dev));
  }
  rc = 0;
out:
  free(y);
  hta_close(dev);
  npy_free(&x);
  hta_model_free(m);
  return rc;
}
