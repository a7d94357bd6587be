/*
 * evalres.h - the results of `hta eval` (evalres.c): the tally of
 * predictions, its text and JSON forms, and the part files of a sharded
 * evaluation that `hta merge` combines.
 *
 * A part file (`hta eval --shard I/N --out F`) is one JSON object: every
 * member `hta eval --json` prints for its slice, then what merging needs:
 *   "hta_eval_part": 1, "shard": I, "shards": N, "first": index of its first
 *   item in the dataset, "dataset_n": the dataset's size, "dataset_id" and
 *   "model_id" (16 hex digits, eval_dataset_id / eval_model_id), "outputs":
 *   K, "has_cycles", "cycles_total", "top5_hits", "class_items",
 *   "class_hits" (per class), "confusion" (counts, as in --json),
 *   "predictions" (the top-1 class of each item, in order) and, when eval
 *   had --logits, "logits" (each item's K int8 outputs).
 * Slice I of N is items [I*n/N, (I+1)*n/N) of the n items, so the slices
 * in shard order are the dataset order.
 */
#ifndef HTA_EVALRES_H
#define HTA_EVALRES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_CONFUSION 1000 /* classes up to which the confusion matrix is kept */

typedef struct tally {
  int k;          /* classes */
  int n, top1, top5;
  int *per_class; /* [k] items of each label */
  int *hit;       /* [k] correct top-1 of each label */
  int *conf;      /* [k][k] label x prediction, NULL above MAX_CONFUSION classes */
} tally;

/* 0, or -1 when out of memory. */
int tally_init(tally *t, int k);
void tally_free(tally *t);
/* One item: its label and the model's k_out outputs; returns the top-1
 * class (the first index of the largest output). */
int tally_add(tally *t, int label, const int8_t *v, int k_out);

typedef struct eval_result {
  const char *model, *device, *dataset; /* as the user named them */
  int k;                                /* classes */
  char *const *class_names;             /* [k] */
  tally t;
  int has_cycles;
  uint64_t cycles; /* summed over the items */
  double wall_s;   /* host wall time */
} eval_result;

/* What `hta eval --json` prints: one line. */
void eval_print_json(FILE *f, const eval_result *r);
/* What `hta eval` prints. */
void eval_print_text(FILE *f, const eval_result *r);

/* FNV-1a 64 of bytes, continuing from h (start with EVAL_FNV_START). */
#define EVAL_FNV_START UINT64_C(0xcbf29ce484222325)
uint64_t eval_fnv(uint64_t h, const void *p, size_t n);

/* A part of a sharded evaluation. */
typedef struct eval_part {
  eval_result r;
  int shard, shards, first, dataset_n, k_out;
  uint64_t dataset_id, model_id;
  int32_t *pred;  /* [r.t.n] top-1 classes */
  int8_t *logits; /* [r.t.n][k_out], or NULL */
  /* read parts only: what the strings point into */
  char *path;
  void *doc;
} eval_part;

/* Write p as a part file to path (atomically: files.h). 0, or -1 with err. */
int eval_part_write(const char *path, const eval_part *p, char *err, size_t errlen);
/* Read a part file; on error -1 with a message naming the path and the
 * member that is missing or wrong. */
int eval_part_read(const char *path, eval_part *p, char *err, size_t errlen);
void eval_part_free(eval_part *p); /* of eval_part_read */

/* Combine parts (any order) into m: refuses, naming the files, parts of
 * different models, datasets or shard counts, a shard given twice and
 * missing shards. m->pred and m->logits (when every part has logits) are
 * in dataset order; free with eval_merged_free. 0, or -1 with err. */
int eval_merge(eval_part *const *parts, int n_parts, eval_part *m, char *err, size_t errlen);
void eval_merged_free(eval_part *m);

#endif /* HTA_EVALRES_H */
