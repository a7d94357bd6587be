/* engine_regs.c - see engine_regs.h. */
#include "engine_regs.h"

#include <inttypes.h>
#include <stdio.h>

#include "hta_prog.h"
#include "hta_regs.h"

/* A counter of `bits` (32 or 64) at register lo: the low word first. */
static int read_counter(hta_reg_read_fn rd, void *ctx, uint32_t lo, int bits, uint64_t *v) {
  uint32_t a = 0, b = 0;
  int rc = rd(ctx, lo, &a);
  if (rc == 0 && bits > 32) rc = rd(ctx, lo + 4, &b);
  *v = (uint64_t)b << 32 | a;
  return rc;
}

int hta_engine_read_status(hta_reg_read_fn rd, void *ctx, hta_backend_result *res) {
  int rc = rd(ctx, HTA_REG_STATUS, &res->status);
  if (!rc) rc = rd(ctx, HTA_REG_ERR_INFO, &res->err_info);
  if (!rc) rc = read_counter(rd, ctx, HTA_REG_ERR_ADDR_LO, 64, &res->err_addr);
  /* every counter of the register map (HTA_COUNTERS, hta_prog.h) */
  uint64_t v = 0;
#define READ_COUNTER(name, off, bits)                   \
  if (!rc) {                                            \
    rc = read_counter(rd, ctx, off, bits, &v);          \
    res->name = (hta_counter##bits##_t)v;               \
  }
  HTA_COUNTERS(READ_COUNTER)
#undef READ_COUNTER
  return rc;
}

int hta_engine_read_log(hta_reg_read_fn rd, hta_reg_write_fn wr, void *ctx, int n,
                        unsigned log_depth, uint32_t *cycles) {
  for (int i = 0; i < n; i++) {
    cycles[i] = 0;
    if ((unsigned)i >= log_depth) continue;
    int rc = wr(ctx, HTA_REG_LOG_SEL, (uint32_t)i);
    if (rc == 0) rc = rd(ctx, HTA_REG_LOG_CYCLES, &cycles[i]);
    if (rc != 0) return rc;
  }
  return 0;
}

const char *hta_engine_error_name(uint32_t code) {
  const char *name = hta_engine_code_name(code);
  return name != NULL ? name : "unknown code";
}

int hta_engine_error(hta_device *dev, const char *who, const hta_backend_result *res) {
  const hta_status st = hta_status_of(res->status);
  /* The one refusal a user can cause without a malformed program: a program
   * compiled for another hardware configuration (its header's signature
   * word is not the engine's CFG_SIG). Say so in words. */
  char why[300] = "";
  if (st.code == HTA_ENGINE_ERR_PROG && res->err_info == HTA_PROG_HEADER_W_CFG_SIG)
    snprintf(why, sizeof why,
             "; the program was compiled for another hardware configuration than this "
             "device's ('%s', signature 0x%08x): its configuration signature (header word %u) "
             "differs",
             dev->hw ? dev->hw->name : "?", dev->hw ? (unsigned)dev->hw->signature : 0u,
             (unsigned)HTA_PROG_HEADER_W_CFG_SIG);
  return hta_dev_error(dev, HTA_ERROR_DEVICE,
                       "%s: engine error %u (%s) at layer descriptor %u (%u done): "
                       "STATUS 0x%08x, ERR_INFO 0x%x, ERR_ADDR 0x%" PRIx64 "%s",
                       who, st.code, hta_engine_error_name(st.code), st.layer,
                       res->layers_done, res->status, res->err_info, res->err_addr, why);
}
