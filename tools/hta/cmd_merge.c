/*
 * cmd_merge.c - `hta merge`: the parts of a sharded `hta eval` (evalres.h)
 * combined into what one unsharded run prints.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evalres.h"
#include "files.h"
#include "npy.h"

static const char merge_help[] =
    "usage: hta merge PART.json... [--json] [-o MERGED.json] [--logits OUT.npy]\n"
    "Combine the part files of a sharded evaluation (hta eval --shard I/N --out\n"
    "PART.json) into exactly what one unsharded hta eval prints: top-1, top-5,\n"
    "per-class accuracy, confusion and cycles (wall_s is the sum of the parts'\n"
    "wall times; device lists every device the parts name). The parts may come in\n"
    "any order; they must be all N shards of one model (the same .hta bytes) on one\n"
    "dataset (items, classes, labels, normalisation), each once: missing and\n"
    "duplicate shards and mismatched parts are refused, naming them.\n"
    "  --json         the result as the JSON object of hta eval --json\n"
    "  -o F.json      also write that JSON object to F.json\n"
    "  --logits F.npy the int8 outputs of every item in dataset order, shape (N, K)\n"
    "                 (parts written by hta eval --logits ... --shard ... --out)\n";

int cmd_merge(int argc, char **argv) {
  opt o[] = {{"--json", 0, NULL}, {"-o", 1, NULL}, {"--logits", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char **pos = calloc((size_t)argc + 1, sizeof *pos);
  int n_pos = 0, rc;
  if (pos == NULL) return fail("merge", "out of memory");
  rc = parse_opts("merge", argc, argv, o, no, pos, argc, &n_pos);
  if (rc == 1) return free(pos), fputs(merge_help, stdout), 0;
  if (rc < 0) return free(pos), EXIT_USAGE;
  if (n_pos == 0) return free(pos), usage_error("merge", "no part files given");
  const char *json_out = optv(o, no, "-o"), *logits_out = optv(o, no, "--logits");
  char err[1200];
  eval_part *parts = calloc((size_t)n_pos, sizeof *parts);
  eval_part **pp = calloc((size_t)n_pos, sizeof *pp);
  eval_part m = {0};
  int n_read = 0;
  rc = 1;
  if (parts == NULL || pp == NULL) {
    fail("merge", "out of memory");
    goto out;
  }
  for (int i = 0; i < 2; i++) {
    const char *p = i ? logits_out : json_out;
    if (p && output_path_check(p, err, sizeof err)) {
      fail("merge", "%s", err);
      goto out;
    }
  }
  for (; n_read < n_pos; n_read++) {
    if (eval_part_read(pos[n_read], &parts[n_read], err, sizeof err)) {
      fail("merge", "%s", err);
      goto out;
    }
    pp[n_read] = &parts[n_read];
  }
  if (eval_merge(pp, n_pos, &m, err, sizeof err)) {
    fail("merge", "%s", err);
    goto out;
  }
  if (logits_out) {
    if (m.logits == NULL) {
      for (int i = 0; i < n_pos; i++)
        if (parts[i].logits == NULL) {
          fail("merge", "--logits: %s holds no logits (hta eval had no --logits)", pos[i]);
          goto out;
        }
    }
    size_t shape[2] = {(size_t)m.dataset_n, (size_t)m.k_out};
    if (npy_write(logits_out, 2, shape, m.logits, err, sizeof err)) {
      fail("merge", "%s", err);
      goto out;
    }
  }
  if (json_out) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
      fail("merge", "out of memory");
      goto out;
    }
    eval_print_json(f, &m.r);
    const int bad = fclose(f) != 0 || write_file_atomic(json_out, buf, len, err, sizeof err);
    free(buf);
    if (bad) {
      fail("merge", "%s", err);
      goto out;
    }
  }
  if (optv(o, no, "--json")) eval_print_json(stdout, &m.r);
  else eval_print_text(stdout, &m.r);
  rc = 0;
out:
  eval_merged_free(&m);
  for (int i = 0; i < n_read; i++) eval_part_free(&parts[i]);
  free(parts);
  free(pp);
  free(pos);
  return rc;
}
