/*
 * backend_sim.c - the "sim" device: the cycle-accurate Verilator model of the
 * RTL (sim/include/hta_sim.h), driven through its registers like a card.
 *
 * The model is the configuration's shared object (sim:cfg=NAME, default
 * "small"), loaded at open through hta_simlib_open.
 *
 * Per inference the engine driver (engine.h) runs the program over the sim
 * transport (transport_sim.c): windows with guard bytes, the clock in
 * slices, a wall-clock timeout; a timeout or a simulator error resets the
 * engine, so the device stays usable. What is left here is opening the
 * model and the test hooks (fault=...).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "engine.h"
#include "hta_compile.h"
#include "hta_regs.h"
#include "hta_sim.h"
#include "hta_simlib.h"
#include "transport.h"

typedef struct sim_dev {
  const hta_simlib *lib;
  hta_sim *sim;
  hta_sim_config cfg;
  char trace[512];
  int fault; /* test hooks: 1 = data window reads, 2 = writes answer SLVERR;
                3 = flip a bit of the middle layer's output after the run */
} sim_dev;

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
  char buf[512];
  if (strlen(opts) >= sizeof buf) {
    free(s);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "sim: options too long");
  }
  strcpy(buf, opts);
  /* cfg= first: the model's defaults come from the model */
  const char *cfg_name = HTA_HW_CONFIG_DEFAULT;
  char cfg_buf[64] = "";
  for (char *o = strstr(buf, "cfg="); o; o = strstr(o + 1, "cfg="))
    if (o == buf || o[-1] == ',') {
      size_t n = strcspn(o + 4, ",");
      if (n < sizeof cfg_buf) {
        memcpy(cfg_buf, o + 4, n);
        cfg_buf[n] = '\0';
        cfg_name = cfg_buf;
      }
    }
  int rc = hta_dev_set_config(dev, "sim", cfg_name);
  if (rc != HTA_SUCCESS) {
    free(s);
    return rc;
  }
  char err[1400] = "";
  s->lib = hta_simlib_open(dev->hw, err, sizeof err);
  if (s->lib == NULL) {
    free(s);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "sim: %s", err);
  }
  s->lib->default_config(&s->cfg);
  for (char *save = NULL, *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(o, '=');
    unsigned long v = 0;
    int bad = eq == NULL;
    if (!bad) {
      *eq = '\0';
      const char *val = eq + 1;
      if (strcmp(o, "cfg") == 0) {
        /* taken above */
      } else if (strcmp(o, "trace") == 0 && val[0] && strlen(val) < sizeof s->trace) {
        strcpy(s->trace, val);
        s->cfg.trace_path = s->trace;
      } else if (strcmp(o, "mem_mb") == 0 && !parse_uint(val, 4096, &v) && v >= 1) {
        s->cfg.mem_bytes = (uint64_t)v << 20;
      } else if (strcmp(o, "rd_latency") == 0 && !parse_uint(val, 100000, &v) && v >= 1) {
        s->cfg.rd_latency = (unsigned)v;
      } else if (strcmp(o, "wr_latency") == 0 && !parse_uint(val, 100000, &v)) {
        s->cfg.wr_latency = (unsigned)v;
      } else if (strcmp(o, "fault") == 0 &&
                 (!strcmp(val, "rd") || !strcmp(val, "wr") || !strcmp(val, "flip") ||
                  !strcmp(val, "foreign"))) {
        s->fault = val[0] == 'r' ? 1 : val[0] == 'w' ? 2 : val[0] == 'f' && val[1] == 'l' ? 3 : 4;
      } else {
        bad = 1;
        *eq = '=';
      }
    }
    if (bad) {
      free(s);
      return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                           "sim: bad option '%s' (known: cfg=NAME, trace=FILE.fst, "
                           "mem_mb=1..4096, rd_latency=1..100000, wr_latency=0..100000, "
                           "fault=rd|wr|flip|foreign)", o);
    }
  }
  s->sim = s->lib->create(&s->cfg, err, sizeof err);
  if (s->sim == NULL) {
    free(s);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "sim: cannot create the simulation: %s", err);
  }
  /* A model built from an older hw/config/NAME.cfg reports another signature. */
  uint32_t sig = 0;
  if (s->lib->reg_read(s->sim, HTA_REG_CFG_SIG, &sig) != 0 || sig != dev->hw->signature) {
    const hta_simlib *lib = s->lib;
    lib->destroy(s->sim);
    free(s);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                         "sim: the model %s is stale: its CFG_SIG 0x%08x is not configuration "
                         "'%s' (0x%08x); rebuild it with `make sim CFG=%s`",
                         lib->path, sig, dev->hw->name, dev->hw->signature, dev->hw->name);
  }
  dev->priv = s;
  return HTA_SUCCESS;
}

static void sim_close(hta_device *dev) {
  sim_dev *s = dev->priv;
  if (s == NULL) return;
  s->lib->destroy(s->sim);
  free(s);
  dev->priv = NULL;
}

/* fault=foreign: the same layers compiled for another configuration of the
 * table (the first they fit, one of the device's engine version first, so
 * that the header differs in its signature word only), which the engine must
 * refuse (ERR_PROG at the header's signature word) before it touches memory.
 * NULL if none fits. */
static hta_program *compile_foreign(const hta_device *dev, const hta_layer *layers, int n) {
  char err[512];
  for (int same = 1; same >= 0; same--)
    for (int i = 0; i < HTA_HW_CONFIG_COUNT; i++) {
      const hta_hw_config *c = &hta_hw_configs[i];
      if (c == dev->hw || (c->engine == dev->hw->engine) != same) continue;
      hta_program *p = hta_compile(c, layers, n, err, sizeof err);
      if (p != NULL) return p;
    }
  return NULL;
}
/* When no other configuration of the device's engine version fits the
 * layers (an engine refuses another version's program at the version word
 * first): the device's own program carrying another configuration's
 * signature, which is what the engine sees of a foreign program. */
static hta_program *compile_foreign_same_engine(const hta_device *dev, const hta_layer *layers,
                                                int n) {
  hta_program *p = compile_foreign(dev, layers, n);
  if (p == NULL || p->size < 4 * (HTA_PROG_HEADER_W_CFG_SIG + 1)) return p;
  uint32_t sig = (uint32_t)p->bytes[4 * HTA_PROG_HEADER_W_CFG_SIG] |
                 (uint32_t)p->bytes[4 * HTA_PROG_HEADER_W_CFG_SIG + 1] << 8 |
                 (uint32_t)p->bytes[4 * HTA_PROG_HEADER_W_CFG_SIG + 2] << 16 |
                 (uint32_t)p->bytes[4 * HTA_PROG_HEADER_W_CFG_SIG + 3] << 24;
  const hta_hw_config *other = NULL;
  for (int i = 0; i < HTA_HW_CONFIG_COUNT; i++)
    if (hta_hw_configs[i].signature == sig) other = &hta_hw_configs[i];
  if (other == NULL || other->engine == dev->hw->engine) return p;
  char err[512];
  hta_program *own = hta_compile(dev->hw, layers, n, err, sizeof err);
  if (own == NULL) return p;
  hta_program_free(p);
  for (int b = 0; b < 4; b++)
    own->bytes[4 * HTA_PROG_HEADER_W_CFG_SIG + b] = (uint8_t)(other->signature >> (8 * b));
  return own;
}

static int sim_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  sim_dev *s = dev->priv;
  if (s->fault == 4) {
    hta_program *foreign = compile_foreign_same_engine(dev, layers, n);
    uint8_t *fdata = foreign ? calloc(1, foreign->data_size) : NULL;
    if (fdata == NULL) {
      hta_program_free(foreign);
      return hta_dev_error(dev, HTA_ERROR_UNSUPPORTED,
                           "sim: fault=foreign: the layers fit no other configuration");
    }
    s->fault = 0; /* one level: run the foreign program as if it were the net's */
    const int rc = sim_run(dev, foreign, layers, n, fdata, timeout_ms, res);
    s->fault = 4;
    free(fdata);
    hta_program_free(foreign);
    return rc;
  }
  hta_transport t;
  hta_sim_transport st;
  hta_transport_sim(&t, &st, s->lib, s->sim, s->cfg.mem_base, s->cfg.mem_bytes);
  const uint64_t data_addr =
      hta_engine_data_addr(s->cfg.mem_base + HTA_ENGINE_PROG_OFF, prog->size);
  if (s->fault == 1 || s->fault == 2)
    s->lib->inject_error(s->sim, s->fault == 2, data_addr, data_addr + prog->data_size, 2);
  const int rc = hta_engine_run_device(dev, &t, prog, data, timeout_ms, res);
  if (s->fault == 1 || s->fault == 2) s->lib->inject_error(s->sim, 0, 0, 0, 0); /* removes all */
  res->sim_cycles = st.cycles;
  if (rc == HTA_SUCCESS && s->fault == 3) data[prog->layer_out[prog->n_layers / 2].off] ^= 0x10;
  return rc;
}

const hta_backend hta_backend_sim = {
    .scheme = "sim",
    .description = "cycle-accurate Verilator model of the RTL (options: cfg=NAME (the "
                   "configuration, default small), trace=FILE.fst, "
                   "mem_mb=N, rd_latency=N, wr_latency=N; fault=rd|wr makes the data "
                   "window answer SLVERR, fault=flip corrupts a result, fault=foreign runs "
                   "the layers compiled for another configuration, to test error paths)",
    .has_cycles = 1,
    .open = sim_open,
    .close = sim_close,
    .run = sim_run,
};
