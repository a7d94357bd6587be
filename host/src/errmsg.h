/*
 * errmsg.h - libhta's internal error-message helper: format a message into a
 * caller's (err, n) buffer, if it gave one, and return -1.
 */
#ifndef HTA_ERRMSG_H
#define HTA_ERRMSG_H

#include <stddef.h>

int hta_errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* HTA_ERRMSG_H */
