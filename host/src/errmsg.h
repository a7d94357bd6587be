/*
 * errmsg.h - libhta's internal error-message helper: format a message into a
 * caller's (err, n) buffer, if it gave one, and return -1.
 *
 * libhta's error convention, in two levels:
 *   - functions on a device or net (hta.h, driver/, the transports' open and
 *     run) return HTA_SUCCESS or an HTA_ERROR_* code, with the text in the
 *     device's last error (hta_dev_error; hta_last_error) - or, for
 *     hta_open, in the calling thread's hta_open_error();
 *   - everything below (model, compiler, zoo, cost model, simlib, dynlib)
 *     returns -1 (or NULL) and writes the text into the caller's (err, n)
 *     with hta_errf; the level above turns it into a code.
 * The engine driver passes its text up in the same (msg, n) way and returns
 * the HTA_ERROR_* code it decided (engine.h).
 */
#ifndef HTA_ERRMSG_H
#define HTA_ERRMSG_H

#include <stddef.h>

int hta_errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* HTA_ERRMSG_H */
