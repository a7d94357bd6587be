// test_mul2: hta_mul2 (two int8 products in one DSP multiply) against plain
// multiplication for every pair of int8 weights and every 9-bit input
// (2^25 cases), on the Verilator model of the RTL module itself.
#include <cstdint>
#include <cstdio>
#include <memory>

#include "Vhta_mul2.h"
#include "verilated.h"

// Sign-extend a 17-bit output port.
static int32_t s17(uint32_t v) { return (int32_t)(v << 15) >> 15; }

int main(int argc, char **argv) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto dut = std::make_unique<Vhta_mul2>(ctx.get());
  long bad_hi = 0, bad_lo = 0, cases = 0;
  char first_hi[96] = "", first_lo[96] = "";
  for (int wh = -128; wh < 128; wh++) {
    for (int wl = -128; wl < 128; wl++) {
      for (int x = -256; x < 256; x++) {
        dut->w_hi_i = (uint8_t)wh;
        dut->w_lo_i = (uint8_t)wl;
        dut->x_i = (uint16_t)x & 0x1ff;
        dut->eval();
        cases++;
        if (s17(dut->p_hi_o) != wh * x && bad_hi++ == 0)
          snprintf(first_hi, sizeof first_hi, "w_hi %d w_lo %d x %d: %d, want %d", wh, wl, x,
                   s17(dut->p_hi_o), wh * x);
        if (s17(dut->p_lo_o) != wl * x && bad_lo++ == 0)
          snprintf(first_lo, sizeof first_lo, "w_hi %d w_lo %d x %d: %d, want %d", wh, wl, x,
                   s17(dut->p_lo_o), wl * x);
      }
    }
  }
  dut->final();
  if (bad_hi) printf("FAIL mul2_hi_all: %ld of %ld wrong, first %s\n", bad_hi, cases, first_hi);
  else printf("PASS mul2_hi_all (%ld cases)\n", cases);
  if (bad_lo) printf("FAIL mul2_lo_all: %ld of %ld wrong, first %s\n", bad_lo, cases, first_lo);
  else printf("PASS mul2_lo_all (%ld cases)\n", cases);
  int failed = (bad_hi != 0) + (bad_lo != 0);
  printf("%d passed, %d failed\n", 2 - failed, failed);
  return failed ? 1 : 0;
}
