/*
 * evalres.c - results of `hta eval`: the tally, its text and JSON forms,
 * part files and their merge (evalres.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evalres.h"
#include "files.h"
#include "json.h"

/* ---- the tally ---- */

int tally_init(tally *t, int k) {
  memset(t, 0, sizeof *t);
  t->k = k;
  t->per_class = calloc((size_t)k, sizeof *t->per_class);
  t->hit = calloc((size_t)k, sizeof *t->hit);
  t->conf = k <= MAX_CONFUSION ? calloc((size_t)k * k, sizeof *t->conf) : NULL;
  if (!t->per_class || !t->hit || (k <= MAX_CONFUSION && !t->conf)) return tally_free(t), -1;
  return 0;
}

void tally_free(tally *t) {
  free(t->per_class);
  free(t->hit);
  free(t->conf);
  t->per_class = t->hit = t->conf = NULL;
}

int tally_add(tally *t, int label, const int8_t *v, int k_out) {
  int best = 0, rank = 0; /* rank of the label: outputs above it (ties: lower index wins) */
  for (int c = 1; c < k_out; c++)
    if (v[c] > v[best]) best = c;
  for (int c = 0; c < k_out; c++)
    if (v[c] > v[label] || (v[c] == v[label] && c < label)) rank++;
  t->n++;
  t->top1 += best == label;
  t->top5 += rank < 5;
  t->per_class[label]++;
  t->hit[label] += best == label;
  if (t->conf && best < t->k) t->conf[(size_t)label * t->k + best]++;
  return best;
}

/* ---- printing ---- */

static void put_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    const unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

/* The members of `hta eval --json`, without the braces. */
static void print_members(FILE *f, const eval_result *r) {
  const tally *t = &r->t;
  fprintf(f, "\"model\": ");
  put_str(f, r->model);
  fprintf(f, ", \"device\": ");
  put_str(f, r->device);
  fprintf(f, ", \"dataset\": ");
  put_str(f, r->dataset);
  fprintf(f, ", \"n\": %d, \"correct\": %d, \"top1\": %.6f, \"top5\": %.6f", t->n, t->top1,
          t->n ? (double)t->top1 / t->n : 0.0, t->n ? (double)t->top5 / t->n : 0.0);
  fprintf(f, ", \"wall_s\": %.3f", r->wall_s);
  if (r->has_cycles)
    fprintf(f, ", \"cycles\": %" PRIu64 ", \"cycles_per_inference\": %.1f", r->cycles,
            t->n ? (double)r->cycles / t->n : 0.0);
  fprintf(f, ", \"classes\": [");
  for (int c = 0; c < t->k; c++) {
    fprintf(f, "%s", c ? ", " : "");
    put_str(f, r->class_names[c]);
  }
  fprintf(f, "], \"per_class\": [");
  for (int c = 0; c < t->k; c++)
    fprintf(f, "%s%.6f", c ? ", " : "",
            t->per_class[c] ? (double)t->hit[c] / t->per_class[c] : 0.0);
  fprintf(f, "]");
  if (t->conf) {
    fprintf(f, ", \"confusion\": [");
    for (int c = 0; c < t->k; c++) {
      fprintf(f, "%s[", c ? ", " : "");
      for (int p = 0; p < t->k; p++)
        fprintf(f, "%s%d", p ? ", " : "", t->conf[(size_t)c * t->k + p]);
      fprintf(f, "]");
    }
    fprintf(f, "]");
  }
}

void eval_print_json(FILE *f, const eval_result *r) {
  fputc('{', f);
  print_members(f, r);
  fprintf(f, "}\n");
}

void eval_print_text(FILE *f, const eval_result *r) {
  const tally *t = &r->t;
  fprintf(f, "%s on %s: top-1 %d / %d = %.2f%%, top-5 %.2f%%  (%.2f s", r->model, r->device,
          t->top1, t->n, t->n ? 100.0 * t->top1 / t->n : 0.0,
          t->n ? 100.0 * t->top5 / t->n : 0.0, r->wall_s);
  if (r->has_cycles && t->n) fprintf(f, ", %.0f cycles per inference", (double)r->cycles / t->n);
  fprintf(f, ")\n");
  if (t->k > 20) return; /* per-class lines for small label sets only */
  for (int c = 0; c < t->k; c++)
    if (t->per_class[c])
      fprintf(f, "  %-12s %6.2f%% of %d\n", r->class_names[c],
              100.0 * t->hit[c] / t->per_class[c], t->per_class[c]);
  if (t->conf == NULL) return;
  int wc = 0, wp = 1 % t->k;
  for (int c = 0; c < t->k; c++)
    for (int p = 0; p < t->k; p++)
      if (p != c && t->conf[(size_t)c * t->k + p] > t->conf[(size_t)wc * t->k + wp]) wc = c, wp = p;
  if (t->k > 1 && t->conf[(size_t)wc * t->k + wp])
    fprintf(f, "  most confused: %s taken for %s (%d times)\n", r->class_names[wc],
            r->class_names[wp], t->conf[(size_t)wc * t->k + wp]);
}

uint64_t eval_fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
  return h;
}

/* ---- part files ---- */

int eval_part_write(const char *path, const eval_part *p, char *err, size_t errlen) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return snprintf(err, errlen, "%s: out of memory", path), -1;
  const tally *t = &p->r.t;
  fputc('{', f);
  print_members(f, &p->r);
  fprintf(f, ",\n \"hta_eval_part\": 1, \"shard\": %d, \"shards\": %d, \"first\": %d, "
             "\"dataset_n\": %d, \"dataset_id\": \"%016" PRIx64 "\", \"model_id\": \"%016" PRIx64
             "\", \"outputs\": %d, \"has_cycles\": %s, \"cycles_total\": %" PRIu64
             ", \"top5_hits\": %d,\n \"class_items\": [",
          p->shard, p->shards, p->first, p->dataset_n, p->dataset_id, p->model_id, p->k_out,
          p->r.has_cycles ? "true" : "false", p->r.cycles, t->top5);
  for (int c = 0; c < t->k; c++) fprintf(f, "%s%d", c ? ", " : "", t->per_class[c]);
  fprintf(f, "], \"class_hits\": [");
  for (int c = 0; c < t->k; c++) fprintf(f, "%s%d", c ? ", " : "", t->hit[c]);
  fprintf(f, "],\n \"predictions\": [");
  for (int i = 0; i < t->n; i++) fprintf(f, "%s%d", i ? "," : "", (int)p->pred[i]);
  fprintf(f, "]");
  if (p->logits) {
    fprintf(f, ",\n \"logits\": [");
    for (int i = 0; i < t->n; i++) {
      fprintf(f, "%s[", i ? ",\n  " : "");
      for (int c = 0; c < p->k_out; c++)
        fprintf(f, "%s%d", c ? "," : "", p->logits[(size_t)i * p->k_out + c]);
      fprintf(f, "]");
    }
    fprintf(f, "]");
  }
  fprintf(f, "}\n");
  if (fclose(f) != 0) return free(buf), snprintf(err, errlen, "%s: out of memory", path), -1;
  const int rc = write_file_atomic(path, buf, len, err, errlen);
  free(buf);
  return rc;
}

/* readers of one member, each naming it when it is missing or wrong */
typedef struct preader {
  const json *doc;
  const char *path;
  char *err;
  size_t errlen;
} preader;

static const json *member(const preader *r, const char *key, json_type type, const char *what) {
  const json *v = json_get(r->doc, key);
  if (v == NULL || v->type != type) {
    snprintf(r->err, r->errlen, "%s: member '%s' is %s (it must be %s)", r->path, key,
             v ? "of another type" : "missing", what);
    return NULL;
  }
  return v;
}

static int get_int(const preader *r, const char *key, int64_t lo, int64_t hi, int64_t *out) {
  const json *v = json_get(r->doc, key);
  if (v == NULL || v->type != JSON_NUM || !v->is_int || v->i < lo || v->i > hi) {
    snprintf(r->err, r->errlen, "%s: member '%s' is %s (it must be an integer in %" PRId64
             "..%" PRId64 ")", r->path, key, v ? "wrong" : "missing", lo, hi);
    return -1;
  }
  *out = v->i;
  return 0;
}

static int get_hex(const preader *r, const char *key, uint64_t *out) {
  const json *v = member(r, key, JSON_STR, "16 hex digits");
  char *end;
  if (v == NULL) return -1;
  *out = strtoull(v->str, &end, 16);
  if (strlen(v->str) != 16 || *end) {
    snprintf(r->err, r->errlen, "%s: member '%s' is '%s', not 16 hex digits", r->path, key,
             v->str);
    return -1;
  }
  return 0;
}

/* An array of n integers in lo..hi into out (int32 or int8 by size). */
static int get_ints(const preader *r, const json *a, const char *key, int n, int lo, int hi,
                    void *out, size_t size) {
  if (a == NULL || a->type != JSON_ARR || a->n != n) {
    snprintf(r->err, r->errlen, "%s: member '%s' is %s (it must be %d integers)", r->path, key,
             a == NULL ? "missing" : a->type != JSON_ARR ? "not an array" : "of another length",
             n);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    const json *v = &a->items[i];
    if (v->type != JSON_NUM || !v->is_int || v->i < lo || v->i > hi) {
      snprintf(r->err, r->errlen, "%s: member '%s', item %d is not an integer in %d..%d",
               r->path, key, i, lo, hi);
      return -1;
    }
    if (size == 1) ((int8_t *)out)[i] = (int8_t)v->i;
    else ((int32_t *)out)[i] = (int32_t)v->i;
  }
  return 0;
}

void eval_part_free(eval_part *p) {
  tally_free(&p->r.t);
  free((void *)p->r.class_names);
  free(p->pred);
  free(p->logits);
  free(p->path);
  json_free(p->doc);
  memset(p, 0, sizeof *p);
}

int eval_part_read(const char *path, eval_part *p, char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  uint8_t *buf = NULL;
  size_t len = 0;
  if (read_file_bounded(path, UINT64_C(1) << 32, "4 GiB", &buf, &len, err, errlen)) return -1;
  char jerr[200];
  json *doc = json_parse((const char *)buf, len, jerr, sizeof jerr);
  free(buf);
  if (doc == NULL || doc->type != JSON_OBJ) {
    snprintf(err, errlen, "%s: not a part file of hta eval --shard (%s)", path,
             doc ? "not a JSON object" : jerr);
    json_free(doc);
    return -1;
  }
  p->doc = doc;
  p->path = strdup(path);
  preader r = {doc, path, err, errlen};
  int64_t v[9];
  const json *s[3], *classes;
  if (!json_get(doc, "hta_eval_part")) {
    snprintf(err, errlen, "%s: not a part file of hta eval --shard (no 'hta_eval_part')", path);
    goto bad;
  }
  if (get_int(&r, "hta_eval_part", 1, 1, &v[0]) || get_int(&r, "shards", 1, 1 << 30, &v[1]) ||
      get_int(&r, "shard", 0, v[1] - 1, &v[2]) ||
      get_int(&r, "dataset_n", 0, 1 << 30, &v[3]) || get_int(&r, "first", 0, v[3], &v[4]) ||
      get_int(&r, "n", 0, v[3] - v[4], &v[5]) || get_int(&r, "outputs", 1, 1 << 24, &v[6]) ||
      get_int(&r, "cycles_total", 0, INT64_MAX, &v[7]) ||
      get_int(&r, "top5_hits", 0, v[5], &v[8]) || get_hex(&r, "dataset_id", &p->dataset_id) ||
      get_hex(&r, "model_id", &p->model_id) ||
      !(s[0] = member(&r, "model", JSON_STR, "a string")) ||
      !(s[1] = member(&r, "device", JSON_STR, "a string")) ||
      !(s[2] = member(&r, "dataset", JSON_STR, "a string")) ||
      !(classes = member(&r, "classes", JSON_ARR, "an array of strings")) ||
      !member(&r, "has_cycles", JSON_BOOL, "true or false"))
    goto bad;
  p->shards = (int)v[1], p->shard = (int)v[2], p->dataset_n = (int)v[3], p->first = (int)v[4];
  p->k_out = (int)v[6];
  const int n = (int)v[5], k = classes->n;
  const int64_t want0 = (int64_t)p->shard * p->dataset_n / p->shards;
  const int64_t want1 = (int64_t)(p->shard + 1) * p->dataset_n / p->shards;
  if (p->first != want0 || p->first + n != want1) {
    snprintf(err, errlen, "%s: shard %d/%d of %d items must hold items %" PRId64 "..%" PRId64
             ", it holds %d..%d", path, p->shard, p->shards, p->dataset_n, want0, want1 - 1,
             p->first, p->first + n - 1);
    goto bad;
  }
  if (k < 1 || k > p->k_out) {
    snprintf(err, errlen, "%s: %d classes for %d outputs", path, k, p->k_out);
    goto bad;
  }
  char **names = calloc((size_t)k, sizeof *names);
  p->r.class_names = names;
  if (names == NULL || tally_init(&p->r.t, k)) goto nomem;
  for (int c = 0; c < k; c++) {
    if (classes->items[c].type != JSON_STR) {
      snprintf(err, errlen, "%s: class %d is not a string", path, c);
      goto bad;
    }
    names[c] = classes->items[c].str;
  }
  p->r.model = s[0]->str, p->r.device = s[1]->str, p->r.dataset = s[2]->str;
  p->r.k = k;
  p->r.has_cycles = json_get(doc, "has_cycles")->boolean;
  p->r.cycles = (uint64_t)v[7];
  const json *wall = json_get(doc, "wall_s");
  p->r.wall_s = wall && wall->type == JSON_NUM ? wall->num : 0;
  tally *t = &p->r.t;
  t->n = n;
  t->top5 = (int)v[8];
  p->pred = malloc(sizeof *p->pred * ((size_t)n + 1));
  if (p->pred == NULL) goto nomem;
  if (get_ints(&r, json_get(doc, "class_items"), "class_items", k, 0, n, t->per_class, 4) ||
      get_ints(&r, json_get(doc, "class_hits"), "class_hits", k, 0, n, t->hit, 4) ||
      get_ints(&r, json_get(doc, "predictions"), "predictions", n, 0, p->k_out - 1, p->pred, 4))
    goto bad;
  int items = 0;
  for (int c = 0; c < k; c++) {
    items += t->per_class[c];
    t->top1 += t->hit[c];
    if (t->hit[c] > t->per_class[c]) {
      snprintf(err, errlen, "%s: class %d has %d hits of %d items", path, c, t->hit[c],
               t->per_class[c]);
      goto bad;
    }
  }
  if (items != n) {
    snprintf(err, errlen, "%s: 'class_items' sum to %d, the part has %d items", path, items, n);
    goto bad;
  }
  if (t->conf) {
    const json *cm = json_get(doc, "confusion");
    if (cm == NULL || cm->type != JSON_ARR || cm->n != k) {
      snprintf(err, errlen, "%s: member 'confusion' must be %d rows of %d counts", path, k, k);
      goto bad;
    }
    for (int c = 0; c < k; c++)
      if (get_ints(&r, &cm->items[c], "confusion", k, 0, n, t->conf + (size_t)c * k, 4)) goto bad;
  }
  const json *lg = json_get(doc, "logits");
  if (lg) {
    if (lg->type != JSON_ARR || lg->n != n) {
      snprintf(err, errlen, "%s: member 'logits' must be %d rows", path, n);
      goto bad;
    }
    p->logits = malloc((size_t)n * p->k_out + 1);
    if (p->logits == NULL) goto nomem;
    for (int i = 0; i < n; i++)
      if (get_ints(&r, &lg->items[i], "logits", p->k_out, -128, 127,
                   p->logits + (size_t)i * p->k_out, 1))
        goto bad;
  }
  return 0;
nomem:
  snprintf(err, errlen, "%s: out of memory", path);
bad:
  eval_part_free(p);
  return -1;
}

/* ---- merge ---- */

void eval_merged_free(eval_part *m) {
  tally_free(&m->r.t);
  free(m->pred);
  free(m->logits);
  free((void *)m->r.device);
  memset(m, 0, sizeof *m);
}

int eval_merge(eval_part *const *parts, int np, eval_part *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  if (np < 1) return snprintf(err, errlen, "no part files"), -1;
  const eval_part *a = parts[0];
  for (int i = 1; i < np; i++) {
    const eval_part *b = parts[i];
    if (b->shards != a->shards)
      return snprintf(err, errlen, "%s is shard %d of %d, %s shard %d of %d: parts of "
                      "different shard counts", a->path, a->shard, a->shards, b->path,
                      b->shard, b->shards), -1;
    if (b->model_id != a->model_id)
      return snprintf(err, errlen, "%s and %s are of different models (%s, id %016" PRIx64
                      "; %s, id %016" PRIx64 ")", a->path, b->path, a->r.model, a->model_id,
                      b->r.model, b->model_id), -1;
    if (b->dataset_id != a->dataset_id || b->dataset_n != a->dataset_n)
      return snprintf(err, errlen, "%s and %s are of different datasets (%s, %d items, id "
                      "%016" PRIx64 "; %s, %d items, id %016" PRIx64 ")", a->path, b->path,
                      a->r.dataset, a->dataset_n, a->dataset_id, b->r.dataset, b->dataset_n,
                      b->dataset_id), -1;
    if (b->r.has_cycles != a->r.has_cycles)
      return snprintf(err, errlen, "%s (%s) %s cycles and %s (%s) %s: their cycle totals "
                      "cannot be added", a->path, a->r.device, a->r.has_cycles ? "counts" :
                      "counts no", b->path, b->r.device, b->r.has_cycles ? "does" : "does not"),
             -1;
  }
  const int N = a->shards;
  const eval_part **by = calloc((size_t)N, sizeof *by);
  if (by == NULL) return snprintf(err, errlen, "out of memory"), -1;
  for (int i = 0; i < np; i++) {
    const eval_part *b = parts[i];
    if (by[b->shard]) {
      snprintf(err, errlen, "shard %d of %d given twice: %s and %s", b->shard, N,
               by[b->shard]->path, b->path);
      free(by);
      return -1;
    }
    by[b->shard] = b;
  }
  size_t len = 0;
  int missing = 0;
  for (int s = 0; s < N; s++) missing += by[s] == NULL;
  if (missing) {
    len = (size_t)snprintf(err, errlen, "%d of %d shards missing:", missing, N);
    for (int s = 0, shown = 0; s < N; s++)
      if (by[s] == NULL && len < errlen) {
        if (shown++ == 20) {
          snprintf(err + len, errlen - len, " ...");
          break;
        }
        len += (size_t)snprintf(err + len, errlen - len, " %d", s);
      }
    free(by);
    return -1;
  }
  /* the device: the one every part names, or the list of those named */
  size_t dl = 1;
  for (int s = 0; s < N; s++) dl += strlen(by[s]->r.device) + 1;
  char *dev = malloc(dl);
  int all_logits = 1;
  for (int s = 0; s < N; s++) all_logits &= by[s]->logits != NULL;
  m->pred = malloc(sizeof *m->pred * ((size_t)a->dataset_n + 1));
  m->logits = all_logits ? malloc((size_t)a->dataset_n * a->k_out + 1) : NULL;
  m->r.device = dev;
  if (!dev || !m->pred || (all_logits && !m->logits) || tally_init(&m->r.t, a->r.k)) {
    free(by);
    eval_merged_free(m);
    return snprintf(err, errlen, "out of memory"), -1;
  }
  dev[0] = '\0';
  for (int s = 0; s < N; s++) {
    int seen = 0;
    for (int q = 0; q < s; q++) seen |= strcmp(by[q]->r.device, by[s]->r.device) == 0;
    if (!seen) snprintf(dev + strlen(dev), dl - strlen(dev), "%s%s", s ? "," : "", by[s]->r.device);
  }
  const int k = a->r.k;
  tally *t = &m->r.t;
  for (int s = 0; s < N; s++) {
    const eval_part *b = by[s];
    const tally *u = &b->r.t;
    memcpy(m->pred + b->first, b->pred, sizeof *b->pred * (size_t)u->n);
    if (m->logits) memcpy(m->logits + (size_t)b->first * a->k_out, b->logits,
                          (size_t)u->n * a->k_out);
    t->n += u->n, t->top1 += u->top1, t->top5 += u->top5;
    for (int c = 0; c < k; c++) t->per_class[c] += u->per_class[c], t->hit[c] += u->hit[c];
    if (t->conf)
      for (size_t c = 0; c < (size_t)k * k; c++) t->conf[c] += u->conf[c];
    m->r.cycles += b->r.cycles;
    m->r.wall_s += b->r.wall_s;
  }
  /* names from shard 0: paths may differ between the machines of a cluster */
  m->r.model = by[0]->r.model, m->r.dataset = by[0]->r.dataset;
  m->r.k = k, m->r.class_names = by[0]->r.class_names, m->r.has_cycles = a->r.has_cycles;
  m->shard = 0, m->shards = 1, m->first = 0, m->dataset_n = a->dataset_n, m->k_out = a->k_out;
  m->dataset_id = a->dataset_id, m->model_id = a->model_id;
  free(by);
  return 0;
}
