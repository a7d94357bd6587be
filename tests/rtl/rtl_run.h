/*
 * rtl_run.h - the RTL tests' way to run a raw device program on the
 * Verilator model: hta_simprog_run (host/include/hta_simprog.h) with the
 * program window at a fixed address and a cycle budget.
 */
#ifndef HTA_RTL_RUN_H
#define HTA_RTL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "hta_hw_config.h"
#include "hta_sim.h"
#include "hta_simlib.h"
#include "hta_simprog.h"

/* The model linked into this test (libhtasim_<name>.a: tests/rtl/rtl.mk
 * builds each RTL test once per configuration) and its configuration; NULL
 * if the model names no configuration of hta_hw_configs. */
const hta_hw_config *rtl_config(void);
const hta_simlib *rtl_lib(void);

typedef hta_simprog_result rtl_result;

/* The simulation of the linked model, after checking that the model names
 * a configuration (of engine `engine`, 1 or 2; 0: either) and printing its
 * name as "configuration NAME"; trace: a waveform path or NULL. NULL with
 * the reason in err if not. */
hta_sim *rtl_open(int engine, const char *trace, char *err, size_t errlen);

/* Device address of the program window (inside the memory model). */
#define RTL_PROG_ADDR UINT64_C(0x400010000)

/* Run for at most max_cycles; see hta_simprog_run. */
int rtl_run(hta_sim *sim, const uint8_t *prog, size_t prog_size, uint8_t *data,
            size_t data_size, uint64_t max_cycles, rtl_result *res, char *msg,
            size_t msglen);

/* rtl_run, then the checks every run of a valid program must pass: no
 * engine error, all n_desc descriptors (what = "descriptor" or "job" in
 * the message) done, no byte outside the two windows changed. 1 if so;
 * else 0 with the reason in detail. */
int rtl_run_clean(hta_sim *sim, const uint8_t *prog, size_t prog_size, uint8_t *data,
                  size_t data_size, int n_desc, const char *what, uint64_t max_cycles,
                  rtl_result *res, char *detail, size_t len);

/* Cycles of descriptors 0..n-1 in the last run, from the per-layer log. */
#define rtl_read_log(sim, n, cycles) hta_simprog_read_log(rtl_lib(), (sim), (n), (cycles))

/* The data window's device address for a program of prog_size bytes. */
uint64_t rtl_data_addr(size_t prog_size);

#endif /* HTA_RTL_RUN_H */
