/* rtl_run.c - see rtl_run.h. */
#include "rtl_run.h"

#include <inttypes.h>
#include <stdio.h>

const hta_hw_config *rtl_config(void) { return hta_hw_config_find(hta_sim_config_name()); }

const hta_simlib *rtl_lib(void) {
  static hta_simlib lib = HTA_SIMLIB_LINKED(NULL);
  lib.cfg = rtl_config();
  return &lib;
}

hta_sim *rtl_open(int engine, const char *trace, char *err, size_t errlen) {
  const hta_hw_config *cfg = rtl_config();
  if (cfg == NULL) {
    snprintf(err, errlen, "the linked model's configuration '%s' is none of %s",
             hta_sim_config_name(), HTA_HW_CONFIG_NAMES);
    return NULL;
  }
  if (engine != 0 && cfg->engine != (uint32_t)engine) {
    snprintf(err, errlen, "the linked model '%s' is not an engine-%d configuration", cfg->name,
             engine);
    return NULL;
  }
  printf("configuration %s\n", cfg->name);
  hta_sim_config sc;
  hta_sim_default_config(&sc);
  sc.trace_path = trace;
  return hta_sim_create(&sc, err, errlen);
}

uint64_t rtl_data_addr(size_t prog_size) {
  return hta_simprog_data_addr(RTL_PROG_ADDR, prog_size);
}

static int within_budget(void *user, uint64_t cycles) {
  return cycles < *(const uint64_t *)user;
}

int rtl_run(hta_sim *sim, const uint8_t *prog, size_t prog_size, uint8_t *data,
            size_t data_size, uint64_t max_cycles, rtl_result *res, char *msg,
            size_t msglen) {
  return hta_simprog_run(rtl_lib(), sim, RTL_PROG_ADDR, prog, prog_size, data, data_size,
                         max_cycles < 65536 ? max_cycles : 65536, within_budget, &max_cycles,
                         res, msg, msglen);
}

int rtl_run_clean(hta_sim *sim, const uint8_t *prog, size_t prog_size, uint8_t *data,
                  size_t data_size, int n_desc, const char *what, uint64_t max_cycles,
                  rtl_result *res, char *detail, size_t len) {
  if (rtl_run(sim, prog, prog_size, data, data_size, max_cycles, res, detail, len) !=
      HTA_SIM_OK)
    return 0;
  if ((res->status & 0xff) != 0 || res->layers_done != (uint32_t)n_desc) {
    snprintf(detail, len, "engine error %u at %s %u (info 0x%x, addr 0x%" PRIx64 "), %u of %d done",
             res->status & 0xff, what, res->status >> 16, res->err_info, res->err_addr,
             res->layers_done, n_desc);
    return 0;
  }
  if (!res->guard_ok) {
    snprintf(detail, len, "a byte outside the program or data window changed");
    return 0;
  }
  return 1;
}
