/*
 * backend_sim.c - the "sim" device: the cycle-accurate Verilator model of the
 * RTL (sim/include/hta_sim.h), driven through its registers like a card.
 *
 * Per inference (as tests/rtl/rtl_run.c does): write the program and data
 * windows to simulated memory (backdoor, no clock), with guard bytes around
 * both; set the kernel arguments; ap_start; run the clock in slices until
 * ap_done, checking the wall-clock timeout between slices; read STATUS, the
 * counters and the per-descriptor cycle log; read the data window back. A
 * timeout or a simulator error resets the engine so the device stays usable.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "hta_cfg.h"
#include "hta_regs.h"
#include "hta_sim.h"

#define PROG_OFF UINT64_C(0x10000) /* program window, from the memory base */
#define GUARD 4096u
#define GUARD_BYTE 0x5a
#define SLICE_CYCLES 8192u /* clock slice between two looks at the wall clock */

typedef struct sim_dev {
  hta_sim *sim;
  hta_sim_config cfg;
  char trace[512];
  int fault; /* test hooks: 1 = data window reads, 2 = writes answer SLVERR;
                3 = flip a bit of the middle layer's output after the run */
} sim_dev;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_uint(const char *v, unsigned long max, unsigned long *out) {
  char *end;
  if (v[0] < '0' || v[0] > '9') return -1;
  errno = 0;
  unsigned long x = strtoul(v, &end, 10);
  if (errno || *end != '\0' || x > max) return -1;
  *out = x;
  return 0;
}

static int sim_open(hta_device *dev, const char *opts) {
  sim_dev *s = calloc(1, sizeof *s);
  if (s == NULL) return hta_dev_error(dev, HTA_ERROR_NO_MEM, "sim: out of memory");
  hta_sim_default_config(&s->cfg);
  char buf[512];
  if (strlen(opts) >= sizeof buf) {
    free(s);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "sim: options too long");
  }
  strcpy(buf, opts);
  for (char *save = NULL, *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(o, '=');
    unsigned long v = 0;
    int bad = eq == NULL;
    if (!bad) {
      *eq = '\0';
      const char *val = eq + 1;
      if (strcmp(o, "trace") == 0 && val[0] && strlen(val) < sizeof s->trace) {
        strcpy(s->trace, val);
        s->cfg.trace_path = s->trace;
      } else if (strcmp(o, "mem_mb") == 0 && !parse_uint(val, 4096, &v) && v >= 1) {
        s->cfg.mem_bytes = (uint64_t)v << 20;
      } else if (strcmp(o, "rd_latency") == 0 && !parse_uint(val, 100000, &v) && v >= 1) {
        s->cfg.rd_latency = (unsigned)v;
      } else if (strcmp(o, "wr_latency") == 0 && !parse_uint(val, 100000, &v)) {
        s->cfg.wr_latency = (unsigned)v;
      } else if (strcmp(o, "fault") == 0 &&
                 (!strcmp(val, "rd") || !strcmp(val, "wr") || !strcmp(val, "flip"))) {
        s->fault = val[0] == 'r' ? 1 : val[0] == 'w' ? 2 : 3;
      } else {
        bad = 1;
        *eq = '=';
      }
    }
    if (bad) {
      free(s);
      return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                           "sim: bad option '%s' (known: trace=FILE.fst, mem_mb=N, "
                           "rd_latency=N, wr_latency=N, fault=rd|wr|flip)", o);
    }
  }
  char err[256] = "";
  s->sim = hta_sim_create(&s->cfg, err, sizeof err);
  if (s->sim == NULL) {
    free(s);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "sim: cannot create the simulation: %s", err);
  }
  dev->priv = s;
  return HTA_SUCCESS;
}

static void sim_close(hta_device *dev) {
  sim_dev *s = dev->priv;
  if (s == NULL) return;
  hta_sim_destroy(s->sim);
  free(s);
  dev->priv = NULL;
}

static int write64(hta_sim *sim, uint32_t lo, uint64_t v) {
  int rc = hta_sim_reg_write(sim, lo, (uint32_t)v);
  if (rc == 0) rc = hta_sim_reg_write(sim, lo + 4, (uint32_t)(v >> 32));
  return rc;
}

static int read64(hta_sim *sim, uint32_t lo, uint64_t *v) {
  uint32_t a = 0, b = 0;
  int rc = hta_sim_reg_read(sim, lo, &a);
  if (rc == 0) rc = hta_sim_reg_read(sim, lo + 4, &b);
  *v = (uint64_t)b << 32 | a;
  return rc;
}

static int guard_intact(hta_sim *sim, uint64_t addr) {
  uint8_t buf[GUARD];
  if (hta_sim_mem_read(sim, addr, buf, GUARD) != 0) return 0;
  for (size_t i = 0; i < GUARD; i++)
    if (buf[i] != GUARD_BYTE) return 0;
  return 1;
}

/* Status, error and performance registers (the engine may be stopped or
 * not). */
static int read_regs(hta_sim *sim, hta_backend_result *res) {
  int rc = hta_sim_reg_read(sim, HTA_REG_STATUS, &res->status);
  if (!rc) rc = hta_sim_reg_read(sim, HTA_REG_ERR_INFO, &res->err_info);
  if (!rc) rc = read64(sim, HTA_REG_ERR_ADDR_LO, &res->err_addr);
  if (!rc) rc = hta_sim_reg_read(sim, HTA_REG_LAYERS_DONE, &res->layers_done);
  if (!rc) rc = read64(sim, HTA_REG_CYCLES_LO, &res->cycles);
  if (!rc) rc = read64(sim, HTA_REG_MAC_BUSY_LO, &res->mac_busy);
  if (!rc) rc = read64(sim, HTA_REG_ADD_BUSY_LO, &res->add_busy);
  if (!rc) rc = read64(sim, HTA_REG_MEM_STALL_LO, &res->mem_stall);
  if (!rc) rc = read64(sim, HTA_REG_DRAIN_STALL_LO, &res->drain_stall);
  if (!rc) rc = read64(sim, HTA_REG_BYTES_RD_LO, &res->bytes_rd);
  if (!rc) rc = read64(sim, HTA_REG_BYTES_WR_LO, &res->bytes_wr);
  if (!rc) rc = read64(sim, HTA_REG_MAC_OPS_LO, &res->mac_ops);
  if (!rc) rc = read64(sim, HTA_REG_ADD_OPS_LO, &res->add_ops);
  return rc;
}

static const char *engine_error_name(uint32_t code) {
  static const char *const names[] = {"OK", "ERR_PROG", "ERR_DESC", "ERR_WINDOW", "ERR_AXI_RD",
                                      "ERR_AXI_WR"};
  return code < sizeof names / sizeof names[0] ? names[code] : "unknown code";
}

static int sim_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  (void)layers;
  (void)n;
  sim_dev *s = dev->priv;
  hta_sim *sim = s->sim;
  const uint64_t prog_addr = s->cfg.mem_base + PROG_OFF;
  const uint64_t data_addr = (prog_addr + prog->size + GUARD + 4095) & ~UINT64_C(4095);
  if (data_addr + prog->data_size + GUARD > s->cfg.mem_base + s->cfg.mem_bytes)
    return hta_dev_error(dev, HTA_ERROR_NO_MEM,
                         "sim: program (%zu bytes) and data window (%zu bytes) do not fit the "
                         "simulated memory of %llu MiB (open 'sim:mem_mb=N')",
                         prog->size, prog->data_size,
                         (unsigned long long)(s->cfg.mem_bytes >> 20));
  int rc;
  if ((rc = hta_sim_mem_fill(sim, prog_addr - GUARD, GUARD_BYTE, GUARD)) ||
      (rc = hta_sim_mem_fill(sim, prog_addr + prog->size, GUARD_BYTE, GUARD)) ||
      (rc = hta_sim_mem_fill(sim, data_addr - GUARD, GUARD_BYTE, GUARD)) ||
      (rc = hta_sim_mem_fill(sim, data_addr + prog->data_size, GUARD_BYTE, GUARD)) ||
      (rc = hta_sim_mem_write(sim, prog_addr, prog->bytes, prog->size)) ||
      (rc = hta_sim_mem_write(sim, data_addr, data, prog->data_size)))
    return hta_dev_error(dev, HTA_ERROR_IO, "sim: writing the windows failed (%d)", rc);
  if ((rc = write64(sim, HTA_REG_PROG_LO, prog_addr)) ||
      (rc = write64(sim, HTA_REG_PROG_SIZE_LO, prog->size)) ||
      (rc = write64(sim, HTA_REG_DATA_LO, data_addr)) ||
      (rc = write64(sim, HTA_REG_DATA_SIZE_LO, prog->data_size)) ||
      (rc = hta_sim_reg_write(sim, HTA_REG_GIE, 1)) ||
      (rc = hta_sim_reg_write(sim, HTA_REG_IER, 1)) ||
      ((s->fault == 1 || s->fault == 2) && (rc = hta_sim_inject_error(sim, s->fault == 2, data_addr,
                                              data_addr + prog->data_size, 2))) ||
      (rc = hta_sim_reg_write(sim, HTA_REG_CTRL, 1))) {
    hta_sim_reset(sim);
    return hta_dev_error(dev, HTA_ERROR_IO, "sim: register access failed (%d)", rc);
  }
  const uint64_t t0 = hta_sim_cycles(sim);
  const double deadline = now_s() + timeout_ms / 1000.0;
  int run_rc;
  for (;;) {
    /* slices keep the wall-clock timeout and progress reports responsive */
    run_rc = hta_sim_run(sim, SLICE_CYCLES, NULL, NULL);
    if (run_rc != HTA_SIM_ERR_TIMEOUT) break;
    if (dev->progress) dev->progress(dev->progress_user, hta_sim_cycles(sim) - t0);
    if (now_s() >= deadline) break;
  }
  res->sim_cycles = hta_sim_cycles(sim) - t0;
  if (s->fault == 1 || s->fault == 2) hta_sim_inject_error(sim, 0, 0, 0, 0); /* removes all */
  int reg_rc = read_regs(sim, res);

  if (run_rc != HTA_SIM_OK) {
    const char *perr = hta_sim_protocol_error(sim);
    const char *aerr = hta_sim_assert_error(sim);
    const int code = run_rc == HTA_SIM_ERR_TIMEOUT ? HTA_ERROR_TIMEOUT
                     : (perr || aerr)             ? HTA_ERROR_PROTOCOL
                                                  : HTA_ERROR_IO;
    hta_dev_error(dev, code,
                  "sim: %s after %llu cycles (%u ms): at layer descriptor %u, %u descriptors "
                  "done; STATUS 0x%08x (code %u %s, busy %u), ERR_INFO 0x%x, ERR_ADDR 0x%llx"
                  "%s%s%s%s; the engine was reset",
                  run_rc == HTA_SIM_ERR_TIMEOUT ? "timeout: no ap_done" : "simulation error",
                  (unsigned long long)res->sim_cycles, timeout_ms, res->status >> 16,
                  res->layers_done, res->status, res->status & 0xffu,
                  engine_error_name(res->status & 0xffu), (res->status >> 8) & 1u,
                  res->err_info, (unsigned long long)res->err_addr, perr ? ": " : "",
                  perr ? perr : "", aerr ? ": " : "", aerr ? aerr : "");
    hta_sim_clear_protocol_error(sim);
    hta_sim_reset(sim);
    return code;
  }
  /* acknowledge: ISR is toggle-on-write */
  uint32_t isr = 0;
  if (!reg_rc) reg_rc = hta_sim_reg_read(sim, HTA_REG_ISR, &isr);
  if (!reg_rc && isr) reg_rc = hta_sim_reg_write(sim, HTA_REG_ISR, isr);
  for (int i = 0; !reg_rc && i < prog->n_desc; i++) {
    uint32_t c = 0;
    if (i >= HTA_CFG_LOG_DEPTH) break; /* the log keeps LogDepth entries */
    reg_rc = hta_sim_reg_write(sim, HTA_REG_LOG_SEL, (uint32_t)i);
    if (!reg_rc) reg_rc = hta_sim_reg_read(sim, HTA_REG_LOG_CYCLES, &c);
    if (res->desc_cycles) res->desc_cycles[i] = c;
  }
  if (reg_rc) return hta_dev_error(dev, HTA_ERROR_IO, "sim: reading registers failed (%d)",
                                   reg_rc);
  if ((rc = hta_sim_mem_read(sim, data_addr, data, prog->data_size)) != 0)
    return hta_dev_error(dev, HTA_ERROR_IO, "sim: reading the data window failed (%d)", rc);
  if (s->fault == 3) data[prog->layer_out[prog->n_layers / 2].off] ^= 0x10;
  if ((res->status & 0xffu) != 0)
    return hta_dev_error(dev, HTA_ERROR_DEVICE,
                         "sim: engine error %u (%s) at layer descriptor %u (%u done): "
                         "STATUS 0x%08x, ERR_INFO 0x%x, ERR_ADDR 0x%llx",
                         res->status & 0xffu, engine_error_name(res->status & 0xffu),
                         res->status >> 16, res->layers_done, res->status, res->err_info,
                         (unsigned long long)res->err_addr);
  if (!guard_intact(sim, prog_addr - GUARD) || !guard_intact(sim, prog_addr + prog->size) ||
      !guard_intact(sim, data_addr - GUARD) || !guard_intact(sim, data_addr + prog->data_size))
    return hta_dev_error(dev, HTA_ERROR_DEVICE,
                         "sim: the engine wrote outside its windows (a guard byte changed)");
  const char *perr = hta_sim_protocol_error(sim);
  if (perr != NULL) {
    hta_dev_error(dev, HTA_ERROR_PROTOCOL, "sim: AXI protocol violation: %s", perr);
    hta_sim_clear_protocol_error(sim);
    return HTA_ERROR_PROTOCOL;
  }
  return HTA_SUCCESS;
}

const hta_backend hta_backend_sim = {
    .scheme = "sim",
    .description = "cycle-accurate Verilator model of the RTL (options: trace=FILE.fst, "
                   "mem_mb=N, rd_latency=N, wr_latency=N; fault=rd|wr makes the data "
                   "window answer SLVERR, fault=flip corrupts a result, to test error paths)",
    .has_cycles = 1,
    .open = sim_open,
    .close = sim_close,
    .run = sim_run,
};
