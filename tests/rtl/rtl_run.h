/*
 * rtl_run.h - run a device program on the Verilator model of the engine.
 *
 * Places the program window and the data window in simulated device memory
 * with guard bytes around both, starts the kernel through the registers,
 * waits (bounded) for ap_done, and reads back status, counters and the data
 * window. A write outside the data window shows up as a changed guard byte.
 */
#ifndef HTA_RTL_RUN_H
#define HTA_RTL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "hta_sim.h"

typedef struct rtl_result {
  uint32_t status;        /* STATUS register: code in bits 7:0 */
  uint32_t err_info;
  uint64_t err_addr;
  uint32_t layers_done;
  uint64_t cycles, mac_busy, add_busy, mem_stall, drain_stall;
  uint64_t bytes_rd, bytes_wr, mac_ops, add_ops;
  uint64_t sim_cycles;    /* cycles the harness ran, start to done */
  int guard_ok;           /* no byte outside the two windows changed */
} rtl_result;

/* Device addresses of the windows (inside the memory model's default range). */
#define RTL_PROG_ADDR UINT64_C(0x400010000)
#define RTL_GUARD 4096u

/* Run. data is copied in before and out after the run. HTA_SIM_OK or the
 * harness error (timeout, protocol, bus); msg gets a description. The
 * engine's own status is in res->status either way. */
int rtl_run(hta_sim *sim, const uint8_t *prog, size_t prog_size, uint8_t *data,
            size_t data_size, uint64_t max_cycles, rtl_result *res, char *msg,
            size_t msglen);

/* Cycles of descriptors 0..n-1 in the last run, from the per-layer log. */
int rtl_read_log(hta_sim *sim, int n, uint32_t *cycles);

/* The data window's device address for a program of prog_size bytes. */
uint64_t rtl_data_addr(size_t prog_size);

#endif /* HTA_RTL_RUN_H */
