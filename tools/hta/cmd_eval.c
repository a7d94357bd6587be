/*
 * cmd_eval.c - `hta eval`: top-1 and top-5 accuracy of a model on a labelled
 * dataset, on any device.
 *
 * The inputs come from dataset.c: Debian's Fashion-MNIST test set, an image
 * folder (one subfolder per class), an .npz or a pair of .npy files. Each
 * item is the model's real-valued input x (pixels p become (p / 255 - mean)
 * / std, docs/quantization.md), quantized by the model's own input
 * quantization: q = clamp(round(x / in_scale) + in_zp). The prediction is
 * the first index of the largest int8 output (ties go to the lower class,
 * as argmax does); top-5 counts a hit when the label is among the five
 * largest outputs (ties broken the same way).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hta.h"
#include "hta_model.h"
#include "npy.h"
#include "cli.h"
#include "dataset.h"
#include "files.h"
#include "util.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define MAX_CONFUSION 1000 /* classes up to which the confusion matrix is kept */

static const char eval_help[] =
    "usage: hta eval --device D --model M.hta --dataset SRC [--limit N] [--json]\n"
    "                [--batch B] [--logits OUT.npy] [--confusion OUT.svg]\n"
    "                [--mean M[,M,M]] [--std S[,S,S]] [--data-dir DIR] [--timeout-ms N]\n"
    "Top-1 and top-5 accuracy of a model on a labelled dataset. SRC is:\n"
    "  fashion-mnist    the 10,000 test images of Debian's dataset-fashion-mnist\n"
    "  DIR              an image folder, one subfolder per class (sorted names are\n"
    "                   classes 0, 1, ...), PNG or JPEG, resized (bilinear) to the\n"
    "                   model's input and converted to its channels\n"
    "  FILE.npz         arrays x (or images, inputs) and y (or labels, targets)\n"
    "  X.npy:Y.npy      the same as two files\n"
    "Inputs are [N,H,W,C], [N,C,H,W] or [N,H,W]: uint8 arrays and images are pixels\n"
    "p, entering as (p / 255 - mean) / std (default p / 255, HTA's convention);\n"
    "float arrays are the model's real inputs. Each is quantized with the model's\n"
    "input scale and zero point. The model must give 1x1xK outputs, K >= classes.\n"
    "  --device D        cpu (golden model), sim (the RTL simulation; slow),\n"
    "                    xrt:N[:xclbin=PATH] or usb:VID:PID[:SERIAL] (see hta --help)\n"
    "  --limit N         only the first N items\n"
    "  --json            one JSON object on stdout (top-1, top-5, per class, confusion)\n"
    "  --batch B         inputs per device run, 1..65536 (default 100)\n"
    "  --logits F.npy    also write the int8 outputs, shape (N, K)\n"
    "  --confusion F.svg the confusion matrix as a picture\n"
    "  --mean, --std     per-channel normalisation of pixels (e.g. ImageNet's\n"
    "                    0.485,0.456,0.406 and 0.229,0.224,0.225)\n"
    "  --data-dir DIR    where fashion-mnist is (default " FMNIST_DIR ")\n";

/* "a" or "a,b,c" into v[0..c-1] (one value is repeated). */
static int parse_channels(const char *name, const char *s, int c, float v[3], int positive) {
  double x[3];
  int n = 0;
  const char *p = s;
  for (; n < 3; n++) {
    char *end;
    errno = 0;
    x[n] = strtod(p, &end);
    if (end == p || errno || !isfinite(x[n]) || (positive && x[n] <= 0)) break;
    p = end;
    if (*p != ',') {
      n++;
      break;
    }
    p++;
  }
  if (*p || (n != 1 && n != c))
    return usage_error("eval", "%s '%s': one number or one per channel (%d)%s", name, s, c,
                       positive ? ", each above 0" : "");
  for (int i = 0; i < 3; i++) v[i] = (float)x[n == 1 ? 0 : (i < c ? i : 0)];
  return 0;
}

/* ---- results ---- */

typedef struct tally {
  int k;          /* classes */
  int n, top1, top5;
  int *per_class; /* [k] items of each label */
  int *hit;       /* [k] correct top-1 of each label */
  int *conf;      /* [k][k] label x prediction, NULL above MAX_CONFUSION classes */
} tally;

static void tally_add(tally *t, int label, const int8_t *v, int k_out) {
  int best = 0, rank = 0; /* rank of the label: outputs above it (ties: lower index wins) */
  for (int c = 1; c < k_out; c++)
    if (v[c] > v[best]) best = c;
  for (int c = 0; c < k_out; c++)
    if (v[c] > v[label] || (v[c] == v[label] && c < label)) rank++;
  t->n++;
  t->top1 += best == label;
  t->top5 += rank < 5;
  t->per_class[label]++;
  t->hit[label] += best == label;
  if (t->conf && best < t->k) t->conf[(size_t)label * t->k + best]++;
}

static void print_json(const char *model, const char *device, const char *ds_name,
                       const dataset *d, const tally *t, const hta_stats *tot, double wall) {
  printf("{\"model\": ");
  json_str(model);
  printf(", \"device\": ");
  json_str(device);
  printf(", \"dataset\": ");
  json_str(ds_name);
  printf(", \"n\": %d, \"correct\": %d, \"top1\": %.6f, \"top5\": %.6f", t->n, t->top1,
         t->n ? (double)t->top1 / t->n : 0.0, t->n ? (double)t->top5 / t->n : 0.0);
  printf(", \"wall_s\": %.3f", wall);
  if (tot->has_cycles)
    printf(", \"cycles\": %" PRIu64 ", \"cycles_per_inference\": %.1f", tot->total_cycles,
           t->n ? (double)tot->total_cycles / t->n : 0.0);
  printf(", \"classes\": [");
  for (int c = 0; c < t->k; c++) {
    printf("%s", c ? ", " : "");
    json_str(d->class_names[c]);
  }
  printf("], \"per_class\": [");
  for (int c = 0; c < t->k; c++)
    printf("%s%.6f", c ? ", " : "", t->per_class[c] ? (double)t->hit[c] / t->per_class[c] : 0.0);
  printf("]");
  if (t->conf) {
    printf(", \"confusion\": [");
    for (int c = 0; c < t->k; c++) {
      printf("%s[", c ? ", " : "");
      for (int p = 0; p < t->k; p++) printf("%s%d", p ? ", " : "", t->conf[(size_t)c * t->k + p]);
      printf("]");
    }
    printf("]");
  }
  printf("}\n");
}

static void print_text(const char *model, const char *device, const dataset *d,
                       const tally *t, const hta_stats *tot, double wall) {
  printf("%s on %s: top-1 %d / %d = %.2f%%, top-5 %.2f%%  (%.2f s", model, device, t->top1,
         t->n, t->n ? 100.0 * t->top1 / t->n : 0.0, t->n ? 100.0 * t->top5 / t->n : 0.0, wall);
  if (tot->has_cycles && t->n)
    printf(", %.0f cycles per inference", (double)tot->total_cycles / t->n);
  printf(")\n");
  if (t->k > 20) return; /* per-class lines for small label sets only */
  for (int c = 0; c < t->k; c++)
    if (t->per_class[c])
      printf("  %-12s %6.2f%% of %d\n", d->class_names[c], 100.0 * t->hit[c] / t->per_class[c],
             t->per_class[c]);
  if (t->conf == NULL) return;
  int wc = 0, wp = 1 % t->k;
  for (int c = 0; c < t->k; c++)
    for (int p = 0; p < t->k; p++)
      if (p != c && t->conf[(size_t)c * t->k + p] > t->conf[(size_t)wc * t->k + wp]) wc = c, wp = p;
  if (t->k > 1 && t->conf[(size_t)wc * t->k + wp])
    printf("  most confused: %s taken for %s (%d times)\n", d->class_names[wc],
           d->class_names[wp], t->conf[(size_t)wc * t->k + wp]);
}

/* The confusion matrix as an SVG picture: rows are labels, columns
 * predictions, each cell shaded by its share of the row, with its count. */
static int write_confusion_svg(const char *path, const dataset *d, const tally *t,
                               const char *title, char *err, size_t errlen) {
  const int k = t->k, cell = k <= 20 ? 36 : k <= 100 ? 8 : 2, left = k <= 20 ? 110 : 20;
  const int top = 60, w = left + k * cell + 20, h = top + k * cell + 40;
  size_t cap = 4096 + (size_t)k * k * 160, len = 0;
  char *b = malloc(cap);
  if (b == NULL) return snprintf(err, errlen, "out of memory"), -1;
#define OUT(...) (len += (size_t)snprintf(b + len, cap - len, __VA_ARGS__))
  OUT("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"10\">\n<rect width=\"100%%\" height=\"100%%\" "
      "fill=\"white\"/>\n<text x=\"%d\" y=\"18\" font-size=\"13\">confusion: %.200s "
      "(top-1 %.2f%%)</text>\n<text x=\"%d\" y=\"%d\">predicted class &#8594;</text>\n",
      w, h, left, title, t->n ? 100.0 * t->top1 / t->n : 0.0, left, top - 8);
  for (int r = 0; r < k; r++) {
    if (k <= 20) {
      OUT("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 4, top + r * cell + cell / 2 + 4);
      for (const char *p = d->class_names[r]; *p && p - d->class_names[r] < 24; p++)
        if (*p == '<' || *p == '&' || *p == '>') OUT("_");
        else OUT("%c", *p);
      OUT("</text>\n");
    }
    for (int c = 0; c < k; c++) {
      const int v = t->conf[(size_t)r * k + c];
      const double f = t->per_class[r] ? (double)v / t->per_class[r] : 0.0;
      const int shade = (int)(255 - 200 * f);
      OUT("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" "
          "stroke=\"#ddd\"/>", left + c * cell, top + r * cell, cell, cell, shade, shade);
      if (k <= 20 && v)
        OUT("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%d</text>",
            left + c * cell + cell / 2, top + r * cell + cell / 2 + 4, f > 0.5 ? "white" : "black",
            v);
      OUT("\n");
    }
  }
  OUT("<text x=\"%d\" y=\"%d\">rows: true class (%d items)</text>\n</svg>\n", left,
      top + k * cell + 20, t->n);
#undef OUT
  const int rc = write_file_atomic(path, b, len, err, errlen);
  free(b);
  return rc;
}

/* ---- the command ---- */

int cmd_eval(int argc, char **argv) {
  opt o[] = {{"--device", 1, NULL},   {"--model", 1, NULL},      {"--dataset", 1, NULL},
             {"--limit", 1, NULL},    {"--json", 0, NULL},       {"--batch", 1, NULL},
             {"--logits", 1, NULL},   {"--data-dir", 1, NULL},   {"--timeout-ms", 1, NULL},
             {"--mean", 1, NULL},     {"--std", 1, NULL},        {"--confusion", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("eval", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(eval_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *dev_uri = optv(o, no, "--device"), *mpath = optv(o, no, "--model");
  const char *ds_name = optv(o, no, "--dataset");
  if (!dev_uri || !mpath || !ds_name)
    return usage_error("eval", "--device, --model and --dataset are required");
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

  hta_model *m = load_model("eval", mpath);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  dataset_opts dopt = {.h = mi.in_h, .w = mi.in_w, .c = mi.in_c, .mean = {0, 0, 0},
                       .std = {1, 1, 1}, .limit = limit,
                       .fmnist_dir = optv(o, no, "--data-dir") ? optv(o, no, "--data-dir")
                                                               : FMNIST_DIR};
  if ((optv(o, no, "--mean") &&
       parse_channels("--mean", optv(o, no, "--mean"), mi.in_c, dopt.mean, 0)) ||
      (optv(o, no, "--std") &&
       parse_channels("--std", optv(o, no, "--std"), mi.in_c, dopt.std, 1))) {
    hta_model_free(m);
    return EXIT_USAGE;
  }
  dataset d = {0};
  tally t = {0};
  float *xf = NULL;
  int8_t *x = NULL, *y = NULL, *logits = NULL;
  hta_device *dev = NULL;
  char err[800];
  rc = 1;
  if (mi.out_h * mi.out_w != 1) {
    fail("eval", "model '%s' gives %dx%dx%d outputs; a classifier gives 1x1xK", mpath,
         mi.out_h, mi.out_w, mi.out_c);
    goto out;
  }
  if (dataset_open(ds_name, &dopt, &d, err, sizeof err)) {
    fail("eval", "%s", err);
    goto out;
  }
  if (d.n_classes > mi.out_c) {
    fail("eval", "dataset '%s' has %d classes, model '%s' gives %d outputs", ds_name,
         d.n_classes, mpath, mi.out_c);
    goto out;
  }
  const int n = d.n, k_out = mi.out_c;
  const size_t ib = (size_t)mi.in_h * mi.in_w * mi.in_c;
  t.k = d.n_classes;
  t.per_class = calloc((size_t)t.k, sizeof *t.per_class);
  t.hit = calloc((size_t)t.k, sizeof *t.hit);
  t.conf = t.k <= MAX_CONFUSION ? calloc((size_t)t.k * t.k, sizeof *t.conf) : NULL;
  /* before the run, which may take long on a simulated device */
  const char *const outs[2] = {optv(o, no, "--logits"), optv(o, no, "--confusion")};
  for (int i = 0; i < 2; i++)
    if (outs[i] && output_path_check(outs[i], err, sizeof err)) {
      fail("eval", "%s", err);
      goto out;
    }
  if (outs[1] && t.k > MAX_CONFUSION) {
    fail("eval", "--confusion: %d classes, a picture is drawn up to %d", t.k, MAX_CONFUSION);
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
  xf = malloc(sizeof *xf * ib);
  x = malloc(ib * (size_t)batch);
  y = malloc((size_t)k_out * (size_t)batch);
  logits = outs[0] ? malloc((size_t)k_out * (size_t)n) : NULL;
  if (!xf || !x || !y || (outs[0] && !logits) || !t.per_class || !t.hit ||
      (t.k <= MAX_CONFUSION && !t.conf)) {
    fail("eval", "out of memory");
    goto out;
  }
  hta_stats tot = {0};
  const double t0 = hta_now_s(), inv = 1.0 / (double)mi.in_scale;
  const int tty = isatty(2) && !optv(o, no, "--json");
  for (int i0 = 0; i0 < n; i0 += (int)batch) {
    const int b = n - i0 < batch ? n - i0 : (int)batch;
    for (int j = 0; j < b; j++) {
      if (dataset_item(&d, i0 + j, xf, err, sizeof err)) {
        fail("eval", "item %d: %s", i0 + j, err);
        goto out;
      }
      for (size_t k = 0; k < ib; k++) {
        const double q = round(xf[k] * inv) + mi.in_zp;
        x[ib * j + k] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
      }
    }
    hta_stats st;
    progress pg; /* the simulator's own progress inside a batch (a TTY only) */
    if (tty) progress_start(dev, &pg, 0, b);
    rc = hta_run(net, x, y, b, (unsigned)timeout, &st);
    if (tty) progress_end(dev, &pg);
    if (rc != 0) {
      fail("eval", "items %d..%d: %s (%s)", i0, i0 + b - 1, hta_last_error(dev),
           hta_error_name(rc));
      rc = 1;
      goto out;
    }
    rc = 1;
    tot.has_cycles = st.has_cycles;
    tot.total_cycles += st.total_cycles;
    for (int j = 0; j < b; j++) tally_add(&t, d.labels[i0 + j], y + (size_t)k_out * j, k_out);
    if (logits) memcpy(logits + (size_t)k_out * i0, y, (size_t)k_out * b);
    if (tty)
      fprintf(stderr, "\r  eval: %d / %d items, top-1 so far %.2f%% ", i0 + b, n,
              100.0 * t.top1 / (i0 + b));
  }
  if (tty) fprintf(stderr, "\r%60s\r", "");
  const double wall = hta_now_s() - t0;
  if (logits) {
    size_t shape[2] = {(size_t)n, (size_t)k_out};
    if (npy_write(outs[0], 2, shape, logits, err, sizeof err)) {
      fail("eval", "%s", err);
      goto out;
    }
  }
  if (outs[1] && write_confusion_svg(outs[1], &d, &t, mpath, err, sizeof err)) {
    fail("eval", "%s", err);
    goto out;
  }
  if (optv(o, no, "--json")) {
    stdout_undivert();
    print_json(mpath, dev_uri, ds_name, &d, &t, &tot, wall);
    stdout_divert(); /* what the device prints at close goes to stderr too */
  } else {
    print_text(mpath, dev_uri, &d, &t, &tot, wall);
  }
  rc = 0;
out:
  hta_close(dev);
  stdout_undivert();
  dataset_close(&d);
  free(t.per_class);
  free(t.hit);
  free(t.conf);
  free(xf);
  free(x);
  free(y);
  free(logits);
  hta_model_free(m);
  return rc;
}
