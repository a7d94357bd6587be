/*
 * engine_regs.h - what every backend that reaches the engine's registers
 * reads after a run (internal): STATUS, the error registers and the
 * performance counters, the per-descriptor cycle log, and the engine-error
 * message. The registers are reached through a callback, so the xrt and usb
 * backends (and the sim backend's program runner) share one reading of the
 * register map instead of one each.
 */
#ifndef HTA_ENGINE_REGS_H
#define HTA_ENGINE_REGS_H

#include <stdint.h>

#include "backend.h"

/* Register access of one backend: 0 on success. */
typedef int (*hta_reg_read_fn)(void *ctx, uint32_t off, uint32_t *v);
typedef int (*hta_reg_write_fn)(void *ctx, uint32_t off, uint32_t v);

/* STATUS, ERR_INFO, ERR_ADDR and every counter (HTA_COUNTERS) into res.
 * Stops at the first failed read and returns its code. */
int hta_engine_read_status(hta_reg_read_fn rd, void *ctx, hta_backend_result *res);

/* Cycles of descriptors 0..n-1 of the last run (entries past log_depth are
 * 0: the log keeps the configuration's LogDepth). */
int hta_engine_read_log(hta_reg_read_fn rd, hta_reg_write_fn wr, void *ctx, int n,
                        unsigned log_depth, uint32_t *cycles);

/* "ERR_DESC" etc. for a STATUS error code (hta_engine_code_name of the
 * generated hta_prog.h; "unknown code" for others). */
const char *hta_engine_error_name(uint32_t code);

/* HTA_ERROR_DEVICE with "WHO: engine error N (NAME) at layer descriptor D
 * (K done): STATUS, ERR_INFO, ERR_ADDR" as the device's last error. */
int hta_engine_error(hta_device *dev, const char *who, const hta_backend_result *res);

#endif /* HTA_ENGINE_REGS_H */
