/* engine_regs.c - see engine_regs.h. */
#include "engine_regs.h"

#include <inttypes.h>

#include "hta_cfg.h"
#include "hta_regs.h"

static int read64(hta_reg_read_fn rd, void *ctx, uint32_t lo, uint64_t *v) {
  uint32_t a = 0, b = 0;
  int rc = rd(ctx, lo, &a);
  if (rc == 0) rc = rd(ctx, lo + 4, &b);
  *v = (uint64_t)b << 32 | a;
  return rc;
}

int hta_engine_read_status(hta_reg_read_fn rd, void *ctx, hta_backend_result *res) {
  int rc = rd(ctx, HTA_REG_STATUS, &res->status);
  if (!rc) rc = rd(ctx, HTA_REG_ERR_INFO, &res->err_info);
  if (!rc) rc = read64(rd, ctx, HTA_REG_ERR_ADDR_LO, &res->err_addr);
  if (!rc) rc = rd(ctx, HTA_REG_LAYERS_DONE, &res->layers_done);
  if (!rc) rc = read64(rd, ctx, HTA_REG_CYCLES_LO, &res->cycles);
  if (!rc) rc = read64(rd, ctx, HTA_REG_MAC_BUSY_LO, &res->mac_busy);
  if (!rc) rc = read64(rd, ctx, HTA_REG_ADD_BUSY_LO, &res->add_busy);
  if (!rc) rc = read64(rd, ctx, HTA_REG_MEM_STALL_LO, &res->mem_stall);
  if (!rc) rc = read64(rd, ctx, HTA_REG_DRAIN_STALL_LO, &res->drain_stall);
  if (!rc) rc = read64(rd, ctx, HTA_REG_BYTES_RD_LO, &res->bytes_rd);
  if (!rc) rc = read64(rd, ctx, HTA_REG_BYTES_WR_LO, &res->bytes_wr);
  if (!rc) rc = read64(rd, ctx, HTA_REG_MAC_OPS_LO, &res->mac_ops);
  if (!rc) rc = read64(rd, ctx, HTA_REG_ADD_OPS_LO, &res->add_ops);
  return rc;
}

int hta_engine_read_log(hta_reg_read_fn rd, hta_reg_write_fn wr, void *ctx, int n,
                        uint32_t *cycles) {
  for (int i = 0; i < n; i++) {
    cycles[i] = 0;
    if (i >= HTA_CFG_LOG_DEPTH) continue;
    int rc = wr(ctx, HTA_REG_LOG_SEL, (uint32_t)i);
    if (rc == 0) rc = rd(ctx, HTA_REG_LOG_CYCLES, &cycles[i]);
    if (rc != 0) return rc;
  }
  return 0;
}

const char *hta_engine_error_name(uint32_t code) {
  static const char *const names[] = {"OK", "ERR_PROG", "ERR_DESC", "ERR_WINDOW", "ERR_AXI_RD",
                                      "ERR_AXI_WR"};
  return code < sizeof names / sizeof names[0] ? names[code] : "unknown code";
}

int hta_engine_error(hta_device *dev, const char *who, const hta_backend_result *res) {
  return hta_dev_error(dev, HTA_ERROR_DEVICE,
                       "%s: engine error %u (%s) at layer descriptor %u (%u done): "
                       "STATUS 0x%08x, ERR_INFO 0x%x, ERR_ADDR 0x%" PRIx64,
                       who, res->status & 0xffu, hta_engine_error_name(res->status & 0xffu),
                       res->status >> 16, res->layers_done, res->status, res->err_info,
                       res->err_addr);
}
