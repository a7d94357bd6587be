/*
 * transport.h - the transports under the engine driver (engine.h) that need a
 * constructor shared by more than one file (internal). The sim transport is
 * used by the sim device (backend_sim.c) and by hta_simprog_run, the RTL
 * tests' way to run raw programs.
 */
#ifndef HTA_TRANSPORT_H
#define HTA_TRANSPORT_H

#include <stdint.h>

#include "engine.h"
#include "hta_sim.h"
#include "hta_simlib.h"

/* The Verilator model as a transport: registers and memory through the
 * model's table (hta_simlib.h), backdoor memory with guard bytes, the clock
 * run in slices, an engine reset after a timeout or a simulator error. */
typedef struct hta_sim_transport {
  const hta_simlib *lib;
  hta_sim *sim;
  uint64_t t0;     /* model cycles at ap_start */
  uint64_t cycles; /* cycles run since ap_start */
  int sim_rc;      /* the last simulator error (HTA_SIM_ERR_*), 0 none */
  uint64_t slice;  /* cycles per wait (default 8192) */
} hta_sim_transport;

void hta_transport_sim(hta_transport *t, hta_sim_transport *ctx, const hta_simlib *lib,
                       hta_sim *sim, uint64_t mem_base, uint64_t mem_bytes);

#endif /* HTA_TRANSPORT_H */
