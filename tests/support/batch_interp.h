/*
 * batch_interp.h - a batch program (hta_compile_v2_batch) on the v2
 * interpreter, every item's every layer against the golden model: the check
 * test_compile_v2 and test_v2_networks share.
 */
#ifndef HTA_BATCH_INTERP_H
#define HTA_BATCH_INTERP_H

#include <stddef.h>

#include "hta_compile.h"
#include "hta_compile_v2.h"
#include "hta_layer.h"
#include "rng.h"

/* Fills a data window with bytes of g, packs prog->batch inputs drawn from
 * g (item after item), runs prog on the interpreter and compares every
 * item's every layer output with the golden model's (check_batch_outputs,
 * `who` naming the program). 1 if all is well; else 0 with the first
 * problem in detail. */
int batch_interp_check(const hta_v2_cfg *cfg, const hta_program *prog, const hta_layer *layers,
                       int n, hta_rng *g, const char *who, char *detail, size_t len);

#endif /* HTA_BATCH_INTERP_H */
