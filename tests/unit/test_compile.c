/*
 * test_compile.c - the compiler against the golden model, through the
 * program interpreter:
 *
 *   golden(layers, input) == unpack(interp(compile(layers), pack(input)))
 *
 * byte for byte, for seeded random layers (every op x every kind, mixed
 * kinds, strides, padding, odd channel counts, 1x1 images, saturation,
 * chains) on the configuration of hta.cfg and on two small configurations
 * that force many passes and tiles; and that the program writes nothing in
 * the data window outside its output tensors' channels and its scratch.
 * Then error paths: hardware limits named by the compiler, descriptor
 * checks of the interpreter.
 *
 *   test_compile [--cases N] [--master SEED] [--seed CASE_SEED] [-v]
 * A failing case prints its seed and the command replaying just that case.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "check_outputs.h"
#include "hta_hw_config.h"
#include "hta_compile.h"
#include "hta_golden.h"
#include "prog_case.h"
#include "prog_interp.h"
#include "rand_layer.h"
#include "util.h"

#define MAX_CHAIN 3 /* <= PROG_CASE_MAX */

static int verbose;

/* Small configurations: MacLanes 4 / AddLanes 8 make 40 channels take
 * 10 passes; StageBytes 128 makes tiles of a few pixels. */
static void cfg_tiny(hta_hw_cfg *c) {
  c->mac_lanes = 4;
  c->add_lanes = 8;
  c->k_max = 200;
  c->alpha_depth = 24;
  c->stage_bytes = 128;
  c->chan_max = 64;
  c->signature = 0x7e57c0d1u;
}

static void cfg_mid(hta_hw_cfg *c) {
  c->mac_lanes = 16;
  c->add_lanes = 32;
  c->k_max = 512;
  c->alpha_depth = 64;
  c->stage_bytes = 1024;
  c->chan_max = 256;
  c->signature = 0x7e57c0d2u;
}

/* Seeds with the top bit set force the op and the kinds (the sweep):
 * bits 11:8 the hta_op, bits 3:0 the mask of kinds; the rest is random. */
#define SWEEP_FLAG (UINT64_C(1) << 63)

static uint64_t sweep_seed(uint64_t master, int op, unsigned kinds, int i) {
  const uint64_t h = hta_rng_case_seed(master ^ 0x5eedu, (uint64_t)(op * 64 + (int)kinds * 4 + i));
  return SWEEP_FLAG | (h & ~UINT64_C(0xfff) & ~SWEEP_FLAG) | (uint64_t)op << 8 | kinds;
}

/* One random case, everything drawn from seed. Returns 1 if it passed. */
static int run_case(uint64_t seed, const char *argv0) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  hta_hw_cfg cfg;
  const char *cfg_name;
  const int c = (int)hta_rng_range(&g, 0, 99);
  if (c < 35) {
    hta_hw_cfg_default(&cfg);
    cfg_name = "hta.cfg";
  } else if (c < 70) {
    cfg_tiny(&cfg);
    cfg_name = "tiny";
  } else {
    cfg_mid(&cfg);
    cfg_name = "mid";
  }
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, &cfg);
  if (cfg.mac_lanes >= 64) opts.max_out_c = 200; /* a few two-pass layers */
  opts.grouped = 25; /* (the v1 engine runs them as block-diagonal layers) */
  int n = hta_rng_chance(&g, 15) ? (int)hta_rng_range(&g, 2, MAX_CHAIN) : 1;
  if (seed & SWEEP_FLAG) {
    opts.op = (int)(seed >> 8 & 0xf);
    opts.kinds = (unsigned)(seed & 0xf);
    n = 1;
  }

  prog_case pc;
  char name[700], detail[700] = "";
  int ok = 0;
  const int made = prog_case_make(&pc, &g, &opts, &cfg, n, detail, sizeof detail) == 0;
  snprintf(name, sizeof name, "seed=0x%016" PRIx64 " cfg=%s%s", seed, cfg_name, pc.desc);
  if (!made) goto done;
  const hta_program *prog = pc.prog;
  uint8_t *data = pc.data;

  hta_interp_status st;
  if (hta_interp_run(&cfg, prog->bytes, prog->size, data, prog->data_size, NULL, &st) != 0) {
    snprintf(detail, sizeof detail, "interpreter: code %d at descriptor %d (layer %d) info 0x%x: %s",
             st.code, st.layer, st.layer >= 0 ? prog->desc_layer[st.layer] : -1, st.info, st.msg);
    goto done;
  }
  if (st.layers_done != prog->n_desc) {
    snprintf(detail, sizeof detail, "interpreter ran %d of %d descriptors", st.layers_done,
             prog->n_desc);
    goto done;
  }

  if (!check_program_outputs(prog, pc.layers, n, pc.golden, data, pc.before, "program", detail,
                             sizeof detail))
    goto done;
  ok = 1;

done:
  if (ok && !verbose) {
    check(1, name, " ");
  } else if (ok) {
    check(1, name, " ");
    printf("  program %zu bytes, %d descriptors, data window %zu bytes\n", pc.prog->size,
           pc.prog->n_desc, pc.prog->data_size);
  } else {
    check(0, name, "%s\n  replay: %s --seed 0x%016" PRIx64, detail, argv0, seed);
  }
  prog_case_free(&pc);
  return ok;
}

/* ---- error paths ---- */

static hta_layer fc_layer(int in_c, int out_c, const int8_t *w, const int32_t *i32,
                          const uint8_t *u8) {
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = HTA_OP_FC;
  l.in_h = l.in_w = 1;
  l.in_c = in_c;
  l.out_c = out_c;
  l.kh = l.kw = l.stride = 1;
  l.act_min = -128;
  l.act_max = 127;
  l.w = w;
  l.t = w;
  l.alpha = u8;
  l.bias = i32;
  l.mult = i32;
  l.shift = u8;
  return l;
}

static void expect_compile_error(const char *name, const hta_hw_cfg *cfg, const hta_layer *l,
                                 int n, const char *want) {
  char err[300] = "";
  hta_program *p = hta_compile_cfg(cfg, l, n, err, sizeof err);
  check(p == NULL && strstr(err, want) != NULL, name, "got %s, err '%s', want '%s'",
        p ? "a program" : "NULL", err, want);
  hta_program_free(p);
}

static void test_compile_errors(void) {
  hta_hw_cfg cfg;
  hta_hw_cfg_default(&cfg);
  /* zero-filled arrays big enough for every layer below */
  static int8_t w[8 * 4096 * 4];
  static int32_t i32[8192];
  static uint8_t u8[8 * 4096];
  static uint8_t kinds[8192];
  char buf[64];

  hta_layer l = fc_layer((int)cfg.k_max + 1, 1, w, i32, u8);
  snprintf(buf, sizeof buf, "exceeds KMax %u", cfg.k_max);
  expect_compile_error("limit: K > KMax", &cfg, &l, 1, buf);

  /* a grouped convolution whose ternary groups (G 8) do not divide a group's 12
     channels: no block-diagonal layer for the v1 engine has them */
  l = fc_layer(48, 8, w, i32, u8);
  l.op = HTA_OP_POINTWISE;
  l.cgroups = 4;
  for (int i = 0; i < 8; i++) kinds[i] = HTA_KIND_TERNARY;
  l.kind = kinds;
  l.group = 8;
  snprintf(buf, sizeof buf, "the v1 engine of %s runs a grouped", cfg.name);
  expect_compile_error("grouped: ternary groups not dividing a group (v1)", &cfg, &l, 1, buf);
  l.group = 4; /* divides 12: the block-diagonal layer runs */
  hta_program *pg = hta_compile_cfg(&cfg, &l, 1, NULL, 0);
  check(pg != NULL, "grouped: ternary groups dividing a group compile (v1)", "rejected");
  hta_program_free(pg);

  l = fc_layer((int)cfg.k_max, 1, w, i32, u8);
  for (int i = 0; i < 2; i++) kinds[i] = HTA_KIND_TERNARY;
  l.kind = kinds;
  l.group = 2; /* 1024 groups of 2 */
  expect_compile_error("limit: G < 4 with several groups", &cfg, &l, 1, "below 4");
  l.group = 4; /* 512 groups: fits AlphaDepth 512 exactly */
  hta_program *p = hta_compile_cfg(&cfg, &l, 1, NULL, 0);
  check(p != NULL, "limit: n_groups == AlphaDepth accepted", "rejected");
  hta_program_free(p);
  l.in_c = (int)cfg.alpha_depth * 4 + 1 <= (int)cfg.k_max ? (int)cfg.alpha_depth * 4 + 1
                                                         : (int)cfg.k_max;
  l.group = l.in_c <= (int)cfg.alpha_depth * 4 ? 1 : 4;
  if (l.group == 4) {
    snprintf(buf, sizeof buf, "exceed AlphaDepth %u", cfg.alpha_depth);
    expect_compile_error("limit: groups > AlphaDepth", &cfg, &l, 1, buf);
  }
  l.kind = NULL; /* all INT8: the group size does not matter */
  l.group = 2;
  p = hta_compile_cfg(&cfg, &l, 1, NULL, 0);
  check(p != NULL, "limit: G < 4 ignored without ternary filters", "rejected");
  hta_program_free(p);
  l.kind = kinds;
  l.group = 3;
  l.in_c = 3; /* G < 4 but one group: accepted (G becomes 0) */
  p = hta_compile_cfg(&cfg, &l, 1, NULL, 0);
  check(p != NULL, "limit: G < 4 with one group accepted", "rejected");
  hta_program_free(p);

  l = fc_layer(1, (int)cfg.chan_max + 1, w, i32, u8);
  snprintf(buf, sizeof buf, "exceeds ChanMax %u", cfg.chan_max);
  expect_compile_error("limit: out_c > ChanMax", &cfg, &l, 1, buf);

  l = fc_layer(1, 1, w, i32, u8);
  l.op = HTA_OP_CONV2D;
  l.in_h = l.in_w = 9;
  l.kh = 8;
  expect_compile_error("limit: CONV kernel > 7", &cfg, &l, 1, "kh = 8 exceeds the CONV kernel limit 7");
  l.kh = 3;
  l.stride = 3;
  expect_compile_error("limit: stride 3", &cfg, &l, 1, "stride = 3 exceeds the hardware stride limit 2");
  l.stride = 1;
  l.pad_t = 256;
  expect_compile_error("limit: pad_t > 255", &cfg, &l, 1, "pad_t = 256");

  l = fc_layer(1, 1, w, i32, u8);
  l.op = HTA_OP_GAP;
  l.in_h = 50;
  l.in_w = 50;
  expect_compile_error("limit: GAP image > KMax", &cfg, &l, 1, "GAP");
  l.in_h = 300;
  l.in_w = 1;
  expect_compile_error("limit: GAP in_h > 255", &cfg, &l, 1, "DW kernel limit 255");

  /* depthwise STRASSEN: r rows become the W_c kernel (<= 255) */
  static int8_t tern[1024];
  l = fc_layer(1, 1, w, i32, u8);
  l.op = HTA_OP_DEPTHWISE;
  kinds[0] = HTA_KIND_STRASSEN;
  l.kind = kinds;
  l.r = 300;
  l.wb = tern;
  l.wc = tern;
  l.hmul = i32;
  l.hshift = u8;
  expect_compile_error("limit: depthwise STRASSEN r > 255", &cfg, &l, 1, "STRASSEN W_c");

  /* chain shapes */
  hta_layer two[2] = {fc_layer(4, 3, w, i32, u8), fc_layer(4, 2, w, i32, u8)};
  expect_compile_error("chain: input must match previous output", &cfg, two, 2, "does not match");
  /* an invalid layer is reported with its field */
  hta_layer bad = fc_layer(4, 3, w, i32, u8);
  bad.act_min = 5;
  bad.act_max = 4;
  expect_compile_error("invalid layer names the field", &cfg, &bad, 1, "act_min");
}

/* ---- interpreter: descriptor checks like the engine ---- */


/* A corrupted word: where = 'h' header, 'd' descriptor 0, 'p' pass 0 header. */
typedef struct edit {
  char where;
  unsigned word;
  uint32_t mask, value; /* word = (word & ~mask) | value */
} edit;

typedef struct corruption {
  const char *name;
  edit e[2];
  int want_code;
  uint32_t want_info;
} corruption;

static uint8_t *edit_at(uint8_t *p, const hta_program *prog, const edit *e) {
  switch (e->where) {
  case 'h': return p + 4 * e->word;
  case 'd': return p + HTA_PROG_HEADER_BYTES + 4 * e->word;
  default: { /* pass 0 header follows the channel source map (16-byte padded) */
    const uint32_t wts_off = hta_ld_le32(p + HTA_PROG_HEADER_BYTES + 4 * 9);
    const uint32_t map = (prog->output.pix_stride / 16 * 4 + 15) / 16 * 16;
    return p + wts_off + map + 4 * e->word;
  }
  }
}

static void test_interp_checks(void) {
  hta_hw_cfg cfg;
  hta_hw_cfg_default(&cfg);
  /* a small valid program: conv 3x3 pad 1 on 4x4x3 -> 5 filters, INT8 + TERNARY */
  static const uint8_t kinds[5] = {0, 1, 0, 1, 1};
  int8_t w[5 * 27];
  uint8_t alpha[5] = {1, 2, 3, 4, 5}, shift[5] = {0};
  int32_t bias[5] = {0}, mult[5];
  for (int i = 0; i < 5 * 27; i++) w[i] = (int8_t)(i % 3 - 1);
  for (int i = 0; i < 5; i++) mult[i] = INT32_MAX;
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = HTA_OP_CONV2D;
  l.in_h = l.in_w = 4;
  l.in_c = 3;
  l.out_c = 5;
  l.kh = l.kw = 3;
  l.stride = 1;
  l.pad_t = l.pad_b = l.pad_l = l.pad_r = 1;
  l.act_min = -128;
  l.act_max = 127;
  l.kind = kinds;
  l.w = w;
  l.t = w;
  l.alpha = alpha;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  char err[300];
  hta_program *prog = hta_compile_cfg(&cfg, &l, 1, err, sizeof err);
  if (!check(prog != NULL, "interp checks: compile the base program", "%s", err)) return;

  const uint32_t all = 0xffffffffu;
  const corruption cases[] = {
      {"header magic", {{'h', 0, all, 0x12345678u}}, HTA_INTERP_ERR_PROG, 0},
      {"header version", {{'h', 1, all, 2}}, HTA_INTERP_ERR_PROG, 1},
      {"header signature", {{'h', 4, all, 0xdeadbeefu}}, HTA_INTERP_ERR_PROG, 4},
      {"descriptor past the program window", {{'h', 3, all, 0x100000u}}, HTA_INTERP_ERR_WINDOW, 0},
      {"op 2", {{'d', 0, 0xffu, 2}}, HTA_INTERP_ERR_DESC, 0},
      {"CONV kh 8", {{'d', 0, 0xff00u, 8u << 8}}, HTA_INTERP_ERR_DESC, 0},
      {"stride_h 3", {{'d', 0, 0xf000000u, 3u << 24}}, HTA_INTERP_ERR_DESC, 0},
      {"G 2", {{'d', 2, 0xffff0000u, 2u << 16}}, HTA_INTERP_ERR_DESC, 2},
      {"in_pix_stride 32 for in_c 3", {{'d', 4, 0xffff0000u, 32u << 16}}, HTA_INTERP_ERR_DESC, 4},
      {"out_pix_stride 0", {{'d', 6, 0xffff0000u, 0}}, HTA_INTERP_ERR_DESC, 6},
      {"in_off not a multiple of 16", {{'d', 7, all, 8}}, HTA_INTERP_ERR_DESC, 7},
      {"out_off past the data window", {{'d', 8, all, 0x100000u}}, HTA_INTERP_ERR_DESC, 8},
      {"wts_off not a multiple of 16", {{'d', 9, 0xfu, 4}}, HTA_INTERP_ERR_DESC, 9},
      {"weight stream past the program window", {{'d', 10, all, 0x100000u}}, HTA_INTERP_ERR_DESC, 10},
      {"act_min > act_max", {{'d', 2, 0xffffu, 0x0005u}}, HTA_INTERP_ERR_DESC, 2},
      {"descriptor offset not a multiple of 64", {{'h', 3, all, 80}}, HTA_INTERP_ERR_PROG, 3},
      {"pass past the weight stream", {{'d', 10, all, 32}}, HTA_INTERP_ERR_DESC, 0x104},
      {"tile_pixels beyond StageBytes", {{'d', 11, 0xffff0000u, 0xffffu << 16}}, HTA_INTERP_ERR_DESC, 11},
      {"K != kh*kw*in_c", {{'d', 13, 0xffffu, 26}}, HTA_INTERP_ERR_DESC, 13},
      {"n_groups > AlphaDepth", {{'d', 13, 0xffff0000u, 600u << 16}}, HTA_INTERP_ERR_DESC, 13},
      {"pass n_mac > MacLanes", {{'p', 0, all, 65}}, HTA_INTERP_ERR_DESC, 0x100},
      {"pass add_base + n_add > add_stride", {{'p', 3, all, 1}}, HTA_INTERP_ERR_DESC, 0x103},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const corruption *cs = &cases[i];
    uint8_t *p = malloc(prog->size);
    uint8_t *data = calloc(prog->data_size, 1), *data0 = calloc(prog->data_size, 1);
    if (!p || !data || !data0) break;
    memcpy(p, prog->bytes, prog->size);
    for (int e = 0; e < 2 && cs->e[e].where; e++) {
      uint8_t *at = edit_at(p, prog, &cs->e[e]);
      hta_st_le32(at, (hta_ld_le32(at) & ~cs->e[e].mask) | cs->e[e].value);
    }
    hta_interp_status st;
    hta_interp_run(&cfg, p, prog->size, data, prog->data_size, NULL, &st);
    char name[120];
    snprintf(name, sizeof name, "interp rejects %s", cs->name);
    check(st.code == cs->want_code && st.info == cs->want_info &&
              memcmp(data, data0, prog->data_size) == 0,
          name, "code %d info 0x%x (want %d, 0x%x): %s", st.code, st.info, cs->want_code,
          cs->want_info, st.msg);
    free(p);
    free(data);
    free(data0);
  }
  /* K = 27 on an engine built with KMax 26 */
  hta_hw_cfg small = cfg;
  small.k_max = 26;
  uint8_t *data = calloc(prog->data_size, 1);
  hta_interp_status st;
  hta_interp_run(&small, prog->bytes, prog->size, data, prog->data_size, NULL, &st);
  check(st.code == HTA_INTERP_ERR_DESC && st.info == 13, "interp rejects K > KMax",
        "code %d info 0x%x: %s", st.code, st.info, st.msg);
  free(data);
  hta_program_free(prog);
}

/* Tensor layout helpers and the program header, by hand. */
static void test_layout(void) {
  /* 1x2 pixels of 3 channels: pixel stride 16, padding zeroed by pack */
  hta_tensor t = {32, 1, 2, 3, hta_pix_stride(3), 32, {0}};
  uint8_t win[80];
  memset(win, 0xAA, sizeof win);
  const int8_t dense[6] = {1, 2, 3, -4, -5, -6};
  int8_t back[6];
  hta_tensor_pack(&t, dense, win);
  hta_tensor_unpack(&t, win, back);
  int ok = hta_pix_stride(3) == 16 && hta_pix_stride(16) == 16 && hta_pix_stride(17) == 32 &&
           win[31] == 0xAA && win[32] == 1 && win[34] == 3 && win[35] == 0 && win[47] == 0 &&
           win[48] == (uint8_t)-4 && win[64] == 0xAA && memcmp(back, dense, 6) == 0;
  check(ok, "tensor pack/unpack with 16-byte pixel stride", "layout differs");

  int8_t w[4] = {1, 2, 3, 4};
  int32_t i32[2] = {0, INT32_MAX};
  uint8_t u8[2] = {0, 0};
  hta_layer l = fc_layer(4, 1, w, i32 + 1, u8);
  char err[200];
  hta_program *p = hta_compile(hta_hw_config_default(), &l, 1, err, sizeof err);
  if (!check(p != NULL, "compile a 4->1 FC for hta.cfg", "%s", err)) return;
  const uint8_t *b = p->bytes;
  ok = hta_ld_le32(b) == 0x31415448u && hta_ld_le32(b + 4) == 1 && hta_ld_le32(b + 8) == 1 &&
       hta_ld_le32(b + 12) == 64 && hta_ld_le32(b + 16) == hta_hw_config_default()->signature && hta_ld_le32(b + 20) == 0 &&
       p->n_desc == 1 && p->input.off == 0 && p->output.off == 16 && p->data_size == 32;
  check(ok, "program header and data window of a 4->1 FC", "magic %08x version %u n %u "
        "desc0 %u sig %08x out_off %u data %zu", hta_ld_le32(b), hta_ld_le32(b + 4), hta_ld_le32(b + 8),
        hta_ld_le32(b + 12), hta_ld_le32(b + 16), p->output.off, p->data_size);
  hta_program_free(p);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  uint64_t master = 0x48544131u, one_seed = 0;
  int cases = 1500, single = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      one_seed = strtoull(argv[++i], NULL, 0);
      single = 1;
    } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
      cases = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--master") && i + 1 < argc) {
      master = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "-v")) {
      verbose = 1;
    } else {
      fprintf(stderr, "usage: %s [--cases N] [--master SEED] [--seed CASE_SEED] [-v]\n", argv[0]);
      return 2;
    }
  }
  if (single) {
    run_case(one_seed, argv[0]);
    return check_summary();
  }
  const clock_t t0 = clock();
  for (int i = 0; i < cases; i++)
    run_case(hta_rng_case_seed(master, (uint64_t)i) & ~SWEEP_FLAG, argv[0]);
  /* every op x every kind alone and all kinds mixed, 4 cases each */
  int swept = 0;
  for (int op = HTA_OP_CONV2D; op <= HTA_OP_GAP; op++) {
    for (int k = 0; k <= 4; k++) {
      const unsigned kinds = k < 4 ? 1u << k : 0xfu;
      for (int i = 0; i < 4 && (op != HTA_OP_GAP || k == 0); i++, swept++)
        run_case(sweep_seed(master, op, kinds, i), argv[0]);
    }
  }
  printf("random cases: %d + %d swept in %.2f s (master seed 0x%" PRIx64 ")\n", cases, swept,
         (double)(clock() - t0) / CLOCKS_PER_SEC, master);
  test_layout();
  test_compile_errors();
  test_interp_checks();
  return check_summary();
}
