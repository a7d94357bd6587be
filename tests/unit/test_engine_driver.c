/*
 * test_engine_driver.c - the engine driver (host/src/engine.h) over a real
 * transport: the sim transport on the `tiny` configuration's Verilator model
 * (loaded as the sim device loads it). What the driver decodes from the
 * engine's registers and how it words it:
 *   - a good run: STATUS OK, every descriptor done, cycles and the per-layer
 *     log, guards intact;
 *   - a program compiled for another configuration: ERR_PROG at the header's
 *     signature word, said in words;
 *   - a descriptor with an unknown op: ERR_DESC naming the descriptor;
 *   - an AXI read error in the data window: ERR_AXI_RD with ERR_ADDR;
 *   - a timeout: the registers at the time, the engine reset, and the next
 *     run succeeds;
 *   - windows larger than the device memory: refused before any access.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "hta_compile.h"
#include "hta_hw_config.h"
#include "hta_prog.h"
#include "hta_simlib.h"
#include "rand_layer.h"
#include "rng.h"
#include "transport.h"
#include "util.h"

#define MEM_BASE UINT64_C(0x400000000)

static const hta_simlib *lib;
static hta_sim *sim;
static hta_sim_config cfg;

/* A small program for configuration hw (one random pointwise layer). */
static hta_program *make_program(const hta_hw_config *hw, uint64_t seed) {
  hta_rng rng;
  hta_rng_seed(&rng, seed);
  hta_rand_opts o;
  hta_rand_opts_default(&o, hta_hw_config_find("tiny"));
  o.op = HTA_OP_POINTWISE;
  hta_rand_layer rl;
  if (hta_rand_layer_make(&rl, &rng, &o, NULL) != 0) return NULL;
  char err[300];
  hta_program *p = hta_compile(hw, &rl.l, 1, err, sizeof err);
  if (p == NULL) fprintf(stderr, "compile: %s\n", err);
  hta_rand_layer_free(&rl);
  return p;
}

typedef struct run {
  int rc;
  hta_backend_result res;
  uint32_t cycles[8];
  char msg[1024];
} run;

static int stop_now(void *user, uint64_t progress) {
  (void)user;
  (void)progress;
  return 0;
}

static void run_prog(const hta_program *p, uint64_t mem_bytes, int timeout, run *r) {
  hta_transport t;
  hta_sim_transport s;
  hta_transport_sim(&t, &s, lib, sim, MEM_BASE, mem_bytes);
  if (timeout) s.slice = 16;
  uint8_t *data = calloc(1, p->data_size);
  const hta_engine_job job = {.hw = hta_hw_config_find("tiny"), .prog = p->bytes,
                              .prog_size = p->size, .data = data, .data_size = p->data_size,
                              .n_desc = p->n_desc, .timeout_ms = 60000,
                              .keep_waiting = timeout ? stop_now : NULL};
  memset(&r->res, 0, sizeof r->res);
  r->res.desc_cycles = r->cycles;
  r->rc = hta_engine_run(&t, &job, &r->res, r->msg, sizeof r->msg);
  free(data);
}

static int has(const char *msg, const char *what) { return strstr(msg, what) != NULL; }

static void test_good(const hta_program *p) {
  run r;
  run_prog(p, cfg.mem_bytes, 0, &r);
  check(r.rc == HTA_SUCCESS && r.msg[0] == '\0', "good run: HTA_SUCCESS, no message", "%d '%s'",
        r.rc, r.msg);
  const hta_status st = hta_status_of(r.res.status);
  check(st.code == HTA_ENGINE_OK && (int)r.res.layers_done == p->n_desc,
        "good run: STATUS OK, every descriptor done", "STATUS 0x%08x, %u of %d done",
        r.res.status, (unsigned)r.res.layers_done, p->n_desc);
  uint64_t sum = 0;
  for (int d = 0; d < p->n_desc; d++) sum += r.cycles[d];
  check(r.res.cycles > 0 && r.cycles[0] > 0 && sum >= r.res.cycles / 2 &&
            sum <= r.res.cycles + (uint64_t)p->n_desc,
        "good run: CYCLES and the per-layer log (the log sums to about CYCLES)",
        "CYCLES %" PRIu64 ", log sum %" PRIu64, (uint64_t)r.res.cycles, sum);
  check(r.res.guard_ok, "good run: guard bytes intact", "a guard byte changed");
}

static void test_foreign(const hta_program *p_small) {
  run r;
  run_prog(p_small, cfg.mem_bytes, 0, &r);
  const hta_status st = hta_status_of(r.res.status);
  check(r.rc == HTA_ERROR_DEVICE && st.code == HTA_ENGINE_ERR_PROG &&
            r.res.err_info == HTA_PROG_HEADER_W_CFG_SIG,
        "foreign program: ERR_PROG at the signature word", "rc %d STATUS 0x%08x ERR_INFO %u",
        r.rc, r.res.status, r.res.err_info);
  check(has(r.msg, "sim: engine error 1 (ERR_PROG) at layer descriptor 0") &&
            has(r.msg, "another hardware configuration") && has(r.msg, "'tiny'"),
        "foreign program: the text names the code and the configuration", "'%s'", r.msg);
}

static void test_bad_desc(const hta_program *p) {
  hta_program q = *p;
  q.bytes = malloc(p->size);
  memcpy(q.bytes, p->bytes, p->size);
  const uint32_t desc_off = hta_ld_le32(q.bytes + 4 * HTA_PROG_HEADER_W_DESC_OFF);
  hta_st_le32(q.bytes + desc_off + 4 * HTA_DESC_W_OP, 0xffu); /* no such op */
  run r;
  run_prog(&q, cfg.mem_bytes, 0, &r);
  const hta_status st = hta_status_of(r.res.status);
  check(r.rc == HTA_ERROR_DEVICE && st.code == HTA_ENGINE_ERR_DESC && st.layer == 0 &&
            r.res.layers_done == 0,
        "bad descriptor: ERR_DESC at descriptor 0, none done", "rc %d STATUS 0x%08x", r.rc,
        r.res.status);
  check(has(r.msg, "engine error 2 (ERR_DESC) at layer descriptor 0 (0 done)") &&
            has(r.msg, "ERR_INFO 0x"),
        "bad descriptor: the text", "'%s'", r.msg);
  free(q.bytes);
}

static void test_axi_error(const hta_program *p) {
  const uint64_t data = hta_engine_data_addr(MEM_BASE + HTA_ENGINE_PROG_OFF, p->size);
  lib->inject_error(sim, 0, data, data + p->data_size, 2);
  run r;
  run_prog(p, cfg.mem_bytes, 0, &r);
  lib->inject_error(sim, 0, 0, 0, 0);
  const hta_status st = hta_status_of(r.res.status);
  check(r.rc == HTA_ERROR_DEVICE && st.code == HTA_ENGINE_ERR_AXI_RD &&
            r.res.err_addr >= data && r.res.err_addr < data + p->data_size,
        "AXI read error: ERR_AXI_RD with ERR_ADDR in the data window",
        "rc %d STATUS 0x%08x ERR_ADDR 0x%" PRIx64, r.rc, r.res.status, r.res.err_addr);
  check(has(r.msg, "(ERR_AXI_RD)") && has(r.msg, "ERR_ADDR 0x"), "AXI read error: the text",
        "'%s'", r.msg);
}

static void test_timeout(const hta_program *p) {
  run r;
  run_prog(p, cfg.mem_bytes, 1, &r);
  check(r.rc == HTA_ERROR_TIMEOUT &&
            has(r.msg, "sim: timeout (60000 ms): no ap_done at layer descriptor 0 (0 done)") &&
            has(r.msg, "busy 1") && has(r.msg, "cycles simulated); the engine was reset"),
        "timeout: HTA_ERROR_TIMEOUT with the registers, busy, engine reset", "%d '%s'", r.rc,
        r.msg);
  run_prog(p, cfg.mem_bytes, 0, &r);
  check(r.rc == HTA_SUCCESS, "timeout: the next run succeeds", "%d '%s'", r.rc, r.msg);
}

static void test_too_big(const hta_program *p) {
  run r;
  run_prog(p, 4096, 0, &r);
  check(r.rc == HTA_ERROR_NO_MEM && has(r.msg, "do not fit the device memory") &&
            has(r.msg, "mem_mb"),
        "windows larger than the memory: HTA_ERROR_NO_MEM naming the sizes", "%d '%s'", r.rc,
        r.msg);
}

int main(void) {
  char err[1400];
  const hta_hw_config *tiny = hta_hw_config_find("tiny"), *small = hta_hw_config_find("small");
  lib = tiny ? hta_simlib_open(tiny, err, sizeof err) : NULL;
  if (lib == NULL) {
    check(0, "open the tiny model", "%s", tiny ? err : "no configuration 'tiny'");
    return check_summary();
  }
  lib->default_config(&cfg);
  sim = lib->create(&cfg, err, sizeof err);
  hta_program *p = make_program(tiny, 7), *p_small = make_program(small, 7);
  if (sim == NULL || p == NULL || p_small == NULL || p->n_desc > 8) {
    check(0, "set up", "%s", sim ? "compile failed" : err);
    return check_summary();
  }
  test_good(p);
  test_foreign(p_small);
  test_bad_desc(p);
  test_axi_error(p);
  test_timeout(p);
  test_too_big(p);
  test_good(p); /* the model is still usable after every error */
  hta_program_free(p);
  hta_program_free(p_small);
  lib->destroy(sim);
  return check_summary();
}
