/*
 * cmd_eval.c - `hta eval`: top-1 accuracy of a model on Fashion-MNIST's test
 * set, on any device.
 *
 * The images come from Debian's dataset-fashion-mnist (idx files, gzip; read
 * with zlib). A pixel p becomes the model's int8 input by the model's own
 * input quantization (hta_model_info in_scale, in_zp) applied to the real
 * value p / 255 - the convention the importer and the training tools share
 * (docs/quantization.md): q = clamp(round(p / 255 / in_scale) + in_zp).
 * Top-1 is the first index of the largest int8 output (ties go to the lower
 * class, which is what argmax does).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "hta.h"
#include "hta_model.h"
#include "npy.h"
#include "cli.h"
#include "files.h"

#define N_CLASSES 10
#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

static const char eval_help[] =
    "usage: hta eval --device D --model M.hta --dataset fashion-mnist [--limit N]\n"
    "                [--json] [--batch B] [--logits OUT.npy] [--data-dir DIR]\n"
    "                [--timeout-ms N]\n"
    "Top-1 accuracy of a model on the 10,000 Fashion-MNIST test images (Debian's\n"
    "dataset-fashion-mnist). The model must take 28x28x1 and give 10 outputs; a pixel\n"
    "p enters as round(p / 255 / in_scale) + in_zp (the model's input quantization).\n"
    "  --device D       cpu (golden model), sim (the RTL simulation; slow),\n"
    "                   xrt:N[:xclbin=PATH] or usb:VID:PID[:SERIAL] (see hta --help)\n"
    "  --limit N        only the first N test images\n"
    "  --json           one JSON object on stdout (top-1, per class, confusion matrix)\n"
    "  --batch B        inputs per device run, 1..65536 (default 100)\n"
    "  --logits F.npy   also write the int8 outputs, shape (N, 10)\n"
    "  --data-dir DIR   the dataset folder (default " FMNIST_DIR ")\n";

static const char *const class_names[N_CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/* ---- the idx files ---- */

/* Read a gzip'ed idx file: magic (0x801 labels, 0x803 images), its dims,
 * then the bytes. *data malloc'd; 0 or -1 with err. */
static int read_idx(const char *path, uint32_t magic, uint32_t dims[3], uint8_t **data,
                    size_t *n, char *err, size_t errlen) {
  gzFile f = gzopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open '%s': %s (install the Debian package "
             "dataset-fashion-mnist)", path, errno ? strerror(errno) : "zlib error");
    return -1;
  }
  const int nd = magic == 0x803 ? 3 : 1;
  uint8_t h[16];
  int rc = -1;
  *data = NULL;
  if (gzread(f, h, (unsigned)(4 + 4 * nd)) != 4 + 4 * nd) {
    snprintf(err, errlen, "'%s': truncated header", path);
    goto out;
  }
  uint32_t v[4];
  for (int i = 0; i <= nd; i++)
    v[i] = (uint32_t)h[4 * i] << 24 | (uint32_t)h[4 * i + 1] << 16 |
           (uint32_t)h[4 * i + 2] << 8 | h[4 * i + 3];
  if (v[0] != magic) {
    snprintf(err, errlen, "'%s': magic 0x%x, expected 0x%x (not an idx %s file)", path, v[0],
             magic, nd == 3 ? "image" : "label");
    goto out;
  }
  size_t total = 1;
  for (int i = 0; i < nd; i++) {
    dims[i] = v[i + 1];
    if (dims[i] == 0 || dims[i] > 1000000) {
      snprintf(err, errlen, "'%s': dimension %u is implausible", path, dims[i]);
      goto out;
    }
    total *= dims[i];
  }
  if ((*data = malloc(total)) == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  size_t got = 0;
  while (got < total) {
    const unsigned chunk = total - got > (1u << 30) ? 1u << 30 : (unsigned)(total - got);
    const int r = gzread(f, *data + got, chunk);
    if (r <= 0) break;
    got += (size_t)r;
  }
  if (got != total) {
    snprintf(err, errlen, "'%s': truncated: %zu of %zu data bytes", path, got, total);
    goto out;
  }
  *n = total;
  rc = 0;
out:
  if (rc) {
    free(*data);
    *data = NULL;
  }
  gzclose(f);
  return rc;
}

/* ---- output ---- */

static void print_json(const char *model, const char *device, int n, int correct,
                       int conf[N_CLASSES][N_CLASSES], const hta_stats *tot, double wall) {
  printf("{\"model\": ");
  json_str(model);
  printf(", \"device\": ");
  json_str(device);
  printf(", \"dataset\": \"fashion-mnist\", \"n\": %d, \"correct\": %d, \"top1\": %.6f", n,
         correct, n ? (double)correct / n : 0.0);
  printf(", \"wall_s\": %.3f", wall);
  if (tot->has_cycles)
    printf(", \"cycles\": %" PRIu64 ", \"cycles_per_inference\": %.1f", tot->total_cycles,
           n ? (double)tot->total_cycles / n : 0.0);
  printf(", \"per_class\": [");
  for (int c = 0; c < N_CLASSES; c++) {
    int tot_c = 0;
    for (int p = 0; p < N_CLASSES; p++) tot_c += conf[c][p];
    printf("%s%.6f", c ? ", " : "", tot_c ? (double)conf[c][c] / tot_c : 0.0);
  }
  printf("], \"confusion\": [");
  for (int c = 0; c < N_CLASSES; c++) {
    printf("%s[", c ? ", " : "");
    for (int p = 0; p < N_CLASSES; p++) printf("%s%d", p ? ", " : "", conf[c][p]);
    printf("]");
  }
  printf("]}\n");
}

static void print_text(const char *model, const char *device, int n, int correct,
                       int conf[N_CLASSES][N_CLASSES], const hta_stats *tot, double wall) {
  printf("%s on %s: top-1 %d / %d = %.2f%%  (%.2f s", model, device, correct, n,
         n ? 100.0 * correct / n : 0.0, wall);
  if (tot->has_cycles && n) printf(", %.0f cycles per inference", (double)tot->total_cycles / n);
  printf(")\n");
  int wc = 0, wp = 1;
  for (int c = 0; c < N_CLASSES; c++) {
    int tot_c = 0;
    for (int p = 0; p < N_CLASSES; p++) {
      tot_c += conf[c][p];
      if (p != c && conf[c][p] > conf[wc][wp]) wc = c, wp = p;
    }
    if (tot_c)
      printf("  %-12s %6.2f%% of %d\n", class_names[c], 100.0 * conf[c][c] / tot_c, tot_c);
  }
  if (conf[wc][wp])
    printf("  most confused: %s taken for %s (%d times)\n", class_names[wc], class_names[wp],
           conf[wc][wp]);
}

/* ---- the command ---- */

int cmd_eval(int argc, char **argv) {
  opt o[] = {{"--device", 1, NULL},   {"--model", 1, NULL},    {"--dataset", 1, NULL},
             {"--limit", 1, NULL},    {"--json", 0, NULL},     {"--batch", 1, NULL},
             {"--logits", 1, NULL},   {"--data-dir", 1, NULL}, {"--timeout-ms", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("eval", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(eval_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *dev_uri = optv(o, no, "--device"), *mpath = optv(o, no, "--model");
  const char *ds = optv(o, no, "--dataset");
  if (!dev_uri || !mpath || !ds)
    return usage_error("eval", "--device, --model and --dataset are required");
  if (strcmp(ds, "fashion-mnist") != 0)
    return usage_error("eval", "unknown dataset '%s' (known: fashion-mnist)", ds);
  long limit = 0, batch = 100, timeout = 0;
  if (optv(o, no, "--limit") &&
      parse_long("eval", "--limit", optv(o, no, "--limit"), 1, 100000000L, &limit))
    return EXIT_USAGE;
  if (optv(o, no, "--batch") &&
      parse_long("eval", "--batch", optv(o, no, "--batch"), 1, HTA_MAX_BATCH, &batch))
    return EXIT_USAGE;
  if (optv(o, no, "--timeout-ms") &&
      parse_long("eval", "--timeout-ms", optv(o, no, "--timeout-ms"), 1, 86400000L, &timeout))
    return EXIT_USAGE;
  const char *dir = optv(o, no, "--data-dir") ? optv(o, no, "--data-dir") : FMNIST_DIR;

  hta_model *m = load_model("eval", mpath);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  uint8_t *img = NULL, *lab = NULL;
  int8_t *x = NULL, *y = NULL, *logits = NULL;
  hta_device *dev = NULL;
  rc = 1;
  if (mi.in_h != 28 || mi.in_w != 28 || mi.in_c != 1 || mi.out_h * mi.out_w != 1 ||
      mi.out_c != N_CLASSES) {
    fail("eval", "model '%s' takes %dx%dx%d and gives %dx%dx%d; fashion-mnist needs "
         "28x28x1 in and 1x1x10 out", mpath, mi.in_h, mi.in_w, mi.in_c, mi.out_h, mi.out_w,
         mi.out_c);
    goto out;
  }
  char path[4096], err[600];
  uint32_t di[3], dl[3];
  size_t ni, nl;
  snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
  if (read_idx(path, 0x803, di, &img, &ni, err, sizeof err)) {
    fail("eval", "%s", err);
    goto out;
  }
  snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte.gz", dir);
  if (read_idx(path, 0x801, dl, &lab, &nl, err, sizeof err)) {
    fail("eval", "%s", err);
    goto out;
  }
  if (di[1] != 28 || di[2] != 28 || dl[0] != di[0]) {
    fail("eval", "dataset: %u images of %ux%u and %u labels; expected N of 28x28 and N",
         di[0], di[1], di[2], dl[0]);
    goto out;
  }
  const int n = limit && (uint32_t)limit < di[0] ? (int)limit : (int)di[0];
  const size_t ib = 28 * 28;
  /* the input quantization of the model, once per pixel value */
  int8_t lut[256];
  for (int p = 0; p < 256; p++) {
    const double q = round(p / 255.0 / (double)mi.in_scale) + mi.in_zp;
    lut[p] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
  }
  /* before the run, which may take long on a simulated device */
  if (optv(o, no, "--logits") && output_path_check(optv(o, no, "--logits"), err, sizeof err)) {
    fail("eval", "%s", err);
    goto out;
  }
  if (optv(o, no, "--json")) stdout_divert();
  if ((dev = open_device("eval", dev_uri)) == NULL) goto out;
  hta_net *net;
  if ((rc = hta_load_model(dev, m, &net)) != 0) {
    fail("eval", "%s (%s)", hta_last_error(dev), hta_error_name(rc));
    rc = 1;
    goto out;
  }
  rc = 1;
  x = malloc(ib * (size_t)batch);
  y = malloc(N_CLASSES * (size_t)batch);
  logits = optv(o, no, "--logits") ? malloc(N_CLASSES * (size_t)n) : NULL;
  if (!x || !y || (optv(o, no, "--logits") && !logits)) {
    fail("eval", "out of memory");
    goto out;
  }
  int conf[N_CLASSES][N_CLASSES] = {{0}};
  int correct = 0;
  hta_stats tot = {0};
  const double t0 = now_s();
  const int tty = isatty(2) && !optv(o, no, "--json");
  for (int i0 = 0; i0 < n; i0 += (int)batch) {
    const int b = n - i0 < batch ? n - i0 : (int)batch;
    for (size_t k = 0; k < ib * (size_t)b; k++) x[k] = lut[img[ib * (size_t)i0 + k]];
    hta_stats st;
    progress pg; /* the simulator's own progress inside a batch (a TTY only) */
    if (tty) progress_start(dev, &pg, 0, b);
    rc = hta_run(net, x, y, b, (unsigned)timeout, &st);
    if (tty) progress_end(dev, &pg);
    if (rc != 0) {
      fail("eval", "images %d..%d: %s (%s)", i0, i0 + b - 1, hta_last_error(dev),
           hta_error_name(rc));
      rc = 1;
      goto out;
    }
    tot.has_cycles = st.has_cycles;
    tot.total_cycles += st.total_cycles;
    for (int j = 0; j < b; j++) {
      const int8_t *v = y + N_CLASSES * j;
      int best = 0;
      for (int c = 1; c < N_CLASSES; c++)
        if (v[c] > v[best]) best = c;
      const int label = lab[i0 + j];
      if (label >= N_CLASSES) {
        fail("eval", "label %d of image %d is not a class 0..9", label, i0 + j);
        rc = 1; /* hta_run left rc at 0 */
        goto out;
      }
      conf[label][best]++;
      correct += best == label;
    }
    if (logits) memcpy(logits + (size_t)N_CLASSES * i0, y, (size_t)N_CLASSES * b);
    if (tty)
      fprintf(stderr, "\r  eval: %d / %d images, top-1 so far %.2f%% ", i0 + b, n,
              100.0 * correct / (i0 + b));
  }
  if (tty) fprintf(stderr, "\r%60s\r", "");
  const double wall = now_s() - t0;
  if (logits) {
    size_t shape[2] = {(size_t)n, N_CLASSES};
    if (npy_write(optv(o, no, "--logits"), 2, shape, logits, err, sizeof err)) {
      fail("eval", "%s", err);
      rc = 1;
      goto out;
    }
  }
  if (optv(o, no, "--json")) {
    stdout_undivert();
    print_json(mpath, dev_uri, n, correct, conf, &tot, wall);
    stdout_divert(); /* what the device prints at close goes to stderr too */
  }
  else
    print_text(mpath, dev_uri, n, correct, conf, &tot, wall);
  rc = 0;
out:
  hta_close(dev);
  stdout_undivert();
  free(img);
  free(lab);
  free(x);
  free(y);
  free(logits);
  hta_model_free(m);
  return rc;
}
