/*
 * hta_gen - turns HTA's single sources into everything that needs them.
 *
 *   hw/config/<name>.cfg  -> hw/config/gen/<name>/hta_cfg_pkg.sv (one per
 *                            hardware configuration), hw/rtl/hta_cfg_pkg.sv
 *                            (the default one's, --default), and libhta's
 *                            table of all of them: host/include/hta_hw_config.h,
 *                            host/src/hta_configs.c
 *   hw/config/regmap.cfg  -> hw/rtl/hta_regs_pkg.sv, host/include/hta_regs.h,
 *                            docs/registers.md
 *   both                  -> bitstreams/alveo/kernel.xml (the Vitis RTL-kernel
 *                            description: arguments and their offsets from the
 *                            register map, bus widths from the default
 *                            configuration)
 *
 *   hw/config/program.cfg -> hw/rtl/hta_prog_pkg.sv, host/include/hta_prog.h,
 *                            docs/program-format.md (the device program
 *                            format; tools/gen/gen_prog.c)
 *
 * Usage: hta_gen [-q] [--config-dir DIR | --cfg FILE] [--default NAME]
 *                [--regmap FILE] [--prog FILE] [--out DIR]
 *   --config-dir DIR every DIR/<name>.cfg but the register map and the
 *                    program format is a configuration (default hw/config)
 *   --default NAME   the configuration of hw/rtl/hta_cfg_pkg.sv and
 *                    kernel.xml (default small)
 *   --cfg FILE       one configuration only, which is then the default (the
 *                    vendor flows generate one configuration's files so)
 *   --regmap, --prog inputs (defaults: the paths above, relative to the
 *                    current directory; the path given is what the headers
 *                    of the outputs name, so run it from the repository root)
 *   --out DIR        write the outputs under DIR instead of "." (make
 *                    check-regs generates into a temporary DIR and diffs)
 *   -q               do not list the files that changed
 *
 * Both inputs are parsed and checked completely before anything is written,
 * so a malformed input never leaves half-updated outputs. Errors are printed
 * as "file:line: error: ..." and the exit status is 1. An output is rewritten
 * only when its content changes.
 *
 * Written in C11 (plus POSIX mkdir/rename) so the build needs nothing but the
 * C compiler that builds the host library anyway.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

enum {
  MAX_LINE = 1024,   /* longest input line, newline included */
  MAX_NAME = 48,     /* longest parameter or register name */
  MAX_TEXT = 512,    /* longest comment / description */
  MAX_PARAMS = 256,
  MAX_REGS = 1024,   /* 4 KiB of 32-bit registers */
  WRAP_COL = 100     /* conventions.md: lines under 100 columns */
};

static const char *TOOL = "tools/gen/hta_gen";

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

static int n_errors;

/* Report "file:line: error: ..." (line 0: no line). Parsing goes on after an
 * error so one run shows every problem of a file; nothing is written then. */
static void error_at(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  if (line > 0)
    fprintf(stderr, "%s:%d: error: ", file, line);
  else
    fprintf(stderr, "%s: error: ", file);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  n_errors++;
}

/* ------------------------------------------------------------------------ */
/* A growable string: every output is composed in memory first, then compared */
/* with the file on disk.                                                     */

typedef struct {
  char *buf;
  size_t len, cap;
} sbuf;

static void sb_printf(sbuf *sb, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    size_t room = sb->cap - sb->len;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
      fprintf(stderr, "hta_gen: formatting failed\n");
      exit(2);
    }
    if ((size_t)n < room) {
      sb->len += (size_t)n;
      return;
    }
    size_t cap = sb->cap ? sb->cap * 2 : 4096;
    while (cap - sb->len <= (size_t)n) cap *= 2;
    char *p = realloc(sb->buf, cap);
    if (!p) {
      fprintf(stderr, "hta_gen: out of memory\n");
      exit(2);
    }
    sb->buf = p;
    sb->cap = cap;
  }
}

/* Append `text` as comment lines "<indent><lead><words...>", wrapped so no
 * line reaches WRAP_COL; continuation lines start with `cont` instead of
 * `lead`, and `tail` (the end of a C comment, say) ends the last line. */
static void sb_comment(sbuf *sb, const char *indent, const char *lead, const char *cont,
                       const char *text, const char *tail) {
  const char *p = text;
  const char *prefix = lead;
  do {
    size_t used = strlen(indent) + strlen(prefix) + strlen(tail);
    size_t room = used + 20 < WRAP_COL ? WRAP_COL - 1 - used : 20;
    size_t n = strlen(p);
    if (n > room) {
      /* break at the last space that fits; a longer word gets a line alone */
      size_t cut = room;
      while (cut > 0 && p[cut] != ' ') cut--;
      if (cut == 0) {
        cut = room;
        while (p[cut] && p[cut] != ' ') cut++;
      }
      n = cut;
    }
    const char *rest = p + n;
    while (*rest == ' ') rest++;
    sb_printf(sb, "%s%s%.*s%s\n", indent, prefix, (int)n, p, *rest ? "" : tail);
    p = rest;
    prefix = cont;
  } while (*p);
}

/* ------------------------------------------------------------------------ */
/* Line reading shared by both inputs                                         */

typedef struct {
  const char *path;
  FILE *f;
  int line;
  char code[MAX_LINE];    /* the part before '#', trimmed */
  char comment[MAX_LINE]; /* the part after '#', trimmed */
} reader;

static void trim(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  size_t i = 0;
  while (s[i] == ' ' || s[i] == '\t') i++;
  memmove(s, s + i, n - i + 1);
}

/* strcpy that cuts at `cap` (lengths are checked before; this only keeps
 * -Wformat-truncation quiet and the buffers safe). */
static void copy_str(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* Next line that is not blank or a pure comment. Returns 0 at end of file.
 * '#' starts a comment anywhere in a line (neither file needs a literal '#'). */
static int next_line(reader *r) {
  char raw[MAX_LINE];
  while (fgets(raw, sizeof raw, r->f)) {
    r->line++;
    size_t n = strlen(raw);
    if (n == sizeof raw - 1 && raw[n - 1] != '\n') {
      error_at(r->path, r->line, "line longer than %d characters", MAX_LINE - 2);
      int c;
      while ((c = fgetc(r->f)) != EOF && c != '\n') {
      }
      continue;
    }
    while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r')) raw[--n] = '\0';
    /* Outputs are ASCII; a stray control or UTF-8 byte is almost always a
     * paste accident, so say so instead of copying it into four files. */
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)raw[i];
      if ((c < 0x20 && c != '\t') || c > 0x7e) {
        error_at(r->path, r->line, "column %zu: character 0x%02x is not printable ASCII",
                 i + 1, c);
        bad = 1;
        break;
      }
    }
    if (bad) continue;
    for (size_t i = 0; i < n; i++)
      if (raw[i] == '\t') raw[i] = ' ';
    char *hash = strchr(raw, '#');
    if (hash) {
      *hash = '\0';
      copy_str(r->comment, sizeof r->comment, hash + 1);
    } else {
      r->comment[0] = '\0';
    }
    copy_str(r->code, sizeof r->code, raw);
    trim(r->code);
    trim(r->comment);
    if (r->code[0] == '\0') continue;
    return 1;
  }
  if (ferror(r->f)) error_at(r->path, 0, "read failed: %s", strerror(errno));
  return 0;
}

/* Split `s` in place at runs of spaces into at most `max` tokens; the last
 * token keeps the rest of the line (with its inner spaces). */
static int split(char *s, char **tok, int max) {
  int n = 0;
  while (*s && n < max) {
    tok[n++] = s;
    if (n == max) break;
    while (*s && *s != ' ') s++;
    if (!*s) break;
    *s++ = '\0';
    while (*s == ' ') s++;
  }
  return n;
}

/* Text copied into C and SV comments must not open or close a C comment
 * (-Wcomment is an error under -Werror). */
static int check_comment_text(const char *path, int line, const char *text) {
  if (strstr(text, "/*") || strstr(text, "*/")) {
    error_at(path, line, "comment text must not contain \"/*\" or \"*/\"");
    return 0;
  }
  if (strlen(text) >= MAX_TEXT) {
    error_at(path, line, "comment text longer than %d characters", MAX_TEXT - 1);
    return 0;
  }
  return 1;
}

/* ------------------------------------------------------------------------ */
/* hta.cfg                                                                    */

typedef struct {
  char name[MAX_NAME + 1];
  long value;
  char comment[MAX_TEXT];
  int line;
} param;

/* Parameters computed from others, appended after the file's own. They are
 * not part of the signature: they follow from the ones that are. */
typedef struct {
  const char *name, *from;
  long divisor;
  const char *why;
} derived_rule;

static const derived_rule DERIVED[] = {
    {"BusBytes", "BusBits", 8, "m_axi_gmem data width in bytes (BusBits / 8)"},
};
enum { N_DERIVED = sizeof DERIVED / sizeof DERIVED[0] };

static param params[MAX_PARAMS];
static int n_params;
static param derived[N_DERIVED];
static uint32_t cfg_signature;
static const char *cfg_path, *regmap_path;

/* Every configuration (hw/config/<name>.cfg) is parsed into the globals above
 * and then kept here; use_config() makes one of them current again for the
 * generators, which read the globals. */
enum { MAX_CONFIGS = 16, MAX_CFG_NAME = 31 };
typedef struct {
  char name[MAX_CFG_NAME + 1];
  char path[MAX_LINE];
  param params[MAX_PARAMS];
  int n_params;
  param derived[N_DERIVED];
  uint32_t signature;
} config;
static config configs[MAX_CONFIGS];
static int n_configs, default_cfg = -1;
static const char *cfg_source; /* what the outputs say they come from */

static void save_config(config *c) {
  memcpy(c->params, params, sizeof params);
  c->n_params = n_params;
  memcpy(c->derived, derived, sizeof derived);
  c->signature = cfg_signature;
}

static void use_config(int i) {
  const config *c = &configs[i];
  memcpy(params, c->params, sizeof params);
  n_params = c->n_params;
  memcpy(derived, c->derived, sizeof derived);
  cfg_signature = c->signature;
  cfg_path = c->path;
}

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* UpperCamelCase, as conventions.md asks of SV parameters. */
static int is_camel(const char *s) {
  if (!is_upper(s[0])) return 0;
  for (const char *p = s; *p; p++)
    if (!is_upper(*p) && !is_lower(*p) && !is_digit(*p)) return 0;
  return 1;
}

/* MacLanes -> MAC_LANES, KMax -> K_MAX, AXIBus -> AXI_BUS: a word starts at an
 * upper-case letter after a lower-case letter or digit, or at the last upper-
 * case letter of a run that is followed by a lower-case one. */
static void camel_to_snake(const char *s, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; s[i] && o + 2 < cap; i++) {
    char c = s[i];
    if (i > 0 && is_upper(c) &&
        (is_lower(s[i - 1]) || is_digit(s[i - 1]) || (is_upper(s[i - 1]) && is_lower(s[i + 1]))))
      out[o++] = '_';
    out[o++] = is_lower(c) ? (char)(c - 'a' + 'A') : c;
  }
  out[o] = '\0';
}

/* Decimal without sign or leading zeros, 0 .. 2^31-1 (an SV `int`). The text
 * is canonical, so the signature does not depend on how a number was spelt. */
static int parse_decimal(const char *s, long max, long *v) {
  if (!is_digit(s[0]) || (s[0] == '0' && s[1])) return 0;
  long x = 0;
  for (const char *p = s; *p; p++) {
    if (!is_digit(*p)) return 0;
    x = x * 10 + (*p - '0');
    if (x > max) return 0;
  }
  *v = x;
  return 1;
}

static param *find_param(const char *name) {
  for (int i = 0; i < n_params; i++)
    if (strcmp(params[i].name, name) == 0) return &params[i];
  return NULL;
}

/* 32-bit FNV-1a, continued over successive pieces of text. */
static uint32_t fnv1a(uint32_t h, const char *s) {
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 16777619u;
  }
  return h;
}

static void parse_cfg(const char *path) {
  reader r = {.path = path};
  r.f = fopen(path, "r");
  if (!r.f) {
    error_at(path, 0, "cannot open: %s", strerror(errno));
    return;
  }
  int errors_before = n_errors;
  while (next_line(&r)) {
    char *tok[3];
    int n = split(r.code, tok, 3);
    if (n != 2) {
      error_at(path, r.line, "expected \"Name Value  # comment\"");
      continue;
    }
    if (strlen(tok[0]) > MAX_NAME || !is_camel(tok[0])) {
      error_at(path, r.line, "name \"%s\" is not UpperCamelCase ([A-Z][A-Za-z0-9]*, at most %d)",
               tok[0], MAX_NAME);
      continue;
    }
    long v;
    if (!parse_decimal(tok[1], 2147483647L, &v)) {
      error_at(path, r.line,
               "value \"%s\" of %s is not a decimal integer in 0..2147483647 "
               "(no sign, no leading zeros)",
               tok[1], tok[0]);
      continue;
    }
    param *old = find_param(tok[0]);
    if (old) {
      error_at(path, r.line, "%s already defined on line %d", tok[0], old->line);
      continue;
    }
    int is_derived = 0;
    for (int i = 0; i < N_DERIVED; i++)
      if (strcmp(tok[0], DERIVED[i].name) == 0) is_derived = 1;
    if (is_derived) {
      error_at(path, r.line, "%s is derived by the generator; do not define it", tok[0]);
      continue;
    }
    if (!check_comment_text(path, r.line, r.comment)) continue;
    if (n_params == MAX_PARAMS) {
      error_at(path, r.line, "more than %d parameters", MAX_PARAMS);
      break;
    }
    param *p = &params[n_params++];
    copy_str(p->name, sizeof p->name, tok[0]);
    p->value = v;
    copy_str(p->comment, sizeof p->comment, r.comment);
    p->line = r.line;
  }
  fclose(r.f);
  if (n_errors > errors_before) return;
  if (n_params == 0) {
    error_at(path, 0, "no parameters");
    return;
  }

  for (int i = 0; i < N_DERIVED; i++) {
    const derived_rule *d = &DERIVED[i];
    param *src = find_param(d->from);
    if (!src) {
      error_at(path, 0, "%s is missing (%s is derived from it)", d->from, d->name);
      continue;
    }
    if (src->value == 0 || src->value % d->divisor != 0) {
      error_at(path, src->line, "%s = %ld must be a positive multiple of %ld", d->from,
               src->value, d->divisor);
      continue;
    }
    copy_str(derived[i].name, sizeof derived[i].name, d->name);
    derived[i].value = src->value / d->divisor;
    snprintf(derived[i].comment, sizeof derived[i].comment, "derived: %s", d->why);
    derived[i].line = 0;
  }

  /* The signature covers exactly the text "Name=Value;" of the file's own
   * parameters in file order, so anyone can recompute it from hta.cfg. */
  uint32_t h = 2166136261u;
  for (int i = 0; i < n_params; i++) {
    char value[24];
    snprintf(value, sizeof value, "%ld", params[i].value);
    h = fnv1a(h, params[i].name);
    h = fnv1a(h, "=");
    h = fnv1a(h, value);
    h = fnv1a(h, ";");
  }
  cfg_signature = h;

  /* Generated names must not collide with each other or with the fixed ones
   * (e.g. a parameter called "Signature" would clash with the signature field). */
  for (int i = 0; i < n_params + N_DERIVED; i++) {
    const param *a = i < n_params ? &params[i] : &derived[i - n_params];
    char sa[2 * MAX_NAME + 2];
    camel_to_snake(a->name, sa, sizeof sa);
    if (strcmp(sa, "SIGNATURE") == 0 || strcmp(a->name, "CfgSignature") == 0)
      error_at(path, a->line, "%s clashes with the generated signature's name", a->name);
    for (int j = 0; j < i; j++) {
      const param *b = j < n_params ? &params[j] : &derived[j - n_params];
      char sb[2 * MAX_NAME + 2];
      camel_to_snake(b->name, sb, sizeof sb);
      if (strcmp(sa, sb) == 0)
        error_at(path, a->line, "%s and %s both become the C field %s", b->name, a->name, sa);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* regmap.cfg                                                                 */

typedef struct {
  unsigned offset;
  char name[MAX_NAME + 1];
  char access[3];
  char desc[MAX_TEXT];
  int line;
} reg;

static reg regs[MAX_REGS];
static int n_regs;
static long regmap_version = -1;

/* NAME, NAME_2, PROG_SIZE_LO: upper-case words joined by single underscores. */
static int is_upper_snake(const char *s) {
  if (!is_upper(s[0])) return 0;
  for (const char *p = s; *p; p++) {
    if (*p == '_') {
      if (p[1] == '\0' || p[1] == '_') return 0;
    } else if (!is_upper(*p) && !is_digit(*p)) {
      return 0;
    }
  }
  return 1;
}

/* PROG_SIZE_LO -> ProgSizeLo (the prefix "Reg" is added by the caller). */
static void snake_to_camel(const char *s, char *out, size_t cap) {
  size_t o = 0;
  int start = 1;
  for (; *s && o + 1 < cap; s++) {
    if (*s == '_') {
      start = 1;
      continue;
    }
    out[o++] = (start || !is_upper(*s)) ? *s : (char)(*s - 'A' + 'a');
    start = 0;
  }
  out[o] = '\0';
}

/* "0x" and 1 to 8 hex digits, nothing else. */
static int parse_hex(const char *s, unsigned long *v) {
  if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2] || strlen(s + 2) > 8) return 0;
  unsigned long x = 0;
  for (const char *p = s + 2; *p; p++) {
    int d;
    if (is_digit(*p))
      d = *p - '0';
    else if (*p >= 'a' && *p <= 'f')
      d = *p - 'a' + 10;
    else if (*p >= 'A' && *p <= 'F')
      d = *p - 'A' + 10;
    else
      return 0;
    x = x * 16 + (unsigned long)d;
  }
  *v = x;
  return 1;
}

static int writable(const reg *g) { return strcmp(g->access, "ro") != 0; }

static void parse_regmap(const char *path) {
  reader r = {.path = path};
  r.f = fopen(path, "r");
  if (!r.f) {
    error_at(path, 0, "cannot open: %s", strerror(errno));
    return;
  }
  int errors_before = n_errors;
  int version_line = 0, said_no_version = 0;
  while (next_line(&r)) {
    char *tok[4];
    int n = split(r.code, tok, 4);
    if (strcmp(tok[0], "version") == 0) {
      long v;
      if (version_line) {
        error_at(path, r.line, "second \"version\" line (first on line %d)", version_line);
      } else if (n_regs > 0) {
        error_at(path, r.line, "\"version\" must come before the first register");
      } else if (n != 2 || !parse_decimal(tok[1], 65535, &v) || v == 0) {
        /* 16 bits: it goes to VERSION[15:0] */
        error_at(path, r.line, "expected \"version N\" with N in 1..65535");
      } else {
        regmap_version = v;
      }
      version_line = r.line;
      continue;
    }
    if (!version_line && !said_no_version) {
      error_at(path, r.line, "expected \"version N\" before the first register");
      said_no_version = 1;
    }
    if (n != 4) {
      error_at(path, r.line, "expected \"offset NAME access description\"");
      continue;
    }
    unsigned long off;
    if (!parse_hex(tok[0], &off)) {
      error_at(path, r.line, "offset \"%s\" is not a hex number like 0x1C", tok[0]);
      continue;
    }
    if (off > 0xFFCu || off % 4 != 0) {
      error_at(path, r.line, "offset %s must be a multiple of 4 in 0x000..0xFFC", tok[0]);
      continue;
    }
    if (n_regs > 0 && off <= regs[n_regs - 1].offset) {
      error_at(path, r.line, "offset 0x%03lX is not above 0x%03X (line %d): keep the map sorted",
               off, regs[n_regs - 1].offset, regs[n_regs - 1].line);
      continue;
    }
    if (strlen(tok[1]) > MAX_NAME || !is_upper_snake(tok[1])) {
      error_at(path, r.line, "name \"%s\" is not UPPER_SNAKE ([A-Z][A-Z0-9_]*, at most %d)",
               tok[1], MAX_NAME);
      continue;
    }
    int dup = 0;
    for (int i = 0; i < n_regs; i++)
      if (strcmp(regs[i].name, tok[1]) == 0) {
        error_at(path, r.line, "%s already defined on line %d", tok[1], regs[i].line);
        dup = 1;
      }
    if (dup) continue;
    if (strcmp(tok[2], "rw") != 0 && strcmp(tok[2], "ro") != 0 && strcmp(tok[2], "wo") != 0) {
      error_at(path, r.line, "access \"%s\" of %s is not rw, ro or wo", tok[2], tok[1]);
      continue;
    }
    if (!check_comment_text(path, r.line, tok[3])) continue;
    if (n_regs == MAX_REGS) {
      error_at(path, r.line, "more than %d registers", MAX_REGS);
      break;
    }
    reg *g = &regs[n_regs++];
    g->offset = (unsigned)off;
    copy_str(g->name, sizeof g->name, tok[1]);
    copy_str(g->access, sizeof g->access, tok[2]);
    copy_str(g->desc, sizeof g->desc, tok[3]);
    g->line = r.line;
  }
  fclose(r.f);
  if (n_errors > errors_before) return;
  if (!version_line) error_at(path, 0, "no \"version N\" line");
  if (n_regs == 0) error_at(path, 0, "no registers");
}

/* ------------------------------------------------------------------------ */
/* Kernel arguments (marked in regmap.cfg's descriptions)                     */
/*                                                                            */
/* "kernel argument NAME (TYPE): ..." starts argument NAME at that register;  */
/* the registers right after it that start "kernel argument NAME:" hold its   */
/* upper words. The text is what a reader of docs/registers.md sees anyway,   */
/* so the map stays the one place where an argument's offset is written.      */

typedef struct {
  const char *name; /* as written in regmap.cfg */
  unsigned size;    /* bytes */
  int pointer;      /* 1: global memory address (m_axi_gmem), 0: scalar */
  const char *c_type;
} arg_type;

static const arg_type ARG_TYPES[] = {
    {"pointer", 8, 1, "void*"},
    {"uint32", 4, 0, "uint32_t"},
    {"uint64", 8, 0, "uint64_t"},
};
enum { N_ARG_TYPES = sizeof ARG_TYPES / sizeof ARG_TYPES[0] };

typedef struct {
  char name[MAX_NAME + 1];
  const arg_type *type;
  unsigned offset, size; /* size: bytes of registers seen so far */
  int line;
} karg;

static karg kargs[MAX_REGS];
static int n_kargs;

static const char ARG_MARK[] = "kernel argument ";

/* C identifier in lower case: what host code and v++ --connectivity name. */
static int is_arg_name_char(char c) { return is_lower(c) || is_digit(c) || c == '_'; }

static void parse_args(const char *path) {
  karg *cur = NULL; /* the argument whose upper words may follow */
  for (int i = 0; i < n_regs; i++) {
    const reg *g = &regs[i];
    size_t mark = sizeof ARG_MARK - 1;
    if (strncmp(g->desc, ARG_MARK, mark) != 0) {
      cur = NULL;
      continue;
    }
    const char *p = g->desc + mark, *name = p;
    while (is_arg_name_char(*p)) p++;
    size_t name_len = (size_t)(p - name);
    if (name_len == 0 || name_len > MAX_NAME || !is_lower(name[0])) {
      error_at(path, g->line, "%s: expected \"kernel argument name\" (lower-case C name)",
               g->name);
      cur = NULL;
      continue;
    }
    const arg_type *type = NULL;
    if (p[0] == ' ' && p[1] == '(') {
      const char *t = p + 2, *close = strchr(t, ')');
      if (close) {
        for (int k = 0; k < N_ARG_TYPES; k++)
          if (strlen(ARG_TYPES[k].name) == (size_t)(close - t) &&
              strncmp(ARG_TYPES[k].name, t, (size_t)(close - t)) == 0)
            type = &ARG_TYPES[k];
        if (!type) {
          error_at(path, g->line, "%s: argument type \"%.*s\" is not pointer, uint32 or uint64",
                   g->name, (int)(close - t), t);
          cur = NULL;
          continue;
        }
        p = close + 1;
      }
    }
    if (*p != ':') {
      error_at(path, g->line, "%s: expected \"kernel argument %.*s (TYPE):\" or \"...%.*s:\"",
               g->name, (int)name_len, name, (int)name_len, name);
      cur = NULL;
      continue;
    }
    if (strcmp(g->access, "rw") != 0) {
      error_at(path, g->line, "%s: a kernel argument register must be rw (the host writes it, "
               "XRT reads it back)", g->name);
      cur = NULL;
      continue;
    }
    int continues = cur && strlen(cur->name) == name_len &&
                    strncmp(cur->name, name, name_len) == 0;
    if (type) {
      /* a new argument */
      for (int k = 0; k < n_kargs; k++)
        if (strlen(kargs[k].name) == name_len && strncmp(kargs[k].name, name, name_len) == 0) {
          error_at(path, g->line, "kernel argument %s already started on line %d",
                   kargs[k].name, kargs[k].line);
          type = NULL;
        }
      if (!type) {
        cur = NULL;
        continue;
      }
      if (g->offset % type->size != 0) {
        error_at(path, g->line, "%s: a %s argument must start on a multiple of %u", g->name,
                 type->name, type->size);
        cur = NULL;
        continue;
      }
      cur = &kargs[n_kargs++];
      copy_str(cur->name, sizeof cur->name, name);
      cur->name[name_len] = '\0';
      cur->type = type;
      cur->offset = g->offset;
      cur->size = 4;
      cur->line = g->line;
    } else if (!continues) {
      error_at(path, g->line, "%s: \"kernel argument %.*s:\" continues no argument (the "
               "register before must belong to it; the first one gives \"(TYPE)\")",
               g->name, (int)name_len, name);
      cur = NULL;
    } else if (g->offset != cur->offset + cur->size) {
      error_at(path, g->line, "%s: upper word of %s must be at 0x%03X (right after the lower one)",
               g->name, cur->name, cur->offset + cur->size);
      cur = NULL;
    } else if (cur->size + 4 > cur->type->size) {
      error_at(path, g->line, "%s: %s is %s (%u bytes): no room for another word", g->name,
               cur->name, cur->type->name, cur->type->size);
      cur = NULL;
    } else {
      cur->size += 4;
    }
  }
  for (int k = 0; k < n_kargs; k++)
    if (kargs[k].size != kargs[k].type->size)
      error_at(path, kargs[k].line, "kernel argument %s is %s (%u bytes) but has %u bytes of "
               "registers", kargs[k].name, kargs[k].type->name, kargs[k].type->size,
               kargs[k].size);
}

/* ------------------------------------------------------------------------ */
/* Outputs                                                                    */

enum { DECL_LEN = 160 };

/* Names are at most MAX_NAME long, so a declaration always fits DECL_LEN;
 * checking the length anyway is what keeps -Wformat-truncation satisfied. */
static void fits(int len) {
  if (len < 0 || len >= DECL_LEN) {
    fprintf(stderr, "hta_gen: internal error: declaration longer than %d\n", DECL_LEN);
    exit(2);
  }
}

/* Emit declarations with their comments: as aligned trailing comments when
 * every line then stays under WRAP_COL, else each comment wrapped above its
 * line. A blank line goes before entry `gap` (the derived parameters). */
static void emit_decls(sbuf *o, int n, char (*decl)[DECL_LEN], const char *const *comment,
                       int gap, const char *indent, const char *open, const char *cont,
                       const char *close) {
  size_t dw = 0, cw = 0;
  for (int i = 0; i < n; i++) {
    if (strlen(decl[i]) > dw) dw = strlen(decl[i]);
    if (strlen(comment[i]) > cw) cw = strlen(comment[i]);
  }
  int trailing = strlen(indent) + dw + 1 + strlen(open) + cw + strlen(close) < WRAP_COL;
  for (int i = 0; i < n; i++) {
    if (i == gap) sb_printf(o, "\n");
    if (trailing && comment[i][0]) {
      sb_printf(o, "%s%-*s %s%s%s\n", indent, (int)dw, decl[i], open, comment[i], close);
    } else {
      if (comment[i][0]) sb_comment(o, indent, open, cont, comment[i], close);
      sb_printf(o, "%s%s\n", indent, decl[i]);
    }
  }
}

static const char *SIGNATURE_TEXT =
    "32-bit FNV-1a over the text \"Name=Value;\" of every parameter of the configuration "
    "file, in file order (derived ones excluded). Programs carry it in word 4 of their "
    "header; the engine refuses a program built for another configuration (ERR_PROG).";

static void gen_cfg_sv(sbuf *o) {
  static char decl[MAX_PARAMS + N_DERIVED][DECL_LEN];
  const char *comment[MAX_PARAMS + N_DERIVED];
  int n = n_params + N_DERIVED, w = 0;

  sb_printf(o, "// hta_cfg_pkg.sv - HTA hardware configuration (sizes of the accelerator).\n");
  sb_printf(o, "// generated by %s from %s - do not edit\n", TOOL, cfg_path);
  sb_printf(o, "// (edit %s and run `make regs`).\n", cfg_path);
  sb_printf(o, "// Refer to items as hta_cfg_pkg::MacLanes: Yosys 0.23 rejects `import`.\n");
  sb_printf(o, "`default_nettype none\n\npackage hta_cfg_pkg;\n\n");
  for (int i = 0; i < n; i++) {
    const param *p = i < n_params ? &params[i] : &derived[i - n_params];
    if ((int)strlen(p->name) > w) w = (int)strlen(p->name);
  }
  for (int i = 0; i < n; i++) {
    const param *p = i < n_params ? &params[i] : &derived[i - n_params];
    fits(snprintf(decl[i], DECL_LEN, "localparam int %-*s = %ld;", w, p->name, p->value));
    comment[i] = p->comment;
  }
  emit_decls(o, n, decl, comment, n_params, "  ", "// ", "//   ", "");
  sb_printf(o, "\n");
  sb_comment(o, "  ", "// ", "// ", SIGNATURE_TEXT, "");
  sb_printf(o, "  localparam logic [31:0] CfgSignature = 32'h%08x;\n", cfg_signature);
  sb_printf(o, "\nendpackage\n");
}

/* The C side of the configurations: ONE struct type whose fields are the
 * parameters (snake_case), and one table holding every configuration, so one
 * libhta serves every build of the engine and picks the configuration at
 * run time (by name, or by the signature a device reports). */
static void gen_hw_config_h(sbuf *o) {
  static char decl[MAX_PARAMS + N_DERIVED + 2][DECL_LEN];
  const char *comment[MAX_PARAMS + N_DERIVED + 2];
  static char text[MAX_PARAMS + N_DERIVED][MAX_TEXT + MAX_NAME + 8];
  int n = n_params + N_DERIVED;

  sb_printf(o, "/*\n * hta_hw_config.h - HTA hardware configurations (sizes of each build of the\n"
               " * accelerator).\n");
  sb_printf(o, " * generated by %s from %s - do not edit\n", TOOL, cfg_source);
  sb_printf(o, " * (edit those files and run `make regs`).\n *\n");
  sb_printf(o, " * hw/config/<name>.cfg is one configuration; hta_hw_configs (host/src/\n"
               " * hta_configs.c, generated too) holds all of them, and the lookups below\n"
               " * (host/src/hw_config.c) find one by name or by the signature a device\n"
               " * reports in its CFG_SIG register.\n */\n");
  sb_printf(o, "#ifndef HTA_HW_CONFIG_H\n#define HTA_HW_CONFIG_H\n\n");
  sb_printf(o, "#include <stddef.h>\n#include <stdint.h>\n\n");
  sb_printf(o, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  sb_printf(o, "/* One configuration: its parameters, then the derived ones. */\n");
  sb_printf(o, "typedef struct hta_hw_config {\n");
  fits(snprintf(decl[0], DECL_LEN, "const char *name;"));
  comment[0] = "the file name: hw/config/<name>.cfg";
  for (int i = 0; i < n; i++) {
    const param *p = i < n_params ? &params[i] : &derived[i - n_params];
    char snake[2 * MAX_NAME + 2];
    camel_to_snake(p->name, snake, sizeof snake);
    for (char *c = snake; *c; c++)
      if (is_upper(*c)) *c = (char)(*c - 'A' + 'a');
    fits(snprintf(decl[i + 1], DECL_LEN, "uint32_t %s;", snake));
    snprintf(text[i], sizeof text[i], "%s: %s", p->name, p->comment);
    comment[i + 1] = text[i];
  }
  fits(snprintf(decl[n + 1], DECL_LEN, "uint32_t signature;"));
  comment[n + 1] = "CfgSignature (below)";
  emit_decls(o, n + 2, decl, comment, -1, "  ", "/* ", "     ", " */");
  sb_printf(o, "} hta_hw_config;\n\n");
  sb_comment(o, "", "/* signature: ", "   ", SIGNATURE_TEXT, " */");
  sb_printf(o, "\n/* entries of hta_hw_configs, sorted by name */\n");
  sb_printf(o, "#define HTA_HW_CONFIG_COUNT %d\n", n_configs);
  sb_printf(o, "/* the configuration used wherever none is named */\n");
  sb_printf(o, "#define HTA_HW_CONFIG_DEFAULT \"%s\"\n", configs[default_cfg].name);
  sb_printf(o, "/* every name, for messages */\n#define HTA_HW_CONFIG_NAMES \"");
  for (int c = 0; c < n_configs; c++) sb_printf(o, "%s%s", c ? ", " : "", configs[c].name);
  sb_printf(o, "\"\n");
  sb_printf(o, "/* entries of hta_hw_config_fields: every uint32_t field but signature */\n");
  sb_printf(o, "#define HTA_HW_CONFIG_FIELDS %d\n\n", n);
  sb_printf(o, "extern const hta_hw_config hta_hw_configs[HTA_HW_CONFIG_COUNT];\n\n");
  sb_printf(o, "/* The fields by name, for listings (hta configs) and generic code. */\n");
  sb_printf(o, "typedef struct hta_hw_config_field {\n"
               "  const char *name;    /* as in the .cfg file: MacLanes */\n"
               "  const char *key;     /* the struct field: mac_lanes */\n"
               "  size_t offset;       /* offsetof(hta_hw_config, key) */\n"
               "  int derived;         /* computed from other parameters */\n"
               "  const char *comment; /* the .cfg file's comment */\n"
               "} hta_hw_config_field;\n\n");
  sb_printf(o, "extern const hta_hw_config_field hta_hw_config_fields[HTA_HW_CONFIG_FIELDS];\n\n");
  sb_printf(o, "/* Lookups (host/src/hw_config.c); NULL when nothing matches. */\n");
  sb_printf(o, "const hta_hw_config *hta_hw_config_find(const char *name);\n");
  sb_printf(o, "const hta_hw_config *hta_hw_config_by_signature(uint32_t signature);\n");
  sb_printf(o, "/* HTA_HW_CONFIG_DEFAULT's entry (never NULL). */\n");
  sb_printf(o, "const hta_hw_config *hta_hw_config_default(void);\n");
  sb_printf(o, "/* Field f (0 .. HTA_HW_CONFIG_FIELDS-1) of c. */\n");
  sb_printf(o, "uint32_t hta_hw_config_field_value(const hta_hw_config *c, int f);\n");
  sb_printf(o, "\n#ifdef __cplusplus\n}\n#endif\n#endif /* HTA_HW_CONFIG_H */\n");
}

static void gen_configs_c(sbuf *o) {
  sb_printf(o, "/*\n * hta_configs.c - every HTA hardware configuration, compiled into libhta.\n");
  sb_printf(o, " * generated by %s from %s - do not edit\n", TOOL, cfg_source);
  sb_printf(o, " * (edit those files and run `make regs`).\n */\n");
  sb_printf(o, "#include \"hta_hw_config.h\"\n\n");
  sb_printf(o, "const hta_hw_config hta_hw_configs[HTA_HW_CONFIG_COUNT] = {\n");
  for (int c = 0; c < n_configs; c++) {
    use_config(c);
    sb_printf(o, "    {\n        .name = \"%s\", /* %s */\n", configs[c].name, configs[c].path);
    for (int i = 0; i < n_params + N_DERIVED; i++) {
      const param *p = i < n_params ? &params[i] : &derived[i - n_params];
      char snake[2 * MAX_NAME + 2];
      camel_to_snake(p->name, snake, sizeof snake);
      for (char *ch = snake; *ch; ch++)
        if (is_upper(*ch)) *ch = (char)(*ch - 'A' + 'a');
      sb_printf(o, "        .%s = %ldu,\n", snake, p->value);
    }
    sb_printf(o, "        .signature = 0x%08xu,\n    },\n", cfg_signature);
  }
  sb_printf(o, "};\n\n");
  use_config(default_cfg);
  sb_printf(o, "const hta_hw_config_field hta_hw_config_fields[HTA_HW_CONFIG_FIELDS] = {\n");
  for (int i = 0; i < n_params + N_DERIVED; i++) {
    const param *p = i < n_params ? &params[i] : &derived[i - n_params];
    char snake[2 * MAX_NAME + 2];
    camel_to_snake(p->name, snake, sizeof snake);
    for (char *ch = snake; *ch; ch++)
      if (is_upper(*ch)) *ch = (char)(*ch - 'A' + 'a');
    sb_printf(o, "    {\"%s\", \"%s\", offsetof(hta_hw_config, %s), %d,\n", p->name, snake, snake,
              i >= n_params);
    sb_printf(o, "     \"");
    for (const char *ch = p->comment; *ch; ch++)
      sb_printf(o, (*ch == '"' || *ch == '\\') ? "\\%c" : "%c", *ch);
    sb_printf(o, "\"},\n");
  }
  sb_printf(o, "};\n");
}

static void gen_regs_sv(sbuf *o) {
  sb_printf(o, "// hta_regs_pkg.sv - HTA register map (AXI4-Lite, 32-bit registers, "
               "byte offsets).\n");
  sb_printf(o, "// generated by %s from %s - do not edit\n", TOOL, regmap_path);
  sb_printf(o, "// (edit %s and run `make regs`).\n", regmap_path);
  sb_printf(o, "// Refer to items as hta_regs_pkg::RegCtrl: Yosys 0.23 rejects `import`.\n");
  sb_printf(o, "`default_nettype none\n\npackage hta_regs_pkg;\n\n");
  sb_printf(o, "  // goes to VERSION[15:0]\n");
  sb_printf(o, "  localparam int RegmapVersion = %ld;\n", regmap_version);
  int w = 0;
  for (int i = 0; i < n_regs; i++) {
    char camel[MAX_NAME + 1];
    snake_to_camel(regs[i].name, camel, sizeof camel);
    int n = 3 + (int)strlen(camel);
    if (n > w) w = n;
  }
  for (int i = 0; i < n_regs; i++) {
    const reg *g = &regs[i];
    char camel[MAX_NAME + 1], text[MAX_TEXT + 8];
    snake_to_camel(g->name, camel, sizeof camel);
    snprintf(text, sizeof text, "%s: %s", g->access, g->desc);
    sb_printf(o, "\n");
    sb_comment(o, "  ", "// ", "//   ", text, "");
    sb_printf(o, "  localparam logic [11:0] Reg%-*s = 12'h%03X;\n", w - 3, camel, g->offset);
  }
  sb_printf(o, "\nendpackage\n");
}

static void gen_regs_h(sbuf *o) {
  sb_printf(o, "/*\n * hta_regs.h - HTA register map (AXI4-Lite, 32-bit registers, "
               "byte offsets).\n");
  sb_printf(o, " * generated by %s from %s - do not edit\n", TOOL, regmap_path);
  sb_printf(o, " * (edit %s and run `make regs`).\n */\n", regmap_path);
  sb_printf(o, "#ifndef HTA_REGS_H\n#define HTA_REGS_H\n\n");
  sb_printf(o, "/* goes to VERSION[15:0] */\n#define HTA_REGMAP_VERSION %ld\n", regmap_version);
  sb_printf(o, "/* number of registers (entries of hta_reg_table) */\n");
  sb_printf(o, "#define HTA_REGMAP_COUNT %d\n", n_regs);
  for (int i = 0; i < n_regs; i++) {
    const reg *g = &regs[i];
    char text[MAX_TEXT + 8];
    snprintf(text, sizeof text, "%s: %s", g->access, g->desc);
    sb_printf(o, "\n");
    sb_comment(o, "", "/* ", "   ", text, " */");
    sb_printf(o, "#define HTA_REG_%s 0x%03Xu\n", g->name, g->offset);
  }
  sb_printf(o, "\n#endif /* HTA_REGS_H */\n\n");
  sb_printf(o,
            "/*\n"
            " * Name, offset and writability of every register, for register dumps and\n"
            " * tests. Defined only where HTA_REGS_WANT_TABLE is defined before the\n"
            " * #include, so exactly one .c file owns it (a static table in every file\n"
            " * would be an unused-variable error under -Werror). It sits outside the\n"
            " * include guard so that file gets it even if another header included this\n"
            " * one first.\n"
            " */\n");
  sb_printf(o, "#if defined(HTA_REGS_WANT_TABLE) && !defined(HTA_REGS_TABLE_DEFINED)\n");
  sb_printf(o, "#define HTA_REGS_TABLE_DEFINED\n");
  sb_printf(o, "static const struct {\n  const char *name;\n  unsigned offset;\n"
               "  int writable;\n} hta_reg_table[HTA_REGMAP_COUNT] = {\n");
  for (int i = 0; i < n_regs; i++)
    sb_printf(o, "    {\"%s\", 0x%03Xu, %d},\n", regs[i].name, regs[i].offset, writable(&regs[i]));
  sb_printf(o, "};\n#endif /* HTA_REGS_WANT_TABLE */\n");
}

/* Markdown table cells: '|' would end the cell. */
static void md_cell(sbuf *o, const char *s) {
  for (; *s; s++) {
    if (*s == '|')
      sb_printf(o, "\\|");
    else
      sb_printf(o, "%c", *s);
  }
}

static void gen_regs_md(sbuf *o) {
  sb_printf(o, "<!-- generated by %s from %s - do not edit -->\n", TOOL, regmap_path);
  sb_printf(o, "# HTA registers\n\n");
  sb_printf(o,
            "This page is generated by `%s` from `%s`; edit that file and run\n"
            "`make regs` (CI's `make check-regs` fails when this page is stale).\n\n",
            TOOL, regmap_path);
  sb_printf(o,
            "AXI4-Lite slave `s_axi_control`, 32-bit registers, byte offsets. Register map\n"
            "version %ld (reported in `VERSION[15:0]`). The same offsets are\n"
            "`HTA_REG_<NAME>` in `host/include/hta_regs.h` and `Reg<Name>` (CamelCase) in\n"
            "`hw/rtl/hta_regs_pkg.sv`. Access: rw = read/write, ro = read-only,\n"
            "wo = write-only.\n\n",
            regmap_version);
  sb_printf(o, "| Offset | Name | Access | Description |\n|---|---|---|---|\n");
  for (int i = 0; i < n_regs; i++) {
    const reg *g = &regs[i];
    sb_printf(o, "| 0x%03X | %s | %s | ", g->offset, g->name, g->access);
    md_cell(o, g->desc);
    sb_printf(o, " |\n");
  }
}

/* The kernel's VLNV. Its version is the register map version, so anyone
 * holding an xclbin (XRT's kernel XML, package_xo, the Vivado block design)
 * can tell which map the kernel implements before touching a register. */
static const char *KERNEL_NAME = "hta_top";
static const char *KERNEL_VENDOR = "hta.dev";
static const char *KERNEL_LIBRARY = "rtlkernel";

/* XML comments must not contain "--"; paths are copied into one. */
static void xml_comment_text(sbuf *o, const char *s) {
  for (; *s; s++) sb_printf(o, "%c", (*s == '-' && s[1] == '-') ? '_' : *s);
}

static void gen_kernel_xml(sbuf *o) {
  const param *bus = find_param("BusBits"), *addr = find_param("AddrBits");
  long addr_bits = addr ? addr->value : 64; /* main() checked 12..64 */
  sb_printf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  sb_printf(o, "<!-- generated by %s from ", TOOL);
  xml_comment_text(o, regmap_path);
  sb_printf(o, "\n     and ");
  xml_comment_text(o, cfg_path);
  sb_printf(o, " - do not edit.\n");
  sb_printf(o, "     Vitis RTL-kernel description (package_xo -kernel_xml; xclbin\n");
  sb_printf(o, "     EMBEDDED_METADATA). The vlnv version is the register map version\n");
  sb_printf(o, "     (VERSION[15:0] = %ld) as MAJOR.0; arg offsets are the register map's. -->\n",
            regmap_version);
  sb_printf(o, "<root versionMajor=\"1\" versionMinor=\"6\">\n");
  /* attributes wrapped so lines stay under WRAP_COL (XML allows it) */
  sb_printf(o, "  <kernel name=\"%s\" language=\"ip_c\" vlnv=\"%s:%s:%s:%ld.0\"\n",
            KERNEL_NAME, KERNEL_VENDOR, KERNEL_LIBRARY, KERNEL_NAME, regmap_version);
  sb_printf(o, "          attributes=\"\" preferredWorkGroupSizeMultiple=\"0\" "
               "workGroupSize=\"1\"\n");
  sb_printf(o, "          interrupt=\"true\" hwControlProtocol=\"ap_ctrl_hs\">\n");
  sb_printf(o, "    <ports>\n");
  sb_printf(o, "      <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x1000\" "
               "dataWidth=\"32\"\n");
  sb_printf(o, "            portType=\"addressable\" base=\"0x0\"/>\n");
  /* range: the whole address space the master can reach */
  sb_printf(o, "      <port name=\"M_AXI_GMEM\" mode=\"master\" range=\"0x");
  sb_printf(o, "%c", "F137"[addr_bits % 4]);
  for (long b = (addr_bits - 1) / 4; b > 0; b--) sb_printf(o, "F");
  sb_printf(o, "\" dataWidth=\"%ld\"\n", bus ? bus->value : 0);
  sb_printf(o, "            portType=\"addressable\" base=\"0x0\"/>\n");
  sb_printf(o, "    </ports>\n");
  sb_printf(o, "    <args>\n");
  for (int k = 0; k < n_kargs; k++) {
    const karg *a = &kargs[k];
    sb_printf(o, "      <arg name=\"%s\" addressQualifier=\"%d\" id=\"%d\" port=\"%s\"\n",
              a->name, a->type->pointer, k, a->type->pointer ? "M_AXI_GMEM" : "S_AXI_CONTROL");
    sb_printf(o,
              "           size=\"0x%X\" offset=\"0x%X\" hostOffset=\"0x0\" hostSize=\"0x%X\" "
              "type=\"%s\"/>\n",
              a->size, a->offset, a->size, a->type->c_type);
  }
  sb_printf(o, "    </args>\n");
  sb_printf(o, "  </kernel>\n");
  sb_printf(o, "</root>\n");
}

/* mkdir -p of the parent folder of `path`. */
static int make_parents(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int rc = mkdir(path, 0777);
    int err = errno;
    *p = '/';
    if (rc != 0 && err != EEXIST) {
      errno = err;
      return -1;
    }
  }
  return 0;
}

/* Write `content` to `path` unless the file already holds exactly that.
 * Returns 1 if written, 0 if unchanged, -1 on error. The new file goes to a
 * temporary name first so an interrupted run leaves the old file whole. */
static int write_if_changed(const char *path, const sbuf *content) {
  FILE *f = fopen(path, "rb");
  if (f) {
    int same = 1;
    size_t i = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
      if (i >= content->len || (char)c != content->buf[i]) {
        same = 0;
        break;
      }
      i++;
    }
    if (i != content->len) same = 0;
    fclose(f);
    if (same) return 0;
  }
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
  if (make_parents(tmp) != 0) return -1;
  f = fopen(tmp, "wb");
  if (!f) return -1;
  int ok = fwrite(content->buf, 1, content->len, f) == content->len;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return -1;
  }
  return 1;
}

/* The device program format (hw/config/program.cfg): its parser and outputs
 * live in their own file, compiled as part of this one. */
#include "gen_prog.c"

static int usage(void) {
  fprintf(stderr, "usage: hta_gen [-q] [--config-dir DIR | --cfg FILE] [--default NAME] "
                  "[--regmap FILE] [--prog FILE] [--out DIR]\n");
  return 1;
}

/* A configuration's name is its file name without ".cfg": it becomes a
 * folder, a C string and part of a shared object's name. */
static int config_name_of(const char *path, char *name, size_t cap) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n <= 4 || strcmp(base + n - 4, ".cfg") != 0) return 0;
  n -= 4;
  if (n > MAX_CFG_NAME || n >= cap || !is_lower(base[0])) return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_lower(base[i]) && !is_digit(base[i]) && base[i] != '_') return 0;
  memcpy(name, base, n);
  name[n] = '\0';
  return 1;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parse one configuration file into configs[n_configs]. */
static void add_config(const char *path) {
  if (n_configs == MAX_CONFIGS) {
    error_at(path, 0, "more than %d configurations", MAX_CONFIGS);
    return;
  }
  config *c = &configs[n_configs];
  if (!config_name_of(path, c->name, sizeof c->name)) {
    error_at(path, 0, "a configuration file is named <name>.cfg, name [a-z][a-z0-9_]*, at most "
             "%d characters", MAX_CFG_NAME);
    return;
  }
  copy_str(c->path, sizeof c->path, path);
  n_params = 0;
  memset(derived, 0, sizeof derived);
  cfg_signature = 0;
  const int before = n_errors;
  parse_cfg(path);
  const param *addr_bits = n_errors > before ? NULL : find_param("AddrBits");
  if (addr_bits && (addr_bits->value < 12 || addr_bits->value > 64))
    error_at(path, addr_bits->line, "AddrBits = %ld must be in 12..64", addr_bits->value);
  save_config(c);
  n_configs++;
}

/* Every configuration lists the same parameters in the same order (they are
 * the fields of one C struct), and no two have the same signature (a device
 * is recognised by it). */
static void check_configs(void) {
  const config *a = &configs[0];
  for (int k = 1; k < n_configs; k++) {
    const config *b = &configs[k];
    for (int i = 0; i < a->n_params || i < b->n_params; i++) {
      if (i >= b->n_params) {
        error_at(b->path, 0, "%s is missing (%s defines it; every configuration lists the same "
                 "parameters in the same order)", a->params[i].name, a->path);
        break;
      }
      if (i >= a->n_params || strcmp(a->params[i].name, b->params[i].name) != 0) {
        error_at(b->path, b->params[i].line, "%s where %s has %s (every configuration lists the "
                 "same parameters in the same order)", b->params[i].name, a->path,
                 i < a->n_params ? a->params[i].name : "no more parameters");
        break;
      }
    }
    for (int j = 0; j < k; j++)
      if (configs[j].signature == b->signature)
        error_at(b->path, 0, "same values, hence same signature 0x%08x, as %s", b->signature,
                 configs[j].path);
  }
}

int main(int argc, char **argv) {
  const char *out_dir = ".";
  const char *config_dir = "hw/config", *one_cfg = NULL, *default_name = "small";
  int quiet = 0;
  regmap_path = "hw/config/regmap.cfg";
  const char *prog_cfg_path = "hw/config/program.cfg";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0)
      quiet = 1;
    else if (strcmp(argv[i], "--cfg") == 0 && i + 1 < argc)
      one_cfg = argv[++i];
    else if (strcmp(argv[i], "--config-dir") == 0 && i + 1 < argc)
      config_dir = argv[++i];
    else if (strcmp(argv[i], "--default") == 0 && i + 1 < argc)
      default_name = argv[++i];
    else if (strcmp(argv[i], "--regmap") == 0 && i + 1 < argc)
      regmap_path = argv[++i];
    else if (strcmp(argv[i], "--prog") == 0 && i + 1 < argc)
      prog_cfg_path = argv[++i];
    else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
      out_dir = argv[++i];
    else
      return usage();
  }

  /* The configurations: one file (--cfg, the vendor flows: it is then the
   * default), or every <name>.cfg of the folder but the register map. */
  static char source[MAX_LINE];
  if (one_cfg) {
    add_config(one_cfg);
    default_cfg = 0;
    copy_str(source, sizeof source, one_cfg);
  } else {
    DIR *d = opendir(config_dir);
    static char paths[MAX_CONFIGS + 1][MAX_LINE];
    const char *sorted[MAX_CONFIGS + 1];
    int n = 0;
    if (!d) {
      error_at(config_dir, 0, "cannot open: %s", strerror(errno));
    } else {
      const char *regmap_base = strrchr(regmap_path, '/');
      regmap_base = regmap_base ? regmap_base + 1 : regmap_path;
      const char *prog_base = strrchr(prog_cfg_path, '/');
      prog_base = prog_base ? prog_base + 1 : prog_cfg_path;
      for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".cfg") != 0 ||
            strcmp(e->d_name, regmap_base) == 0 || strcmp(e->d_name, prog_base) == 0)
          continue;
        if (n == MAX_CONFIGS + 1) break;
        if (snprintf(paths[n], sizeof paths[n], "%s/%s", config_dir, e->d_name) >=
            (int)sizeof paths[n])
          continue;
        sorted[n] = paths[n];
        n++;
      }
      closedir(d);
    }
    qsort(sorted, (size_t)n, sizeof sorted[0], cmp_str);
    for (int i = 0; i < n; i++) add_config(sorted[i]);
    if (d && n == 0) error_at(config_dir, 0, "no <name>.cfg configuration files");
    for (int i = 0; i < n_configs; i++)
      if (strcmp(configs[i].name, default_name) == 0) default_cfg = i;
    if (n_configs > 0 && default_cfg < 0 && !n_errors)
      error_at(config_dir, 0, "no configuration named \"%s\" (the default)", default_name);
    snprintf(source, sizeof source, "%s/<name>.cfg", config_dir);
  }
  cfg_source = source;
  if (!n_errors) check_configs();
  parse_regmap(regmap_path);
  if (!n_errors) parse_args(regmap_path);
  parse_prog(prog_cfg_path);
  if (!n_errors) prog_parse_counters(regmap_path);
  if (n_errors) {
    fprintf(stderr, "hta_gen: %d error%s, nothing written\n", n_errors, n_errors == 1 ? "" : "s");
    return 1;
  }

  /* Per configuration its SV package; hw/rtl/hta_cfg_pkg.sv is the default
   * one (lint, synth and the fixed-configuration models read hw/rtl). */
  typedef struct {
    char path[DECL_LEN];
    void (*gen)(sbuf *);
    int cfg;
  } output;
  static output outputs[MAX_CONFIGS + 8];
  int n_out = 0;
  for (int c = 0; c < n_configs; c++) {
    fits(snprintf(outputs[n_out].path, sizeof outputs[n_out].path,
                  "hw/config/gen/%s/hta_cfg_pkg.sv", configs[c].name));
    outputs[n_out].gen = gen_cfg_sv;
    outputs[n_out++].cfg = c;
  }
  static const struct {
    const char *path;
    void (*gen)(sbuf *);
  } fixed[] = {
      {"hw/rtl/hta_cfg_pkg.sv", gen_cfg_sv},
      {"host/include/hta_hw_config.h", gen_hw_config_h},
      {"host/src/hta_configs.c", gen_configs_c},
      {"hw/rtl/hta_regs_pkg.sv", gen_regs_sv},
      {"host/include/hta_regs.h", gen_regs_h},
      {"docs/registers.md", gen_regs_md},
      {"bitstreams/alveo/kernel.xml", gen_kernel_xml},
      {"hw/rtl/hta_prog_pkg.sv", gen_prog_sv},
      {"host/include/hta_prog.h", gen_prog_h},
      {"docs/program-format.md", gen_prog_md},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    copy_str(outputs[n_out].path, sizeof outputs[n_out].path, fixed[i].path);
    outputs[n_out].gen = fixed[i].gen;
    outputs[n_out++].cfg = default_cfg;
  }
  int rc = 0;
  for (int i = 0; i < n_out; i++) {
    sbuf sb = {0};
    char path[4096];
    use_config(outputs[i].cfg);
    outputs[i].gen(&sb);
    if (strcmp(out_dir, ".") == 0)
      copy_str(path, sizeof path, outputs[i].path);
    else if (snprintf(path, sizeof path, "%s/%s", out_dir, outputs[i].path) >= (int)sizeof path)
      path[0] = '\0'; /* write_if_changed fails on it */
    int w = write_if_changed(path, &sb);
    if (w < 0) {
      fprintf(stderr, "hta_gen: cannot write %s: %s\n", path, strerror(errno));
      rc = 1;
    } else if (w > 0 && !quiet) {
      printf("hta_gen: updated %s\n", path);
    }
    free(sb.buf);
  }
  return rc;
}
