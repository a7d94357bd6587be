/* rtl_run.c - see rtl_run.h. */
#include "rtl_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_regs.h"

#define GUARD_BYTE 0x5a

uint64_t rtl_data_addr(size_t prog_size) {
  const uint64_t end = RTL_PROG_ADDR + prog_size + RTL_GUARD;
  return (end + 4095) & ~UINT64_C(4095);
}

static int write64(hta_sim *sim, uint32_t lo, uint64_t v) {
  int rc = hta_sim_reg_write(sim, lo, (uint32_t)v);
  if (rc == 0) rc = hta_sim_reg_write(sim, lo + 4, (uint32_t)(v >> 32));
  return rc;
}

static int read64(hta_sim *sim, uint32_t lo, uint64_t *v) {
  uint32_t a = 0, b = 0;
  int rc = hta_sim_reg_read(sim, lo, &a);
  if (rc == 0) rc = hta_sim_reg_read(sim, lo + 4, &b);
  *v = (uint64_t)b << 32 | a;
  return rc;
}

static int guard_intact(hta_sim *sim, uint64_t addr, size_t n) {
  uint8_t buf[RTL_GUARD];
  if (n > sizeof buf || hta_sim_mem_read(sim, addr, buf, n) != 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (buf[i] != GUARD_BYTE) return 0;
  return 1;
}

int rtl_read_log(hta_sim *sim, int n, uint32_t *cycles) {
  for (int i = 0; i < n; i++) {
    int rc = hta_sim_reg_write(sim, HTA_REG_LOG_SEL, (uint32_t)i);
    if (rc == 0) rc = hta_sim_reg_read(sim, HTA_REG_LOG_CYCLES, &cycles[i]);
    if (rc != 0) return rc;
  }
  return 0;
}

int rtl_run(hta_sim *sim, const uint8_t *prog, size_t prog_size, uint8_t *data,
            size_t data_size, uint64_t max_cycles, rtl_result *res, char *msg,
            size_t msglen) {
  memset(res, 0, sizeof *res);
  msg[0] = '\0';
  const uint64_t data_addr = rtl_data_addr(prog_size);
  int rc;

  /* guards before and after both windows */
  if ((rc = hta_sim_mem_fill(sim, RTL_PROG_ADDR - RTL_GUARD, GUARD_BYTE, RTL_GUARD)) ||
      (rc = hta_sim_mem_fill(sim, RTL_PROG_ADDR + prog_size, GUARD_BYTE, RTL_GUARD)) ||
      (rc = hta_sim_mem_fill(sim, data_addr - RTL_GUARD, GUARD_BYTE, RTL_GUARD)) ||
      (rc = hta_sim_mem_fill(sim, data_addr + data_size, GUARD_BYTE, RTL_GUARD)) ||
      (rc = hta_sim_mem_write(sim, RTL_PROG_ADDR, prog, prog_size)) ||
      (rc = hta_sim_mem_write(sim, data_addr, data, data_size))) {
    snprintf(msg, msglen, "windows do not fit the memory model (%d)", rc);
    return rc;
  }

  if ((rc = write64(sim, HTA_REG_PROG_LO, RTL_PROG_ADDR)) ||
      (rc = write64(sim, HTA_REG_PROG_SIZE_LO, prog_size)) ||
      (rc = write64(sim, HTA_REG_DATA_LO, data_addr)) ||
      (rc = write64(sim, HTA_REG_DATA_SIZE_LO, data_size)) ||
      (rc = hta_sim_reg_write(sim, HTA_REG_GIE, 1)) ||
      (rc = hta_sim_reg_write(sim, HTA_REG_IER, 1))) {
    snprintf(msg, msglen, "register setup failed (%d)", rc);
    return rc;
  }
  const uint64_t t0 = hta_sim_cycles(sim);
  if ((rc = hta_sim_reg_write(sim, HTA_REG_CTRL, 1)) != 0) {
    snprintf(msg, msglen, "ap_start write failed (%d)", rc);
    return rc;
  }
  const int run_rc = hta_sim_run(sim, max_cycles, NULL, NULL);
  res->sim_cycles = hta_sim_cycles(sim) - t0;

  uint32_t ctrl = 0, isr = 0;
  rc = hta_sim_reg_read(sim, HTA_REG_STATUS, &res->status);
  if (!rc) rc = hta_sim_reg_read(sim, HTA_REG_ERR_INFO, &res->err_info);
  if (!rc) rc = read64(sim, HTA_REG_ERR_ADDR_LO, &res->err_addr);
  if (!rc) rc = hta_sim_reg_read(sim, HTA_REG_LAYERS_DONE, &res->layers_done);
  if (!rc) rc = read64(sim, HTA_REG_CYCLES_LO, &res->cycles);
  if (!rc) rc = read64(sim, HTA_REG_MAC_BUSY_LO, &res->mac_busy);
  if (!rc) rc = read64(sim, HTA_REG_ADD_BUSY_LO, &res->add_busy);
  if (!rc) rc = read64(sim, HTA_REG_MEM_STALL_LO, &res->mem_stall);
  if (!rc) rc = read64(sim, HTA_REG_DRAIN_STALL_LO, &res->drain_stall);
  if (!rc) rc = read64(sim, HTA_REG_BYTES_RD_LO, &res->bytes_rd);
  if (!rc) rc = read64(sim, HTA_REG_BYTES_WR_LO, &res->bytes_wr);
  if (!rc) rc = read64(sim, HTA_REG_MAC_OPS_LO, &res->mac_ops);
  if (!rc) rc = read64(sim, HTA_REG_ADD_OPS_LO, &res->add_ops);
  /* acknowledge: reading CTRL clears ap_done, ISR is toggle-on-write */
  if (!rc) rc = hta_sim_reg_read(sim, HTA_REG_CTRL, &ctrl);
  if (!rc) rc = hta_sim_reg_read(sim, HTA_REG_ISR, &isr);
  if (!rc && isr) rc = hta_sim_reg_write(sim, HTA_REG_ISR, isr);
  if (!rc) rc = hta_sim_mem_read(sim, data_addr, data, data_size);
  res->guard_ok = guard_intact(sim, RTL_PROG_ADDR - RTL_GUARD, RTL_GUARD) &&
                  guard_intact(sim, RTL_PROG_ADDR + prog_size, RTL_GUARD) &&
                  guard_intact(sim, data_addr - RTL_GUARD, RTL_GUARD) &&
                  guard_intact(sim, data_addr + data_size, RTL_GUARD);

  if (run_rc != HTA_SIM_OK) {
    const char *perr = hta_sim_protocol_error(sim);
    const char *aerr = hta_sim_assert_error(sim);
    snprintf(msg, msglen, "%s after %llu cycles (STATUS 0x%08x, layer %u)%s%s%s%s",
             run_rc == HTA_SIM_ERR_TIMEOUT ? "no ap_done" : "simulation error",
             (unsigned long long)res->sim_cycles, res->status, res->status >> 16,
             perr ? ": " : "", perr ? perr : "", aerr ? ": " : "", aerr ? aerr : "");
    /* The engine may still be busy: reset it so the next run starts clean. */
    hta_sim_clear_protocol_error(sim);
    hta_sim_reset(sim);
    return run_rc;
  }
  if (rc != 0) {
    snprintf(msg, msglen, "reading results failed (%d)", rc);
    return rc;
  }
  const char *perr = hta_sim_protocol_error(sim);
  if (perr != NULL) {
    snprintf(msg, msglen, "AXI protocol violation: %s", perr);
    return HTA_SIM_ERR_PROTOCOL;
  }
  return HTA_SIM_OK;
}
