/*
 * v2_job_edits.h - edits that make a good v2 job one the engine must refuse
 * for its mode and blk_passes (docs/engine-v2.md, "Depthwise, global sums and
 * layouts"), each with the descriptor word ERR_DESC must name. Shared by
 * test_compile_v2 (the interpreter) and test_rtl_v2 (the engine), so both
 * are held to the same table.
 */
#ifndef HTA_V2_JOB_EDITS_H
#define HTA_V2_JOB_EDITS_H

#include "hta_prog.h"

typedef struct v2_job_edit {
  const char *what;
  unsigned mode; /* the mode of the job edited (its first in the program) */
  unsigned word; /* ERR_INFO */
} v2_job_edit;

static const v2_job_edit V2_JOB_EDITS[] = {
    {"mode 3", 1, HTA_V2_JOB_W_MODE},
    {"depthwise with blk_passes 0", 1, HTA_V2_JOB_W_BLK_PASSES},
    {"mode 0 with blk_passes set", 1, HTA_V2_JOB_W_MODE},
    {"depthwise with passes != cb_n blk_passes", 1, HTA_V2_JOB_W_PASSES},
    {"GAP with pad_top 1", 2, HTA_V2_JOB_W_PAD_TOP},
    {"GAP with stride 2", 2, HTA_V2_JOB_W_STRIDE},
    {"GAP with a 3x3 kernel", 2, HTA_V2_JOB_W_KH},
    {"GAP with a 1x2 output", 2, HTA_V2_JOB_W_OUT_H},
    {"GAP with fine groups", 2, HTA_V2_JOB_W_GBLK},
    {"GAP of no rows", 2, HTA_V2_JOB_W_IN_W},
    {"depthwise with in_off not a multiple of Ci", 1, HTA_V2_JOB_W_IN_OFF},
};
#define V2_JOB_N_EDITS (sizeof V2_JOB_EDITS / sizeof V2_JOB_EDITS[0])

static inline void v2_job_edit_apply(unsigned e, hta_v2_job *j) {
  switch (e) {
  case 0: j->mode = 3; break;
  case 1: j->blk_passes = 0; break;
  case 2: j->mode = 0; break;
  case 3: j->blk_passes += 1; break;
  case 4: j->pad_top = 1; break;
  case 5: j->stride = 2; break;
  case 6: j->kh = j->kw = 3; break;
  case 7: j->out_w = 2; break;
  case 8: j->gblk = 1; break;
  case 9: j->in_h = 0; break;
  default: j->in_off += 1; break;
  }
}

/* Index of the first job of the program of that mode, -1 if none. */
static inline int v2_job_of_mode(const uint8_t *prog, int n_desc, unsigned mode) {
  for (int i = 0; i < n_desc; i++) {
    hta_v2_job j;
    hta_v2_job_unpack(prog + HTA_PROG_HEADER_BYTES + (size_t)i * HTA_V2_JOB_BYTES, &j);
    if (j.mode == mode) return i;
  }
  return -1;
}

#endif
