/*
 * engine.h - the one engine driver of libhta (internal).
 *
 * Every device that runs the RTL engine (sim, xrt, usb) runs an inference
 * the same way, and this module is the only place that knows it: place the
 * program and data windows in device memory, write the kernel arguments,
 * start the kernel, wait for ap_done within a bound, acknowledge it, read
 * STATUS, the error registers, every performance counter (HTA_COUNTERS of the
 * generated hta_prog.h) and the per-descriptor cycle log, read the data
 * window back, and say what went wrong in one wording for all of them.
 *
 * Below it a transport only moves words and bytes: register read/write,
 * memory read/write, and a bounded wait for ap_done. The cpu device is the
 * golden model and no transport.
 */
#ifndef HTA_ENGINE_H
#define HTA_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "hta_hw_config.h"

/* Where the driver places the windows in a flat device memory: the program
 * at base + HTA_ENGINE_PROG_OFF, the data window 4 KiB aligned after a gap of
 * HTA_ENGINE_GUARD bytes (hta_engine_data_addr). */
#define HTA_ENGINE_PROG_OFF UINT64_C(0x10000)
#define HTA_ENGINE_GUARD 4096u

/* What a transport's wait reports. */
enum { HTA_WAIT_DONE = 1, HTA_WAIT_NOT_YET = 0 };

/*
 * A transport. Every operation returns 0 or the transport's own nonzero code;
 * describe() turns a code into libhta's error code and a text.
 */
typedef struct hta_transport {
  const char *name; /* "sim", "usb", "xrt": the first word of every message */
  void *ctx;
  uint64_t mem_base, mem_bytes; /* the device memory the windows go into */
  int regs_readable;            /* 0: status and counters cannot be read (XRT noop) */
  int (*reg_read)(void *ctx, uint32_t off, uint32_t *v);
  int (*reg_write)(void *ctx, uint32_t off, uint32_t v);
  int (*mem_write)(void *ctx, uint64_t addr, const uint8_t *buf, size_t n);
  int (*mem_read)(void *ctx, uint64_t addr, uint8_t *buf, size_t n);
  /* Wait for ap_done for about slice_ms at the most (HTA_WAIT_DONE or
   * HTA_WAIT_NOT_YET, else a transport code); *progress: the device's
   * progress so far (cycles where it counts them). */
  int (*wait)(void *ctx, unsigned slice_ms, uint64_t *progress);
  /* Optional. place: windows allocated by the transport (addresses for
   * mem_read/mem_write) instead of in [mem_base, mem_base + mem_bytes).
   * start: the kernel started with its arguments by the transport (XRT's
   * run) instead of by register writes, or only ap_start replaced (args_set
   * 0: the driver writes the arguments first). */
  int (*place)(void *ctx, size_t prog_size, size_t data_size, uint64_t *prog_addr,
               uint64_t *data_addr);
  int (*start)(void *ctx, uint64_t prog_addr, uint64_t prog_size, uint64_t data_addr,
               uint64_t data_size);
  int start_sets_args;
  /* Optional: fill n bytes (the guard bytes around the windows; without it
   * there are none). */
  int (*mem_fill)(void *ctx, uint64_t addr, uint8_t value, size_t n);
  /* Optional: after a run that ended, a transport-level fault (an AXI
   * protocol violation the simulator saw), else 0. */
  int (*check)(void *ctx);
  /* Optional: after a timeout or a failed wait, leave the device usable;
   * appends what it did ("; the engine was reset") to note. */
  void (*recover)(void *ctx, int timed_out, char *note, size_t n);
  /* The libhta error code of a transport code, and its text
   * (`doing` names the step, e.g. "writing the program window"). */
  int (*describe)(void *ctx, int code, const char *doing, char *msg, size_t n);
} hta_transport;

/* One inference of a compiled program. */
typedef struct hta_engine_job {
  const hta_hw_config *hw; /* the configuration (log depth, messages) */
  const uint8_t *prog;
  size_t prog_size;
  uint8_t *data; /* the data window image, in and out */
  size_t data_size;
  int n_desc;
  uint64_t prog_addr; /* 0: the driver's placement */
  unsigned timeout_ms; /* 0: no wall-clock bound (keep_waiting must bound it) */
  /* Optional: called between waits with the progress; 0 stops waiting. */
  int (*keep_waiting)(void *user, uint64_t progress);
  void *user;
} hta_engine_job;

/* Where the data window goes after a program window of prog_size bytes at
 * prog_addr: 4 KiB aligned, past the guard. */
uint64_t hta_engine_data_addr(uint64_t prog_addr, size_t prog_size);

/* Run one job. Returns HTA_SUCCESS, or an error code with msg ("NAME: ...")
 * saying what went wrong: HTA_ERROR_DEVICE for an engine error (STATUS code,
 * descriptor, ERR_INFO, ERR_ADDR) or a write outside the windows,
 * HTA_ERROR_TIMEOUT with the registers at the time, or the transport's error.
 * res holds STATUS, the error registers and every counter either way;
 * res->desc_cycles (if not NULL) the per-descriptor cycles. */
int hta_engine_run(const hta_transport *t, const hta_engine_job *job, hta_backend_result *res,
                   char *msg, size_t n);

/* Cycles of descriptors 0..n-1 of the last run from the per-layer log
 * (entries past log_depth are 0). */
int hta_engine_read_log(const hta_transport *t, int n, unsigned log_depth, uint32_t *cycles);

/* hta_engine_run of a compiled program on a device: progress goes to the
 * device's progress callback, an error to its last error. */
int hta_engine_run_device(hta_device *dev, const hta_transport *t, const hta_program *prog,
                          uint8_t *data, unsigned timeout_ms, hta_backend_result *res);

/* "ERR_DESC" etc. for a STATUS error code ("unknown code" for others). */
const char *hta_engine_error_name(uint32_t code);

#endif /* HTA_ENGINE_H */
