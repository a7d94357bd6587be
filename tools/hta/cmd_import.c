/*
 * cmd_import.c - `hta import`: an ONNX model to a .hta model.
 *
 * Reading ONNX and quantizing happen in Python (tools/import/hta_import.py,
 * Debian's python3-onnx); it leaves integer layers in a bundle (a text
 * manifest and a binary file of arrays, described in that script). This file
 * turns the bundle into the .hta file through libhta's model API, so there is
 * one writer of the format (host/src/model_io.c) and every layer passes
 * hta_model_add_layer's validation before anything is written.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hta.h"
#include "hta_model.h"
#include "npy.h"
#include "cli.h"
#include "files.h"

static const char import_help[] =
    "usage: hta import MODEL.onnx -o MODEL.hta [--plan P] [--calib SRC] [--calib-n N]\n"
    "                  [--calib-method M] [--keep-int8 LIST] [--name NAME]\n"
    "                  [--report text|json] [--report-n N]\n"
    "Import a trained ONNX network (a graph of Conv, depthwise Conv, Gemm/MatMul,\n"
    "BatchNormalization, Relu, Clip, activation functions, pools, residual Add,\n"
    "Concat, squeeze-excite Mul, Flatten/Reshape, or their quantized forms) and\n"
    "quantize it (docs/quantization.md).\n"
    "  --plan P          auto (default: keep the graph's integers, exact ternary/binary\n"
    "                    filters as such, the rest int8), int8, twn, fgq:N,\n"
    "                    hybrid:F (per layer, the fraction F of filters most sensitive\n"
    "                    to ternarization on the calibration images stays int8, the\n"
    "                    rest TWN), hybrid-global:F (F of the network's MACs int8)\n"
    "  --calib SRC       activation calibration images: fashion-mnist (the first N\n"
    "                    training images) or FILE.npy (uint8 pixels, or float inputs)\n"
    "  --calib-n N       calibration images (default 1000)\n"
    "  --calib-method M  auto (default: of minmax, mixed, mse and ev, the one whose\n"
    "                    network output is closest to the float one on held-out\n"
    "                    calibration images), minmax, mse (the range of least\n"
    "                    rounding error), mixed (mse for outputs without a clamp or\n"
    "                    table, minmax for the others), ev (minmax widened to the\n"
    "                    extremes expected of 4x as many images) or pct:P (P-th\n"
    "                    percentile, e.g. pct:99.99)\n"
    "  --keep-int8 LIST  layers kept int8 whatever the plan: first, last, dw (every\n"
    "                    depthwise layer), or layer indices\n"
    "  --name NAME       model name (default: the file name)\n"
    "  --report FMT      then run the model on the cpu device (the golden model) on\n"
    "                    the first calibration images and print, per layer, the\n"
    "                    relative RMS error of its dequantized output against the\n"
    "                    float graph's tensor, and that of rounding the float tensor\n"
    "                    alone: a table (text) or one JSON object per layer (json)\n"
    "  --report-n N      images of the report (default 8)\n"
    "Environment: HTA_PYTHON (default /usr/bin/python3), HTA_IMPORT_TOOL (the script).\n";

/* ---- finding the Python side ---- */

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The script: $HTA_IMPORT_TOOL, else next to the executable in the source
 * tree (build/hta -> tools/import), else the installed copy
 * (bin/hta -> share/hta/import). */
static int find_tool(char *out, size_t n) {
  const char *env = getenv("HTA_IMPORT_TOOL");
  if (env && *env) return snprintf(out, n, "%s", env) < (int)n && is_file(out) ? 0 : -1;
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return -1;
  exe[len] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL) return -1;
  *slash = '\0';
  static const char *const rel[] = {"/../tools/import/hta_import.py",
                                    "/../share/hta/import/hta_import.py"};
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
    if (snprintf(out, n, "%s%s", exe, rel[i]) < (int)n && is_file(out)) return 0;
  return -1;
}

/* ---- reading the bundle ---- */

typedef struct bundle {
  FILE *txt;
  uint8_t *bin;
  size_t bin_len, pos;
  int line;
} bundle;

/* The next array of the bundle, named `name`, of count elements of size es. */
static void *take_array(bundle *b, const char *want, size_t es, size_t *count, char *err,
                        size_t errlen) {
  char line[256], name[32];
  long long cnt;
  long where = ftell(b->txt);
  if (fgets(line, sizeof line, b->txt) == NULL ||
      sscanf(line, "array %31s %lld", name, &cnt) != 2 || strcmp(name, want) != 0) {
    fseek(b->txt, where, SEEK_SET);
    *count = 0;
    return NULL;
  }
  b->line++;
  if (cnt < 0 || (size_t)cnt > (b->bin_len - b->pos) / es) {
    snprintf(err, errlen, "bundle line %d: array %s of %lld exceeds the data", b->line, name,
             cnt);
    *count = (size_t)-1;
    return NULL;
  }
  void *p = b->bin + b->pos;
  b->pos += (size_t)cnt * es;
  *count = (size_t)cnt;
  return p;
}

/* Little-endian arrays in the bundle: copy to aligned host-order storage. */
static int32_t *i32_array(const uint8_t *p, size_t n) {
  int32_t *a = malloc(n ? n * 4 : 1);
  if (a == NULL) return NULL;
  for (size_t i = 0; i < n; i++)
    a[i] = (int32_t)((uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24);
  return a;
}

/* An optional record: the next line if it starts with `prefix` (counted),
 * else 0 with the bundle where it was. */
static int optional_line(bundle *b, const char *prefix, char *line, int size) {
  long where = ftell(b->txt);
  if (fgets(line, size, b->txt) == NULL || strncmp(line, prefix, strlen(prefix)) != 0) {
    fseek(b->txt, where, SEEK_SET);
    return 0;
  }
  b->line++;
  return 1;
}

/* The optional graph record after a layer record (format version 2: the
 * tensors it reads, its second input, the input rescales):
 * "graph N_SRC SRC0 SRC1 IN2_H IN2_W IN2_C ZP_IN2 MULT0 SHIFT0 MULT1 SHIFT1".
 * Absent: the chain (the previous layer's output). */
static int read_graph_line(bundle *b, hta_layer *l, char *err, size_t errlen) {
  char line[256];
  if (!optional_line(b, "graph ", line, sizeof line)) return 0;
  long long m0, m1;
  if (sscanf(line, "graph %d %d %d %d %d %d %d %lld %d %lld %d", &l->n_src, &l->src[0],
             &l->src[1], &l->in2_h, &l->in2_w, &l->in2_c, &l->zp_in2, &m0, &l->in_shift[0],
             &m1, &l->in_shift[1]) != 11 ||
      l->n_src < 1 || l->n_src > 2 || m0 < INT32_MIN || m0 > INT32_MAX || m1 < INT32_MIN ||
      m1 > INT32_MAX) {
    snprintf(err, errlen, "bundle line %d: bad graph record", b->line);
    return -1;
  }
  l->in_mult[0] = (int32_t)m0;
  l->in_mult[1] = (int32_t)m1;
  return 0;
}

/* The optional grouped-convolution record after those (format version 3):
 * "cgroups G", G >= 2. Absent: not grouped. */
static int read_cgroups_line(bundle *b, hta_layer *l, char *err, size_t errlen) {
  char line[64];
  if (!optional_line(b, "cgroups ", line, sizeof line)) return 0;
  if (sscanf(line, "cgroups %d", &l->cgroups) != 1 || l->cgroups < 2) {
    snprintf(err, errlen, "bundle line %d: bad cgroups record", b->line);
    return -1;
  }
  return 0;
}

static hta_model *read_bundle(const char *dir, char *err, size_t errlen) {
  char path[PATH_MAX], line[1024];
  bundle b = {0};
  hta_model *m = NULL;
  snprintf(path, sizeof path, "%s/bundle.bin", dir);
  /* the bundle becomes a model: bounded like a model file (2 GiB) */
  if (npy_read_file(path, UINT64_C(1) << 31, "the model size limit", &b.bin, &b.bin_len, err,
                    errlen))
    return NULL;
  snprintf(path, sizeof path, "%s/bundle.txt", dir);
  if ((b.txt = fopen(path, "r")) == NULL) {
    snprintf(err, errlen, "cannot open '%.300s': %s", path, strerror(errno));
    free(b.bin);
    return NULL;
  }
  char name[256] = "", plan[256] = "";
  double is = 1, os = 1;
  int izp = 0, ozp = 0, ok = 1;
  ok &= fgets(line, sizeof line, b.txt) && strcmp(line, "hta-bundle 1\n") == 0;
  ok &= fgets(line, sizeof line, b.txt) && sscanf(line, "name %255[^\n]", name) == 1;
  ok &= fgets(line, sizeof line, b.txt) && sscanf(line, "plan %255[^\n]", plan) == 1;
  ok &= fgets(line, sizeof line, b.txt) &&
        sscanf(line, "io %lf %d %lf %d", &is, &izp, &os, &ozp) == 4;
  b.line = 4;
  if (!ok) {
    snprintf(err, errlen, "bundle '%.300s': bad header (not written by hta_import.py 1?)", dir);
    goto out;
  }
  if ((m = hta_model_new(name, plan)) == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  hta_model_set_io_quant(m, (float)is, izp, (float)os, ozp);
  for (int li = 0;; li++) {
    if (fgets(line, sizeof line, b.txt) == NULL) {
      snprintf(err, errlen, "bundle: ends without 'end'");
      goto fail;
    }
    b.line++;
    if (strcmp(line, "end\n") == 0) break;
    hta_layer l;
    memset(&l, 0, sizeof l);
    int op;
    char lname[200];
    if (sscanf(line, "layer %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %199s", &op,
               &l.in_h, &l.in_w, &l.in_c, &l.out_c, &l.kh, &l.kw, &l.stride, &l.pad_t,
               &l.pad_b, &l.pad_l, &l.pad_r, &l.zp_in, &l.zp_out, &l.act_min, &l.act_max,
               &l.group, lname) != 18 ||
        op < 0 || op >= HTA_OP_COUNT) {
      snprintf(err, errlen, "bundle line %d: bad layer record", b.line);
      goto fail;
    }
    l.op = (hta_op)op;
    if (read_graph_line(&b, &l, err, errlen) || read_cgroups_line(&b, &l, err, errlen)) goto fail;
    size_t n_kind, n_w, n_t, n_a, n_b, n_m, n_s;
    const uint8_t *kind = take_array(&b, "kind", 1, &n_kind, err, errlen);
    const int8_t *w = take_array(&b, "w", 1, &n_w, err, errlen);
    const int8_t *t = take_array(&b, "t", 1, &n_t, err, errlen);
    const uint8_t *alpha = take_array(&b, "alpha", 1, &n_a, err, errlen);
    const uint8_t *bias = take_array(&b, "bias", 4, &n_b, err, errlen);
    const uint8_t *mult = take_array(&b, "mult", 4, &n_m, err, errlen);
    const uint8_t *shift = take_array(&b, "shift", 1, &n_s, err, errlen);
    size_t n_lut;
    const int8_t *lut = take_array(&b, "lut", 1, &n_lut, err, errlen);
    size_t all[] = {n_kind, n_w, n_t, n_a, n_b, n_m, n_s, n_lut};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
      if (all[i] == (size_t)-1) goto fail;
    /* sizes against the shapes, before the library reads the arrays */
    const size_t oc = l.out_c > 0 ? (size_t)l.out_c : 0;
    const int gap = !hta_op_has_weights(l.op); /* GAP and the pools: no weights */
    const size_t st = hta_op_has_output_stage(l.op) ? oc : 0;
    const size_t K = gap ? 0 : (size_t)hta_layer_k(&l);
    const size_t NG = gap ? 0 : (size_t)hta_layer_ngroups(&l);
    if (n_b != st || n_m != st || n_s != st || (n_lut != 0 && n_lut != 256) ||
        (!gap && (n_kind != oc || n_w != oc * K || n_t != oc * K || n_a != oc * NG))) {
      snprintf(err, errlen, "bundle layer %d (%s): array sizes do not match its shape", li,
               lname);
      goto fail;
    }
    l.lut = n_lut ? lut : NULL;
    l.kind = kind;
    l.w = w;
    l.t = t;
    l.alpha = alpha;
    l.shift = shift;
    int32_t *bi = st ? i32_array(bias, oc) : NULL, *mu = st ? i32_array(mult, oc) : NULL;
    l.bias = bi;
    l.mult = mu;
    if (!st) l.shift = NULL;
    char e2[400];
    int rc = (bi && mu) || !st ? hta_model_add_layer(m, &l, e2, sizeof e2) : -1;
    free(bi);
    free(mu);
    if (rc) {
      snprintf(err, errlen, "layer %d (%.100s): %.400s", li, lname,
               (bi && mu) || !st ? e2 : "out of memory");
      goto fail;
    }
  }
  if (b.pos != b.bin_len) {
    snprintf(err, errlen, "bundle: %zu bytes of data left over", b.bin_len - b.pos);
    goto fail;
  }
  goto out;
fail:
  hta_model_free(m);
  m = NULL;
out:
  fclose(b.txt);
  free(b.bin);
  return m;
}

/* ---- running the Python side ---- */

static int run_tool(const char *python, char *const *argv) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execv(python, argv);
    fprintf(stderr, "%s import: error: cannot run %s: %s (install the Debian package "
            "python3)\n", prog_name, python, strerror(errno));
    _exit(127);
  }
  cleanup_child(pid); /* a signal to us ends it first (files.h) */
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) {
      cleanup_child(0);
      return -1;
    }
  cleanup_child(0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void remove_bundle(const char *dir) {
  static const char *const files[] = {"bundle.txt", "bundle.bin", "report_x.npy",
                                      "report_xq.bin", "report_q.txt", "report_layers.bin"};
  char p[PATH_MAX];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    unlink(p);
  }
  rmdir(dir);
}

/* --report: model m on the cpu device on the n images of DIR/report_xq.bin,
 * every layer's output into DIR/report_layers.bin (layer by layer, each
 * [n, H, W, C]), for hta_import.py --report-from DIR. */
static int report_layers(const hta_model *m, const char *dir, int n, char *err, size_t errlen) {
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/report_xq.bin", dir);
  uint8_t *x = NULL;
  size_t len = 0;
  const size_t in_size = (size_t)mi.in_h * mi.in_w * mi.in_c;
  if (npy_read_file(path, UINT64_C(1) << 31, "the report's inputs", &x, &len, err, errlen))
    return -1;
  if (n <= 0 || len != (size_t)n * in_size) {
    snprintf(err, errlen, "report: %zu input bytes for %d images of %zu", len, n, in_size);
    free(x);
    return -1;
  }
  hta_device *dev = NULL;
  hta_net *net = NULL;
  int8_t *y = malloc((size_t)n * ((size_t)mi.out_h * mi.out_w * mi.out_c)), *buf = NULL;
  FILE *f = NULL;
  int rc = -1;
  if (y == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if (hta_open("cpu", &dev) || hta_load_model(dev, m, &net) ||
      hta_run(net, (const int8_t *)x, y, n, 0, NULL)) {
    snprintf(err, errlen, "report: running the model on cpu: %s",
             dev ? hta_last_error(dev) : hta_open_error());
    goto out;
  }
  snprintf(path, sizeof path, "%s/report_layers.bin", dir);
  if ((f = fopen(path, "wb")) == NULL) {
    snprintf(err, errlen, "cannot write '%.300s': %s", path, strerror(errno));
    goto out;
  }
  for (int l = 0; l < mi.n_layers; l++) {
    int h, w, c;
    if (hta_layer_shape(net, l, &h, &w, &c)) goto out;
    const size_t sz = (size_t)h * w * c;
    int8_t *nb = realloc(buf, sz ? sz : 1);
    if (nb == NULL) goto out;
    buf = nb;
    for (int i = 0; i < n; i++)
      if (hta_layer_output(net, i, l, buf, sz) || fwrite(buf, 1, sz, f) != sz) {
        snprintf(err, errlen, "report: layer %d's output cannot be read or written", l);
        goto out;
      }
  }
  rc = fclose(f);
  f = NULL;
  if (rc) snprintf(err, errlen, "cannot write '%.300s'", path);
out:
  if (f) fclose(f);
  if (rc && err[0] == '\0') snprintf(err, errlen, "report: out of memory");
  free(buf);
  free(y);
  free(x);
  hta_close(dev);
  return rc;
}

int cmd_import(int argc, char **argv) {
  opt o[] = {{"-o", 1, NULL},          {"--plan", 1, NULL},         {"--calib", 1, NULL},
             {"--calib-n", 1, NULL},   {"--calib-method", 1, NULL}, {"--keep-int8", 1, NULL},
             {"--name", 1, NULL},      {"--report", 1, NULL},       {"--report-n", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("import", argc, argv, o, no, pos, 1, &n_pos);
  if (rc == 1) return fputs(import_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  if (n_pos != 1 || !optv(o, no, "-o"))
    return usage_error("import", "an ONNX model and -o MODEL.hta are required");
  if (!is_file(pos[0])) return fail("import", "cannot read '%s': no such file", pos[0]);
  char err[600];
  if (output_path_check(optv(o, no, "-o"), err, sizeof err)) return fail("import", "%s", err);
  const char *fmt = optv(o, no, "--report");
  if (fmt && strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
    return usage_error("import", "--report '%s': text or json", fmt);
  const char *report_n = optv(o, no, "--report-n") ? optv(o, no, "--report-n") : "8";
  char *end;
  long rn = strtol(report_n, &end, 10);
  if (*end != '\0' || rn < 1 || rn > 4096)
    return usage_error("import", "--report-n '%s': an integer in 1..4096", report_n);
  char tool[PATH_MAX];
  if (find_tool(tool, sizeof tool))
    return fail("import", "cannot find tools/import/hta_import.py next to %s nor installed "
                "(set HTA_IMPORT_TOOL)", prog_name);
  const char *python = getenv("HTA_PYTHON");
  if (python == NULL || *python == '\0') python = "/usr/bin/python3";
  if (access(python, X_OK) != 0)
    return fail("import", "%s not found: the importer needs the Debian packages python3, "
                "python3-numpy and python3-onnx", python);
  char dir[512];
  const char *tmpdir = getenv("TMPDIR");
  if (snprintf(dir, sizeof dir, "%s/hta-import-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") >=
      (int)sizeof dir)
    return fail("import", "TMPDIR is too long");
  if (mkdtemp(dir) == NULL) return fail("import", "cannot create a temporary folder: %s",
                                        strerror(errno));
  const int slot = cleanup_register(dir, 1); /* removed on SIGINT/SIGTERM too */
  const char *args[32];
  int na = 0;
  args[na++] = python;
  args[na++] = tool;
  args[na++] = pos[0];
  args[na++] = "--bundle";
  args[na++] = dir;
  static const char *const pass[] = {"--plan", "--calib", "--calib-n", "--calib-method",
                                     "--keep-int8", "--name"};
  for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
    if (optv(o, no, pass[i])) {
      args[na++] = pass[i];
      args[na++] = optv(o, no, pass[i]);
    }
  if (fmt) {
    args[na++] = "--report-n";
    args[na++] = report_n;
  }
  args[na] = NULL;
  setenv("HTA_IMPORT_PROG", "hta import", 1); /* its messages read like ours */
  fflush(stdout);
  rc = run_tool(python, (char *const *)args);
  if (rc != 0) {
    remove_bundle(dir);
    cleanup_forget(slot);
    /* status 1: the script said why (naming the node); anything else did not */
    return rc == 1 ? 1 : fail("import", "the importer %s failed (exit status %d)", tool, rc);
  }
  hta_model *m = read_bundle(dir, err, sizeof err);
  if (m == NULL || save_model(m, optv(o, no, "-o"), err, sizeof err)) {
    hta_model_free(m);
    remove_bundle(dir);
    cleanup_forget(slot);
    return fail("import", "%s", err);
  }
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  int kinds[4] = {0};
  const hta_layer *ls = hta_model_layers(m);
  for (int i = 0; i < mi.n_layers; i++)
    if (hta_op_has_weights(ls[i].op))
      for (int f = 0; f < ls[i].out_c; f++) kinds[hta_layer_kind(&ls[i], f)]++;
  struct stat st;
  stat(optv(o, no, "-o"), &st);
  printf("%s: %d layers, %dx%dx%d -> %dx%dx%d, filters int8 %d ternary %d binary %d, "
         "%lld bytes (plan %s)\n",
         optv(o, no, "-o"), mi.n_layers, mi.in_h, mi.in_w, mi.in_c, mi.out_h, mi.out_w,
         mi.out_c, kinds[0], kinds[1], kinds[2], (long long)st.st_size, mi.plan);
  if (fmt) { /* the model is written: a failing report fails the command, the file stays */
    err[0] = '\0';
    rc = report_layers(m, dir, (int)rn, err, sizeof err);
    if (rc == 0) {
      const char *rargs[] = {python, tool, pos[0], "--report-from", dir, "--report-format",
                             fmt, NULL};
      fflush(stdout);
      rc = run_tool(python, (char *const *)rargs);
      if (rc != 0 && rc != 1)
        snprintf(err, sizeof err, "the importer's report failed (exit status %d)", rc);
    }
  }
  remove_bundle(dir);
  cleanup_forget(slot);
  hta_model_free(m);
  if (rc != 0) return err[0] ? fail("import", "%s", err) : 1;
  return 0;
}
