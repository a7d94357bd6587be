/*
 * gen_prog.c - the device program format part of hta_gen: one source for the
 * binary contract between compiler, engine and program readers.
 *
 *   hw/config/program.cfg -> hw/rtl/hta_prog_pkg.sv   (constants, error codes,
 *                                                      one packed struct per
 *                                                      structure, word indices)
 *                            host/include/hta_prog.h  (the same, C structs,
 *                                                      pack/unpack functions,
 *                                                      the counter list)
 *                            docs/program-format.md   (the tables)
 *   regmap.cfg's registers whose description starts "counter NAME:" -> the
 *   performance counter list (HTA_COUNTERS in hta_prog.h, the doc table).
 *
 * The input format is described at the top of hw/config/program.cfg.
 *
 * This file is compiled as part of hta_gen.c (#included near its end), so it
 * shares that file's line reader, error reporting and output helpers without
 * making them an interface; everything here is static and starts with prog_
 * or gen_prog_, and hta_gen.c's main() only calls parse_prog() and lists the
 * three outputs.
 */

enum {
  PROG_MAX_STRUCTS = 16,
  PROG_MAX_FIELDS = 64, /* per structure */
  PROG_MAX_CONSTS = 64,
  PROG_MAX_ERRORS = 256,
  PROG_MAX_WORDS = 16 /* 64 bytes */
};

typedef struct {
  char name[MAX_NAME + 1];
  int word, msb, lsb, is_signed;
  char desc[MAX_TEXT];
  int line;
} prog_field;

typedef struct {
  char name[MAX_NAME + 1];
  int bytes;
  char desc[MAX_TEXT];
  int line;
  prog_field fields[PROG_MAX_FIELDS];
  int n_fields;
} prog_struct;

typedef struct {
  char name[MAX_NAME + 1];
  unsigned long value;
  int bits;
  char desc[MAX_TEXT];
  int line;
} prog_const;

typedef struct {
  int code;
  char name[MAX_NAME + 1];
  char desc[MAX_TEXT];
  int line;
} prog_error;

typedef struct {
  char name[MAX_NAME + 1];
  unsigned offset; /* of the low word */
  int bits;        /* 32 or 64 (a _LO register followed by its _HI) */
  const char *desc;
} prog_counter;

static const char *prog_path;
static prog_struct prog_structs[PROG_MAX_STRUCTS];
static int prog_n_structs;
static prog_const prog_consts[PROG_MAX_CONSTS];
static int prog_n_consts;
static prog_error prog_errors[PROG_MAX_ERRORS];
static int prog_n_errors;
static prog_counter prog_counters[MAX_REGS];
static int prog_n_counters;

/* lower_snake: [a-z][a-z0-9_]*, no "__", no trailing '_'. */
static int prog_is_lower_snake(const char *s) {
  if (!is_lower(s[0])) return 0;
  for (const char *p = s; *p; p++) {
    if (*p == '_') {
      if (p[1] == '\0' || p[1] == '_') return 0;
    } else if (!is_lower(*p) && !is_digit(*p)) {
      return 0;
    }
  }
  return 1;
}

/* Decimal (no sign, no leading zeros) or "0x" hex, up to 0xFFFFFFFF. */
static int prog_parse_value(const char *s, unsigned long *v) {
  long d;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return parse_hex(s, v);
  if (!parse_decimal(s, 2147483647L, &d)) return 0;
  *v = (unsigned long)d;
  return 1;
}

/* lower_snake -> LowerSnake (pass_header -> PassHeader). */
static void prog_camel(const char *s, char *out, size_t cap) {
  size_t o = 0;
  int start = 1;
  for (; *s && o + 1 < cap; s++) {
    if (*s == '_') {
      start = 1;
      continue;
    }
    out[o++] = (start && is_lower(*s)) ? (char)(*s - 'a' + 'A') : *s;
    start = 0;
  }
  out[o] = '\0';
}

/* lower_snake -> LOWER_SNAKE. */
static void prog_upper(const char *s, char *out, size_t cap) {
  size_t o = 0;
  for (; *s && o + 1 < cap; s++) out[o++] = is_lower(*s) ? (char)(*s - 'a' + 'A') : *s;
  out[o] = '\0';
}

static const prog_struct *prog_find_struct(const char *name) {
  for (int i = 0; i < prog_n_structs; i++)
    if (strcmp(prog_structs[i].name, name) == 0) return &prog_structs[i];
  return NULL;
}

static void prog_field_line(const char *path, int line, prog_struct *st, char **tok, int n) {
  if (n != 5) {
    error_at(path, line, "expected \"WORD MSB:LSB FIELD u|s DESCRIPTION\"");
    return;
  }
  long word;
  if (!parse_decimal(tok[0], 1000, &word)) {
    error_at(path, line, "word \"%s\" is not a decimal number", tok[0]);
    return;
  }
  if (word >= st->bytes / 4) {
    error_at(path, line, "word %ld is outside %s (%d bytes: words 0..%d)", word, st->name,
             st->bytes, st->bytes / 4 - 1);
    return;
  }
  char *colon = strchr(tok[1], ':');
  long msb, lsb;
  if (!colon) {
    error_at(path, line, "bits \"%s\" are not MSB:LSB", tok[1]);
    return;
  }
  *colon = '\0';
  if (!parse_decimal(tok[1], 1000, &msb) || !parse_decimal(colon + 1, 1000, &lsb)) {
    error_at(path, line, "bits \"%s:%s\" are not MSB:LSB (decimal)", tok[1], colon + 1);
    return;
  }
  if (msb > 31 || lsb > msb) {
    error_at(path, line, "field %s: bits %ld:%ld are too wide or reversed (a field lies in one "
             "32-bit word: 31 >= MSB >= LSB >= 0)", tok[2], msb, lsb);
    return;
  }
  if (strlen(tok[2]) > MAX_NAME || !prog_is_lower_snake(tok[2])) {
    error_at(path, line, "field name \"%s\" is not lower_snake ([a-z][a-z0-9_]*, at most %d)",
             tok[2], MAX_NAME);
    return;
  }
  if (strcmp(tok[3], "u") != 0 && strcmp(tok[3], "s") != 0) {
    error_at(path, line, "field %s: signedness \"%s\" is not u or s", tok[2], tok[3]);
    return;
  }
  if (!check_comment_text(path, line, tok[4])) return;
  for (int i = 0; i < st->n_fields; i++) {
    const prog_field *f = &st->fields[i];
    if (strcmp(f->name, tok[2]) == 0) {
      error_at(path, line, "%s.%s already defined on line %d", st->name, tok[2], f->line);
      return;
    }
    if (f->word == word && f->lsb <= msb && lsb <= f->msb) {
      error_at(path, line, "%s.%s (word %ld bits %ld:%ld) overlaps %s (line %d, bits %d:%d)",
               st->name, tok[2], word, msb, lsb, f->name, f->line, f->msb, f->lsb);
      return;
    }
  }
  if (st->n_fields == PROG_MAX_FIELDS) {
    error_at(path, line, "more than %d fields in %s", PROG_MAX_FIELDS, st->name);
    return;
  }
  prog_field *f = &st->fields[st->n_fields++];
  copy_str(f->name, sizeof f->name, tok[2]);
  f->word = (int)word;
  f->msb = (int)msb;
  f->lsb = (int)lsb;
  f->is_signed = tok[3][0] == 's';
  copy_str(f->desc, sizeof f->desc, tok[4]);
  f->line = line;
}

/* The performance counters: registers of regmap.cfg whose description starts
 * "counter NAME:". A register named X_LO must be followed by X_HI at the next
 * offset (a 64-bit counter); any other name is a 32-bit counter. */
static const char PROG_COUNTER_MARK[] = "counter ";

static void prog_parse_counters(const char *path) {
  for (int i = 0; i < n_regs; i++) {
    const reg *g = &regs[i];
    size_t mark = sizeof PROG_COUNTER_MARK - 1;
    if (strncmp(g->desc, PROG_COUNTER_MARK, mark) != 0) continue;
    const char *name = g->desc + mark, *p = name;
    while (is_lower(*p) || is_digit(*p) || *p == '_') p++;
    size_t len = (size_t)(p - name);
    char nm[MAX_NAME + 1];
    if (len == 0 || len > MAX_NAME || *p != ':') {
      error_at(path, g->line, "%s: expected \"counter name: description\" (lower_snake name)",
               g->name);
      continue;
    }
    memcpy(nm, name, len);
    nm[len] = '\0';
    if (!prog_is_lower_snake(nm)) {
      error_at(path, g->line, "%s: counter name \"%s\" is not lower_snake", g->name, nm);
      continue;
    }
    if (strcmp(g->access, "ro") != 0) {
      error_at(path, g->line, "%s: a counter register must be ro", g->name);
      continue;
    }
    int dup = 0;
    for (int k = 0; k < prog_n_counters; k++)
      if (strcmp(prog_counters[k].name, nm) == 0) dup = 1;
    if (dup) {
      error_at(path, g->line, "counter %s defined twice", nm);
      continue;
    }
    int bits = 32;
    size_t gl = strlen(g->name);
    if (gl > 3 && strcmp(g->name + gl - 3, "_LO") == 0) {
      const reg *h = i + 1 < n_regs ? &regs[i + 1] : NULL;
      if (!h || strncmp(h->name, g->name, gl - 3) != 0 || strcmp(h->name + gl - 3, "_HI") != 0 ||
          h->name[gl] != '\0' || h->offset != g->offset + 4) {
        error_at(path, g->line, "%s: a _LO counter needs its _HI register right after it, at "
                 "0x%03X", g->name, g->offset + 4);
        continue;
      }
      bits = 64;
    }
    prog_counter *c = &prog_counters[prog_n_counters++];
    copy_str(c->name, sizeof c->name, nm);
    c->offset = g->offset;
    c->bits = bits;
    c->desc = p + 1 + (p[1] == ' ');
  }
}

static void parse_prog(const char *path) {
  reader r = {.path = path};
  prog_path = path;
  r.f = fopen(path, "r");
  if (!r.f) {
    error_at(path, 0, "cannot open: %s", strerror(errno));
    return;
  }
  int errors_before = n_errors;
  prog_struct *cur = NULL;
  while (next_line(&r)) {
    char *tok[5];
    if (strncmp(r.code, "const ", 6) == 0) {
      int n = split(r.code, tok, 5);
      unsigned long v;
      long bits;
      if (n != 5) {
        error_at(path, r.line, "expected \"const NAME BITS VALUE DESCRIPTION\"");
      } else if (strlen(tok[1]) > MAX_NAME || !is_camel(tok[1])) {
        error_at(path, r.line, "constant name \"%s\" is not UpperCamelCase", tok[1]);
      } else if (!parse_decimal(tok[2], 32, &bits) || bits < 1) {
        error_at(path, r.line, "width \"%s\" of %s is not a decimal number in 1..32", tok[2],
                 tok[1]);
      } else if (!prog_parse_value(tok[3], &v)) {
        error_at(path, r.line, "value \"%s\" of %s is not decimal or 0x hex in 0..0xFFFFFFFF",
                 tok[3], tok[1]);
      } else if (bits < 32 && v >> bits != 0) {
        error_at(path, r.line, "value %s of %s does not fit %ld bits", tok[3], tok[1], bits);
      } else if (check_comment_text(path, r.line, tok[4])) {
        int dup = 0;
        for (int i = 0; i < prog_n_consts; i++)
          if (strcmp(prog_consts[i].name, tok[1]) == 0) {
            error_at(path, r.line, "%s already defined on line %d", tok[1], prog_consts[i].line);
            dup = 1;
          }
        if (!dup && prog_n_consts == PROG_MAX_CONSTS) {
          error_at(path, r.line, "more than %d constants", PROG_MAX_CONSTS);
          dup = 1;
        }
        if (!dup) {
          prog_const *c = &prog_consts[prog_n_consts++];
          copy_str(c->name, sizeof c->name, tok[1]);
          c->value = v;
          c->bits = (int)bits;
          copy_str(c->desc, sizeof c->desc, tok[4]);
          c->line = r.line;
        }
      }
      cur = NULL;
    } else if (strncmp(r.code, "struct ", 7) == 0) {
      int n = split(r.code, tok, 4);
      long bytes;
      cur = NULL;
      if (n != 4) {
        error_at(path, r.line, "expected \"struct NAME BYTES DESCRIPTION\"");
      } else if (strlen(tok[1]) > MAX_NAME || !prog_is_lower_snake(tok[1])) {
        error_at(path, r.line, "structure name \"%s\" is not lower_snake", tok[1]);
      } else if (!parse_decimal(tok[2], 1000, &bytes) || bytes < 4 || bytes % 4 != 0 ||
                 bytes > 4 * PROG_MAX_WORDS) {
        error_at(path, r.line, "%s: size \"%s\" must be a multiple of 4 in 4..%d bytes", tok[1],
                 tok[2], 4 * PROG_MAX_WORDS);
      } else if (prog_find_struct(tok[1])) {
        error_at(path, r.line, "structure %s already defined on line %d", tok[1],
                 prog_find_struct(tok[1])->line);
      } else if (prog_n_structs == PROG_MAX_STRUCTS) {
        error_at(path, r.line, "more than %d structures", PROG_MAX_STRUCTS);
      } else if (check_comment_text(path, r.line, tok[3])) {
        cur = &prog_structs[prog_n_structs++];
        copy_str(cur->name, sizeof cur->name, tok[1]);
        cur->bytes = (int)bytes;
        copy_str(cur->desc, sizeof cur->desc, tok[3]);
        cur->line = r.line;
        cur->n_fields = 0;
      }
    } else if (strncmp(r.code, "error ", 6) == 0) {
      int n = split(r.code, tok, 4);
      long code;
      cur = NULL;
      if (n != 4) {
        error_at(path, r.line, "expected \"error CODE NAME DESCRIPTION\"");
      } else if (!parse_decimal(tok[1], 255, &code)) {
        error_at(path, r.line, "error code \"%s\" is not a decimal number in 0..255", tok[1]);
      } else if (prog_n_errors > 0 && code <= prog_errors[prog_n_errors - 1].code) {
        error_at(path, r.line, "error code %ld is not above %d (line %d): keep codes increasing",
                 code, prog_errors[prog_n_errors - 1].code, prog_errors[prog_n_errors - 1].line);
      } else if (strlen(tok[2]) > MAX_NAME || !is_upper_snake(tok[2])) {
        error_at(path, r.line, "error name \"%s\" is not UPPER_SNAKE", tok[2]);
      } else if (check_comment_text(path, r.line, tok[3])) {
        int dup = 0;
        for (int i = 0; i < prog_n_errors; i++)
          if (strcmp(prog_errors[i].name, tok[2]) == 0) {
            error_at(path, r.line, "error %s already defined on line %d", tok[2],
                     prog_errors[i].line);
            dup = 1;
          }
        if (!dup) {
          prog_error *e = &prog_errors[prog_n_errors++];
          e->code = (int)code;
          copy_str(e->name, sizeof e->name, tok[2]);
          copy_str(e->desc, sizeof e->desc, tok[3]);
          e->line = r.line;
        }
      }
    } else if (is_digit(r.code[0])) {
      int n = split(r.code, tok, 5);
      if (!cur)
        error_at(path, r.line, "field line outside a structure (a \"struct\" line starts one)");
      else
        prog_field_line(path, r.line, cur, tok, n);
    } else {
      error_at(path, r.line, "expected a \"const\", \"struct\", \"error\" or field line");
    }
  }
  fclose(r.f);
  if (n_errors > errors_before) return;
  for (int i = 0; i < prog_n_structs; i++)
    if (prog_structs[i].n_fields == 0)
      error_at(path, prog_structs[i].line, "structure %s has no fields", prog_structs[i].name);
  if (prog_n_errors == 0 || prog_errors[0].code != 0)
    error_at(path, 0, "the error codes must start with code 0 (no error)");
}

/* ------------------------------------------------------------------------ */
/* Outputs                                                                    */

/* Fields of a structure from the most significant bit down (the order of a
 * SystemVerilog packed struct), reserved gaps included: fills out[] with
 * {field or NULL, msb, lsb} in the structure's bit numbering (word*32+bit). */
typedef struct {
  const prog_field *f;
  int msb, lsb;
} prog_span;

static int prog_spans(const prog_struct *st, prog_span *out) {
  int n = 0, top = st->bytes * 8 - 1;
  while (top >= 0) {
    const prog_field *best = NULL;
    int best_msb = -1;
    for (int i = 0; i < st->n_fields; i++) {
      const prog_field *f = &st->fields[i];
      int msb = f->word * 32 + f->msb;
      if (msb <= top && msb > best_msb) {
        best = f;
        best_msb = msb;
      }
    }
    if (best && best_msb == top) {
      out[n++] = (prog_span){best, top, best->word * 32 + best->lsb};
      top = best->word * 32 + best->lsb - 1;
    } else {
      out[n++] = (prog_span){NULL, top, best_msb + 1};
      top = best_msb;
    }
  }
  return n;
}

static void gen_prog_sv(sbuf *o) {
  sb_printf(o, "// hta_prog_pkg.sv - HTA device program format: constants, engine error codes,\n");
  sb_printf(o, "// and one packed struct per structure (docs/program-format.md).\n");
  sb_printf(o, "// generated by %s from %s - do not edit\n", TOOL, prog_path);
  sb_printf(o, "// (edit %s and run `make regs`).\n", prog_path);
  sb_printf(o, "// Refer to items as hta_prog_pkg::desc_t: Yosys 0.23 rejects `import`. Word w"
               " of\n");
  sb_printf(o, "// a structure is bits [32*w+31:32*w] of its struct (word 0 = the lowest bits),"
               " as\n");
  sb_printf(o, "// the engine assembles little-endian bus beats. Fields marked (signed) are\n");
  sb_printf(o, "// two's complement; the struct members are plain logic vectors.\n");
  sb_printf(o, "`default_nettype none\n\npackage hta_prog_pkg;\n\n");
  for (int i = 0; i < prog_n_consts; i++) {
    const prog_const *c = &prog_consts[i];
    sb_comment(o, "  ", "// ", "//   ", c->desc, "");
    sb_printf(o, "  localparam logic [%d:0] %s = %d'h%lX;\n", c->bits - 1, c->name, c->bits,
              c->value);
  }
  sb_printf(o, "\n  // Engine error codes, STATUS[7:0].\n");
  for (int i = 0; i < prog_n_errors; i++) {
    const prog_error *e = &prog_errors[i];
    char camel[MAX_NAME + 1];
    snake_to_camel(e->name, camel, sizeof camel);
    sb_comment(o, "  ", "// ", "//   ", e->desc, "");
    sb_printf(o, "  localparam logic [7:0] Err%s = 8'd%d;\n",
              strncmp(camel, "Err", 3) == 0 ? camel + 3 : camel, e->code);
  }
  for (int s = 0; s < prog_n_structs; s++) {
    const prog_struct *st = &prog_structs[s];
    char camel[MAX_NAME + 1];
    prog_camel(st->name, camel, sizeof camel);
    sb_printf(o, "\n");
    sb_comment(o, "  ", "// ", "// ", st->desc, "");
    sb_printf(o, "  localparam int %sBytes = %d;\n", camel, st->bytes);
    sb_printf(o, "  // word index of each field (ERR_INFO names words)\n");
    for (int i = 0; i < st->n_fields; i++) {
      char fc[MAX_NAME + 1];
      prog_camel(st->fields[i].name, fc, sizeof fc);
      sb_printf(o, "  localparam int %sW%s = %d;\n", camel, fc, st->fields[i].word);
    }
    prog_span sp[PROG_MAX_FIELDS * 2 + 2];
    int n = prog_spans(st, sp);
    sb_printf(o, "  typedef struct packed {\n");
    for (int i = 0; i < n; i++) {
      char decl[DECL_LEN], name[MAX_NAME + 16];
      int w = sp[i].msb - sp[i].lsb + 1;
      if (sp[i].f)
        copy_str(name, sizeof name, sp[i].f->name);
      else
        snprintf(name, sizeof name, "rsvd%d", sp[i].lsb);
      if (w == 1)
        fits(snprintf(decl, DECL_LEN, "logic %s;", name));
      else
        fits(snprintf(decl, DECL_LEN, "logic [%d:0] %s;", w - 1, name));
      char text[MAX_TEXT + 64];
      if (sp[i].f)
        snprintf(text, sizeof text, "w%d[%d:%d]%s %s", sp[i].f->word, sp[i].f->msb, sp[i].f->lsb,
                 sp[i].f->is_signed ? " (signed)" : "", sp[i].f->desc);
      else
        snprintf(text, sizeof text, "reserved, 0");
      /* a trailing comment if the line stays under WRAP_COL, else above */
      if (4 + 28 + 4 + strlen(text) < WRAP_COL) {
        sb_printf(o, "    %-28s // %s\n", decl, text);
      } else {
        sb_comment(o, "    ", "// ", "//   ", text, "");
        sb_printf(o, "    %s\n", decl);
      }
    }
    sb_printf(o, "  } %s_t;\n", st->name);
  }
  sb_printf(o, "\nendpackage\n");
}

static void gen_prog_h(sbuf *o) {
  sb_printf(o, "/*\n * hta_prog.h - HTA device program format: constants, engine error codes,\n");
  sb_printf(o, " * one struct per structure with pack/unpack functions, and the performance\n");
  sb_printf(o, " * counters (docs/program-format.md).\n");
  sb_printf(o, " * generated by %s from %s\n", TOOL, prog_path);
  sb_printf(o, " * and %s - do not edit (edit them and run `make regs`).\n *\n", regmap_path);
  sb_printf(o, " * Buffers are little-endian bytes, word w at bytes 4w..4w+3. pack checks that\n");
  sb_printf(o, " * every field fits its bits (unsigned 0..2^n-1, signed -2^(n-1)..2^(n-1)-1),\n");
  sb_printf(o, " * writes the whole structure (reserved bits 0) and returns 0, or returns -1\n");
  sb_printf(o, " * with a message naming the field in err (err may be NULL). unpack reads\n");
  sb_printf(o, " * every field, sign-extending signed ones, and ignores reserved bits.\n");
  sb_printf(o, " */\n#ifndef HTA_PROG_H\n#define HTA_PROG_H\n\n");
  sb_printf(o, "#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n"
               "#include <string.h>\n\n");
  for (int i = 0; i < prog_n_consts; i++) {
    const prog_const *c = &prog_consts[i];
    char snake[2 * MAX_NAME + 2];
    camel_to_snake(c->name, snake, sizeof snake);
    sb_comment(o, "", "/* ", "   ", c->desc, " */");
    if (c->value < 256)
      sb_printf(o, "#define HTA_%s %luu\n", snake, c->value);
    else
      sb_printf(o, "#define HTA_%s 0x%08lXu\n", snake, c->value);
  }

  sb_printf(o, "\n/* Engine error codes, STATUS bits 7:0 (docs/program-format.md). */\n");
  sb_printf(o, "enum hta_engine_code {\n");
  for (int i = 0; i < prog_n_errors; i++) {
    const prog_error *e = &prog_errors[i];
    sb_comment(o, "  ", "/* ", "     ", e->desc, " */");
    sb_printf(o, "  HTA_ENGINE_%s = %d%s\n", e->name, e->code, i + 1 < prog_n_errors ? "," : "");
  }
  sb_printf(o, "};\n#define HTA_ENGINE_CODE_COUNT %d\n\n", prog_n_errors);
  sb_printf(o, "/* \"ERR_DESC\" etc. for an engine error code; NULL for an unknown code. */\n");
  sb_printf(o, "static inline const char *hta_engine_code_name(uint32_t code) {\n");
  sb_printf(o, "  switch (code) {\n");
  for (int i = 0; i < prog_n_errors; i++)
    sb_printf(o, "  case %d: return \"%s\";\n", prog_errors[i].code, prog_errors[i].name);
  sb_printf(o, "  default: return NULL;\n  }\n}\n\n");

  sb_printf(o, "/* Shared by the pack functions: range-check v and store it in bits\n"
               " * lsb..lsb+width-1 of word `word` of buf. */\n");
  sb_printf(o, "static inline int hta_prog_put_(uint8_t *buf, const char *st, const char *field,\n"
               "                                unsigned word, unsigned lsb, unsigned width,\n"
               "                                int is_signed, int64_t v, char *err,\n"
               "                                size_t errlen) {\n"
               "  const int64_t lo = is_signed ? -((int64_t)1 << (width - 1)) : 0;\n"
               "  const int64_t hi = is_signed ? ((int64_t)1 << (width - 1)) - 1\n"
               "                               : ((int64_t)1 << width) - 1;\n"
               "  if (v < lo || v > hi) {\n"
               "    if (err != NULL && errlen > 0)\n"
               "      snprintf(err, errlen,\n"
               "               \"%%s.%%s = %%lld does not fit its %%u-bit %%s field \"\n"
               "               \"(%%lld..%%lld)\", st, field, (long long)v, width,\n"
               "               is_signed ? \"signed\" : \"unsigned\", (long long)lo,\n"
               "               (long long)hi);\n"
               "    return -1;\n"
               "  }\n"
               "  const uint32_t mask = width == 32 ? 0xffffffffu : ((1u << width) - 1u);\n"
               "  uint8_t *p = buf + 4 * word;\n"
               "  uint32_t x = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |\n"
               "               (uint32_t)p[3] << 24;\n"
               "  x = (x & ~(mask << lsb)) | ((uint32_t)v & mask) << lsb;\n"
               "  for (int b = 0; b < 4; b++) p[b] = (uint8_t)(x >> (8 * b));\n"
               "  return 0;\n"
               "}\n\n");
  sb_printf(o, "/* Bits lsb..lsb+width-1 of word `word` of buf, sign-extended if is_signed. */\n");
  sb_printf(o, "static inline int64_t hta_prog_get_(const uint8_t *buf, unsigned word,\n"
               "                                    unsigned lsb, unsigned width,\n"
               "                                    int is_signed) {\n"
               "  const uint8_t *p = buf + 4 * word;\n"
               "  const uint32_t x = (uint32_t)p[0] | (uint32_t)p[1] << 8 |\n"
               "                     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;\n"
               "  const uint32_t mask = width == 32 ? 0xffffffffu : ((1u << width) - 1u);\n"
               "  const uint32_t v = x >> lsb & mask;\n"
               "  if (is_signed && (v >> (width - 1)) & 1u)\n"
               "    return (int64_t)v - ((int64_t)1 << width);\n"
               "  return (int64_t)v;\n"
               "}\n");

  for (int s = 0; s < prog_n_structs; s++) {
    const prog_struct *st = &prog_structs[s];
    char up[MAX_NAME + 1];
    prog_upper(st->name, up, sizeof up);
    sb_printf(o, "\n/* ---- %s ---- */\n", st->name);
    sb_comment(o, "", "/* ", "   ", st->desc, " */");
    sb_printf(o, "#define HTA_%s_BYTES %du\n", up, st->bytes);
    sb_printf(o, "/* word index of each field (ERR_INFO names words) */\n");
    for (int i = 0; i < st->n_fields; i++) {
      char fu[MAX_NAME + 1];
      prog_upper(st->fields[i].name, fu, sizeof fu);
      sb_printf(o, "#define HTA_%s_W_%s %du\n", up, fu, st->fields[i].word);
    }
    sb_printf(o, "/* X(field, word, lsb, width, is_signed) for every field, in file order */\n");
    sb_printf(o, "#define HTA_%s_FIELDS(X) \\\n", up);
    for (int i = 0; i < st->n_fields; i++) {
      const prog_field *f = &st->fields[i];
      sb_printf(o, "  X(%s, %d, %d, %d, %d)%s\n", f->name, f->word, f->lsb, f->msb - f->lsb + 1,
                f->is_signed, i + 1 < st->n_fields ? " \\" : "");
    }
    sb_printf(o, "typedef struct hta_%s {\n", st->name);
    for (int i = 0; i < st->n_fields; i++) {
      const prog_field *f = &st->fields[i];
      char decl[DECL_LEN], text[MAX_TEXT + 32];
      fits(snprintf(decl, DECL_LEN, "%s %s;", f->is_signed ? "int32_t" : "uint32_t", f->name));
      snprintf(text, sizeof text, "w%d[%d:%d] %s", f->word, f->msb, f->lsb, f->desc);
      if (2 + 24 + 7 + strlen(text) < WRAP_COL) {
        sb_printf(o, "  %-24s /* %s */\n", decl, text);
      } else {
        sb_comment(o, "  ", "/* ", "   ", text, " */");
        sb_printf(o, "  %s\n", decl);
      }
    }
    sb_printf(o, "} hta_%s;\n\n", st->name);
    sb_printf(o, "static inline int hta_%s_pack(const hta_%s *s, uint8_t *buf, char *err,\n",
              st->name, st->name);
    sb_printf(o, "                %*s size_t errlen) {\n", (int)strlen(st->name), "");
    sb_printf(o, "  memset(buf, 0, HTA_%s_BYTES);\n", up);
    for (int i = 0; i < st->n_fields; i++) {
      const prog_field *f = &st->fields[i];
      sb_printf(o,
                "  if (hta_prog_put_(buf, \"%s\", \"%s\", %d, %d, %d, %d, s->%s, err, errlen))\n",
                st->name, f->name, f->word, f->lsb, f->msb - f->lsb + 1, f->is_signed, f->name);
      sb_printf(o, "    return -1;\n");
    }
    sb_printf(o, "  return 0;\n}\n\n");
    sb_printf(o, "static inline void hta_%s_unpack(const uint8_t *buf, hta_%s *s) {\n", st->name,
              st->name);
    for (int i = 0; i < st->n_fields; i++) {
      const prog_field *f = &st->fields[i];
      sb_printf(o, "  s->%s = (%s)hta_prog_get_(buf, %d, %d, %d, %d);\n", f->name,
                f->is_signed ? "int32_t" : "uint32_t", f->word, f->lsb, f->msb - f->lsb + 1,
                f->is_signed);
    }
    sb_printf(o, "}\n");
    if (st->bytes == 4) {
      /* a register: unpack its value */
      sb_printf(o, "\n/* The same from the value of the 32-bit register. */\n");
      sb_printf(o, "static inline hta_%s hta_%s_of(uint32_t v) {\n", st->name, st->name);
      sb_printf(o, "  const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),\n"
                   "                       (uint8_t)(v >> 24)};\n");
      sb_printf(o, "  hta_%s s;\n  hta_%s_unpack(b, &s);\n  return s;\n}\n", st->name,
                st->name);
    }
  }

  sb_printf(o, "\n/* ---- performance counters ---- */\n");
  sb_printf(o, "/* The registers of %s marked \"counter NAME:\": X(name, register offset of\n"
               " * the low word, bits). A 64-bit counter is read low word first. Declare\n"
               " * members with HTA_COUNTERS(HTA_COUNTER_MEMBER). */\n", regmap_path);
  sb_printf(o, "#define HTA_COUNTERS(X) \\\n");
  for (int i = 0; i < prog_n_counters; i++) {
    const prog_counter *c = &prog_counters[i];
    sb_printf(o, "  X(%s, 0x%03Xu, %d)%s\n", c->name, c->offset, c->bits,
              i + 1 < prog_n_counters ? " \\" : "");
  }
  sb_printf(o, "#define HTA_COUNTER_COUNT %d\n", prog_n_counters);
  sb_printf(o, "typedef uint32_t hta_counter32_t;\ntypedef uint64_t hta_counter64_t;\n");
  sb_printf(o, "#define HTA_COUNTER_MEMBER(name, offset, bits) hta_counter##bits##_t name;\n");
  sb_printf(o, "/* Every counter, by name. */\n");
  sb_printf(o, "typedef struct hta_counters {\n  HTA_COUNTERS(HTA_COUNTER_MEMBER)\n"
               "} hta_counters;\n");
  sb_printf(o, "\n#endif /* HTA_PROG_H */\n");
}

static void gen_prog_md(sbuf *o) {
  sb_printf(o, "<!-- generated by %s from %s and %s - do not edit -->\n", TOOL, prog_path,
            regmap_path);
  sb_printf(o, "# HTA device program format\n\n");
  sb_printf(o,
            "This page is generated by `%s` from `%s` (and the counters from\n"
            "`%s`); edit those and run `make regs` (CI's `make check-regs` fails\n"
            "when this page is stale). The same source gives the RTL its structs\n"
            "(`hw/rtl/hta_prog_pkg.sv`) and the host its structs and pack/unpack functions\n"
            "(`host/include/hta_prog.h`). How the blocks are laid out and what the engine\n"
            "checks is in [architecture.md](architecture.md#device-program-binary-contract-"
            "between-compiler-and-rtl).\n\n",
            TOOL, prog_path, regmap_path);
  sb_printf(o, "Words are 32-bit little-endian: word w is bytes 4w..4w+3. Bits no field covers\n"
               "are reserved: written 0, ignored by the engine. Type u = unsigned, s = two's\n"
               "complement signed.\n\n");
  sb_printf(o, "## Constants\n\n| name | bits | value | meaning |\n|---|---|---|---|\n");
  for (int i = 0; i < prog_n_consts; i++) {
    const prog_const *c = &prog_consts[i];
    sb_printf(o, "| %s | %d | 0x%lX | ", c->name, c->bits, c->value);
    md_cell(o, c->desc);
    sb_printf(o, " |\n");
  }
  for (int s = 0; s < prog_n_structs; s++) {
    const prog_struct *st = &prog_structs[s];
    sb_printf(o, "\n## %s (%d bytes)\n\n", st->name, st->bytes);
    md_cell(o, st->desc);
    sb_printf(o, ".\n\n| word | bits | field | type | meaning |\n|---|---|---|---|---|\n");
    /* rows from bit 0 up; reserved gaps split at word boundaries, whole
     * reserved words joined into one row */
    prog_span sp[PROG_MAX_FIELDS * 2 + 2];
    for (int i = prog_spans(st, sp) - 1; i >= 0; i--) {
      const prog_field *f = sp[i].f;
      if (f) {
        sb_printf(o, "| %d | %d:%d | %s | %s | ", f->word, f->msb, f->lsb, f->name,
                  f->is_signed ? "s" : "u");
        md_cell(o, f->desc);
        sb_printf(o, " |\n");
        continue;
      }
      int lo = sp[i].lsb;
      const int hi = sp[i].msb;
      while (lo <= hi) {
        const int w = lo / 32;
        if (lo % 32 != 0 || hi < w * 32 + 31) { /* part of one word */
          const int top = hi < w * 32 + 31 ? hi : w * 32 + 31;
          sb_printf(o, "| %d | %d:%d | - | - | reserved, 0 |\n", w, top % 32, lo % 32);
          lo = top + 1;
        } else { /* whole words w .. last */
          const int last = (hi + 1) / 32 - 1;
          if (last == w)
            sb_printf(o, "| %d | 31:0 | - | - | reserved, 0 |\n", w);
          else
            sb_printf(o, "| %d..%d | 31:0 | - | - | reserved, 0 |\n", w, last);
          lo = (last + 1) * 32;
        }
      }
    }
  }
  sb_printf(o, "\n## Engine error codes (STATUS bits 7:0)\n\n");
  sb_printf(o, "| code | name | meaning |\n|---|---|---|\n");
  for (int i = 0; i < prog_n_errors; i++) {
    sb_printf(o, "| %d | %s | ", prog_errors[i].code, prog_errors[i].name);
    md_cell(o, prog_errors[i].desc);
    sb_printf(o, " |\n");
  }
  sb_printf(o, "\n## Performance counters\n\n");
  sb_printf(o, "Registers of [registers.md](registers.md) marked `counter NAME:`; cleared by\n"
               "ap_start. A 64-bit counter is read low word first.\n\n");
  sb_printf(o, "| name | offset | bits | meaning |\n|---|---|---|---|\n");
  for (int i = 0; i < prog_n_counters; i++) {
    const prog_counter *c = &prog_counters[i];
    sb_printf(o, "| %s | 0x%03X | %d | ", c->name, c->offset, c->bits);
    md_cell(o, c->desc);
    sb_printf(o, " |\n");
  }
}
