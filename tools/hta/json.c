/*
 * json.c - a small recursive-descent JSON reader (json.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 64

typedef struct reader {
  const char *s;
  size_t len, pos;
  char *err;
  size_t errlen;
} reader;

static int bad(reader *r, const char *what) {
  snprintf(r->err, r->errlen, "not JSON at byte %zu: %s", r->pos, what);
  return -1;
}

static void skip_ws(reader *r) {
  while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
                             r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
    r->pos++;
}

static void free_value(json *v) {
  if (v->type == JSON_STR) free(v->str);
  if (v->type == JSON_ARR || v->type == JSON_OBJ) {
    for (int i = 0; i < v->n; i++) {
      free_value(&v->items[i]);
      if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
  }
}

void json_free(json *v) {
  if (v == NULL) return;
  free_value(v);
  free(v);
}

static int utf8_put(char *out, size_t *o, unsigned cp) {
  if (cp < 0x80) {
    out[(*o)++] = (char)cp;
  } else if (cp < 0x800) {
    out[(*o)++] = (char)(0xC0 | (cp >> 6));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    out[(*o)++] = (char)(0xE0 | (cp >> 12));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  }
  return 0;
}

/* A string at r->pos (its opening quote) into a malloc'd copy. */
static int parse_string(reader *r, char **out) {
  size_t start = ++r->pos, end = start;
  while (end < r->len && r->s[end] != '"') end += r->s[end] == '\\' ? 2 : 1;
  if (end >= r->len) return bad(r, "unterminated string");
  char *b = malloc(end - start + 1); /* escapes never grow the text */
  if (b == NULL) return bad(r, "out of memory");
  size_t o = 0;
  while (r->pos < end) {
    const unsigned char c = (unsigned char)r->s[r->pos++];
    if (c < 0x20) return free(b), bad(r, "control character in a string");
    if (c != '\\') {
      b[o++] = (char)c;
      continue;
    }
    const char e = r->s[r->pos++];
    const char *const from = "\"\\/bfnrt", *const to = "\"\\/\b\f\n\r\t";
    const char *k = e ? strchr(from, e) : NULL;
    if (k) {
      b[o++] = to[k - from];
    } else if (e == 'u' && r->pos + 4 <= end) {
      unsigned cp = 0;
      for (int i = 0; i < 4; i++) {
        const char h = r->s[r->pos++];
        cp = cp * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                  : h >= 'A' && h <= 'F' ? h - 'A' + 10 : 99);
        if (cp > 0xFFFF) return free(b), bad(r, "bad \\u escape");
      }
      if (cp == 0) return free(b), bad(r, "\\u0000 in a string");
      utf8_put(b, &o, cp); /* at most 3 bytes for the 6 of the escape */
    } else {
      return free(b), bad(r, "bad escape in a string");
    }
  }
  b[o] = '\0';
  r->pos = end + 1;
  *out = b;
  return 0;
}

static int parse_value(reader *r, json *v, int depth);

/* The items of an array or object, after its opening bracket. */
static int parse_list(reader *r, json *v, int depth, char close) {
  int cap = 0;
  skip_ws(r);
  if (r->pos < r->len && r->s[r->pos] == close) return r->pos++, 0;
  for (;;) {
    if (v->n == cap) {
      cap = cap ? 2 * cap : 8;
      json *it = realloc(v->items, sizeof *it * (size_t)cap);
      if (it) v->items = it;
      char **ks = close == '}' ? realloc(v->keys, sizeof *ks * (size_t)cap) : NULL;
      if (ks) v->keys = ks;
      if (it == NULL || (close == '}' && ks == NULL)) return bad(r, "out of memory");
    }
    skip_ws(r);
    if (close == '}') {
      if (r->pos >= r->len || r->s[r->pos] != '"') return bad(r, "expected a member name");
      if (parse_string(r, &v->keys[v->n])) return -1;
      skip_ws(r);
      if (r->pos >= r->len || r->s[r->pos] != ':')
        return free(v->keys[v->n]), bad(r, "expected ':'");
      r->pos++;
    }
    memset(&v->items[v->n], 0, sizeof v->items[v->n]);
    const int rc = parse_value(r, &v->items[v->n], depth + 1);
    v->n++; /* freed with the rest, even half parsed */
    if (rc) return -1;
    skip_ws(r);
    if (r->pos < r->len && r->s[r->pos] == ',') {
      r->pos++;
      continue;
    }
    if (r->pos < r->len && r->s[r->pos] == close) return r->pos++, 0;
    return bad(r, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static int parse_value(reader *r, json *v, int depth) {
  if (depth > MAX_DEPTH) return bad(r, "nested too deep");
  skip_ws(r);
  if (r->pos >= r->len) return bad(r, "unexpected end");
  const char c = r->s[r->pos];
  if (c == '{' || c == '[') {
    v->type = c == '{' ? JSON_OBJ : JSON_ARR;
    r->pos++;
    return parse_list(r, v, depth, c == '{' ? '}' : ']');
  }
  if (c == '"') {
    v->type = JSON_STR;
    return parse_string(r, &v->str);
  }
  static const struct { const char *word; json_type t; int b; } words[] = {
      {"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}, {"null", JSON_NULL, 0}};
  for (int i = 0; i < 3; i++) {
    const size_t wl = strlen(words[i].word);
    if (r->len - r->pos >= wl && strncmp(r->s + r->pos, words[i].word, wl) == 0) {
      v->type = words[i].t;
      v->boolean = words[i].b;
      r->pos += wl;
      return 0;
    }
  }
  /* a number: copy its characters, then strtod/strtoll check all of it */
  size_t e = r->pos;
  while (e < r->len && e - r->pos < 40 && strchr("+-0123456789.eE", r->s[e])) e++;
  if (e == r->pos || e - r->pos >= 40) return bad(r, "expected a value");
  char buf[41], *end;
  memcpy(buf, r->s + r->pos, e - r->pos);
  buf[e - r->pos] = '\0';
  errno = 0;
  v->num = strtod(buf, &end);
  if (*end || errno) return bad(r, "malformed number");
  v->type = JSON_NUM;
  if (strcspn(buf, ".eE") == strlen(buf)) {
    errno = 0;
    v->i = strtoll(buf, &end, 10);
    v->is_int = !*end && !errno;
  }
  r->pos = e;
  return 0;
}

json *json_parse(const char *text, size_t len, char *err, size_t errlen) {
  reader r = {text, len, 0, err, errlen};
  json *v = calloc(1, sizeof *v);
  if (v == NULL) return snprintf(err, errlen, "out of memory"), NULL;
  if (parse_value(&r, v, 0) == 0) {
    skip_ws(&r);
    if (r.pos == r.len) return v;
    bad(&r, "text after the value");
  }
  json_free(v);
  return NULL;
}

const json *json_get(const json *obj, const char *key) {
  if (obj == NULL || obj->type != JSON_OBJ) return NULL;
  for (int i = obj->n - 1; i >= 0; i--)
    if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
  return NULL;
}
