/*
 * cmd_stats.c - `hta stats`: the cost model of a model (hta_stats.h) per
 * layer and in total, optionally normalised to a baseline model.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_model.h"
#include "hta_stats.h"
#include "cli.h"

static const char stats_help[] =
    "usage: hta stats --model M.hta [--accounting paper|exact] [--fp-bits 8|16|32]\n"
    "                 [--energy fp32|fp16|int8] [--adders-per-mac R] [--baseline B.hta]\n"
    "                 [--json]\n"
    "Cost model of a model, per layer and in total: parameters (weights + biases),\n"
    "model size, multiplications and additions (a MAC = 1 mult + 1 add; a ternary\n"
    "weight = 1 add, zeros included; a scale = 1 mult; a strassen block = r mults\n"
    "and r(K + filters) adds per pixel), additions over nonzero weights only,\n"
    "energy (Horowitz 45 nm), and area-equivalent cost mults + (adds - mults) / R.\n"
    "  --accounting A   paper (default): every parameter at its nominal width, INT8\n"
    "                   filters at --fp-bits, ternary 2 bits, binary 1 bit, scales\n"
    "                   ignored; exact: the bytes of the .hta file, and each output\n"
    "                   also costs its bias add and requantization multiply\n"
    "  --fp-bits N      width of a full-precision parameter under paper (default 16)\n"
    "  --energy E       fp32 (default), fp16, or int8 (8b mult, 32b accumulate)\n"
    "  --adders-per-mac R  adders in the area of one MAC (default 2)\n"
    "  --baseline B     also every figure divided by B's (throughput: B's cost over\n"
    "                   this one's); per layer too when B has the same layers\n"
    "  --json           one JSON object: params, model_bytes, model_kib (1 KiB =\n"
    "                   1024 B), mults, adds, adds_nonzero, energy_pj, energy_mem_pj,\n"
    "                   cost, *_norm (null without --baseline), layers[]\n"
    "The energy with memory adds SRAM and DRAM traffic estimates (docs/architecture.md,\n"
    "\"Cost model\").\n";

static const char *const acc_names[2] = {"paper", "exact"};
static const char *const energy_names[3] = {"fp32", "fp16", "int8"};

/* Index of s in names[n], or -1. */
static int lookup(const char *s, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

/* Same network (ops and shapes), so layers can be compared one to one? */
static int same_layers(const hta_model *a, const hta_model *b) {
  hta_model_info ia, ib;
  hta_model_get_info(a, &ia);
  hta_model_get_info(b, &ib);
  if (ia.n_layers != ib.n_layers) return 0;
  const hta_layer *x = hta_model_layers(a), *y = hta_model_layers(b);
  for (int i = 0; i < ia.n_layers; i++)
    if (x[i].op != y[i].op || x[i].in_h != y[i].in_h || x[i].in_w != y[i].in_w ||
        x[i].in_c != y[i].in_c || x[i].out_c != y[i].out_c || x[i].kh != y[i].kh ||
        x[i].kw != y[i].kw || x[i].stride != y[i].stride)
      return 0;
  return 1;
}

/* The figures a baseline normalises, in output order. */
enum { F_PARAMS, F_SIZE, F_MULTS, F_ADDS, F_ADDS_NZ, F_ENERGY, F_ENERGY_MEM, F_THROUGHPUT, N_F };
static const char *const f_key[N_F] = {"params_norm", "model_size_norm", "mults_norm",
                                       "adds_norm", "adds_nonzero_norm", "energy_norm",
                                       "energy_mem_norm", "throughput_norm"};

/* The normalised figures of c against b as an array in F_ order. */
static void ratios(const hta_cost *c, const hta_cost *b, double r[N_F]) {
  hta_cost_norm n;
  hta_stats_normalise(c, b, &n);
  const double v[N_F] = {n.params, n.size, n.mults, n.adds, n.adds_nonzero,
                         n.energy, n.energy_mem, n.throughput};
  memcpy(r, v, sizeof v);
}

static void json_norms(const double *r) {
  for (int i = 0; i < N_F; i++) {
    if (r == NULL || r[i] != r[i])
      printf(",\"%s\":null", f_key[i]);
    else
      printf(",\"%s\":%.9g", f_key[i], r[i]);
  }
}

static void json_cost(const hta_cost *c) {
  printf("\"n_int8\":%d,\"n_ternary\":%d,\"n_binary\":%d,\"n_strassen\":%d,\"params\":%" PRIu64
         ",\"model_bytes\":%.10g,\"model_kib\":%.10g,\"mults\":%" PRIu64 ",\"adds\":%" PRIu64
         ",\"adds_nonzero\":%" PRIu64 ",\"energy_pj\":%.10g,\"sram_bytes\":%.10g"
         ",\"dram_bytes\":%.10g,\"energy_mem_pj\":%.10g,\"cost\":%.10g",
         c->n_kind[0], c->n_kind[1], c->n_kind[2], c->n_kind[3], c->params,
         (double)c->size_bits / 8.0, (double)c->size_bits / 8.0 / 1024.0, c->mults, c->adds,
         c->adds_nonzero, c->energy_pj, c->sram_bytes, c->dram_bytes, c->energy_mem_pj,
         c->cost);
}

static void print_json(const hta_model *m, const hta_stats_opts *o, const char *bpath,
                       const hta_cost *pl, const hta_cost *tot, const hta_cost *bpl,
                       const hta_cost *btot) {
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  printf("{\"model\":");
  json_str(mi.name);
  printf(",\"plan\":");
  json_str(mi.plan);
  printf(",\"accounting\":\"%s\",\"fp_bits\":%d,\"energy\":\"%s\",\"adders_per_mac\":%.9g,"
         "\"baseline\":",
         acc_names[o->accounting], o->fp_bits, energy_names[o->energy], o->adders_per_mac);
  if (bpath)
    json_str(bpath);
  else
    printf("null");
  printf(",");
  json_cost(tot);
  double r[N_F];
  if (btot) ratios(tot, btot, r);
  json_norms(btot ? r : NULL);
  printf(",\"layers\":[");
  for (int i = 0; i < mi.n_layers; i++) {
    printf("%s{\"index\":%d,\"op\":\"%s\",\"r\":%d,", i ? "," : "", i, hta_op_name(ls[i].op),
           ls[i].r);
    json_cost(&pl[i]);
    if (bpl) ratios(&pl[i], &bpl[i], r);
    json_norms(bpl ? r : NULL);
    printf("}");
  }
  printf("]}\n");
}

/* "1.234" or "-" for an undefined ratio. */
static const char *fmt_ratio(char *buf, size_t n, double r) {
  if (r != r)
    snprintf(buf, n, "-");
  else
    snprintf(buf, n, "%.4f", r);
  return buf;
}

static void print_table(const hta_model *m, const hta_stats_opts *o, const char *bpath,
                        const hta_model *b, const hta_cost *pl, const hta_cost *tot,
                        const hta_cost *bpl, const hta_cost *btot) {
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  printf("model     %s (plan %s)\n", mi.name, mi.plan[0] ? mi.plan : "-");
  printf("options   accounting %s, full precision %d bits, energy %s (Horowitz 45 nm), "
         "R = %g adders per MAC\n",
         acc_names[o->accounting], o->fp_bits, energy_names[o->energy], o->adders_per_mac);
  if (b) {
    hta_model_info bi;
    hta_model_get_info(b, &bi);
    printf("baseline  %s: %s (plan %s)%s\n", bpath, bi.name, bi.plan[0] ? bi.plan : "-",
           bpl ? "" : "; not the same layers, so only totals are normalised");
  }
  printf("\n%3s %-9s %-13s %5s %5s %5s %5s %4s %9s %9s %11s %11s %11s %9s%s\n", "#", "op",
         "output", "int8", "tern", "bin", "strs", "r", "params", "KiB", "mults", "adds",
         "adds!=0", "energy uJ", bpl ? "    E/base  thr/base" : "");
  for (int i = 0; i <= mi.n_layers; i++) {
    const int is_tot = i == mi.n_layers;
    const hta_cost *c = is_tot ? tot : &pl[i];
    char idx[16] = "", shp[32] = "", r_s[16] = "", extra[64] = "";
    if (!is_tot) {
      snprintf(idx, sizeof idx, "%d", i);
      const hta_layer *l = &ls[i];
      snprintf(shp, sizeof shp, "%dx%dx%d", hta_layer_out_h(l), hta_layer_out_w(l), l->out_c);
      snprintf(r_s, sizeof r_s, "%d", l->r);
    }
    if (bpl) {
      double r[N_F];
      char a[24], t[24];
      ratios(c, is_tot ? btot : &bpl[i], r);
      snprintf(extra, sizeof extra, " %10s %9s", fmt_ratio(a, sizeof a, r[F_ENERGY]),
               fmt_ratio(t, sizeof t, r[F_THROUGHPUT]));
    }
    printf("%3s %-9s %-13s %5d %5d %5d %5d %4s %9" PRIu64 " %9.1f %11" PRIu64 " %11" PRIu64
           " %11" PRIu64 " %9.2f%s\n",
           idx, is_tot ? "total" : hta_op_name(ls[i].op), shp, c->n_kind[0],
           c->n_kind[1], c->n_kind[2], c->n_kind[3], r_s, c->params,
           (double)c->size_bits / 8.0 / 1024.0, c->mults, c->adds, c->adds_nonzero,
           c->energy_pj * 1e-6, extra);
  }
  if (o->accounting == HTA_ACCOUNT_EXACT)
    printf("(the total's size also holds the file's header, section table and INFO)\n");
  printf("\n%-34s %16s%s\n", "totals", "this model", btot ? "         baseline     ratio" : "");
  const double v[N_F] = {(double)tot->params, (double)tot->size_bits / 8.0 / 1024.0,
                         (double)tot->mults, (double)tot->adds, (double)tot->adds_nonzero,
                         tot->energy_pj * 1e-6, tot->energy_mem_pj * 1e-6, tot->cost * 1e-6};
  const double bv[N_F] = {btot ? (double)btot->params : 0,
                          btot ? (double)btot->size_bits / 8.0 / 1024.0 : 0,
                          btot ? (double)btot->mults : 0, btot ? (double)btot->adds : 0,
                          btot ? (double)btot->adds_nonzero : 0,
                          btot ? btot->energy_pj * 1e-6 : 0, btot ? btot->energy_mem_pj * 1e-6 : 0,
                          btot ? btot->cost * 1e-6 : 0};
  static const char *const label[N_F] = {
      "parameters",          "model size (KiB)",          "multiplications",
      "additions",           "additions, nonzero weights", "energy, arithmetic (uJ)",
      "energy, + SRAM and DRAM (uJ)", "area-equivalent cost (M MACs)"};
  double r[N_F];
  if (btot) ratios(tot, btot, r);
  for (int i = 0; i < N_F; i++) {
    char a[24];
    printf("%-34s %16.*f", label[i], i == F_SIZE || i >= F_ENERGY ? 3 : 0, v[i]);
    if (btot)
      printf(" %16.*f %9s", i == F_SIZE || i >= F_ENERGY ? 3 : 0, bv[i],
             fmt_ratio(a, sizeof a, i == F_THROUGHPUT ? 1.0 / r[i] : r[i]));
    printf("\n");
  }
  if (btot) {
    char a[24];
    printf("%-34s %16s %16s %9s\n", "throughput at equal area (norm.)", "", "",
           fmt_ratio(a, sizeof a, r[F_THROUGHPUT]));
  }
}

int cmd_stats(int argc, char **argv) {
  opt o[] = {{"--model", 1, NULL},          {"--accounting", 1, NULL}, {"--fp-bits", 1, NULL},
             {"--energy", 1, NULL},         {"--adders-per-mac", 1, NULL},
             {"--baseline", 1, NULL},       {"--json", 0, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("stats", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(stats_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *mpath = optv(o, no, "--model"), *bpath = optv(o, no, "--baseline");
  if (!mpath) return usage_error("stats", "--model is required");
  hta_stats_opts so;
  hta_stats_default_opts(&so);
  const char *s;
  if ((s = optv(o, no, "--accounting"))) {
    const int i = lookup(s, acc_names, 2);
    if (i < 0) return usage_error("stats", "--accounting '%s' is not paper or exact", s);
    so.accounting = (hta_accounting)i;
  }
  if ((s = optv(o, no, "--energy"))) {
    const int i = lookup(s, energy_names, 3);
    if (i < 0) return usage_error("stats", "--energy '%s' is not fp32, fp16 or int8", s);
    so.energy = (hta_energy_table)i;
  }
  if ((s = optv(o, no, "--fp-bits"))) {
    long v;
    if (parse_long("stats", "--fp-bits", s, 8, 32, &v)) return EXIT_USAGE;
    if (v != 8 && v != 16 && v != 32)
      return usage_error("stats", "--fp-bits '%s' is not 8, 16 or 32", s);
    so.fp_bits = (int)v;
  }
  if ((s = optv(o, no, "--adders-per-mac")) &&
      parse_double("stats", "--adders-per-mac", s, 1e-3, 1e6, &so.adders_per_mac))
    return EXIT_USAGE;
  const int json = optv(o, no, "--json") != NULL;
  hta_model *m = load_model("stats", mpath), *b = NULL;
  hta_cost *pl = NULL, *bpl = NULL, tot, btot;
  char err[512] = "";
  rc = 1;
  if (m == NULL) goto out;
  if (bpath && (b = load_model("stats", bpath)) == NULL) goto out;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  pl = calloc((size_t)mi.n_layers + 1, sizeof *pl);
  if (pl == NULL) {
    fail("stats", "out of memory");
    goto out;
  }
  if (hta_stats_model(m, &so, pl, &tot, err, sizeof err)) {
    fail("stats", "%s: %s", mpath, err);
    goto out;
  }
  if (b) {
    hta_model_info bi;
    hta_model_get_info(b, &bi);
    bpl = calloc((size_t)bi.n_layers + 1, sizeof *bpl);
    if (bpl == NULL) {
      fail("stats", "out of memory");
      goto out;
    }
    if (hta_stats_model(b, &so, bpl, &btot, err, sizeof err)) {
      fail("stats", "%s: %s", bpath, err);
      goto out;
    }
  }
  const hta_cost *layer_base = b && same_layers(m, b) ? bpl : NULL;
  if (json)
    print_json(m, &so, bpath, pl, &tot, layer_base, b ? &btot : NULL);
  else
    print_table(m, &so, bpath, b, pl, &tot, layer_base, b ? &btot : NULL);
  rc = 0;
out:
  free(pl);
  free(bpl);
  hta_model_free(m);
  hta_model_free(b);
  return rc;
}
