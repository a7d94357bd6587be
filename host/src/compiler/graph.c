/*
 * graph.c - which layers of a model use graph features, said once, and the
 * data-window plan of such models on the host (the cpu device).
 *
 * Format-version-2 models (docs/model-format.md) may use ops, activation
 * tables and graph inputs beyond the version-1 chain; the golden model runs
 * them (docs/numerics.md "Graph ops"), and both engines run them on their
 * graph-op unit (hw/rtl/hta_gop.sv; compile.c and compile_v2.c lower them
 * with gop.c). The cpu device plans them with hta_plan_host, which gives
 * every tensor its own place (no scratch planning by tensor lifetimes).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_compile.h"
#include "errmsg.h"

/* Append "ITEM at layer(s) a, b, c" for the layers where want(l, i) holds. */
typedef int (*feature_fn)(const hta_layer *l, int i, int arg);

static int uses_op(const hta_layer *l, int i, int op) { (void)i; return (int)l->op == op; }
static int uses_table(const hta_layer *l, int i, int arg) {
  (void)i, (void)arg;
  return l->lut != NULL;
}
static int uses_graph(const hta_layer *l, int i, int arg) {
  (void)arg;
  /* reads a tensor other than the previous layer's output (two-input ops
   * are named by their op) */
  return hta_op_inputs(l->op) == 1 && hta_layer_src(l, i, 0) != i;
}

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
  if (*len >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n > 0) *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static int list_feature(char *buf, size_t cap, size_t *len, const hta_layer *layers, int n,
                        feature_fn f, int arg, const char *name, int first) {
  int count = 0;
  for (int i = 0; i < n; i++) count += f(&layers[i], i, arg) != 0;
  if (count == 0) return 0;
  append(buf, cap, len, "%s%s at layer%s", first ? "" : "; ", name, count > 1 ? "s" : "");
  int k = 0;
  for (int i = 0; i < n; i++)
    if (f(&layers[i], i, arg)) append(buf, cap, len, "%s %d", k++ ? "," : "", i);
  return count;
}

int hta_engine_refusal(const hta_layer *layers, int n, char *err, size_t errlen) {
  int v2 = 0;
  for (int i = 0; i < n; i++) v2 |= hta_layer_is_v2(&layers[i], i);
  if (!v2) return 0;
  char buf[4096];
  size_t len = 0;
  int first = 1;
  buf[0] = '\0';
  for (int op = HTA_OP_GAP + 1; op < HTA_OP_COUNT; op++)
    if (list_feature(buf, sizeof buf, &len, layers, n, uses_op, op, hta_op_name((hta_op)op),
                     first))
      first = 0;
  if (list_feature(buf, sizeof buf, &len, layers, n, uses_table, 0, "activation table", first))
    first = 0;
  list_feature(buf, sizeof buf, &len, layers, n, uses_graph, 0,
               "input other than the previous layer's output", first);
  /* The conclusion goes first so a truncated list still says what to do. */
  return hta_errf(err, errlen, "the model uses graph features (the engines run them on their "
                  "graph-op unit): %s", buf);
}

hta_program *hta_plan_host(const hta_layer *layers, int n, char *err, size_t errlen) {
  if (hta_layers_check(layers, n, err, errlen)) return NULL;
  hta_program *p = calloc(1, sizeof *p);
  if (p) p->layer_out = calloc((size_t)n, sizeof *p->layer_out);
  if (p == NULL || p->layer_out == NULL) {
    free(p);
    hta_errf(err, errlen, "out of memory");
    return NULL;
  }
  p->n_layers = n;
  uint64_t off = 0;
  for (int i = -1; i < n; i++) {
    const hta_layer *l = &layers[i < 0 ? 0 : i];
    const int h = i < 0 ? l->in_h : hta_layer_out_h(l), w = i < 0 ? l->in_w : hta_layer_out_w(l);
    const int c = i < 0 ? l->in_c : l->out_c;
    const uint64_t bytes = (uint64_t)h * (uint64_t)w * hta_pix_stride(c);
    if (off + bytes > UINT32_MAX) {
      hta_program_free(p);
      hta_errf(err, errlen, "layer %d: the tensors exceed a 4 GiB data window", i);
      return NULL;
    }
    hta_tensor t = {(uint32_t)off, h, w, c, hta_pix_stride(c), (uint32_t)bytes, {0}};
    if (i < 0)
      p->input = t;
    else
      p->layer_out[i] = t;
    off += (bytes + HTA_ALIGN - 1) / HTA_ALIGN * HTA_ALIGN;
  }
  p->output = p->layer_out[n - 1];
  p->data_size = (size_t)off;
  return p;
}
