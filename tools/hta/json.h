/*
 * json.h - a small JSON reader (json.c) for the files `hta` writes itself
 * (the part files of `hta eval --out`, read by `hta merge`). A document
 * becomes a tree of values; integers are kept exactly (int64) next to their
 * double. Nesting is bounded (64 levels) and every error names the byte
 * offset where the text stops being JSON.
 */
#ifndef HTA_JSON_H
#define HTA_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ } json_type;

typedef struct json {
  json_type type;
  int boolean;        /* JSON_BOOL */
  double num;         /* JSON_NUM */
  int is_int;         /* JSON_NUM written as an integer that fits int64 */
  int64_t i;          /* its value */
  char *str;          /* JSON_STR (NUL-terminated; no NUL inside) */
  int n;              /* JSON_ARR, JSON_OBJ: items */
  struct json *items; /* [n] */
  char **keys;        /* JSON_OBJ: [n] */
} json;

/* The document in text[0..len) (one value, whitespace around it), or NULL
 * with a message in err. */
json *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json *v); /* NULL is fine */
/* The member `key` of an object (the last of that name), or NULL. */
const json *json_get(const json *obj, const char *key);

#endif /* HTA_JSON_H */
