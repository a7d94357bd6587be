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
 *
 * The items run through jobs.c (one or more devices, --jobs); the tally,
 * its printing and the part files of --shard/--out are evalres.c's, which
 * `hta merge` (cmd_merge.c) shares.
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
#include "evalres.h"
#include "files.h"
#include "jobs.h"
#include "util.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

static const char eval_help[] =
    "usage: hta eval --device D --model M.hta --dataset SRC [--limit N] [--json]\n"
    "                [--batch B] [--logits OUT.npy] [--confusion OUT.svg]\n"
    "                [--mean M[,M,M]] [--std S[,S,S]] [--data-dir DIR] [--timeout-ms N]\n"
    "                [--jobs N] [--progress] [--shard I/N --out PART.json]\n"
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
    "                    xrt:N[:xclbin=PATH] or usb:VID:PID[:SERIAL] (see hta --help);\n"
    "                    xrt:0,1,...[:xclbin=PATH] is one device per index (one job each)\n"
    "  --jobs N          N devices in parallel, each opened from D (cpu, sim) and each\n"
    "                    given a contiguous slice of the items; results, their order\n"
    "                    and --logits are those of one job (default: 1, or the number\n"
    "                    of devices D lists)\n"
    "  --progress        the progress line on stderr even when it is not a terminal\n"
    "  --shard I/N       only slice I of N (0-based): items [I*n/N, (I+1)*n/N)\n"
    "  --out PART.json   write the slice's results as a part file for hta merge\n"
    "                    (everything --json prints, plus the per-item predictions,\n"
    "                    the logits with --logits, and the model and dataset identity)\n"
    "  --limit N         only the first N items\n"
    "  --json            one JSON object on stdout (top-1, top-5, per class, confusion)\n"
    "  --batch B         inputs per device run, 1..65536 (default 100)\n"
    "  --logits F.npy    also write the int8 outputs, shape (N, K) (of the slice)\n"
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

/* The confusion matrix as an SVG picture: rows are labels, columns
 * predictions, each cell shaded by its share of the row, with its count. */
static int write_confusion_svg(const char *path, const eval_result *r, char *err,
                               size_t errlen) {
  const tally *t = &r->t;
  const char *title = r->model;
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
  for (int row = 0; row < k; row++) {
    if (k <= 20) {
      OUT("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 4, top + row * cell + cell / 2 + 4);
      for (const char *p = r->class_names[row]; *p && p - r->class_names[row] < 24; p++)
        if (*p == '<' || *p == '&' || *p == '>') OUT("_");
        else OUT("%c", *p);
      OUT("</text>\n");
    }
    for (int c = 0; c < k; c++) {
      const int v = t->conf[(size_t)row * k + c];
      const double f = t->per_class[row] ? (double)v / t->per_class[row] : 0.0;
      const int shade = (int)(255 - 200 * f);
      OUT("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" "
          "stroke=\"#ddd\"/>", left + c * cell, top + row * cell, cell, cell, shade, shade);
      if (k <= 20 && v)
        OUT("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%d</text>",
            left + c * cell + cell / 2, top + row * cell + cell / 2 + 4, f > 0.5 ? "white" : "black",
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

/* What the job threads read: the dataset and the model's input quantization. */
typedef struct eval_input {
  const dataset *d;
  size_t ib;
  double inv_scale;
  int zp;
} eval_input;

static int input_item(void *user, int i, int8_t *x, char *err, size_t errlen) {
  const eval_input *e = user;
  float *xf = malloc(sizeof *xf * e->ib);
  if (xf == NULL) return snprintf(err, errlen, "out of memory"), -1;
  if (dataset_item(e->d, i, xf, err, errlen)) return free(xf), -1;
  for (size_t k = 0; k < e->ib; k++) {
    const double q = round(xf[k] * e->inv_scale) + e->zp;
    x[k] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
  }
  free(xf);
  return 0;
}

/* "I/N" with 0 <= I < N. */
static int parse_shard(const char *s, int *shard, int *shards) {
  char *end;
  errno = 0;
  const long i = strtol(s, &end, 10);
  if (end == s || *end != '/' || errno) goto bad;
  const char *q = end + 1;
  const long n = strtol(q, &end, 10);
  if (end == q || *end || errno || n < 1 || n > (1L << 30) || i < 0 || i >= n) goto bad;
  *shard = (int)i, *shards = (int)n;
  return 0;
bad:
  return usage_error("eval", "--shard '%s': I/N with 0 <= I < N (slice I of N, 0-based)", s);
}

/* The identity of the data a part file was computed on: everything that
 * decides the results but the pixels themselves (sizes, classes, labels,
 * normalisation), not where the files are. */
static uint64_t dataset_id(const dataset *d, const dataset_opts *o) {
  uint64_t h = EVAL_FNV_START;
  const int32_t head[5] = {d->n, d->n_classes, o->h, o->w, o->c};
  h = eval_fnv(h, head, sizeof head);
  for (int c = 0; c < d->n_classes; c++)
    h = eval_fnv(h, d->class_names[c], strlen(d->class_names[c]) + 1);
  h = eval_fnv(h, d->labels, sizeof *d->labels * (size_t)d->n);
  h = eval_fnv(h, o->mean, sizeof o->mean);
  return eval_fnv(h, o->std, sizeof o->std);
}

int cmd_eval(int argc, char **argv) {
  opt o[] = {{"--device", 1, NULL},   {"--model", 1, NULL},      {"--dataset", 1, NULL},
             {"--limit", 1, NULL},    {"--json", 0, NULL},       {"--batch", 1, NULL},
             {"--logits", 1, NULL},   {"--data-dir", 1, NULL},   {"--timeout-ms", 1, NULL},
             {"--mean", 1, NULL},     {"--std", 1, NULL},        {"--confusion", 1, NULL},
             {"--jobs", 1, NULL},     {"--progress", 0, NULL},   {"--shard", 1, NULL},
             {"--out", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("eval", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(eval_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *dev_uri = optv(o, no, "--device"), *mpath = optv(o, no, "--model");
  const char *ds_name = optv(o, no, "--dataset"), *part_out = optv(o, no, "--out");
  if (!dev_uri || !mpath || !ds_name)
    return usage_error("eval", "--device, --model and --dataset are required");
  long limit = 0, batch = 100, timeout = 0;
  int shard = 0, shards = 1, n_jobs = 0;
  if (optv(o, no, "--limit") &&
      parse_long("eval", "--limit", optv(o, no, "--limit"), 1, 100000000L, &limit))
    return EXIT_USAGE;
  if (optv(o, no, "--batch") &&
      parse_long("eval", "--batch", optv(o, no, "--batch"), 1, HTA_MAX_BATCH, &batch))
    return EXIT_USAGE;
  if (optv(o, no, "--timeout-ms") &&
      parse_long("eval", "--timeout-ms", optv(o, no, "--timeout-ms"), 1, 86400000L, &timeout))
    return EXIT_USAGE;
  if (optv(o, no, "--shard") && parse_shard(optv(o, no, "--shard"), &shard, &shards))
    return EXIT_USAGE;
  if (optv(o, no, "--shard") && !part_out)
    return usage_error("eval", "--shard needs --out PART.json (the part file hta merge reads)");
  char **uris = jobs_uris("eval", dev_uri, optv(o, no, "--jobs"), &n_jobs);
  if (uris == NULL) return EXIT_USAGE;

  hta_model *m = load_model("eval", mpath);
  if (m == NULL) return hta_uri_list_free(uris), 1;
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
    hta_uri_list_free(uris);
    return EXIT_USAGE;
  }
  dataset d = {0};
  eval_part part = {0};
  eval_result *r = &part.r;
  int8_t *y = NULL;
  uint8_t *mbytes = NULL;
  jobs_result jr = {0};
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
  /* the slice: items first .. first + n - 1 */
  const int first = (int)((int64_t)shard * d.n / shards);
  const int n = (int)((int64_t)(shard + 1) * d.n / shards) - first, k_out = mi.out_c;
  /* before the run, which may take long on a simulated device */
  const char *const outs[3] = {optv(o, no, "--logits"), optv(o, no, "--confusion"), part_out};
  for (int i = 0; i < 3; i++)
    if (outs[i] && output_path_check(outs[i], err, sizeof err)) {
      fail("eval", "%s", err);
      goto out;
    }
  if (outs[1] && d.n_classes > MAX_CONFUSION) {
    fail("eval", "--confusion: %d classes, a picture is drawn up to %d", d.n_classes,
         MAX_CONFUSION);
    goto out;
  }
  size_t mlen = 0;
  if (part_out &&
      read_file_bounded(mpath, UINT64_C(1) << 32, "4 GiB", &mbytes, &mlen, err, sizeof err)) {
    fail("eval", "%s", err);
    goto out;
  }
  y = malloc((size_t)k_out * ((size_t)n + 1));
  part.pred = malloc(sizeof *part.pred * ((size_t)n + 1));
  if (!y || !part.pred || tally_init(&r->t, d.n_classes)) {
    fail("eval", "out of memory");
    goto out;
  }
  if (optv(o, no, "--json")) stdout_divert();
  eval_input in = {&d, (size_t)mi.in_h * mi.in_w * mi.in_c, 1.0 / (double)mi.in_scale,
                   mi.in_zp};
  jobs_spec js = {.cmd = "eval", .uris = uris, .n_jobs = n_jobs, .model = m, .first = first,
                  .n = n, .batch = (int)batch, .timeout_ms = (unsigned)timeout,
                  .in_bytes = in.ib, .out_bytes = (size_t)k_out, .input = input_item,
                  .user = &in, .out = y,
                  .progress = optv(o, no, "--progress") ||
                              (isatty(2) && !optv(o, no, "--json"))};
  if (jobs_run(&js, &jr)) goto out;
  /* the tally, in item order */
  for (int i = 0; i < n; i++)
    part.pred[i] = tally_add(&r->t, d.labels[first + i], y + (size_t)k_out * i, k_out);
  r->model = mpath, r->device = dev_uri, r->dataset = ds_name;
  r->k = d.n_classes, r->class_names = d.class_names;
  r->has_cycles = jr.total.has_cycles, r->cycles = jr.total.total_cycles;
  r->wall_s = jr.total.wall_s;
  if (outs[0]) {
    size_t shape[2] = {(size_t)n, (size_t)k_out};
    if (npy_write(outs[0], 2, shape, y, err, sizeof err)) {
      fail("eval", "%s", err);
      goto out;
    }
  }
  if (outs[1] && write_confusion_svg(outs[1], r, err, sizeof err)) {
    fail("eval", "%s", err);
    goto out;
  }
  if (part_out) {
    part.shard = shard, part.shards = shards, part.first = first, part.dataset_n = d.n;
    part.k_out = k_out;
    part.dataset_id = dataset_id(&d, &dopt);
    part.model_id = eval_fnv(EVAL_FNV_START, mbytes, mlen);
    part.logits = outs[0] ? y : NULL;
    const int wrc = eval_part_write(part_out, &part, err, sizeof err);
    part.logits = NULL;
    if (wrc) {
      fail("eval", "%s", err);
      goto out;
    }
  }
  if (optv(o, no, "--json")) {
    stdout_undivert();
    eval_print_json(stdout, r);
    stdout_divert(); /* what the device prints at close goes to stderr too */
  } else {
    eval_print_text(stdout, r);
  }
  rc = 0;
out:
  stdout_undivert();
  jobs_result_free(&jr);
  dataset_close(&d);
  tally_free(&r->t);
  free(part.pred);
  free(y);
  free(mbytes);
  hta_model_free(m);
  hta_uri_list_free(uris);
  return rc;
}
