/*
 * cli.c - what every `hta` subcommand shares: errors, option parsing,
 * number parsing, the progress bar, model and device opening, JSON strings.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hta.h"
#include "hta_compile.h"
#include "hta_hw_config.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "npy.h"

#include "cli.h"
#include "util.h"


int usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s %s: ", prog_name, cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see '%s %s --help')\n", prog_name, cmd);
  return EXIT_USAGE;
}

int fail(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s %s: error: ", prog_name, cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 1;
}
const char *prog_name = "hta";

/* ---- option parsing: --name value, --name=value, -o value ---- */

/* Fills opts; positional arguments go to pos (at most max_pos). -1 on error
 * (reported), 1 if --help was asked. */
int parse_opts(const char *cmd, int argc, char **argv, opt *opts, int n_opts,
                      const char **pos, int max_pos, int *n_pos) {
  *n_pos = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return 1;
    if (a[0] == '-' && a[1] != '\0') {
      const char *eq = strchr(a, '=');
      const size_t nl = eq ? (size_t)(eq - a) : strlen(a);
      opt *o = NULL;
      for (int k = 0; k < n_opts; k++)
        if (strlen(opts[k].name) == nl && strncmp(opts[k].name, a, nl) == 0) o = &opts[k];
      if (o == NULL) {
        usage_error(cmd, "unknown option '%.*s'", (int)nl, a);
        return -1;
      }
      if (!o->has_arg) {
        if (eq) {
          usage_error(cmd, "option %s takes no value", o->name);
          return -1;
        }
        o->value = "1";
      } else if (eq) {
        o->value = eq + 1;
      } else if (i + 1 < argc) {
        o->value = argv[++i];
      } else {
        usage_error(cmd, "option %s needs a value", o->name);
        return -1;
      }
    } else {
      if (*n_pos >= max_pos) {
        usage_error(cmd, "unexpected argument '%s'", a);
        return -1;
      }
      pos[(*n_pos)++] = a;
    }
  }
  return 0;
}

const char *optv(const opt *opts, int n, const char *name) {
  for (int k = 0; k < n; k++)
    if (strcmp(opts[k].name, name) == 0) return opts[k].value;
  return NULL;
}

int parse_long(const char *cmd, const char *name, const char *s, long lo, long hi,
                      long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 0);
  if (errno || end == s || *end != '\0' || v < lo || v > hi) {
    usage_error(cmd, "%s '%s' is not an integer in %ld..%ld", name, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

int parse_u64(const char *cmd, const char *name, const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (s[0] == '-') return usage_error(cmd, "%s '%s' must not be negative", name, s), -1;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end != '\0') {
    usage_error(cmd, "%s '%s' is not an unsigned integer", name, s);
    return -1;
  }
  *out = v;
  return 0;
}

int parse_double(const char *cmd, const char *name, const char *s, double lo, double hi,
                        double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
    usage_error(cmd, "%s '%s' is not a number in %g..%g", name, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

/* ---- progress bar (stderr, only on a terminal) ---- */

static void progress_fn(void *user, uint64_t cycles) {
  progress *p = user;
  if (cycles < p->last_cycles) { /* the next inference started */
    p->done_before += p->last_cycles;
    p->item++;
  }
  p->last_cycles = cycles;
  const double t = hta_now_s();
  if (t - p->last < 0.2) return;
  p->last = t;
  const uint64_t c = p->done_before + cycles;
  const double rate = c / (t - p->t0 + 1e-9);
  if (p->expect) {
    const double f = c >= p->expect ? 1.0 : (double)c / (double)p->expect;
    char bar[31];
    const int w = (int)(f * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < w ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r  sim [%s] %3.0f%% %.2f Mcycles, %.0f kcycles/s ", bar, 100 * f, c / 1e6,
            rate / 1e3);
  } else {
    fprintf(stderr, "\r  sim: inference %d of %d, %.2f Mcycles, %.0f kcycles/s ", p->item + 1,
            p->batch, c / 1e6, rate / 1e3);
  }
  p->shown = 1;
}

void progress_start(hta_device *dev, progress *p, uint64_t expect, int batch) {
  memset(p, 0, sizeof *p);
  p->batch = batch;
  p->t0 = p->last = hta_now_s();
  p->expect = expect;
  if (isatty(2) && hta_device_has_cycles(dev)) hta_set_progress(dev, progress_fn, p);
}

void progress_end(hta_device *dev, progress *p) {
  hta_set_progress(dev, NULL, NULL);
  if (p->shown) fprintf(stderr, "\r%78s\r", "");
}

/* ---- models ---- */

hta_model *load_model(const char *cmd, const char *path) {
  char err[512] = "";
  hta_model *m = hta_model_load(path, err, sizeof err);
  if (m == NULL) fail(cmd, "cannot load model '%s': %s", path, err);
  return m;
}

hta_device *open_device(const char *cmd, const char *uri) {
  hta_device *d = NULL;
  int rc = hta_open(uri, &d);
  if (rc != 0) {
    fail(cmd, "%s (%s)", hta_open_error(), hta_error_name(rc));
    return NULL;
  }
  return d;
}

/* s as a JSON string body (quotes, backslashes and control bytes escaped). */
static int stdout_saved = -1; /* the real stdout while diverted */

void stdout_divert(void) {
  if (stdout_saved >= 0) return;
  fflush(stdout);
  stdout_saved = dup(1);
  if (stdout_saved >= 0 && dup2(2, 1) < 0) {
    close(stdout_saved);
    stdout_saved = -1;
  }
}

void stdout_undivert(void) {
  if (stdout_saved < 0) return;
  fflush(stdout);
  dup2(stdout_saved, 1);
  close(stdout_saved);
  stdout_saved = -1;
}

void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    const unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

void fill_random(int8_t *buf, size_t n, uint64_t seed) {
  uint64_t s = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    buf[i] = (int8_t)(s >> 24);
  }
}

const hta_hw_config *cli_config(const char *cmd, const char *name) {
  if (name == NULL) return hta_hw_config_default();
  const hta_hw_config *c = hta_hw_config_find(name);
  if (c == NULL)
    usage_error(cmd, "unknown configuration '%s' (known: %s; see 'hta configs')", name,
                HTA_HW_CONFIG_NAMES);
  return c;
}
