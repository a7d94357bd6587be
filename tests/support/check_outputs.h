/*
 * check_outputs.h - what every test that runs a compiled program checks
 * afterwards: each layer's output tensor in the data window equals the
 * golden model's, and no other byte of the data window changed (other than
 * the scratch region).
 */
#ifndef HTA_CHECK_OUTPUTS_H
#define HTA_CHECK_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "hta_compile.h"
#include "hta_layer.h"

/* 1 if all is well; else 0 with the first problem described in detail
 * (which layer, pixel and channel, or which byte). who names the thing that
 * produced data ("rtl", "program"). */
int check_program_outputs(const hta_program *prog, const hta_layer *layers, int n,
                          int8_t *const *golden, const uint8_t *data, const uint8_t *before,
                          const char *who, char *detail, size_t len);

/* The same for a batch program (prog->batch items): golden[b][i] is item
 * b's layer i; every item's outputs, and no byte written outside them. */
int check_batch_outputs(const hta_program *prog, const hta_layer *layers, int n,
                        int8_t *const *const *golden, const uint8_t *data, const uint8_t *before,
                        const char *who, char *detail, size_t len);

#endif /* HTA_CHECK_OUTPUTS_H */
