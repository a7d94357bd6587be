/* simprog.c - see hta_simprog.h. */
#include "hta_simprog.h"

#include <stdio.h>
#include <string.h>

#include "engine_regs.h"
#include "hta_regs.h"

#define GUARD HTA_SIMPROG_GUARD
#define GUARD_BYTE 0x5a

uint64_t hta_simprog_data_addr(uint64_t prog_addr, size_t prog_size) {
  return (prog_addr + prog_size + GUARD + 4095) & ~UINT64_C(4095);
}

const char *hta_simprog_error_name(uint32_t code) { return hta_engine_error_name(code); }

/* The register accessors of hta_engine_read_log, over a model's table. */
typedef struct sim_ctx {
  const hta_simlib *lib;
  hta_sim *sim;
} sim_ctx;

static int sim_reg_read(void *ctx, uint32_t off, uint32_t *v) {
  const sim_ctx *c = ctx;
  return c->lib->reg_read(c->sim, off, v);
}

static int sim_reg_write(void *ctx, uint32_t off, uint32_t v) {
  const sim_ctx *c = ctx;
  return c->lib->reg_write(c->sim, off, v);
}

static int write64(const hta_simlib *L, hta_sim *sim, uint32_t lo, uint64_t v) {
  int rc = L->reg_write(sim, lo, (uint32_t)v);
  if (rc == 0) rc = L->reg_write(sim, lo + 4, (uint32_t)(v >> 32));
  return rc;
}

static int guard_intact(const hta_simlib *L, hta_sim *sim, uint64_t addr) {
  uint8_t buf[GUARD];
  if (L->mem_read(sim, addr, buf, GUARD) != 0) return 0;
  for (size_t i = 0; i < GUARD; i++)
    if (buf[i] != GUARD_BYTE) return 0;
  return 1;
}

/* STATUS and the error registers, then every counter (HTA_COUNTERS). */
static int read_regs(const hta_simlib *L, hta_sim *sim, hta_simprog_result *res) {
  sim_ctx c = {L, sim};
  hta_backend_result r = {0};
  const int rc = hta_engine_read_status(sim_reg_read, &c, &r);
  res->status = r.status;
  res->err_info = r.err_info;
  res->err_addr = r.err_addr;
#define COPY_COUNTER(name, off, bits) res->name = r.name;
  HTA_COUNTERS(COPY_COUNTER)
#undef COPY_COUNTER
  return rc;
}

int hta_simprog_read_log(const hta_simlib *lib, hta_sim *sim, int n, uint32_t *cycles) {
  sim_ctx c = {lib, sim};
  return hta_engine_read_log(sim_reg_read, sim_reg_write, &c, n, lib->cfg->log_depth, cycles);
}

int hta_simprog_run(const hta_simlib *L, hta_sim *sim, uint64_t prog_addr, const uint8_t *prog, size_t prog_size,
                    uint8_t *data, size_t data_size, uint64_t slice_cycles,
                    hta_simprog_wait_fn keep_waiting, void *user, hta_simprog_result *res,
                    char *msg, size_t msglen) {
  char dummy[1];
  if (msg == NULL || msglen == 0) {
    msg = dummy;
    msglen = sizeof dummy;
  }
  memset(res, 0, sizeof *res);
  msg[0] = '\0';
  const uint64_t data_addr = hta_simprog_data_addr(prog_addr, prog_size);
  int rc;
  if ((rc = L->mem_fill(sim, prog_addr - GUARD, GUARD_BYTE, GUARD)) ||
      (rc = L->mem_fill(sim, prog_addr + prog_size, GUARD_BYTE, GUARD)) ||
      (rc = L->mem_fill(sim, data_addr - GUARD, GUARD_BYTE, GUARD)) ||
      (rc = L->mem_fill(sim, data_addr + data_size, GUARD_BYTE, GUARD)) ||
      (rc = L->mem_write(sim, prog_addr, prog, prog_size)) ||
      (rc = L->mem_write(sim, data_addr, data, data_size))) {
    snprintf(msg, msglen, "the windows do not fit the simulated memory (%d)", rc);
    return rc;
  }
  if ((rc = write64(L, sim, HTA_REG_PROG_LO, prog_addr)) ||
      (rc = write64(L, sim, HTA_REG_PROG_SIZE_LO, prog_size)) ||
      (rc = write64(L, sim, HTA_REG_DATA_LO, data_addr)) ||
      (rc = write64(L, sim, HTA_REG_DATA_SIZE_LO, data_size)) ||
      (rc = L->reg_write(sim, HTA_REG_GIE, 1)) ||
      (rc = L->reg_write(sim, HTA_REG_IER, 1)) ||
      (rc = L->reg_write(sim, HTA_REG_CTRL, 1))) {
    snprintf(msg, msglen, "register access failed (%d)", rc);
    L->reset(sim);
    return rc;
  }
  const uint64_t t0 = L->cycles(sim);
  int run_rc;
  for (;;) {
    run_rc = L->run(sim, slice_cycles, NULL, NULL);
    if (run_rc != HTA_SIM_ERR_TIMEOUT) break;
    if (!keep_waiting(user, L->cycles(sim) - t0)) break;
  }
  res->sim_cycles = L->cycles(sim) - t0;
  rc = read_regs(L, sim, res);

  if (run_rc != HTA_SIM_OK) {
    const char *perr = L->protocol_error(sim);
    const char *aerr = L->assert_error(sim);
    const hta_status st = hta_status_of(res->status);
    snprintf(msg, msglen,
             "%s after %llu cycles at layer descriptor %u (%u done): STATUS 0x%08x (code %u %s, "
             "busy %u), ERR_INFO 0x%x, ERR_ADDR 0x%llx%s%s%s%s; the engine was reset",
             run_rc == HTA_SIM_ERR_TIMEOUT ? "no ap_done" : "simulation error",
             (unsigned long long)res->sim_cycles, st.layer, res->layers_done, res->status,
             st.code, hta_simprog_error_name(st.code), st.busy, res->err_info,
             (unsigned long long)res->err_addr,
             perr ? ": " : "", perr ? perr : "", aerr ? ": " : "", aerr ? aerr : "");
    L->clear_protocol_error(sim);
    L->reset(sim);
    return run_rc;
  }
  /* acknowledge: reading CTRL clears ap_done, ISR is toggle-on-write */
  uint32_t ctrl = 0, isr = 0;
  if (!rc) rc = L->reg_read(sim, HTA_REG_CTRL, &ctrl);
  if (!rc) rc = L->reg_read(sim, HTA_REG_ISR, &isr);
  if (!rc && isr) rc = L->reg_write(sim, HTA_REG_ISR, isr);
  if (!rc) rc = L->mem_read(sim, data_addr, data, data_size);
  if (rc) {
    snprintf(msg, msglen, "reading the results failed (%d)", rc);
    return rc;
  }
  res->guard_ok = guard_intact(L, sim, prog_addr - GUARD) &&
                  guard_intact(L, sim, prog_addr + prog_size) &&
                  guard_intact(L, sim, data_addr - GUARD) && guard_intact(L, sim, data_addr + data_size);
  const char *perr = L->protocol_error(sim);
  if (perr != NULL) {
    snprintf(msg, msglen, "AXI protocol violation: %s", perr);
    L->clear_protocol_error(sim);
    return HTA_SIM_ERR_PROTOCOL;
  }
  return HTA_SIM_OK;
}
