/*
 * cmd_info.c - `hta info`: a model's metadata and per-layer table.
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
#include "hta_hw_config.h"
#include "hta_compile.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "npy.h"
#include "cli.h"

/* ---- hta info ---- */

static const char info_help[] =
    "usage: hta info [--cfg NAME] MODEL.hta\n"
    "Print a model's metadata and a per-layer table: op, input and output shapes\n"
    "(HxWxC), kernel/stride, filters of each kind (INT8 / TERNARY / BINARY /\n"
    "STRASSEN), parameters, weight bytes in the file's packing, and the work on\n"
    "each array (MAC ops, adder ops). Also compiles it: descriptors and program\n"
    "bytes for a hardware configuration: --cfg NAME (default small; `hta configs`\n"
    "lists them).\n";

int cmd_info(int argc, char **argv) {
  const char *pos[1];
  int n_pos;
  opt o[] = {{"--cfg", 1, NULL}};
  int rc = parse_opts("info", argc, argv, o, 1, pos, 1, &n_pos);
  if (rc == 1) return fputs(info_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  if (n_pos != 1) return usage_error("info", "expected one MODEL.hta");
  const hta_hw_config *hw = cli_config("info", optv(o, 1, "--cfg"));
  if (hw == NULL) return EXIT_USAGE;
  hta_model *m = load_model("info", pos[0]);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  printf("model    %s\nplan     %s\ninput    %dx%dx%d int8 (scale %g, zero point %d)\n"
         "output   %dx%dx%d int8 (scale %g, zero point %d)\nlayers   %d\n",
         mi.name, mi.plan[0] ? mi.plan : "-", mi.in_h, mi.in_w, mi.in_c, (double)mi.in_scale,
         mi.in_zp, mi.out_h, mi.out_w, mi.out_c, (double)mi.out_scale, mi.out_zp, mi.n_layers);
  printf("\n%3s %-9s %-13s %-13s %-7s %5s %5s %5s %5s %3s %9s %9s %11s %11s  %s\n", "#", "op",
         "input", "output", "kernel", "int8", "tern", "bin", "strs", "r", "params", "bytes",
         "MAC ops", "adder ops", "reads (t0 = input, tN = layer N-1) / groups / table");
  uint64_t tp = 0, tb = 0, tm = 0, ta = 0;
  for (int i = 0; i < mi.n_layers; i++) {
    const hta_layer *l = &ls[i];
    hta_array_work w;
    hta_array_work_of(hw, l, &w);
    char in[32], out[32], k[16];
    snprintf(in, sizeof in, "%dx%dx%d", l->in_h, l->in_w, l->in_c);
    snprintf(out, sizeof out, "%dx%dx%d", hta_layer_out_h(l), hta_layer_out_w(l), l->out_c);
    if (hta_op_has_weights(l->op) || l->op == HTA_OP_MAXPOOL || l->op == HTA_OP_AVGPOOL)
      snprintf(k, sizeof k, "%dx%d/%d", l->kh, l->kw, l->stride);
    else if (l->op == HTA_OP_PAD)
      snprintf(k, sizeof k, "+%d,%d", l->pad_t + l->pad_b, l->pad_l + l->pad_r);
    else
      snprintf(k, sizeof k, "-");
    char from[64];
    if (hta_op_inputs(l->op) == 2)
      snprintf(from, sizeof from, "t%d t%d", hta_layer_src(l, i, 0), hta_layer_src(l, i, 1));
    else
      snprintf(from, sizeof from, "t%d", hta_layer_src(l, i, 0));
    char grouped[24] = "";
    if (l->cgroups > 1) snprintf(grouped, sizeof grouped, " cgroups %d", l->cgroups);
    printf("%3d %-9s %-13s %-13s %-7s %5d %5d %5d %5d %3d %9" PRIu64 " %9" PRIu64 " %11" PRIu64
           " %11" PRIu64 "  %s%s%s\n",
           i, hta_op_name(l->op), in, out, k, w.n_kind[0], w.n_kind[1], w.n_kind[2], w.n_kind[3],
           w.n_kind[3] ? l->r : 0, w.params, w.bytes, w.mac, w.add, from, grouped,
           l->lut ? " table" : "");
    tp += w.params;
    tb += w.bytes;
    tm += w.mac;
    ta += w.add;
  }
  printf("%3s %-9s %-13s %-13s %-7s %5s %5s %5s %5s %3s %9" PRIu64 " %9" PRIu64 " %11" PRIu64
         " %11" PRIu64 "\n",
         "", "total", "", "", "", "", "", "", "", "", tp, tb, tm, ta);
  char err[512] = "";
  hta_program *p = hta_compile(hw, ls, mi.n_layers, err, sizeof err);
  if (p) {
    printf("\ncompiled for %s: %d hardware descriptors, program %zu bytes, data window %zu "
           "bytes\n", hw->name, p->n_desc, p->size, p->data_size);
    hta_program_free(p);
  } else {
    printf("\ncompiled for %s: does not fit this hardware: %s\n", hw->name, err);
  }
  hta_model_free(m);
  return 0;
}
