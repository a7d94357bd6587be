/*
 * hta_sim.h - C API of the cycle-accurate Verilator simulation of HTA.
 *
 * One hta_sim owns one Verilator model of hw/rtl/hta_top.sv, an AXI4 memory
 * model on its m_axi_gmem port and an AXI4-Lite master on s_axi_control.
 * Memory holds `mem_bytes` bytes starting at device address `mem_base`.
 * Every call that advances the clock is bounded; no call ever exit()s.
 *
 * Threads: one call at a time per hta_sim, from any thread. The model is
 * built, clocked and destroyed on a thread the hta_sim owns (Verilator 5.006
 * hung destroying a model built on another thread); the caller waits for
 * each such call, and hta_sim_run's progress callback runs on that thread.
 */
#ifndef HTA_SIM_H
#define HTA_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hta_sim hta_sim;

typedef struct hta_sim_config {
  uint64_t mem_base;      /* device address of memory byte 0 (default 0x400000000) */
  uint64_t mem_bytes;     /* memory size (default 64 MiB) */
  unsigned rd_latency;    /* cycles from AR handshake to first R beat (default 40) */
  unsigned wr_latency;    /* cycles from last W beat to B (default 20) */
  unsigned rd_gap;        /* idle cycles between R beats: 0 = one beat per cycle */
  unsigned wr_gap;        /* cycles between accepted W beats: 0 = one per cycle */
  unsigned max_rd_outstanding; /* AR accepted while this many bursts pending: 0 = 16 */
  const char *trace_path; /* FST waveform file, or NULL for none (then the
                             environment variable HTA_SIM_TRACE may name one:
                             sim/README.md) */
  int verbose;            /* print AXI transactions to stderr */
} hta_sim_config;

/* Return codes (0 = ok). */
enum {
  HTA_SIM_OK = 0,
  HTA_SIM_ERR_ARG = -1,      /* bad argument (nothing was done) */
  HTA_SIM_ERR_RANGE = -2,    /* address outside the memory model */
  HTA_SIM_ERR_TIMEOUT = -3,  /* cycle limit reached before ap_done */
  HTA_SIM_ERR_PROTOCOL = -4, /* the DUT broke an AXI rule (see hta_sim_protocol_error) */
  HTA_SIM_ERR_BUS = -5,      /* AXI-Lite access got no response in time, or a
                                non-OKAY one (SLVERR/DECERR from the DUT) */
  HTA_SIM_ERR_ASSERT = -6    /* added: an RTL assertion failed, or the RTL called
                                $stop/$finish/$fatal (see hta_sim_assert_error) */
};

/* Fill *cfg with the defaults above. */
void hta_sim_default_config(hta_sim_config *cfg);

/* Create a simulation (applies reset). NULL on failure, with a message in
 * errbuf (if not NULL). cfg may be NULL for defaults. */
hta_sim *hta_sim_create(const hta_sim_config *cfg, char *errbuf, size_t errlen);
void hta_sim_destroy(hta_sim *sim); /* closes the trace */

/* AXI-Lite register access through the bus (advances the clock). */
int hta_sim_reg_write(hta_sim *sim, uint32_t addr, uint32_t value);
int hta_sim_reg_read(hta_sim *sim, uint32_t addr, uint32_t *value);

/* Backdoor memory access (no clock). Device addresses. */
int hta_sim_mem_write(hta_sim *sim, uint64_t addr, const void *src, size_t n);
int hta_sim_mem_read(hta_sim *sim, uint64_t addr, void *dst, size_t n);
/* Fill memory with a byte pattern (e.g. to detect stray writes). */
int hta_sim_mem_fill(hta_sim *sim, uint64_t addr, uint8_t value, size_t n);

/* Run until the interrupt output rises or ap_done is seen set in CTRL, or until
 * max_cycles more cycles have passed (HTA_SIM_ERR_TIMEOUT). The caller sets up
 * registers and writes ap_start itself. progress (may be NULL) is called about
 * every 2^20 cycles with the cycles run so far, on the hta_sim's own thread
 * while the caller waits.
 * Notes on the implementation (sim/README.md): CTRL is read through the
 * AXI-Lite bus every 32 cycles, so a return of HTA_SIM_OK found that way has
 * consumed ap_done (clear on read), as a host's poll would. Returns at once,
 * without running, with HTA_SIM_ERR_PROTOCOL / HTA_SIM_ERR_ASSERT while an
 * earlier violation or assertion is recorded (they are sticky), and stops on
 * the cycle one happens. */
typedef void (*hta_sim_progress_fn)(void *user, uint64_t cycles_so_far);
int hta_sim_run(hta_sim *sim, uint64_t max_cycles, hta_sim_progress_fn progress,
                void *user);

/* Advance n cycles with no bus activity. */
void hta_sim_step(hta_sim *sim, uint64_t n);

/* Cycles since creation. */
uint64_t hta_sim_cycles(const hta_sim *sim);

/* Make the memory model answer SLVERR (resp 2) or DECERR (resp 3) for any
 * read (is_write = 0) or write (is_write = 1) burst touching [lo, hi).
 * resp 0 removes all injected errors. */
int hta_sim_inject_error(hta_sim *sim, int is_write, uint64_t lo, uint64_t hi,
                         unsigned resp);

/* First AXI protocol violation seen, or NULL. */
const char *hta_sim_protocol_error(const hta_sim *sim);

/* Statistics of the memory model. */
typedef struct hta_sim_stats {
  uint64_t rd_bursts, rd_beats, wr_bursts, wr_beats;
  uint64_t max_rd_outstanding_seen;
} hta_sim_stats;
void hta_sim_get_stats(const hta_sim *sim, hta_sim_stats *stats);

/* ---- Additions (after the first version of this contract) ---- */

/* Forget recorded protocol violations and RTL assertion failures, so that
 * hta_sim_run runs again (for tests that provoke one on purpose). */
void hta_sim_clear_protocol_error(hta_sim *sim);

/* First RTL assertion failure or $stop/$finish/$fatal, or NULL. Verilator
 * prints the assertion's own message on stdout. */
const char *hta_sim_assert_error(const hta_sim *sim);

/* Level of the DUT's interrupt output (0 or 1). */
int hta_sim_interrupt(const hta_sim *sim);

/* Width of m_axi_gmem data in bits (BusBits of the simulated design). */
unsigned hta_sim_bus_bits(const hta_sim *sim);

/* Apply ap_rst_n again (16 cycles). Memory contents are kept; bursts in flight
 * are dropped; recorded errors are kept. */
void hta_sim_reset(hta_sim *sim);

/* More statistics of the memory model. */
typedef struct hta_sim_stats_ex {
  hta_sim_stats base;
  uint64_t w_before_aw;         /* W beats accepted before their AW (legal in AXI4) */
  uint64_t rd_error_bursts;     /* read bursts answered SLVERR/DECERR */
  uint64_t wr_error_bursts;     /* write bursts answered SLVERR/DECERR */
  uint64_t protocol_violations; /* all violations seen (the first is kept as text) */
} hta_sim_stats_ex;
void hta_sim_get_stats_ex(const hta_sim *sim, hta_sim_stats_ex *stats);

/* The hardware configuration the model was built from (hw/config/<name>.cfg:
 * "small", "tiny"...; "" for a model of another top). A function of the
 * library, not of a simulation: libhta checks it when it loads a model. */
const char *hta_sim_config_name(void);

#ifdef __cplusplus
}
#endif
#endif /* HTA_SIM_H */
