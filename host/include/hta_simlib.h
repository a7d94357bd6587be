/*
 * hta_simlib.h - the Verilated model of one hardware configuration, as a
 * table of the functions of sim/include/hta_sim.h.
 *
 * Each configuration's model is its own shared object,
 * libhtasim_<name>.so (`make sim CFG=<name>`), exporting hta_sim.h's C API.
 * libhta's sim device loads the one it needs at run time, so one libhta and
 * one `hta` serve every configuration. Programs that link a model statically
 * (the RTL tests link libhtasim_<name>.a) describe it with HTA_SIMLIB_LINKED.
 */
#ifndef HTA_SIMLIB_H
#define HTA_SIMLIB_H

#include <stddef.h>
#include <stdint.h>

#include "hta_hw_config.h"
#include "hta_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hta_simlib {
  const hta_hw_config *cfg; /* the configuration the model was built from */
  const char *path;         /* the shared object, or "" when linked in */
  void (*default_config)(hta_sim_config *cfg);
  hta_sim *(*create)(const hta_sim_config *cfg, char *errbuf, size_t errlen);
  void (*destroy)(hta_sim *sim);
  int (*reg_write)(hta_sim *sim, uint32_t addr, uint32_t value);
  int (*reg_read)(hta_sim *sim, uint32_t addr, uint32_t *value);
  int (*mem_write)(hta_sim *sim, uint64_t addr, const void *src, size_t n);
  int (*mem_read)(hta_sim *sim, uint64_t addr, void *dst, size_t n);
  int (*mem_fill)(hta_sim *sim, uint64_t addr, uint8_t value, size_t n);
  int (*run)(hta_sim *sim, uint64_t max_cycles, hta_sim_progress_fn progress, void *user);
  uint64_t (*cycles)(const hta_sim *sim);
  int (*inject_error)(hta_sim *sim, int is_write, uint64_t lo, uint64_t hi, unsigned resp);
  const char *(*protocol_error)(const hta_sim *sim);
  void (*clear_protocol_error)(hta_sim *sim);
  const char *(*assert_error)(const hta_sim *sim);
  void (*reset)(hta_sim *sim);
} hta_simlib;

/* The model of cfg, loaded once per process and kept (never unloaded).
 * Looks for libhtasim_<name>.so in, in order: every folder of
 * $HTA_SIM_PATH (colon separated; also <folder>/<name>/), the build tree
 * this libhta was built in (build/sim/<name>/), <the program's folder>/
 * ../lib/hta (an installed hta), and the install libdir (PREFIX/lib/hta).
 * NULL when none loads, with a message in err naming the configuration,
 * every path tried and `make sim CFG=<name>`. Thread-safe. */
const hta_simlib *hta_simlib_open(const hta_hw_config *cfg, char *err, size_t errlen);

/* A model linked into the program (libhtasim_<name>.a), for cfg. */
#define HTA_SIMLIB_LINKED(cfgp)                                                                  \
  {(cfgp),           "",                  hta_sim_default_config,                                \
   hta_sim_create,   hta_sim_destroy,     hta_sim_reg_write,                                     \
   hta_sim_reg_read, hta_sim_mem_write,   hta_sim_mem_read,                                      \
   hta_sim_mem_fill, hta_sim_run,         hta_sim_cycles,                                        \
   hta_sim_inject_error, hta_sim_protocol_error, hta_sim_clear_protocol_error,                   \
   hta_sim_assert_error, hta_sim_reset}

#ifdef __cplusplus
}
#endif
#endif /* HTA_SIMLIB_H */
