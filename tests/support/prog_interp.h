/*
 * prog_interp.h - test-only interpreter of HTA device programs.
 *
 * Executes a program on a program window and a data window (byte arrays)
 * the way the hardware's loop nest in docs/architecture.md does: tiles of
 * output pixels, passes of lane filters, compacted MAC/adder staging,
 * write-back merged by the channel source map with byte strobes. It checks
 * descriptors and pass headers like the engine (ERR_PROG / ERR_DESC with the
 * field's word index) and, beyond the engine, the internal consistency of
 * the weight stream (HTA_INTERP_ERR_STREAM), so a compiler bug shows up as a
 * precise message rather than a wrong byte. Arithmetic comes from the golden
 * model (hta_requant): it is never re-implemented here.
 *
 * It proves the compiler and the program format independently of the RTL,
 * and localises RTL mismatches (on_layer gives the data window after each
 * descriptor).
 */
#ifndef HTA_PROG_INTERP_H
#define HTA_PROG_INTERP_H

#include <stddef.h>
#include <stdint.h>

#include "hta_compile.h"

/* Status codes: the engine's STATUS codes (hta_prog.h), then the
 * interpreter's own. */
enum {
  HTA_INTERP_OK = HTA_ENGINE_OK,
  HTA_INTERP_ERR_PROG = HTA_ENGINE_ERR_PROG,     /* info = header word index */
  HTA_INTERP_ERR_DESC = HTA_ENGINE_ERR_DESC,     /* info = descriptor word, or
                                                    HTA_ERR_INFO_PASS + pass header word */
  HTA_INTERP_ERR_WINDOW = HTA_ENGINE_ERR_WINDOW, /* addr = offset */
  HTA_INTERP_ERR_STREAM = 100, /* interpreter-only: inconsistent weight stream */
  HTA_INTERP_ERR_NOMEM = 101
};

typedef struct hta_interp_status {
  int code;
  int layer;      /* descriptor index that failed (or -1) */
  uint32_t info;  /* word index for ERR_PROG / ERR_DESC */
  uint64_t addr;  /* window offset for ERR_WINDOW */
  char msg[256];  /* what failed, with field names and values */
  int layers_done;
} hta_interp_status;

typedef struct hta_interp_opts {
  /* Called after each descriptor completes (may be NULL). */
  void (*on_layer)(void *user, int layer, const uint8_t *data, size_t data_size);
  void *user;
} hta_interp_opts;

/* Run the whole program. Returns st->code. opts may be NULL. */
int hta_interp_run(const hta_hw_cfg *cfg, const uint8_t *prog, size_t prog_size,
                   uint8_t *data, size_t data_size, const hta_interp_opts *opts,
                   hta_interp_status *st);

/* One graph-op descriptor (gop_desc at desc, op DescOpGop) as hta_gop runs
 * it, with its checks (ChanMax chan_max, parameters aligned to bus_bytes):
 * the v2 interpreter runs graph ops with it. Returns st->code (st->layer is
 * the caller's). */
int hta_interp_gop(unsigned chan_max, unsigned bus_bytes, const uint8_t *prog,
                   size_t prog_size, uint8_t *data, size_t data_size, const uint8_t *desc,
                   hta_interp_status *st);

#endif /* HTA_PROG_INTERP_H */
