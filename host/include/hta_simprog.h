/*
 * hta_simprog.h - run one device program on the Verilator model, below the
 * device API: the sim backend runs compiled models through it, and the RTL
 * tests run raw (also deliberately broken) programs through it.
 *
 * It writes the program and data windows to simulated memory (backdoor, no
 * clock) with guard bytes around both, sets the kernel arguments, starts the
 * kernel, runs the clock in slices until ap_done, and reads back STATUS, the
 * performance counters, the per-descriptor cycle log and the data window.
 * After a timeout or a simulator error the engine is reset, so the model
 * stays usable.
 */
#ifndef HTA_SIMPROG_H
#define HTA_SIMPROG_H

#include <stddef.h>
#include <stdint.h>

#include "hta_prog.h"
#include "hta_sim.h"
#include "hta_simlib.h"

#define HTA_SIMPROG_GUARD 4096u /* guard bytes before and after each window */

typedef struct hta_simprog_result {
  uint32_t status;      /* STATUS: error code in bits 7:0, descriptor in 31:16 */
  uint32_t err_info;
  uint64_t err_addr;
  HTA_COUNTERS(HTA_COUNTER_MEMBER) /* every counter: cycles, layers_done, ... */
  uint64_t sim_cycles;  /* cycles the harness ran from ap_start */
  int guard_ok;         /* no byte around the two windows changed */
} hta_simprog_result;

/* Called between slices with the cycles run so far; return 0 to stop
 * waiting (the run then ends with HTA_SIM_ERR_TIMEOUT). */
typedef int (*hta_simprog_wait_fn)(void *user, uint64_t cycles);

/* Where the data window goes for a program window of prog_size bytes at
 * prog_addr: 4 KiB aligned, past the guard. */
uint64_t hta_simprog_data_addr(uint64_t prog_addr, size_t prog_size);

/* Run on the model lib (hta_simlib.h) of sim. data (data_size bytes) is copied in before and back out after a run
 * that ends (with or without an engine error). Returns HTA_SIM_OK or the
 * harness's error (timeout, protocol, assertion, bus); msg (may be NULL)
 * describes a harness error. The engine's own status is in res either way. */
int hta_simprog_run(const hta_simlib *lib, hta_sim *sim, uint64_t prog_addr, const uint8_t *prog, size_t prog_size,
                    uint8_t *data, size_t data_size, uint64_t slice_cycles,
                    hta_simprog_wait_fn keep_waiting, void *user, hta_simprog_result *res,
                    char *msg, size_t msglen);

/* Cycles of descriptors 0..n-1 in the last run (the log keeps LogDepth). */
int hta_simprog_read_log(const hta_simlib *lib, hta_sim *sim, int n, uint32_t *cycles);

/* "ERR_DESC" etc. for a STATUS error code. */
const char *hta_simprog_error_name(uint32_t code);

#endif /* HTA_SIMPROG_H */
