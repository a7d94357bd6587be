/*
 * test_prog_format.c - the generated program-format code of hta_prog.h
 * (from hw/config/program.cfg): pack/unpack round trips of every structure
 * at the edges of every field, range errors that name the field, reserved
 * bits, a few byte positions written down independently from
 * docs/architecture.md, and the counter list against hta_regs.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hta_prog.h"
#include "hta_regs.h"
#include "rng.h"

static int64_t field_min(int width, int is_signed) {
  return is_signed ? -((int64_t)1 << (width - 1)) : 0;
}
static int64_t field_max(int width, int is_signed) {
  return is_signed ? ((int64_t)1 << (width - 1)) - 1 : ((int64_t)1 << width) - 1;
}

/* For one structure S (lower-case name s, upper-case U): every field set to
 * its minimum, its maximum, and a random value in range in turn round-trips;
 * one past each end is refused with a message naming "s.field". */
#define ROUND_TRIP_FIELD(f, word, lsb, width, sg)                                       \
  {                                                                                     \
    const int64_t vals[3] = {field_min(width, sg), field_max(width, sg),                \
                             hta_rng_range(&rng, field_min(width, sg),                  \
                                           field_max(width, sg))};                      \
    for (int v = 0; v < 3; v++) {                                                       \
      memset(&in, 0, sizeof in);                                                        \
      in.f = vals[v];                                             \
      memset(buf, 0xa5, sizeof buf);                                                    \
      int rc = PACK(&in, buf, err, sizeof err);                                         \
      UNPACK(buf, &out);                                                                \
      snprintf(name, sizeof name, "%s.%s = %lld round-trips", SNAME, #f,                \
               (long long)vals[v]);                                                     \
      check(rc == 0 && memcmp(&in, &out, sizeof in) == 0, name, "rc %d, got %lld", rc,  \
            (long long)out.f);                                                          \
    }                                                                                   \
    if (width < 32) {                                                                   \
      const int64_t bad[2] = {field_min(width, sg) - 1, field_max(width, sg) + 1};      \
      for (int v = 0; v < 2; v++) {                                                     \
        if (!(sg) && v == 0) continue; /* unsigned members cannot go below 0 */         \
        memset(&in, 0, sizeof in);                                                      \
        in.f = bad[v];                                              \
        err[0] = '\0';                                                                  \
        int rc = PACK(&in, buf, err, sizeof err);                                       \
        snprintf(name, sizeof name, "%s.%s = %lld refused, naming the field", SNAME, #f, \
                 (long long)bad[v]);                                                    \
        char want[80];                                                                  \
        snprintf(want, sizeof want, "%s.%s = ", SNAME, #f);                             \
        check(rc == -1 && strstr(err, want) == err, name, "rc %d, message \"%s\"", rc,  \
              err);                                                                     \
      }                                                                                 \
    }                                                                                   \
  }

static hta_rng rng;

static void test_desc(void) {
  hta_desc in, out;
  uint8_t buf[HTA_DESC_BYTES];
  char err[200], name[160];
#define PACK hta_desc_pack
#define UNPACK hta_desc_unpack
#define SNAME "desc"
  HTA_DESC_FIELDS(ROUND_TRIP_FIELD)
#undef PACK
#undef UNPACK
#undef SNAME

  /* Positions written down from docs/architecture.md's old hand table. */
  memset(&in, 0, sizeof in);
  in.op = HTA_DESC_OP_DW;
  in.kh = 3;
  in.kw = 5;
  in.stride_h = 2;
  in.stride_w = 1;
  in.zp_in = -2;
  in.act_min = -128;
  in.act_max = 127;
  in.group = 0x1234;
  in.in_pix_stride = 0xabcd;
  in.wts_bytes = 0xdeadbeefu;
  in.n_groups = 7;
  check(hta_desc_pack(&in, buf, err, sizeof err) == 0, "desc packs", "%s", err);
  const uint8_t want[HTA_DESC_BYTES] = {
      1, 3, 5, 0x12, 0, 0, 0xfe, 0, 0x80, 0x7f, 0x34, 0x12, 0, 0, 0, 0,    /* words 0-3 */
      0, 0, 0xcd, 0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                /* words 4-7 */
      0, 0, 0, 0, 0, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0,          /* words 8-11 */
      0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0};                     /* words 12-15 */
  check_bytes("desc bytes as in the documented layout", (const int8_t *)buf,
              (const int8_t *)want, sizeof want);
  /* reserved words 14, 15 are ignored by unpack, and written 0 by pack */
  buf[60] = 0xff;
  hta_desc_unpack(buf, &out);
  check(memcmp(&in, &out, sizeof in) == 0, "desc unpack ignores reserved words", "-");
  check(HTA_DESC_W_K == 13 && HTA_DESC_W_IN_PIX_STRIDE == 4 && HTA_DESC_BYTES == 64,
        "desc word indices", "K %u", HTA_DESC_W_K);
}

static void test_others(void) {
  char err[200], name[160];
  {
    hta_prog_header in, out;
    uint8_t buf[HTA_PROG_HEADER_BYTES];
#define PACK hta_prog_header_pack
#define UNPACK hta_prog_header_unpack
#define SNAME "prog_header"
    HTA_PROG_HEADER_FIELDS(ROUND_TRIP_FIELD)
#undef PACK
#undef UNPACK
#undef SNAME
    const hta_prog_header h = {HTA_PROG_MAGIC, HTA_PROG_VERSION, 2, 64, 0x01020304u};
    hta_prog_header_pack(&h, buf, NULL, 0);
    check(memcmp(buf, "HTA1\1\0\0\0\2\0\0\0\x40\0\0\0\4\3\2\1", 20) == 0 && buf[63] == 0,
          "header bytes: magic \"HTA1\", version 1", "-");
  }
  {
    hta_pass_header in, out;
    uint8_t buf[HTA_PASS_HEADER_BYTES];
#define PACK hta_pass_header_pack
#define UNPACK hta_pass_header_unpack
#define SNAME "pass_header"
    HTA_PASS_HEADER_FIELDS(ROUND_TRIP_FIELD)
#undef PACK
#undef UNPACK
#undef SNAME
  }
  {
    hta_lane_record in, out;
    uint8_t buf[HTA_LANE_RECORD_BYTES];
#define PACK hta_lane_record_pack
#define UNPACK hta_lane_record_unpack
#define SNAME "lane_record"
    HTA_LANE_RECORD_FIELDS(ROUND_TRIP_FIELD)
#undef PACK
#undef UNPACK
#undef SNAME
    const hta_lane_record r = {-1, 0x40000000, 31};
    hta_lane_record_pack(&r, buf, NULL, 0);
    const uint8_t want[16] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x40, 31, 0, 0, 0, 0, 0, 0, 0};
    check_bytes("lane record bytes: bias, mult, shift, 7 zero bytes", (const int8_t *)buf,
                (const int8_t *)want, sizeof want);
  }
  {
    hta_status in, out;
    uint8_t buf[HTA_STATUS_BYTES];
#define PACK hta_status_pack
#define UNPACK hta_status_unpack
#define SNAME "status"
    HTA_STATUS_FIELDS(ROUND_TRIP_FIELD)
#undef PACK
#undef UNPACK
#undef SNAME
    const hta_status st = hta_status_of(0x00070102u);
    check(st.code == HTA_ENGINE_ERR_DESC && st.busy == 1 && st.layer == 7,
          "STATUS: code in 7:0, busy in 8, layer in 31:16", "code %u busy %u layer %u", st.code,
          st.busy, st.layer);
  }
}

static void test_codes_and_counters(void) {
  check(hta_engine_code_name(HTA_ENGINE_ERR_DESC) != NULL &&
            strcmp(hta_engine_code_name(HTA_ENGINE_ERR_DESC), "ERR_DESC") == 0 &&
            strcmp(hta_engine_code_name(0), "OK") == 0 &&
            hta_engine_code_name(HTA_ENGINE_CODE_COUNT) == NULL,
        "engine code names", "-");
  check(HTA_ERR_INFO_PASS == 0x100 && HTA_ERR_INFO_PASS_END == 0x104, "pass ERR_INFO values",
        "-");
  /* the counters are registers of the map, read at their _LO (or only) word */
  int n = 0, ok = 1;
#define CHECK_COUNTER(name, off, bits) \
  n++;                                 \
  ok &= (bits == 32 || bits == 64);
  HTA_COUNTERS(CHECK_COUNTER)
#undef CHECK_COUNTER
  check(n == HTA_COUNTER_COUNT && ok, "counter list", "%d counters", n);
  hta_counters c;
  check(sizeof c.cycles == 8 && sizeof c.layers_done == 4, "counter widths", "-");
#define AT(name, off, bits) static const unsigned at_##name = off;
  HTA_COUNTERS(AT)
#undef AT
  check(at_cycles == HTA_REG_CYCLES_LO && at_layers_done == HTA_REG_LAYERS_DONE &&
            at_drain_stall == HTA_REG_DRAIN_STALL_LO && at_v2_fetch == HTA_REG_V2_FETCH_LO &&
            at_v2_wload == HTA_REG_V2_WLOAD_LO && at_v2_xload == HTA_REG_V2_XLOAD_LO &&
            at_v2_run == HTA_REG_V2_RUN_LO && at_v2_tail == HTA_REG_V2_TAIL_LO,
        "counter offsets are the register map's", "-");
  (void)at_mac_busy;
  (void)at_add_busy;
  (void)at_mem_stall;
  (void)at_bytes_rd;
  (void)at_bytes_wr;
  (void)at_mac_ops;
  (void)at_add_ops;
}

int main(void) {
  hta_rng_seed(&rng, 0x5eed);
  test_desc();
  test_others();
  test_codes_and_counters();
  return check_summary();
}
