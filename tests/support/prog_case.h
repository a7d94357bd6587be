/*
 * prog_case.h - one randomized test case of a compiled program: a chain of
 * random layers, its program for a hardware configuration, the golden
 * model's output of every layer for a random input, and the data window to
 * run it on (random bytes, so stray writes show, then the packed input).
 * Whatever runs the program (interpreter, RTL) checks the window afterwards
 * with check_program_outputs. Everything is drawn from one hta_rng, so a
 * case is reproduced from its seed.
 */
#ifndef HTA_PROG_CASE_H
#define HTA_PROG_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "hta_compile.h"
#include "rand_layer.h"

#define PROG_CASE_MAX 4 /* longest chain */

typedef struct prog_case {
  int n, made;                          /* layers asked for, layers drawn */
  hta_rand_layer rl[PROG_CASE_MAX];
  hta_layer layers[PROG_CASE_MAX];
  int8_t *golden[PROG_CASE_MAX];        /* golden output of each layer */
  int8_t *input;
  uint8_t *data;                        /* data window image to run on */
  uint8_t *before;                      /* its copy, to find stray writes */
  hta_program *prog;
  char desc[600];                       /* " L0 | L1 ..." (layer summaries) */
} prog_case;

/* Build a case of n (1..PROG_CASE_MAX) chained layers. 0, or -1 with the
 * problem in detail. Free with prog_case_free either way. */
int prog_case_make(prog_case *c, hta_rng *g, const hta_rand_opts *opts, const hta_hw_cfg *cfg,
                   int n, char *detail, size_t len);
void prog_case_free(prog_case *c);

#endif /* HTA_PROG_CASE_H */
