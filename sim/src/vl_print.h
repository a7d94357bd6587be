// vl_print.h - forced into every file of a Verilated model (sim.mk passes
// -CFLAGS "-include .../vl_print.h"), so that Verilator's printing, which is
// $display output and the messages of failed assertions, goes through the
// harness: to stderr, keeping the host program's stdout its own, and into the
// record of the failure, so hta_sim_assert_error() can quote the message.
#ifndef HTA_SIM_VL_PRINT_H
#define HTA_SIM_VL_PRINT_H

void htasim_vl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define VL_PRINTF htasim_vl_printf

#endif  // HTA_SIM_VL_PRINT_H
