/*
 * check.h - the tests' reporting convention: one line per check,
 * "PASS name" or "FAIL name: detail", and a last line "N passed, N failed".
 */
#ifndef HTA_TEST_CHECK_H
#define HTA_TEST_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Record one check; detail (printf format) is printed only on failure.
 * Returns ok. */
int check(int ok, const char *name, const char *detail_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Compare n bytes; on failure the detail names the first differing index. */
int check_bytes(const char *name, const int8_t *got, const int8_t *want, size_t n);

/* Compare two int64 values. */
int check_int(const char *name, int64_t got, int64_t want);

/* Print "N passed, N failed"; return the process exit status (0 = all passed). */
int check_summary(void);

#endif /* HTA_TEST_CHECK_H */
