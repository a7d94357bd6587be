/* engine.c - see engine.h. */
#define _POSIX_C_SOURCE 200809L
#include "engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hta_prog.h"
#include "hta_regs.h"
#include "util.h"

#define GUARD_BYTE 0x5a
#define SLICE_MS 50u /* the longest single wait between two looks at the clock */

uint64_t hta_engine_data_addr(uint64_t prog_addr, size_t prog_size) {
  return (prog_addr + prog_size + HTA_ENGINE_GUARD + 4095) & ~UINT64_C(4095);
}

const char *hta_engine_error_name(uint32_t code) {
  const char *name = hta_engine_code_name(code);
  return name != NULL ? name : "unknown code";
}

/* ---- registers ---- */

static int write64(const hta_transport *t, uint32_t lo, uint64_t v) {
  int rc = t->reg_write(t->ctx, lo, (uint32_t)v);
  return rc ? rc : t->reg_write(t->ctx, lo + 4, (uint32_t)(v >> 32));
}

/* A register of `bits` (32 or 64) at lo: the low word first. */
static int read_wide(const hta_transport *t, uint32_t lo, int bits, uint64_t *v) {
  uint32_t a = 0, b = 0;
  int rc = t->reg_read(t->ctx, lo, &a);
  if (rc == 0 && bits > 32) rc = t->reg_read(t->ctx, lo + 4, &b);
  *v = (uint64_t)b << 32 | a;
  return rc;
}

/* STATUS, ERR_INFO, ERR_ADDR and every counter of the register map
 * (HTA_COUNTERS): a new counter in hw/config/regmap.cfg is read here with no
 * edit. Zero where registers cannot be read, so nothing stale remains. */
static void clear_result(hta_backend_result *res) {
  uint32_t *const keep = res->desc_cycles;
  const int guard_ok = res->guard_ok;
  memset(res, 0, sizeof *res);
  res->desc_cycles = keep;
  res->guard_ok = guard_ok;
}

static int read_status(const hta_transport *t, hta_backend_result *res) {
  clear_result(res);
  if (!t->regs_readable) return 0;
  int rc = t->reg_read(t->ctx, HTA_REG_STATUS, &res->status);
  if (!rc) rc = t->reg_read(t->ctx, HTA_REG_ERR_INFO, &res->err_info);
  if (!rc) rc = read_wide(t, HTA_REG_ERR_ADDR_LO, 64, &res->err_addr);
  uint64_t v = 0;
#define READ_COUNTER(name, off, bits)  \
  if (!rc) {                           \
    rc = read_wide(t, off, bits, &v);  \
    res->name = (hta_counter##bits##_t)v; \
  }
  HTA_COUNTERS(READ_COUNTER)
#undef READ_COUNTER
  return rc;
}

int hta_engine_read_log(const hta_transport *t, int n, unsigned log_depth, uint32_t *cycles) {
  for (int i = 0; i < n; i++) {
    cycles[i] = 0;
    if ((unsigned)i >= log_depth) continue;
    int rc = t->reg_write(t->ctx, HTA_REG_LOG_SEL, (uint32_t)i);
    if (rc == 0) rc = t->reg_read(t->ctx, HTA_REG_LOG_CYCLES, &cycles[i]);
    if (rc != 0) return rc;
  }
  return 0;
}

/* "layer descriptor D (K done): STATUS ... CYCLES N" of the registers now. */
static void dump_regs(const hta_transport *t, hta_backend_result *res, char *out, size_t n) {
  if (!t->regs_readable || read_status(t, res) != 0) {
    snprintf(out, n, "registers not readable");
    return;
  }
  const hta_status st = hta_status_of(res->status);
  snprintf(out, n,
           "layer descriptor %u (%u done): STATUS 0x%08x (code %u %s, busy %u), ERR_INFO 0x%x, "
           "ERR_ADDR 0x%" PRIx64 ", CYCLES %" PRIu64,
           st.layer, (unsigned)res->layers_done, res->status, st.code,
           hta_engine_error_name(st.code), st.busy, res->err_info, res->err_addr,
           (uint64_t)res->cycles);
}

/* ---- errors ---- */

static int fail(const hta_transport *t, int code, const char *doing, char *msg, size_t n) {
  char text[700];
  const int rc = t->describe(t->ctx, code, doing, text, sizeof text);
  snprintf(msg, n, "%s: %s", t->name, text);
  return rc;
}

/* HTA_ERROR_DEVICE with "NAME: engine error N (NAME) at layer descriptor D
 * (K done): STATUS, ERR_INFO, ERR_ADDR". */
static int engine_error(const hta_transport *t, const hta_hw_config *hw,
                        const hta_backend_result *res, char *msg, size_t n) {
  const hta_status st = hta_status_of(res->status);
  /* The one refusal a user can cause without a malformed program: a program
   * compiled for another hardware configuration (its header's signature
   * word is not the engine's CFG_SIG). Say so in words. */
  char why[300] = "";
  if (st.code == HTA_ENGINE_ERR_PROG && res->err_info == HTA_PROG_HEADER_W_CFG_SIG)
    snprintf(why, sizeof why,
             "; the program was compiled for another hardware configuration than this "
             "device's ('%s', signature 0x%08x): its configuration signature (header word %u) "
             "differs",
             hw ? hw->name : "?", hw ? (unsigned)hw->signature : 0u,
             (unsigned)HTA_PROG_HEADER_W_CFG_SIG);
  snprintf(msg, n,
           "%s: engine error %u (%s) at layer descriptor %u (%u done): "
           "STATUS 0x%08x, ERR_INFO 0x%x, ERR_ADDR 0x%" PRIx64 "%s",
           t->name, st.code, hta_engine_error_name(st.code), st.layer,
           (unsigned)res->layers_done, res->status, res->err_info, res->err_addr, why);
  return HTA_ERROR_DEVICE;
}

/* ---- one run ---- */

static int guards_intact(const hta_transport *t, const uint64_t at[4]) {
  uint8_t buf[HTA_ENGINE_GUARD];
  for (int g = 0; g < 4; g++) {
    if (t->mem_read(t->ctx, at[g], buf, sizeof buf) != 0) return 0;
    for (size_t i = 0; i < sizeof buf; i++)
      if (buf[i] != GUARD_BYTE) return 0;
  }
  return 1;
}

/* Wait for ap_done within the job's bounds: HTA_WAIT_DONE, HTA_WAIT_NOT_YET
 * (a timeout) or the transport's code. */
static int wait_done(const hta_transport *t, const hta_engine_job *job) {
  const double deadline = hta_now_ms() + job->timeout_ms;
  for (;;) {
    unsigned slice = SLICE_MS;
    if (job->timeout_ms) {
      const double left = deadline - hta_now_ms();
      slice = left < 1 ? 1u : left < SLICE_MS ? (unsigned)left : SLICE_MS;
    }
    uint64_t progress = 0;
    const int rc = t->wait(t->ctx, slice, &progress);
    if (rc != HTA_WAIT_NOT_YET) return rc;
    if (job->keep_waiting && !job->keep_waiting(job->user, progress)) return HTA_WAIT_NOT_YET;
    if (job->timeout_ms && hta_now_ms() >= deadline) return HTA_WAIT_NOT_YET;
  }
}

int hta_engine_run(const hta_transport *t, const hta_engine_job *job, hta_backend_result *res,
                   char *msg, size_t n) {
  res->guard_ok = 1;
  clear_result(res);
  msg[0] = '\0';
  /* the windows: placed by the transport, or here in its flat memory */
  uint64_t prog_addr = job->prog_addr ? job->prog_addr : t->mem_base + HTA_ENGINE_PROG_OFF;
  uint64_t data_addr = hta_engine_data_addr(prog_addr, job->prog_size);
  int rc;
  if (t->place) {
    if ((rc = t->place(t->ctx, job->prog_size, job->data_size, &prog_addr, &data_addr)))
      return fail(t, rc, "placing the windows", msg, n);
  } else if (data_addr + job->data_size + (t->mem_fill ? HTA_ENGINE_GUARD : 0) >
             t->mem_base + t->mem_bytes) {
    snprintf(msg, n,
             "%s: program (%zu bytes) and data window (%zu bytes) do not fit the device memory "
             "of %" PRIu64 " MiB at 0x%" PRIx64 " (open the device with a larger mem_mb=N)",
             t->name, job->prog_size, job->data_size, t->mem_bytes >> 20, t->mem_base);
    return HTA_ERROR_NO_MEM;
  }
  const uint64_t guards[4] = {prog_addr - HTA_ENGINE_GUARD, prog_addr + job->prog_size,
                              data_addr - HTA_ENGINE_GUARD, data_addr + job->data_size};
  for (int g = 0; g < 4 && t->mem_fill; g++)
    if ((rc = t->mem_fill(t->ctx, guards[g], GUARD_BYTE, HTA_ENGINE_GUARD)))
      return fail(t, rc, "writing the guard bytes", msg, n);
  if ((rc = t->mem_write(t->ctx, prog_addr, job->prog, job->prog_size)))
    return fail(t, rc, "writing the program window", msg, n);
  if ((rc = t->mem_write(t->ctx, data_addr, job->data, job->data_size)))
    return fail(t, rc, "writing the data window", msg, n);

  /* the kernel arguments (docs/registers.md), interrupt enables, ap_start */
  if (!(t->start && t->start_sets_args) &&
      ((rc = write64(t, HTA_REG_PROG_LO, prog_addr)) ||
       (rc = write64(t, HTA_REG_PROG_SIZE_LO, job->prog_size)) ||
       (rc = write64(t, HTA_REG_DATA_LO, data_addr)) ||
       (rc = write64(t, HTA_REG_DATA_SIZE_LO, job->data_size)) ||
       (rc = t->reg_write(t->ctx, HTA_REG_GIE, 1)) || (rc = t->reg_write(t->ctx, HTA_REG_IER, 1))))
    return fail(t, rc, "setting the kernel arguments", msg, n);
  rc = t->start ? t->start(t->ctx, prog_addr, job->prog_size, data_addr, job->data_size)
                : t->reg_write(t->ctx, HTA_REG_CTRL, 1);
  if (rc) return fail(t, rc, "starting the engine", msg, n);

  /* the bounded wait; after a timeout or a failure the registers say where
   * the engine was, and the transport leaves the device usable */
  rc = wait_done(t, job);
  if (rc != HTA_WAIT_DONE) {
    char regs[400], note[600] = "", why[800] = "";
    dump_regs(t, res, regs, sizeof regs);
    const int code = rc == HTA_WAIT_NOT_YET
                         ? HTA_ERROR_TIMEOUT
                         : fail(t, rc, "waiting for the engine", why, sizeof why);
    if (t->recover) t->recover(t->ctx, rc == HTA_WAIT_NOT_YET, note, sizeof note);
    if (rc != HTA_WAIT_NOT_YET) {
      snprintf(msg, n, "%s at %s%s", why, regs, note);
      return code;
    }
    char bound[64];
    if (job->timeout_ms)
      snprintf(bound, sizeof bound, "timeout (%u ms)", job->timeout_ms);
    else
      snprintf(bound, sizeof bound, "timeout");
    snprintf(msg, n, "%s: %s: no ap_done at %s%s", t->name, bound, regs, note);
    return HTA_ERROR_TIMEOUT;
  }

  /* done: status and counters, acknowledge (reading CTRL clears ap_done,
   * ISR is toggle-on-write), the data window, the cycle log */
  rc = read_status(t, res);
  uint32_t ctrl = 0, isr = 0;
  if (!rc && t->regs_readable) rc = t->reg_read(t->ctx, HTA_REG_CTRL, &ctrl);
  if (!rc && t->regs_readable) rc = t->reg_read(t->ctx, HTA_REG_ISR, &isr);
  if (!rc && isr) rc = t->reg_write(t->ctx, HTA_REG_ISR, isr);
  if (rc) return fail(t, rc, "reading the status registers", msg, n);
  if (t->check && (rc = t->check(t->ctx))) return fail(t, rc, "running", msg, n);
  if ((rc = t->mem_read(t->ctx, data_addr, job->data, job->data_size)))
    return fail(t, rc, "reading the data window", msg, n);
  if (res->desc_cycles && t->regs_readable &&
      (rc = hta_engine_read_log(t, job->n_desc, job->hw ? job->hw->log_depth : 0,
                                res->desc_cycles)))
    return fail(t, rc, "reading the per-layer cycle log", msg, n);
  if (t->mem_fill) res->guard_ok = guards_intact(t, guards);
  if (hta_status_of(res->status).code != HTA_ENGINE_OK)
    return engine_error(t, job->hw, res, msg, n);
  if (!res->guard_ok) {
    snprintf(msg, n, "%s: the engine wrote outside its windows (a guard byte changed)", t->name);
    return HTA_ERROR_DEVICE;
  }
  return HTA_SUCCESS;
}

/* ---- for the device backends ---- */

static int report_progress(void *user, uint64_t progress) {
  hta_device *dev = user;
  if (dev->progress) dev->progress(dev->progress_user, progress);
  return 1;
}

int hta_engine_run_device(hta_device *dev, const hta_transport *t, const hta_program *prog,
                          uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  const hta_engine_job job = {
      .hw = dev->hw, .prog = prog->bytes, .prog_size = prog->size, .data = data,
      .data_size = prog->data_size, .n_desc = prog->n_desc, .timeout_ms = timeout_ms,
      .keep_waiting = report_progress, .user = dev};
  char msg[sizeof dev->err];
  const int rc = hta_engine_run(t, &job, res, msg, sizeof msg);
  return rc == HTA_SUCCESS ? rc : hta_dev_error(dev, rc, "%s", msg);
}
