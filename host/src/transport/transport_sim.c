/*
 * transport_sim.c - the sim transport (transport.h), and hta_simprog_run
 * (hta_simprog.h) on the engine driver with it.
 */
#include <stdio.h>
#include <string.h>

#include "hta_regs.h"
#include "hta_simprog.h"
#include "transport.h"

#define SLICE_CYCLES 8192u /* clock slice between two looks at the wall clock */

static int keep(hta_sim_transport *s, int rc) {
  if (rc != HTA_SIM_OK) s->sim_rc = rc;
  return rc;
}

static int s_reg_read(void *c, uint32_t off, uint32_t *v) {
  hta_sim_transport *s = c;
  return keep(s, s->lib->reg_read(s->sim, off, v));
}
static int s_reg_write(void *c, uint32_t off, uint32_t v) {
  hta_sim_transport *s = c;
  return keep(s, s->lib->reg_write(s->sim, off, v));
}
static int s_mem_write(void *c, uint64_t addr, const uint8_t *buf, size_t n) {
  hta_sim_transport *s = c;
  return keep(s, s->lib->mem_write(s->sim, addr, buf, n));
}
static int s_mem_read(void *c, uint64_t addr, uint8_t *buf, size_t n) {
  hta_sim_transport *s = c;
  return keep(s, s->lib->mem_read(s->sim, addr, buf, n));
}
static int s_mem_fill(void *c, uint64_t addr, uint8_t value, size_t n) {
  hta_sim_transport *s = c;
  return keep(s, s->lib->mem_fill(s->sim, addr, value, n));
}

static int s_start(void *c, uint64_t prog, uint64_t prog_size, uint64_t data, uint64_t data_size) {
  (void)prog, (void)prog_size, (void)data, (void)data_size;
  hta_sim_transport *s = c;
  s->t0 = s->lib->cycles(s->sim);
  s->cycles = 0;
  return s_reg_write(c, HTA_REG_CTRL, 1);
}

/* One slice of the clock, whatever the wall-clock slice: the driver looks at
 * its deadline between slices. */
static int s_wait(void *c, unsigned slice_ms, uint64_t *progress) {
  (void)slice_ms;
  hta_sim_transport *s = c;
  const int rc = s->lib->run(s->sim, s->slice, NULL, NULL);
  *progress = s->cycles = s->lib->cycles(s->sim) - s->t0;
  if (rc == HTA_SIM_ERR_TIMEOUT) return HTA_WAIT_NOT_YET;
  return rc == HTA_SIM_OK ? HTA_WAIT_DONE : keep(s, rc);
}

static int s_check(void *c) {
  hta_sim_transport *s = c;
  return s->lib->protocol_error(s->sim) ? keep(s, HTA_SIM_ERR_PROTOCOL) : 0;
}

static void s_recover(void *c, int timed_out, char *note, size_t n) {
  (void)timed_out;
  hta_sim_transport *s = c;
  const char *perr = s->lib->protocol_error(s->sim), *aerr = s->lib->assert_error(s->sim);
  snprintf(note, n, " (%llu cycles simulated)%s%s%s%s; the engine was reset",
           (unsigned long long)s->cycles, perr ? ": " : "", perr ? perr : "", aerr ? ": " : "",
           aerr ? aerr : "");
  s->lib->clear_protocol_error(s->sim);
  s->lib->reset(s->sim);
}

static int s_describe(void *c, int code, const char *doing, char *msg, size_t n) {
  hta_sim_transport *s = c;
  const char *perr = s->lib->protocol_error(s->sim), *aerr = s->lib->assert_error(s->sim);
  if (code == HTA_SIM_ERR_PROTOCOL && perr) {
    snprintf(msg, n, "AXI protocol violation while %s: %s", doing, perr);
    s->lib->clear_protocol_error(s->sim);
    return HTA_ERROR_PROTOCOL;
  }
  if (code == HTA_SIM_ERR_ASSERT || code == HTA_SIM_ERR_PROTOCOL) {
    snprintf(msg, n, "simulation error while %s: %s", doing, aerr ? aerr : "protocol");
    return HTA_ERROR_PROTOCOL;
  }
  snprintf(msg, n, "simulation error %d while %s%s", code, doing,
           code == HTA_SIM_ERR_RANGE ? " (outside the simulated memory)" : "");
  return HTA_ERROR_IO;
}

void hta_transport_sim(hta_transport *t, hta_sim_transport *ctx, const hta_simlib *lib,
                       hta_sim *sim, uint64_t mem_base, uint64_t mem_bytes) {
  memset(ctx, 0, sizeof *ctx);
  ctx->lib = lib;
  ctx->sim = sim;
  ctx->slice = SLICE_CYCLES;
  *t = (hta_transport){.name = "sim", .ctx = ctx, .mem_base = mem_base, .mem_bytes = mem_bytes,
                       .regs_readable = 1, .reg_read = s_reg_read, .reg_write = s_reg_write,
                       .mem_write = s_mem_write, .mem_read = s_mem_read, .wait = s_wait,
                       .start = s_start, .mem_fill = s_mem_fill, .check = s_check,
                       .recover = s_recover, .describe = s_describe};
}

/* ---- hta_simprog.h: raw programs for the RTL tests ---- */

uint64_t hta_simprog_data_addr(uint64_t prog_addr, size_t prog_size) {
  return hta_engine_data_addr(prog_addr, prog_size);
}

const char *hta_simprog_error_name(uint32_t code) { return hta_engine_error_name(code); }

int hta_simprog_read_log(const hta_simlib *lib, hta_sim *sim, int n, uint32_t *cycles) {
  hta_transport t;
  hta_sim_transport s;
  hta_transport_sim(&t, &s, lib, sim, 0, UINT64_MAX);
  return hta_engine_read_log(&t, n, lib->cfg->log_depth, cycles);
}

typedef struct slice_wait {
  hta_simprog_wait_fn fn;
  void *user;
} slice_wait;

static int slice_keep_waiting(void *user, uint64_t cycles) {
  const slice_wait *w = user;
  return w->fn(w->user, cycles);
}

int hta_simprog_run(const hta_simlib *L, hta_sim *sim, uint64_t prog_addr, const uint8_t *prog,
                    size_t prog_size, uint8_t *data, size_t data_size, uint64_t slice_cycles,
                    hta_simprog_wait_fn keep_waiting, void *user, hta_simprog_result *res,
                    char *msg, size_t msglen) {
  char dummy[1];
  if (msg == NULL || msglen == 0) {
    msg = dummy;
    msglen = sizeof dummy;
  }
  hta_transport t;
  hta_sim_transport s;
  hta_transport_sim(&t, &s, L, sim, 0, UINT64_MAX);
  if (slice_cycles > 0) s.slice = slice_cycles;
  slice_wait w = {keep_waiting, user};
  const hta_engine_job job = {.hw = L->cfg, .prog = prog, .prog_size = prog_size, .data = data,
                              .data_size = data_size, .prog_addr = prog_addr,
                              .keep_waiting = slice_keep_waiting, .user = &w};
  hta_backend_result r = {0};
  const int rc = hta_engine_run(&t, &job, &r, msg, msglen);
  memset(res, 0, sizeof *res);
  res->status = r.status;
  res->err_info = r.err_info;
  res->err_addr = r.err_addr;
#define COPY_COUNTER(name, off, bits) res->name = r.name;
  HTA_COUNTERS(COPY_COUNTER)
#undef COPY_COUNTER
  res->sim_cycles = s.cycles;
  res->guard_ok = r.guard_ok;
  /* the run ended: the engine's own verdict is in res */
  if (rc == HTA_SUCCESS || (rc == HTA_ERROR_DEVICE && s.sim_rc == HTA_SIM_OK)) return HTA_SIM_OK;
  if (rc == HTA_ERROR_TIMEOUT) return HTA_SIM_ERR_TIMEOUT;
  return s.sim_rc != HTA_SIM_OK ? s.sim_rc : HTA_SIM_ERR_ARG;
}
