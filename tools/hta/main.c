/*
 * hta - command line tool of libhta: inspect, run, benchmark and verify
 * .hta models on a device, and generate zoo models. `hta --help`.
 * Exit status: 0 ok, 1 verification mismatch or run failure, 2 usage error.
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
#include "hta_cfg.h"
#include "hta_compile.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "npy.h"

#define EXIT_USAGE 2

static const char *prog_name = "hta";

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s %s: ", prog_name, cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see '%s %s --help')\n", prog_name, cmd);
  return EXIT_USAGE;
}

static int fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s %s: error: ", prog_name, cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 1;
}

/* ---- option parsing: --name value, --name=value, -o value ---- */

typedef struct opt {
  const char *name; /* "--device" */
  int has_arg;
  const char *value; /* set when seen (flags: "1") */
} opt;

/* Fills opts; positional arguments go to pos (at most max_pos). -1 on error
 * (reported), 1 if --help was asked. */
static int parse_opts(const char *cmd, int argc, char **argv, opt *opts, int n_opts,
                      const char **pos, int max_pos, int *n_pos) {
  *n_pos = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return 1;
    if (a[0] == '-' && a[1] != '\0') {
      const char *eq = strchr(a, '=');
      const size_t nl = eq ? (size_t)(eq - a) : strlen(a);
      opt *o = NULL;
      for (int k = 0; k < n_opts; k++)
        if (strlen(opts[k].name) == nl && strncmp(opts[k].name, a, nl) == 0) o = &opts[k];
      if (o == NULL) {
        usage_error(cmd, "unknown option '%.*s'", (int)nl, a);
        return -1;
      }
      if (!o->has_arg) {
        if (eq) {
          usage_error(cmd, "option %s takes no value", o->name);
          return -1;
        }
        o->value = "1";
      } else if (eq) {
        o->value = eq + 1;
      } else if (i + 1 < argc) {
        o->value = argv[++i];
      } else {
        usage_error(cmd, "option %s needs a value", o->name);
        return -1;
      }
    } else {
      if (*n_pos >= max_pos) {
        usage_error(cmd, "unexpected argument '%s'", a);
        return -1;
      }
      pos[(*n_pos)++] = a;
    }
  }
  return 0;
}

static const char *optv(const opt *opts, int n, const char *name) {
  for (int k = 0; k < n; k++)
    if (strcmp(opts[k].name, name) == 0) return opts[k].value;
  return NULL;
}

static int parse_long(const char *cmd, const char *name, const char *s, long lo, long hi,
                      long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 0);
  if (errno || end == s || *end != '\0' || v < lo || v > hi) {
    usage_error(cmd, "%s '%s' is not an integer in %ld..%ld", name, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_u64(const char *cmd, const char *name, const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (s[0] == '-') return usage_error(cmd, "%s '%s' must not be negative", name, s), -1;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end != '\0') {
    usage_error(cmd, "%s '%s' is not an unsigned integer", name, s);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_double(const char *cmd, const char *name, const char *s, double lo, double hi,
                        double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
    usage_error(cmd, "%s '%s' is not a number in %g..%g", name, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- progress bar (stderr, only on a terminal) ---- */

typedef struct progress {
  double t0, last;
  uint64_t done_before; /* cycles of earlier inferences */
  uint64_t expect;      /* cycles expected for the whole run, 0 = unknown */
  uint64_t last_cycles;
  int item, batch;      /* inference being simulated, of batch */
  int shown;
} progress;

static void progress_fn(void *user, uint64_t cycles) {
  progress *p = user;
  if (cycles < p->last_cycles) { /* the next inference started */
    p->done_before += p->last_cycles;
    p->item++;
  }
  p->last_cycles = cycles;
  const double t = now_s();
  if (t - p->last < 0.2) return;
  p->last = t;
  const uint64_t c = p->done_before + cycles;
  const double rate = c / (t - p->t0 + 1e-9);
  if (p->expect) {
    const double f = c >= p->expect ? 1.0 : (double)c / (double)p->expect;
    char bar[31];
    const int w = (int)(f * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < w ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r  sim [%s] %3.0f%% %.2f Mcycles, %.0f kcycles/s ", bar, 100 * f, c / 1e6,
            rate / 1e3);
  } else {
    fprintf(stderr, "\r  sim: inference %d of %d, %.2f Mcycles, %.0f kcycles/s ", p->item + 1,
            p->batch, c / 1e6, rate / 1e3);
  }
  p->shown = 1;
}

static void progress_start(hta_device *dev, progress *p, uint64_t expect, int batch) {
  memset(p, 0, sizeof *p);
  p->batch = batch;
  p->t0 = p->last = now_s();
  p->expect = expect;
  if (isatty(2) && hta_device_has_cycles(dev)) hta_set_progress(dev, progress_fn, p);
}

static void progress_end(hta_device *dev, progress *p) {
  hta_set_progress(dev, NULL, NULL);
  if (p->shown) fprintf(stderr, "\r%78s\r", "");
}

/* ---- models ---- */

static hta_model *load_model(const char *cmd, const char *path) {
  char err[512] = "";
  hta_model *m = hta_model_load(path, err, sizeof err);
  if (m == NULL) fail(cmd, "cannot load model '%s': %s", path, err);
  return m;
}

static hta_device *open_device(const char *cmd, const char *uri) {
  hta_device *d = NULL;
  int rc = hta_open(uri, &d);
  if (rc != 0) {
    fail(cmd, "%s (%s)", hta_open_error(), hta_error_name(rc));
    return NULL;
  }
  return d;
}

/* Per-layer work for utilization: filters x K x pixels on each array. */
typedef struct layer_work {
  uint64_t mac, add, ideal;
  int n_kind[4];
  uint64_t params, bytes;
} layer_work;

static void layer_work_of(const hta_layer *l, layer_work *w) {
  memset(w, 0, sizeof *w);
  const uint64_t K = (uint64_t)hta_layer_k(l);
  const uint64_t pix = (uint64_t)hta_layer_out_h(l) * (uint64_t)hta_layer_out_w(l);
  const uint64_t ng = (uint64_t)hta_layer_ngroups(l);
  const int dw = hta_layer_is_depthwise(l);
  const uint64_t r = (uint64_t)(l->r > 0 ? l->r : 0);
  for (int o = 0; o < l->out_c; o++) {
    const hta_kind k = hta_layer_kind(l, o);
    w->n_kind[k]++;
    w->bytes += 9; /* bias, mult, shift */
    if (l->op == HTA_OP_GAP) {
      w->mac += K * pix;
      continue;
    }
    switch (k) {
      case HTA_KIND_INT8:
        w->mac += K * pix;
        w->params += K;
        w->bytes += K;
        break;
      case HTA_KIND_TERNARY:
      case HTA_KIND_BINARY:
        w->add += K * pix;
        w->params += K;
        w->bytes += (k == HTA_KIND_TERNARY ? hta_ternary_packed_bytes(K)
                                            : hta_binary_packed_bytes(K)) + ng;
        break;
      case HTA_KIND_STRASSEN:
        w->add += r * pix; /* W_c */
        w->params += r;
        w->bytes += hta_ternary_packed_bytes(r);
        if (dw) { /* per channel W_b */
          w->add += r * K * pix;
          w->params += r * K;
          w->bytes += r * (hta_ternary_packed_bytes(K) + 5);
        }
        break;
    }
  }
  if (!dw && w->n_kind[HTA_KIND_STRASSEN] > 0) { /* shared W_b */
    w->add += r * K * pix;
    w->params += r * K;
    w->bytes += r * (hta_ternary_packed_bytes(K) + 5);
  }
  const uint64_t im = (w->mac + HTA_CFG_MAC_LANES - 1) / HTA_CFG_MAC_LANES;
  const uint64_t ia = (w->add + HTA_CFG_ADD_LANES - 1) / HTA_CFG_ADD_LANES;
  w->ideal = im > ia ? im : ia;
}

/* ---- hta info ---- */

static const char info_help[] =
    "usage: hta info MODEL.hta\n"
    "Print a model's metadata and a per-layer table: op, input and output shapes\n"
    "(HxWxC), kernel/stride, filters of each kind (INT8 / TERNARY / BINARY /\n"
    "STRASSEN), parameters, weight bytes in the file's packing, and the work on\n"
    "each array (MAC ops, adder ops). Also compiles it: descriptors and program\n"
    "bytes for this hardware configuration.\n";

static int cmd_info(int argc, char **argv) {
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("info", argc, argv, NULL, 0, pos, 1, &n_pos);
  if (rc == 1) return fputs(info_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  if (n_pos != 1) return usage_error("info", "expected one MODEL.hta");
  hta_model *m = load_model("info", pos[0]);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  printf("model    %s\nplan     %s\ninput    %dx%dx%d int8 (scale %g, zero point %d)\n"
         "output   %dx%dx%d int8 (scale %g, zero point %d)\nlayers   %d\n",
         mi.name, mi.plan[0] ? mi.plan : "-", mi.in_h, mi.in_w, mi.in_c, (double)mi.in_scale,
         mi.in_zp, mi.out_h, mi.out_w, mi.out_c, (double)mi.out_scale, mi.out_zp, mi.n_layers);
  printf("\n%3s %-9s %-13s %-13s %-7s %5s %5s %5s %5s %3s %9s %9s %11s %11s\n", "#", "op",
         "input", "output", "kernel", "int8", "tern", "bin", "strs", "r", "params", "bytes",
         "MAC ops", "adder ops");
  uint64_t tp = 0, tb = 0, tm = 0, ta = 0;
  for (int i = 0; i < mi.n_layers; i++) {
    const hta_layer *l = &ls[i];
    layer_work w;
    layer_work_of(l, &w);
    char in[32], out[32], k[16];
    snprintf(in, sizeof in, "%dx%dx%d", l->in_h, l->in_w, l->in_c);
    snprintf(out, sizeof out, "%dx%dx%d", hta_layer_out_h(l), hta_layer_out_w(l), l->out_c);
    if (l->op == HTA_OP_GAP)
      snprintf(k, sizeof k, "-");
    else
      snprintf(k, sizeof k, "%dx%d/%d", l->kh, l->kw, l->stride);
    printf("%3d %-9s %-13s %-13s %-7s %5d %5d %5d %5d %3d %9" PRIu64 " %9" PRIu64 " %11" PRIu64
           " %11" PRIu64 "\n",
           i, hta_op_name(l->op), in, out, k, w.n_kind[0], w.n_kind[1], w.n_kind[2], w.n_kind[3],
           w.n_kind[3] ? l->r : 0, w.params, w.bytes, w.mac, w.add);
    tp += w.params;
    tb += w.bytes;
    tm += w.mac;
    ta += w.add;
  }
  printf("%3s %-9s %-13s %-13s %-7s %5s %5s %5s %5s %3s %9" PRIu64 " %9" PRIu64 " %11" PRIu64
         " %11" PRIu64 "\n",
         "", "total", "", "", "", "", "", "", "", "", tp, tb, tm, ta);
  char err[512] = "";
  hta_program *p = hta_compile(ls, mi.n_layers, err, sizeof err);
  if (p) {
    printf("\ncompiled: %d hardware descriptors, program %zu bytes, data window %zu bytes\n",
           p->n_desc, p->size, p->data_size);
    hta_program_free(p);
  } else {
    printf("\ncompiled: does not fit this hardware: %s\n", err);
  }
  hta_model_free(m);
  return 0;
}

/* ---- hta run ---- */

static const char run_help[] =
    "usage: hta run --device D --model M.hta --input X.npy --output Y.npy\n"
    "               [--raw] [--timeout-ms N] [--stats]\n"
    "Run a model on a device. X.npy is int8 NHWC: shape (H, W, C) for one input or\n"
    "(N, H, W, C) for a batch of N (any shape with the right number of bytes is\n"
    "accepted when it is a whole number of inputs; a leading batch dimension is\n"
    "kept in the output). Y.npy gets int8 (H', W', C') or (N, H', W', C').\n"
    "  --device D      cpu (golden model), sim or sim:trace=FILE.fst (RTL)\n"
    "  --raw           X and Y are flat binary files (N inputs back to back)\n"
    "  --timeout-ms N  bound of each inference (default 600000)\n"
    "  --stats         print cycles and time on stderr\n";

static int cmd_run(int argc, char **argv) {
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
  const size_t ib = (size_t)mi.in_h * mi.in_w * mi.in_c;
  const size_t ob = (size_t)mi.out_h * mi.out_w * mi.out_c;
  char err[600];
  npy_array x = {0};
  int batched = 0;
  rc = 1;
  hta_device *dev = NULL;
  int8_t *y = NULL;
  if (raw) {
    uint8_t *buf;
    size_t len;
    if (npy_read_file(ipath, &buf, &len, err, sizeof err)) {
      fail("run", "%s", err);
      goto out;
    }
    x.data = (int8_t *)buf;
    x.count = len;
    batched = len != ib;
  } else {
    if (npy_read(ipath, &x, err, sizeof err)) {
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
    FILE *f = fopen(opath, "wb");
    if (f == NULL || fwrite(y, 1, ob * (size_t)batch, f) != ob * (size_t)batch) {
      if (f) fclose(f);
      fail("run", "cannot write '%s': %s", opath, strerror(errno));
      rc = 1;
      goto out;
    }
    if (fclose(f) != 0) {
      fail("run", "cannot write '%s'", opath);
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

/* ---- hta bench ---- */

/* s as a JSON string body (quotes, backslashes and control bytes escaped). */
static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    const unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static const char bench_help[] =
    "usage: hta bench --model M.hta [--device D] [--batch N] [--clock-mhz F]\n"
    "                 [--seed S] [--json]\n"
    "Run N seeded random inputs (default 1) on a device (default sim) and report:\n"
    "per-layer cycles; MAC-array, adder-array and overall utilization, where the\n"
    "ideal cycles of a layer are max(INT8 work / MacLanes, adder work / AddLanes)\n"
    "(work = filters x K x output pixels) and utilization = ideal / actual cycles;\n"
    "total cycles; inferences/s at the clock (default 300 MHz); host wall time;\n"
    "simulation speed (simulated cycles per wall second).\n"
    "The cpu device counts no cycles: its cycle columns are 0.\n"
    "  --json   exactly one JSON object on stdout: total_cycles, utilization,\n"
    "           mac_utilization, adder_utilization, inferences_per_s, wall_s,\n"
    "           sim_cycles_per_s, clock_mhz, batch, device, has_cycles, layers[]\n";

static void fill_random(int8_t *buf, size_t n, uint64_t seed) {
  uint64_t s = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    buf[i] = (int8_t)(s >> 24);
  }
}

static int cmd_bench(int argc, char **argv) {
  opt o[] = {{"--device", 1, NULL}, {"--model", 1, NULL}, {"--batch", 1, NULL},
             {"--clock-mhz", 1, NULL}, {"--json", 0, NULL}, {"--seed", 1, NULL},
             {"--timeout-ms", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("bench", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(bench_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *uri = optv(o, no, "--device") ? optv(o, no, "--device") : "sim";
  const char *mpath = optv(o, no, "--model");
  if (!mpath) return usage_error("bench", "--model is required");
  long batch = 1, timeout = 0;
  double mhz = 300;
  uint64_t seed = 1;
  if (optv(o, no, "--batch") &&
      parse_long("bench", "--batch", optv(o, no, "--batch"), 1, 4096, &batch))
    return EXIT_USAGE;
  if (optv(o, no, "--clock-mhz") &&
      parse_double("bench", "--clock-mhz", optv(o, no, "--clock-mhz"), 1e-3, 1e5, &mhz))
    return EXIT_USAGE;
  if (optv(o, no, "--seed") && parse_u64("bench", "--seed", optv(o, no, "--seed"), &seed))
    return EXIT_USAGE;
  if (optv(o, no, "--timeout-ms") &&
      parse_long("bench", "--timeout-ms", optv(o, no, "--timeout-ms"), 1, 86400000L, &timeout))
    return EXIT_USAGE;
  const int json = optv(o, no, "--json") != NULL;
  hta_model *m = load_model("bench", mpath);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  hta_device *dev = open_device("bench", uri);
  int8_t *in = NULL, *out = NULL;
  layer_work *lw = NULL;
  rc = 1;
  if (dev == NULL) goto out;
  hta_net *net;
  int lrc = hta_load_model(dev, m, &net);
  if (lrc != 0) {
    fail("bench", "%s (%s)", hta_last_error(dev), hta_error_name(lrc));
    goto out;
  }
  const size_t ib = (size_t)mi.in_h * mi.in_w * mi.in_c;
  const size_t ob = (size_t)mi.out_h * mi.out_w * mi.out_c;
  in = malloc(ib * (size_t)batch);
  out = malloc(ob * (size_t)batch);
  lw = calloc((size_t)mi.n_layers, sizeof *lw);
  if (!in || !out || !lw) {
    fail("bench", "out of memory");
    goto out;
  }
  fill_random(in, ib * (size_t)batch, seed);
  uint64_t ideal = 0, mac_work = 0, add_work = 0;
  for (int i = 0; i < mi.n_layers; i++) {
    layer_work_of(&ls[i], &lw[i]);
    ideal += lw[i].ideal;
    mac_work += lw[i].mac;
    add_work += lw[i].add;
  }
  hta_stats st;
  progress pg;
  progress_start(dev, &pg, 0, (int)batch);
  lrc = hta_run(net, in, out, (int)batch, (unsigned)timeout, &st);
  progress_end(dev, &pg);
  if (lrc != 0) {
    fail("bench", "%s (%s)", hta_last_error(dev), hta_error_name(lrc));
    goto out;
  }
  const double cyc_per_inf = (double)st.total_cycles / (double)batch;
  const double util = st.total_cycles ? (double)ideal * batch / (double)st.total_cycles : 0;
  const double mac_util =
      st.total_cycles ? (double)mac_work / HTA_CFG_MAC_LANES * batch / (double)st.total_cycles
                      : 0;
  const double add_util =
      st.total_cycles ? (double)add_work / HTA_CFG_ADD_LANES * batch / (double)st.total_cycles
                      : 0;
  const double ips = cyc_per_inf > 0 ? mhz * 1e6 / cyc_per_inf : 0;
  const double sim_speed = st.wall_s > 0 ? (double)st.sim_cycles / st.wall_s : 0;
  if (json) {
    printf("{\"model\":");
    json_str(mi.name);
    printf(",\"device\":");
    json_str(hta_device_kind(dev));
    printf(",\"has_cycles\":%s,\"batch\":%ld,"
           "\"clock_mhz\":%g,\"total_cycles\":%" PRIu64 ",\"cycles_per_inference\":%.1f,"
           "\"ideal_cycles\":%" PRIu64 ",\"utilization\":%.6f,\"mac_utilization\":%.6f,"
           "\"adder_utilization\":%.6f,\"inferences_per_s\":%.3f,\"wall_s\":%.6f,"
           "\"sim_cycles_per_s\":%.1f,\"mac_ops\":%" PRIu64 ",\"add_ops\":%" PRIu64
           ",\"mem_stall\":%" PRIu64 ",\"drain_stall\":%" PRIu64 ",\"bytes_rd\":%" PRIu64
           ",\"bytes_wr\":%" PRIu64 ",\"layers\":[",
           st.has_cycles ? "true" : "false", batch, mhz,
           st.total_cycles, cyc_per_inf, ideal * (uint64_t)batch, util, mac_util, add_util, ips,
           st.wall_s, sim_speed, st.mac_ops, st.add_ops, st.mem_stall, st.drain_stall,
           st.bytes_rd, st.bytes_wr);
    for (int i = 0; i < mi.n_layers; i++) {
      const uint64_t c = st.layer_cycles[i];
      const double b = (double)batch;
      printf("%s{\"index\":%d,\"op\":\"%s\",\"cycles\":%" PRIu64 ",\"ideal_cycles\":%" PRIu64
             ",\"utilization\":%.6f,\"mac_utilization\":%.6f,\"adder_utilization\":%.6f}",
             i ? "," : "", i, hta_op_name(ls[i].op), c, lw[i].ideal,
             c ? lw[i].ideal * b / c : 0.0,
             c ? (double)lw[i].mac / HTA_CFG_MAC_LANES * b / c : 0.0,
             c ? (double)lw[i].add / HTA_CFG_ADD_LANES * b / c : 0.0);
    }
    printf("]}\n");
  } else {
    printf("model %s on %s, batch %ld, MacLanes %d, AddLanes %d%s\n", mi.name,
           hta_device_kind(dev), batch, HTA_CFG_MAC_LANES, HTA_CFG_ADD_LANES,
           st.has_cycles ? "" : "\n(device cpu is the golden model: it counts no cycles, "
                                "so every cycle figure below is 0)");
    printf("\n%3s %-9s %-13s %12s %12s %7s %7s %7s\n", "#", "op", "output", "cycles", "ideal",
           "util", "MAC", "adder");
    for (int i = 0; i < mi.n_layers; i++) {
      const hta_layer *l = &ls[i];
      const uint64_t c = st.layer_cycles[i];
      const double b = (double)batch;
      char shp[32];
      snprintf(shp, sizeof shp, "%dx%dx%d", hta_layer_out_h(l), hta_layer_out_w(l), l->out_c);
      printf("%3d %-9s %-13s %12" PRIu64 " %12" PRIu64 " %6.1f%% %6.1f%% %6.1f%%\n", i,
             hta_op_name(l->op), shp, c, lw[i].ideal * (uint64_t)batch,
             c ? 100.0 * lw[i].ideal * b / c : 0.0,
             c ? 100.0 * lw[i].mac / HTA_CFG_MAC_LANES * b / c : 0.0,
             c ? 100.0 * lw[i].add / HTA_CFG_ADD_LANES * b / c : 0.0);
    }
    printf("%3s %-9s %-13s %12" PRIu64 " %12" PRIu64 " %6.1f%% %6.1f%% %6.1f%%\n", "", "total",
           "", st.total_cycles, ideal * (uint64_t)batch, 100 * util, 100 * mac_util,
           100 * add_util);
    printf("\ncycles per inference   %.0f\n", cyc_per_inf);
    printf("inferences/s           %.1f at %g MHz\n", ips, mhz);
    printf("memory                 %.2f MB read, %.2f MB written; stalls: memory %" PRIu64
           ", drain %" PRIu64 " cycles\n",
           st.bytes_rd / 1e6, st.bytes_wr / 1e6, st.mem_stall, st.drain_stall);
    printf("host wall time         %.3f s\n", st.wall_s);
    if (st.has_cycles) printf("simulation speed       %.0f kcycles/s\n", sim_speed / 1e3);
  }
  rc = 0;
out:
  free(in);
  free(out);
  free(lw);
  hta_close(dev);
  hta_model_free(m);
  return rc;
}

/* ---- hta verify ---- */

static const char verify_help[] =
    "usage: hta verify --model M.hta [--inputs N] [--seed S] [--device D]\n"
    "Run N seeded random inputs (default 2) on a device (default sim) and on cpu\n"
    "(the golden model), and compare every layer's output bit for bit. Prints a\n"
    "line per layer; on a mismatch, the first differing layer and element\n"
    "(input, layer, h, w, c, both values). Exit status 1 on any mismatch.\n";

static int cmd_verify(int argc, char **argv) {
  opt o[] = {{"--model", 1, NULL}, {"--inputs", 1, NULL}, {"--seed", 1, NULL},
             {"--device", 1, NULL}, {"--timeout-ms", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("verify", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(verify_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *mpath = optv(o, no, "--model");
  const char *uri = optv(o, no, "--device") ? optv(o, no, "--device") : "sim";
  if (!mpath) return usage_error("verify", "--model is required");
  long n = 2, timeout = 0;
  uint64_t seed = 1;
  if (optv(o, no, "--inputs") &&
      parse_long("verify", "--inputs", optv(o, no, "--inputs"), 1, 1024, &n))
    return EXIT_USAGE;
  if (optv(o, no, "--seed") && parse_u64("verify", "--seed", optv(o, no, "--seed"), &seed))
    return EXIT_USAGE;
  if (optv(o, no, "--timeout-ms") &&
      parse_long("verify", "--timeout-ms", optv(o, no, "--timeout-ms"), 1, 86400000L, &timeout))
    return EXIT_USAGE;
  hta_model *m = load_model("verify", mpath);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  hta_device *dref = open_device("verify", "cpu"), *dut = open_device("verify", uri);
  int8_t *in = NULL, *oref = NULL, *odut = NULL, *a = NULL, *b = NULL;
  rc = 1;
  if (!dref || !dut) goto out;
  hta_net *nref, *ndut;
  int lrc = hta_load_model(dref, m, &nref);
  if (lrc == 0) lrc = hta_load_model(dut, m, &ndut);
  if (lrc != 0) {
    fail("verify", "%s (%s)", hta_last_error(dut), hta_error_name(lrc));
    goto out;
  }
  const size_t ib = (size_t)mi.in_h * mi.in_w * mi.in_c;
  const size_t ob = (size_t)mi.out_h * mi.out_w * mi.out_c;
  size_t maxl = 0;
  for (int i = 0; i < mi.n_layers; i++)
    if (hta_layer_out_size(&ls[i]) > maxl) maxl = hta_layer_out_size(&ls[i]);
  in = malloc(ib * (size_t)n);
  oref = malloc(ob * (size_t)n);
  odut = malloc(ob * (size_t)n);
  a = malloc(maxl);
  b = malloc(maxl);
  if (!in || !oref || !odut || !a || !b) {
    fail("verify", "out of memory");
    goto out;
  }
  fill_random(in, ib * (size_t)n, seed);
  printf("verify %s: %ld seeded input(s) (seed %" PRIu64 "), %s against cpu\n", mi.name, n,
         seed, uri);
  hta_stats st;
  if ((lrc = hta_run(nref, in, oref, (int)n, (unsigned)timeout, &st)) != 0) {
    fail("verify", "cpu: %s (%s)", hta_last_error(dref), hta_error_name(lrc));
    goto out;
  }
  progress pg;
  progress_start(dut, &pg, 0, (int)n);
  lrc = hta_run(ndut, in, odut, (int)n, (unsigned)timeout, &st);
  progress_end(dut, &pg);
  if (lrc != 0) {
    fail("verify", "%s: %s (%s)", uri, hta_last_error(dut), hta_error_name(lrc));
    goto out;
  }
  int first_bad = -1;
  for (int i = 0; i < mi.n_layers; i++) {
    const hta_layer *l = &ls[i];
    const size_t lb = hta_layer_out_size(l);
    long diffs = 0;
    int shown = 0;
    for (int k = 0; k < n; k++) {
      if (hta_layer_output(nref, k, i, a, lb) || hta_layer_output(ndut, k, i, b, lb)) {
        fail("verify", "reading layer %d: %s", i, hta_last_error(dut));
        goto out;
      }
      for (size_t e = 0; e < lb; e++) {
        if (a[e] == b[e]) continue;
        if (diffs++ == 0 && first_bad < 0 && !shown) {
          const size_t c = e % (size_t)l->out_c, px = e / (size_t)l->out_c;
          const size_t w = px % (size_t)hta_layer_out_w(l), h = px / (size_t)hta_layer_out_w(l);
          printf("  first difference: input %d, layer %d (%s), element %zu (h %zu, w %zu, "
                 "c %zu): cpu %d, %s %d\n",
                 k, i, hta_op_name(l->op), e, h, w, c, a[e], uri, b[e]);
          shown = 1;
        }
      }
    }
    if (diffs && first_bad < 0) first_bad = i;
    printf("  layer %3d %-9s %dx%dx%d: %s", i, hta_op_name(l->op), hta_layer_out_h(l),
           hta_layer_out_w(l), l->out_c, diffs ? "MISMATCH" : "bit-exact");
    if (diffs) printf(" (%ld of %zu bytes differ)", diffs, lb * (size_t)n);
    printf("\n");
  }
  if (memcmp(oref, odut, ob * (size_t)n) != 0 && first_bad < 0) first_bad = mi.n_layers - 1;
  if (first_bad >= 0) {
    printf("verify: FAILED: first differing layer %d\n", first_bad);
    goto out;
  }
  if (st.has_cycles)
    printf("verify: OK: %s is bit-exact with cpu on every layer (%" PRIu64
           " cycles, %.1f s wall)\n", uri, st.total_cycles, st.wall_s);
  else
    printf("verify: OK: %s is bit-exact with cpu on every layer\n", uri);
  rc = 0;
out:
  free(in);
  free(oref);
  free(odut);
  free(a);
  free(b);
  hta_close(dref);
  hta_close(dut);
  hta_model_free(m);
  return rc;
}

/* ---- hta zoo ---- */

static const char zoo_help[] =
    "usage: hta zoo mobilenet-v1 --width A --resolution R --plan P [--seed S] -o M.hta\n"
    "Generate a model of the zoo with seeded random weights (docs/zoo.md).\n"
    "  --width A        width multiplier, e.g. 0.25, 0.5, 0.75, 1.0\n"
    "  --resolution R   input height and width, e.g. 128, 160, 192, 224\n"
    "  --plan P         quantization plan, e.g. int8, hybrid:0.5 (see docs/zoo.md)\n"
    "  --seed S         weight seed (default 1)\n"
    "  -o M.hta         output file\n";

static int cmd_zoo(int argc, char **argv) {
  opt o[] = {{"--width", 1, NULL}, {"--resolution", 1, NULL}, {"--plan", 1, NULL},
             {"--seed", 1, NULL},  {"-o", 1, NULL},           {"--output", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("zoo", argc, argv, o, no, pos, 1, &n_pos);
  if (rc == 1) return fputs(zoo_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  if (n_pos != 1) return usage_error("zoo", "expected a model name (mobilenet-v1)");
  if (strcmp(pos[0], "mobilenet-v1") != 0)
    return usage_error("zoo", "unknown model '%s' (known: mobilenet-v1)", pos[0]);
  const char *out = optv(o, no, "-o") ? optv(o, no, "-o") : optv(o, no, "--output");
  const char *ws = optv(o, no, "--width"), *rs = optv(o, no, "--resolution");
  const char *plan = optv(o, no, "--plan");
  if (!out || !ws || !rs || !plan)
    return usage_error("zoo", "--width, --resolution, --plan and -o are required");
  double width;
  long res;
  uint64_t seed = 1;
  if (parse_double("zoo", "--width", ws, 0.01, 4.0, &width) ||
      parse_long("zoo", "--resolution", rs, 1, 4096, &res) ||
      (optv(o, no, "--seed") && parse_u64("zoo", "--seed", optv(o, no, "--seed"), &seed)))
    return EXIT_USAGE;
  char err[512] = "";
  hta_model *m = hta_zoo_mobilenet_v1(width, (int)res, plan, seed, err, sizeof err);
  if (m == NULL) return fail("zoo", "%s", err);
  if (hta_model_save(m, out, err, sizeof err) != 0) {
    hta_model_free(m);
    return fail("zoo", "%s", err);
  }
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  printf("wrote %s: %s, plan %s, %d layers, input %dx%dx%d\n", out, mi.name, mi.plan,
         mi.n_layers, mi.in_h, mi.in_w, mi.in_c);
  hta_model_free(m);
  return 0;
}

/* ---- main ---- */

static const char main_help[] =
    "usage: hta [--help | --version] COMMAND [ARGS]\n"
    "HTA - hybrid ternary neural network accelerator tool (libhta " HTA_VERSION_STRING ").\n"
    "Commands (each has --help):\n"
    "  info     per-layer table of a .hta model\n"
    "  run      run a model on a device: .npy (or raw) int8 input to output\n"
    "  bench    cycles, array utilization and throughput of a model on a device\n"
    "  verify   compare a device with the golden model, layer by layer\n"
    "  zoo      generate a model (mobilenet-v1)\n"
    "Devices: cpu (golden model, no cycle counts), sim, sim:trace=FILE.fst\n"
    "(cycle-accurate Verilator model of the RTL).\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(main_help, stderr);
    return EXIT_USAGE;
  }
  const char *c = argv[1];
  if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
    fputs(main_help, stdout);
    return 0;
  }
  if (strcmp(c, "--version") == 0) {
    printf("hta %s\n", hta_version());
    return 0;
  }
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"info", cmd_info},     {"run", cmd_run}, {"bench", cmd_bench},
              {"verify", cmd_verify}, {"zoo", cmd_zoo}};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(c, cmds[i].name) == 0) return cmds[i].fn(argc - 2, argv + 2);
  fprintf(stderr, "hta: unknown command '%s' (commands: info run bench verify zoo; see "
                  "'hta --help')\n", c);
  return EXIT_USAGE;
}
