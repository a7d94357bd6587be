/*
 * test_rtl_errors.c - what the engine does with bad programs and bus errors.
 *
 * Each case corrupts one field of a valid program (or makes the memory model
 * answer SLVERR/DECERR) and checks that the run ends - no hang - with the
 * documented error code and detail (docs/architecture.md, "Errors"), that no
 * byte outside the data window changes, and, where the error is found before
 * the layer starts, that nothing at all is written. A valid run after every
 * error must still be bit-exact: errors leave no state behind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hta_hw_config.h"
#include "hta_compile.h"
#include "hta_golden.h"
#include "hta_sim.h"
#include "rand_layer.h"
#include "rng.h"
#include "rtl_run.h"
#include "util.h"

/* The engine's codes (generated from hw/config/program.cfg). The ERR_INFO
 * values below stay literal word indices on purpose: they check the
 * generated layout against docs/architecture.md independently. */
enum {
  ERR_OK = HTA_ENGINE_OK,
  ERR_PROG = HTA_ENGINE_ERR_PROG,
  ERR_DESC = HTA_ENGINE_ERR_DESC,
  ERR_WINDOW = HTA_ENGINE_ERR_WINDOW,
  ERR_AXI_RD = HTA_ENGINE_ERR_AXI_RD,
  ERR_AXI_WR = HTA_ENGINE_ERR_AXI_WR
};

static hta_sim *sim;
static hta_program *prog;     /* two chained hybrid layers */
static int8_t *input, *want;  /* input and golden output of the chain */
static uint8_t *data0;        /* the data window before a run */

static hta_layer base_layers[2];

/* Work the counters must report for the base program: MAC operations, adder
 * operations and output bytes of both layers. */
static void expected_counts(uint64_t *mac, uint64_t *add, uint64_t *bytes) {
  *mac = *add = *bytes = 0;
  for (int i = 0; i < 2; i++) {
    const hta_layer *l = &base_layers[i];
    const uint64_t pix = (uint64_t)hta_layer_out_h(l) * (uint64_t)hta_layer_out_w(l);
    for (int o = 0; o < l->out_c; o++) {
      if (hta_layer_kind(l, o) == HTA_KIND_INT8) *mac += pix * (uint64_t)hta_layer_k(l);
      else *add += pix * (uint64_t)hta_layer_k(l);
    }
    *bytes += pix * (uint64_t)l->out_c;
  }
}

/* Word w of descriptor d of program image p. */
static uint8_t *desc_word(uint8_t *p, int d, int w) {
  return p + hta_ld_le32(p + 12) + (size_t)d * 64 + (size_t)w * 4;
}

/* Run a copy of the program with edit applied; returns the result. */
typedef void (*edit_fn)(uint8_t *p, size_t *prog_size, size_t *data_size);

static int run_edited(edit_fn edit, rtl_result *res, uint8_t *data, size_t *data_size) {
  uint8_t *p = malloc(prog->size);
  size_t psize = prog->size;
  *data_size = prog->data_size;
  memcpy(p, prog->bytes, prog->size);
  memcpy(data, data0, prog->data_size);
  if (edit) edit(p, &psize, data_size);
  char msg[600];
  const int rc = rtl_run(sim, p, psize, data, *data_size, UINT64_C(5000000), res, msg, sizeof msg);
  if (rc != HTA_SIM_OK) printf("  run: %s\n", msg);
  free(p);
  return rc;
}

/* The output tensor of the chain equals the golden output. */
static int output_ok(const uint8_t *data) {
  const hta_tensor *t = &prog->output;
  int8_t *got = malloc((size_t)t->h * t->w * t->c);
  hta_tensor_unpack(t, data, got);
  const int ok = memcmp(got, want, (size_t)t->h * t->w * t->c) == 0;
  free(got);
  return ok;
}

static void expect(const char *name, edit_fn edit, unsigned code, int64_t info,
                   int nothing_written) {
  uint8_t *data = malloc(prog->data_size);
  size_t dsize;
  rtl_result res;
  const int rc = run_edited(edit, &res, data, &dsize);
  char n[200];
  snprintf(n, sizeof n, "%s: run ends", name);
  check(rc == HTA_SIM_OK, n, "harness code %d", rc);
  snprintf(n, sizeof n, "%s: error code %u", name, code);
  check((res.status & 0xff) == code, n, "STATUS 0x%08x (code %u, layer %u), ERR_INFO 0x%x, "
        "ERR_ADDR 0x%" PRIx64, res.status, res.status & 0xff, res.status >> 16, res.err_info,
        res.err_addr);
  if (info >= 0) {
    snprintf(n, sizeof n, "%s: ERR_INFO 0x%" PRIx64, name, (uint64_t)info);
    check(res.err_info == (uint32_t)info, n, "ERR_INFO 0x%x", res.err_info);
  }
  snprintf(n, sizeof n, "%s: nothing outside the windows changed", name);
  check(res.guard_ok, n, "a guard byte changed");
  if (nothing_written) {
    snprintf(n, sizeof n, "%s: data window untouched", name);
    check(memcmp(data, data0, dsize < prog->data_size ? dsize : prog->data_size) == 0, n,
          "the engine wrote into the data window");
  }
  /* and the engine still works */
  snprintf(n, sizeof n, "%s: next valid run is bit-exact", name);
  const int rc2 = run_edited(NULL, &res, data, &dsize);
  check(rc2 == HTA_SIM_OK && (res.status & 0xff) == 0 && output_ok(data), n,
        "harness %d, STATUS 0x%08x", rc2, res.status);
  free(data);
}

/* ---- the edits ---- */
static void bad_magic(uint8_t *p, size_t *ps, size_t *ds) { (void)ps; (void)ds; p[0] ^= 1; }
static void bad_version(uint8_t *p, size_t *ps, size_t *ds) { (void)ps; (void)ds; hta_st_le32(p + 4, 7); }
static void bad_signature(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  hta_st_le32(p + 16, hta_ld_le32(p + 16) ^ 0x100);
}
static void bad_desc_align(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  hta_st_le32(p + 12, hta_ld_le32(p + 12) + 16);
}
static void tiny_prog_window(uint8_t *p, size_t *ps, size_t *ds) { (void)p; (void)ds; *ps = 48; }
static void desc_outside(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ds;
  hta_st_le32(p + 12, (uint32_t)((*ps + 63) / 64 * 64 + 64));
}
static void bad_op(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  *desc_word(p, 0, 0) = 9;
}
static void big_kernel(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  if (desc_word(p, 0, 0)[0] == 0) desc_word(p, 0, 0)[1] = 8; /* CONV kh 8 */
}
static void bad_stride(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  desc_word(p, 0, 0)[3] = 0x33;
}
static void bad_act(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  uint8_t *w = desc_word(p, 0, 2);
  w[0] = 100; /* act_min */
  w[1] = 10;  /* act_max */
}
static void bad_pix_stride(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  uint8_t *w = desc_word(p, 0, 4);
  hta_st_le32(w, hta_ld_le32(w) + (16u << 16));
}
static void in_off_outside(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  hta_st_le32(desc_word(p, 0, 7), (uint32_t)prog->data_size);
}
static void out_off_outside(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  hta_st_le32(desc_word(p, 0, 8), (uint32_t)prog->data_size - 16);
}
static void small_data_window(uint8_t *p, size_t *ps, size_t *ds) {
  (void)p; (void)ps;
  *ds = prog->output.off; /* the last layer's output no longer fits */
}
static void wts_outside(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ds;
  hta_st_le32(desc_word(p, 0, 10), (uint32_t)*ps);
}
static void bad_k(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  uint8_t *w = desc_word(p, 0, 13);
  hta_st_le32(w, hta_ld_le32(w) + 1);
}
static void bad_tile(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  uint8_t *w = desc_word(p, 0, 11);
  hta_st_le32(w, (hta_ld_le32(w) & 0xffff) | 0xffffu << 16); /* staging overflows */
}
/* First pass header of descriptor 0 (after the channel source map). */
static uint8_t *pass0(uint8_t *p) {
  const uint32_t wts = hta_ld_le32(desc_word(p, 0, 9));
  const uint32_t out_stride = hta_ld_le32(desc_word(p, 0, 6)) >> 16;
  const uint32_t map = (out_stride / 4 + 15) / 16 * 16;
  return p + wts + map;
}
static void pass_too_many_lanes(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  hta_st_le32(pass0(p), rtl_config()->mac_lanes + 1);
}
static void pass_past_stream(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  uint8_t *w = desc_word(p, 0, 10);
  hta_st_le32(w, hta_ld_le32(w) - 16); /* the last pass block no longer fits */
}
static void second_layer_bad(uint8_t *p, size_t *ps, size_t *ds) {
  (void)ps; (void)ds;
  *desc_word(p, prog->n_desc - 1, 0) = 9;
}

static uint64_t data_addr(void) { return rtl_data_addr(prog->size); }

static void expect_bus_error(const char *name, int is_write, uint64_t lo, uint64_t hi,
                             unsigned resp, unsigned code) {
  hta_sim_inject_error(sim, is_write, lo, hi, resp);
  uint8_t *data = malloc(prog->data_size);
  size_t dsize;
  rtl_result res;
  const int rc = run_edited(NULL, &res, data, &dsize);
  hta_sim_inject_error(sim, 0, 0, 0, 0);
  char n[200];
  snprintf(n, sizeof n, "%s: run ends", name);
  check(rc == HTA_SIM_OK, n, "harness code %d", rc);
  snprintf(n, sizeof n, "%s: error code %u", name, code);
  check((res.status & 0xff) == code, n, "STATUS 0x%08x", res.status);
  snprintf(n, sizeof n, "%s: ERR_ADDR inside the failing range", name);
  check(res.err_addr >= (lo & ~UINT64_C(4095)) && res.err_addr < hi, n,
        "ERR_ADDR 0x%" PRIx64 " not in [0x%" PRIx64 ", 0x%" PRIx64 ")", res.err_addr, lo, hi);
  snprintf(n, sizeof n, "%s: nothing outside the windows changed", name);
  check(res.guard_ok, n, "a guard byte changed");
  snprintf(n, sizeof n, "%s: next valid run is bit-exact", name);
  const int rc2 = run_edited(NULL, &res, data, &dsize);
  check(rc2 == HTA_SIM_OK && (res.status & 0xff) == 0 && output_ok(data), n,
        "harness %d, STATUS 0x%08x", rc2, res.status);
  free(data);
}

int main(void) {
  char err[300];
  sim = rtl_open(0, NULL, err, sizeof err);
  if (!check(sim != NULL, "open the simulation of the linked configuration", "%s", err))
    return check_summary();

  /* Two chained layers with INT8 and ternary filters, several tiles. */
  hta_hw_cfg cfg = *rtl_config();
  hta_rand_opts o;
  hta_rand_opts_default(&o, &cfg);
  o.op = HTA_OP_POINTWISE;
  o.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY;
  /* The first seed from 42 whose first layer is at least 8x8 with over 600
   * filters of both kinds: several tiles and passes, so that errors strike
   * in the middle of a layer. */
  hta_rng g;
  hta_rand_layer rl[2];
  hta_layer layers[2];
  o.max_out_c = 1000;
  o.max_hw = 12;
  for (uint64_t seed = 42;; seed++) {
    hta_rng_seed(&g, seed);
    hta_rand_layer_make(&rl[0], &g, &o, NULL);
    int n8 = 0;
    for (int f = 0; f < rl[0].l.out_c; f++) n8 += hta_layer_kind(&rl[0].l, f) == HTA_KIND_INT8;
    if (rl[0].l.in_h >= 8 && rl[0].l.in_w >= 8 && rl[0].l.out_c > (cfg.chan_max < 1200 ? (int)cfg.chan_max / 2 : 600) && n8 > 0 &&
        n8 < rl[0].l.out_c)
      break;
    hta_rand_layer_free(&rl[0]);
  }
  o.max_out_c = 64;
  layers[0] = rl[0].l;
  hta_rand_input in = hta_rand_next_input(&layers[0]);
  hta_rand_layer_make(&rl[1], &g, &o, &in);
  layers[1] = rl[1].l;
  base_layers[0] = layers[0];
  base_layers[1] = layers[1];
  prog = hta_compile_cfg(&cfg, layers, 2, err, sizeof err);
  if (!check(prog != NULL, "compile the base program", "%s", err)) return check_summary();
  printf("  base program: %s | %s, %d descriptors\n", rl[0].desc, rl[1].desc, prog->n_desc);

  input = malloc(hta_layer_in_size(&layers[0]));
  int8_t *outs[2] = {malloc(hta_layer_out_size(&layers[0])), malloc(hta_layer_out_size(&layers[1]))};
  hta_rand_fill(&g, input, hta_layer_in_size(&layers[0]));
  hta_golden_layers(layers, 2, input, outs);
  want = outs[1];
  data0 = malloc(prog->data_size);
  for (size_t i = 0; i < prog->data_size; i++) data0[i] = (uint8_t)hta_rng_u64(&g);
  hta_tensor_pack(&prog->input, input, data0);

  /* the unedited program works */
  {
    uint8_t *data = malloc(prog->data_size);
    size_t dsize;
    rtl_result res;
    const int rc = run_edited(NULL, &res, data, &dsize);
    check(rc == HTA_SIM_OK && (res.status & 0xff) == 0 && output_ok(data),
          "base program runs bit-exact", "harness %d, STATUS 0x%08x", rc, res.status);
    check(res.layers_done == (uint32_t)prog->n_desc, "LAYERS_DONE counts descriptors",
          "%u of %d", res.layers_done, prog->n_desc);
    uint64_t mac, add, bytes;
    expected_counts(&mac, &add, &bytes);
    check(res.mac_ops == mac, "MAC_OPS counts every INT8 multiply-accumulate",
          "%" PRIu64 " instead of %" PRIu64, res.mac_ops, mac);
    check(res.add_ops == add, "ADD_OPS counts every ternary weight operation",
          "%" PRIu64 " instead of %" PRIu64, res.add_ops, add);
    check(res.bytes_wr == bytes, "BYTES_WR counts exactly the output bytes",
          "%" PRIu64 " instead of %" PRIu64, res.bytes_wr, bytes);
    check(res.bytes_rd >= prog->input.bytes && res.bytes_rd % 16 == 0,
          "BYTES_RD counts whole beats, at least the input", "%" PRIu64, res.bytes_rd);
    check(res.cycles > 0 && res.mac_busy <= res.cycles && res.add_busy <= res.cycles &&
              res.mem_stall < res.cycles && res.drain_stall < res.cycles,
          "busy and stall cycles within CYCLES", "cycles %" PRIu64 " mac %" PRIu64
          " add %" PRIu64 " mem %" PRIu64 " drain %" PRIu64, res.cycles, res.mac_busy,
          res.add_busy, res.mem_stall, res.drain_stall);
    uint32_t log[64];
    uint64_t sum = 0;
    int all_set = 1;
    const int n = prog->n_desc < 64 ? prog->n_desc : 64;
    check(rtl_read_log(sim, n, log) == 0, "read the per-layer cycle log", "bus error");
    for (int i = 0; i < n; i++) {
      sum += log[i];
      all_set = all_set && log[i] > 0;
    }
    check(all_set, "every descriptor has a logged cycle count", " ");
    check(sum + 2 * (uint64_t)n >= res.cycles && sum <= res.cycles + 2 * (uint64_t)n,
          "per-layer cycles add up to CYCLES", "log sum %" PRIu64 ", CYCLES %" PRIu64, sum,
          res.cycles);
    free(data);
  }

  expect("bad magic", bad_magic, ERR_PROG, 0, 1);
  expect("bad version", bad_version, ERR_PROG, 1, 1);
  expect("program for another configuration", bad_signature, ERR_PROG, 4, 1);
  /* The same layers compiled by the host for another configuration of the
   * table: the engine refuses the program before touching memory. */
  for (int i = 0; i < HTA_HW_CONFIG_COUNT; i++) {
    const hta_hw_config *other = &hta_hw_configs[i];
    if (other->signature == cfg.signature) continue;
    hta_program *q = hta_compile(other, base_layers, 2, err, sizeof err);
    if (q == NULL) continue; /* does not fit that configuration */
    uint8_t *data = calloc(1, q->data_size);
    rtl_result res;
    char msg[600];
    const int rc = rtl_run(sim, q->bytes, q->size, data, q->data_size, UINT64_C(5000000), &res,
                           msg, sizeof msg);
    check(rc == HTA_SIM_OK && (res.status & 0xff) == ERR_PROG && res.layers_done == 0,
          "a program compiled for another configuration is refused (ERR_PROG)",
          "compiled for %s, run on %s: harness %d, STATUS 0x%08x", other->name,
          rtl_config()->name, rc, res.status);
    free(data);
    hta_program_free(q);
    break;
  }
  expect("descriptor table misaligned", bad_desc_align, ERR_PROG, 3, 1);
  expect("program window smaller than the header", tiny_prog_window, ERR_WINDOW, -1, 1);
  expect("descriptor table outside the window", desc_outside, ERR_WINDOW, -1, 1);
  expect("unknown op", bad_op, ERR_DESC, 0, 1);
  expect("CONV kernel 8x8", big_kernel, ERR_DESC, 0, 1);
  expect("stride 3", bad_stride, ERR_DESC, 0, 1);
  expect("act_min above act_max", bad_act, ERR_DESC, 2, 1);
  expect("input pixel stride", bad_pix_stride, ERR_DESC, 4, 1);
  expect("input outside the data window", in_off_outside, ERR_DESC, 7, 1);
  expect("output outside the data window", out_off_outside, ERR_DESC, 8, 1);
  expect("data window too small for the output", small_data_window, ERR_DESC, -1, 0);
  expect("weights outside the program window", wts_outside, ERR_DESC, 10, 1);
  expect("K disagrees with the shape", bad_k, ERR_DESC, 13, 1);
  expect("tile overflows staging", bad_tile, ERR_DESC, 11, 1);
  expect("pass with too many MAC lanes", pass_too_many_lanes, ERR_DESC, 0x100, 1);
  expect("pass block past the weight stream", pass_past_stream, ERR_DESC, -1, 0);
  expect("bad last descriptor", second_layer_bad, ERR_DESC, 0, 0);

  const uint64_t d = data_addr();
  expect_bus_error("SLVERR reading the program", 0, RTL_PROG_ADDR + 64,
                   RTL_PROG_ADDR + prog->size, 2, ERR_AXI_RD);
  expect_bus_error("DECERR reading the input", 0, d + prog->input.off,
                   d + prog->input.off + prog->input.bytes, 3, ERR_AXI_RD);
  expect_bus_error("SLVERR writing the output", 1, d + prog->output.off,
                   d + prog->output.off + prog->output.bytes, 2, ERR_AXI_WR);

  hta_rand_layer_free(&rl[0]);
  hta_rand_layer_free(&rl[1]);
  free(outs[0]);
  free(outs[1]);
  free(input);
  free(data0);
  hta_program_free(prog);
  hta_sim_destroy(sim);
  return check_summary();
}
