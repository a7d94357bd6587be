/*
 * prog_interp_v2.h - test-only interpreter of engine-v2 programs
 * (ProgVersionV2: v2_job descriptors, docs/engine-v2.md "Programs of the v2
 * core"), a model of what the hardware around hw/rtl/hta_v2_core.sv does
 * with a job:
 *
 *   loader   fills the 2 Pix activation banks (column x of block cb of band
 *            row y in bank x mod 2Pix, word y row_words + cb blk_words +
 *            x div 2Pix) and the weight / group-scale buffers, checking they
 *            fit the core's depths;
 *   core     for each output row, pass, tile of Pix columns, ky, kx, cb:
 *            X[Pix][Ci] from the banks (zp_in for padding), raw int8 x int8
 *            into 32-bit MAC sums, ternary codes into 24-bit group sums,
 *            fine groups scaled by their alphas (all overflows reported);
 *   requant  alpha S + 40-bit folded bias, then golden.c's output stage
 *            (hta_requant: the arithmetic is never re-implemented here);
 *   writer   each valid lane's byte at its channel of the output pixel.
 *
 * Graph-op descriptors (op DescOpGop) between the jobs run as on engine v1,
 * through prog_interp.c's hta_interp_gop (the same unit, hw/rtl/hta_gop.sv).
 * It shares with the compiler only hta_prog.h (generated from
 * hw/config/program.cfg) and the v2 sizes (hta_v2_cfg).
 */
#ifndef HTA_PROG_INTERP_V2_H
#define HTA_PROG_INTERP_V2_H

#include <stddef.h>
#include <stdint.h>

#include "hta_compile_v2.h"
#include "prog_interp.h"

/* Run the whole program; st->code is the result (HTA_INTERP_*), st->layer
 * the failing job. Per-job callbacks through opts (may be NULL). */
int hta_interp_v2_run(const hta_v2_cfg *cfg, const uint8_t *prog, size_t prog_size,
                      uint8_t *data, size_t data_size, const hta_interp_opts *opts,
                      hta_interp_status *st);

#endif /* HTA_PROG_INTERP_V2_H */
