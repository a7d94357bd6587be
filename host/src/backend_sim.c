/*
 * backend_sim.c - the "sim" device: the cycle-accurate Verilator model of the
 * RTL (sim/include/hta_sim.h), driven through its registers like a card.
 *
 * Per inference: hta_simprog_run (host/include/hta_simprog.h, shared with the
 * RTL tests) places the windows with guard bytes, starts the kernel and runs
 * the clock in slices; between slices this backend reports progress and
 * checks the wall-clock timeout. A timeout or a simulator error resets the
 * engine, so the device stays usable.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "engine_regs.h"
#include "hta_sim.h"
#include "hta_simprog.h"

#define PROG_OFF UINT64_C(0x10000) /* program window, from the memory base */
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
                           "sim: bad option '%s' (known: trace=FILE.fst, mem_mb=1..4096, "
                           "rd_latency=1..100000, wr_latency=0..100000, fault=rd|wr|flip)",
                           o);
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

/* Between two slices: report progress, and stop waiting at the deadline. */
typedef struct sim_wait {
  hta_device *dev;
  double deadline;
} sim_wait;

static int sim_keep_waiting(void *user, uint64_t cycles) {
  sim_wait *w = user;
  if (w->dev->progress) w->dev->progress(w->dev->progress_user, cycles);
  return now_s() < w->deadline;
}

static int sim_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  (void)layers;
  (void)n;
  sim_dev *s = dev->priv;
  hta_sim *sim = s->sim;
  const uint64_t prog_addr = s->cfg.mem_base + PROG_OFF;
  const uint64_t data_addr = hta_simprog_data_addr(prog_addr, prog->size);
  if (data_addr + prog->data_size + HTA_SIMPROG_GUARD > s->cfg.mem_base + s->cfg.mem_bytes)
    return hta_dev_error(dev, HTA_ERROR_NO_MEM,
                         "sim: program (%zu bytes) and data window (%zu bytes) do not fit the "
                         "simulated memory of %llu MiB (open 'sim:mem_mb=N')",
                         prog->size, prog->data_size,
                         (unsigned long long)(s->cfg.mem_bytes >> 20));
  if (s->fault == 1 || s->fault == 2)
    hta_sim_inject_error(sim, s->fault == 2, data_addr, data_addr + prog->data_size, 2);
  sim_wait w = {dev, now_s() + timeout_ms / 1000.0};
  hta_simprog_result r;
  char msg[700];
  const int run_rc = hta_simprog_run(sim, prog_addr, prog->bytes, prog->size, data,
                                     prog->data_size, SLICE_CYCLES, sim_keep_waiting, &w, &r,
                                     msg, sizeof msg);
  if (s->fault == 1 || s->fault == 2) hta_sim_inject_error(sim, 0, 0, 0, 0); /* removes all */
  res->status = r.status;
  res->err_info = r.err_info;
  res->err_addr = r.err_addr;
#define COPY_COUNTER(name, off, bits) res->name = r.name;
  HTA_COUNTERS(COPY_COUNTER)
#undef COPY_COUNTER
  res->sim_cycles = r.sim_cycles;

  if (run_rc == HTA_SIM_ERR_TIMEOUT)
    return hta_dev_error(dev, HTA_ERROR_TIMEOUT, "sim: timeout (%u ms): %s", timeout_ms, msg);
  if (run_rc == HTA_SIM_ERR_PROTOCOL || run_rc == HTA_SIM_ERR_ASSERT)
    return hta_dev_error(dev, HTA_ERROR_PROTOCOL, "sim: %s", msg);
  if (run_rc != HTA_SIM_OK) return hta_dev_error(dev, HTA_ERROR_IO, "sim: %s", msg);
  if (res->desc_cycles && hta_simprog_read_log(sim, prog->n_desc, res->desc_cycles) != 0)
    return hta_dev_error(dev, HTA_ERROR_IO, "sim: reading the per-layer cycle log failed");
  if (s->fault == 3) data[prog->layer_out[prog->n_layers / 2].off] ^= 0x10;
  if (hta_status_of(res->status).code != HTA_ENGINE_OK) return hta_engine_error(dev, "sim", res);
  if (!r.guard_ok)
    return hta_dev_error(dev, HTA_ERROR_DEVICE,
                         "sim: the engine wrote outside its windows (a guard byte changed)");
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
