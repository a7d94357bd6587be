/* check.c - see check.h. */
#include "check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

static unsigned n_passed, n_failed;

int check(int ok, const char *name, const char *detail_fmt, ...) {
  if (ok) {
    n_passed++;
    printf("PASS %s\n", name);
  } else {
    n_failed++;
    printf("FAIL %s: ", name);
    va_list ap;
    va_start(ap, detail_fmt);
    vprintf(detail_fmt, ap);
    va_end(ap);
    printf("\n");
  }
  fflush(stdout);
  return ok;
}

int check_bytes(const char *name, const int8_t *got, const int8_t *want, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i])
      return check(0, name, "byte %zu: got %d, want %d", i, got[i], want[i]);
  return check(1, name, " ");
}

int check_int(const char *name, int64_t got, int64_t want) {
  return check(got == want, name, "got %" PRId64 ", want %" PRId64, got, want);
}

int check_summary(void) {
  printf("%u passed, %u failed\n", n_passed, n_failed);
  return n_failed == 0 ? 0 : 1;
}
