/*
 * simlib.c - loading a configuration's Verilated model (hta_simlib.h).
 *
 * The shared objects are linked with a version script that exports only
 * hta_sim_* and with -Bsymbolic (sim/sim.mk), so two configurations' models,
 * each with its own copy of Verilator's runtime, live in one process, and a
 * program that also links a model statically does not capture their calls.
 */
#define _GNU_SOURCE
#include "hta_simlib.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"

/* Set by host/host.mk: the build tree's sim folder and the install libdir. */
#ifndef HTA_SIM_BUILD_DIR
#define HTA_SIM_BUILD_DIR ""
#endif
#ifndef HTA_SIM_LIBDIR
#define HTA_SIM_LIBDIR ""
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static hta_simlib libs[HTA_HW_CONFIG_COUNT];
static char paths[HTA_HW_CONFIG_COUNT][PATH_MAX];

/* Append "\n  PATH: why" to the list of what was tried. */
static void tried(char *list, size_t cap, const char *path, const char *why) {
  size_t n = strlen(list);
  /* a long path is cut; the message stays readable */
  if (n < cap && snprintf(list + n, cap - n, "\n  %s: %s", path, why) < 0) list[n] = '\0';
}

/* dlopen path and take its functions; 0 on success. */
static int load(hta_simlib *L, const char *path, char *list, size_t cap) {
  if (access(path, R_OK) != 0) {
    tried(list, cap, path, "not found");
    return -1;
  }
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char *e = dlerror();
    tried(list, cap, path, e ? e : "dlopen failed");
    return -1;
  }
  const char *(*name_fn)(void) = (const char *(*)(void))dlsym(h, "hta_sim_config_name");
  if (name_fn == NULL || strcmp(name_fn(), L->cfg->name) != 0) {
    tried(list, cap, path, name_fn ? "a model of another configuration" : "not an HTA model");
    dlclose(h);
    return -1;
  }
  /* one dlsym per function of the table, in its order */
  static const char *const names[] = {
      "hta_sim_default_config", "hta_sim_create",       "hta_sim_destroy",
      "hta_sim_reg_write",      "hta_sim_reg_read",     "hta_sim_mem_write",
      "hta_sim_mem_read",       "hta_sim_mem_fill",     "hta_sim_run",
      "hta_sim_cycles",         "hta_sim_inject_error", "hta_sim_protocol_error",
      "hta_sim_clear_protocol_error", "hta_sim_assert_error", "hta_sim_reset"};
  void *fn[sizeof names / sizeof names[0]];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    fn[i] = dlsym(h, names[i]);
    if (fn[i] == NULL) {
      tried(list, cap, path, "lacks hta_sim_* functions (rebuild: make sim)");
      dlclose(h);
      return -1;
    }
  }
  /* ISO C has no conversion between void * and function pointers; POSIX
   * guarantees dlsym's results convert, which memcpy expresses. */
  memcpy(&L->default_config, &fn[0], sizeof fn[0]);
  memcpy(&L->create, &fn[1], sizeof fn[1]);
  memcpy(&L->destroy, &fn[2], sizeof fn[2]);
  memcpy(&L->reg_write, &fn[3], sizeof fn[3]);
  memcpy(&L->reg_read, &fn[4], sizeof fn[4]);
  memcpy(&L->mem_write, &fn[5], sizeof fn[5]);
  memcpy(&L->mem_read, &fn[6], sizeof fn[6]);
  memcpy(&L->mem_fill, &fn[7], sizeof fn[7]);
  memcpy(&L->run, &fn[8], sizeof fn[8]);
  memcpy(&L->cycles, &fn[9], sizeof fn[9]);
  memcpy(&L->inject_error, &fn[10], sizeof fn[10]);
  memcpy(&L->protocol_error, &fn[11], sizeof fn[11]);
  memcpy(&L->clear_protocol_error, &fn[12], sizeof fn[12]);
  memcpy(&L->assert_error, &fn[13], sizeof fn[13]);
  memcpy(&L->reset, &fn[14], sizeof fn[14]);
  return 0;
}

static int try_path(hta_simlib *L, char *dst, char *list, size_t cap, const char *fmt,
                    const char *a, const char *b) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, fmt, a, b) >= (int)sizeof path) return -1;
  if (load(L, path, list, cap) != 0) return -1;
  strcpy(dst, path);
  L->path = dst;
  return 0;
}

static int find(hta_simlib *L, char *dst, char *list, size_t cap) {
  const char *name = L->cfg->name;
  char file[128];
  snprintf(file, sizeof file, "libhtasim_%s.so", name);
  const char *env = getenv("HTA_SIM_PATH");
  if (env && env[0]) {
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", env);
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
      if (try_path(L, dst, list, cap, "%s/%s", d, file) == 0) return 0;
      char sub[PATH_MAX];
      snprintf(sub, sizeof sub, "%s/%s", d, name);
      if (try_path(L, dst, list, cap, "%s/%s", sub, file) == 0) return 0;
    }
  }
  if (HTA_SIM_BUILD_DIR[0]) {
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/%s", HTA_SIM_BUILD_DIR, name);
    if (try_path(L, dst, list, cap, "%s/%s", sub, file) == 0) return 0;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      if (try_path(L, dst, list, cap, "%s/../lib/hta/%s", exe, file) == 0) return 0;
    }
  }
  if (HTA_SIM_LIBDIR[0] && try_path(L, dst, list, cap, "%s/%s", HTA_SIM_LIBDIR, file) == 0)
    return 0;
  return -1;
}

const hta_simlib *hta_simlib_open(const hta_hw_config *cfg, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  if (cfg == NULL || cfg < hta_hw_configs || cfg >= hta_hw_configs + HTA_HW_CONFIG_COUNT) {
    hta_errf(err, errlen, "not a configuration of hta_hw_configs");
    return NULL;
  }
  const size_t i = (size_t)(cfg - hta_hw_configs);
  pthread_mutex_lock(&lock);
  hta_simlib *L = &libs[i];
  const hta_simlib *out = NULL;
  if (L->path != NULL) {
    out = L;
  } else {
    char list[3000] = "";
    hta_simlib tmp = {.cfg = cfg};
    if (find(&tmp, paths[i], list, sizeof list) == 0) {
      *L = tmp;
      out = L;
    } else {
      hta_errf(err, errlen,
               "no simulation model of configuration '%s' (libhtasim_%s.so); tried "
               "($HTA_SIM_PATH, build tree, install):%s\nbuild it with `make sim CFG=%s`",
               cfg->name, cfg->name, list, cfg->name);
    }
  }
  pthread_mutex_unlock(&lock);
  return out;
}
