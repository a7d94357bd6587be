/*
 * test_golden.c - the golden model against hand-computed cases.
 *
 * Every expected number is worked out in the comment next to it from
 * docs/numerics.md, not taken from the code under test.
 * Notation: Q = INT32_MAX as a multiplier is "1.0": SRDHM(x, Q) = x for
 * |x| < 2^30 (x*(2^31-1)/2^31 = x - x/2^31, and the nudge rounds that back to x).
 * H = 2^30 as a multiplier is 0.5.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hta_golden.h"
#include "hta_layer.h"
#include "rand_layer.h"

#define Q INT32_MAX
#define H (INT32_C(1) << 30)

static hta_layer base(hta_op op, int in_h, int in_w, int in_c, int out_c) {
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = op;
  l.in_h = in_h;
  l.in_w = in_w;
  l.in_c = in_c;
  l.out_c = out_c;
  l.kh = l.kw = l.stride = 1;
  l.act_min = -128;
  l.act_max = 127;
  return l;
}

static void run(const char *name, const hta_layer *l, const int8_t *in,
                const int8_t *want, size_t n) {
  int8_t got[64];
  memset(got, 0x55, sizeof got);
  char err[160] = "";
  if (hta_layer_check(l, err, sizeof err) != 0) {
    check(0, name, "hta_layer_check: %s", err);
    return;
  }
  if (hta_golden_layer(l, in, got) != 0) {
    check(0, name, "hta_golden_layer failed");
    return;
  }
  check_bytes(name, got, want, n);
}

static void test_srdhm(void) {
  /* The one overflow: (-2^31)^2 = 2^62 does not fit after /2^31; saturates. */
  check_int("srdhm INT32_MIN*INT32_MIN", hta_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
  /* -2^31 * (2^31-1) = -2^62 + 2^31; + (1 - 2^30); / 2^31 = -2^31 + 0.5 + 2^-31
   * -> truncated toward zero: -2147483647. */
  check_int("srdhm INT32_MIN*INT32_MAX", hta_srdhm(INT32_MIN, INT32_MAX), -2147483647);
  /* (2^31-1)^2 = 2^62 - 2^32 + 1; + 2^30; / 2^31 = 2^31 - 2 + 0.5.. -> 2147483646 */
  check_int("srdhm INT32_MAX*INT32_MAX", hta_srdhm(INT32_MAX, INT32_MAX), 2147483646);
  /* 2^30 * 2^30 = 2^60; (2^60 + 2^30) / 2^31 = 2^29 + 0.5 -> 2^29 */
  check_int("srdhm 2^30*2^30", hta_srdhm(H, H), 536870912);
  /* tie +0.5: (2^30 + 2^30) / 2^31 = 1 */
  check_int("srdhm tie +0.5 -> 1", hta_srdhm(1, H), 1);
  /* tie -0.5: (-2^30 + 1 - 2^30) / 2^31 = -1 + 2^-31 -> 0 (ties toward +inf) */
  check_int("srdhm tie -0.5 -> 0", hta_srdhm(-1, H), 0);
  /* -1.5: -3*2^30; (-3*2^30 + 1 - 2^30) / 2^31 = -2 + 2^-31 -> -1 */
  check_int("srdhm tie -1.5 -> -1", hta_srdhm(-3, H), -1);
  /* +1.5: (3*2^30 + 2^30) / 2^31 = 2 */
  check_int("srdhm tie +1.5 -> 2", hta_srdhm(3, H), 2);
  /* -21 * 0.25 = -5.25 (b = 2^29): (-21*2^29 + 1 - 2^30) / 2^31
   * = (-23*2^29 + 1) / 2^31 = -5.75 + 2^-31 -> truncated -5 */
  check_int("srdhm -5.25 -> -5", hta_srdhm(-21, INT32_C(1) << 29), -5);
  check_int("srdhm 0*x", hta_srdhm(0, INT32_MIN), 0);
  /* Q acts as 1.0 below 2^30 in magnitude. */
  check_int("srdhm Q identity +", hta_srdhm(123456, Q), 123456);
  check_int("srdhm Q identity -", hta_srdhm(-123456, Q), -123456);
}

static void test_rdbpot(void) {
  /* 5/2 = 2.5: mask 1, rem 1, thr 0, (5>>1)=2, 1>0 -> 3 */
  check_int("rdbpot 5>>1 tie -> 3", hta_rdbpot(5, 1), 3);
  /* -5/2 = -2.5: rem = -5&1 = 1, thr = 0+1 = 1, (-5>>1) = -3, 1>1 no -> -3 */
  check_int("rdbpot -5>>1 tie -> -3", hta_rdbpot(-5, 1), -3);
  /* 7/4 = 1.75: rem 3, thr 1 -> 1+1 = 2 */
  check_int("rdbpot 7>>2 -> 2", hta_rdbpot(7, 2), 2);
  /* -6/4 = -1.5: rem = -6&3 = 2, thr = 1+1 = 2, (-6>>2) = -2, 2>2 no -> -2 */
  check_int("rdbpot -6>>2 tie -> -2", hta_rdbpot(-6, 2), -2);
  /* -5/4 = -1.25: rem = -5&3 = 3, thr 2, (-5>>2) = -2, 3>2 -> -1 */
  check_int("rdbpot -5>>2 -> -1", hta_rdbpot(-5, 2), -1);
  /* -7/4 = -1.75: rem = -7&3 = 1, thr 2, -2 + 0 -> -2 */
  check_int("rdbpot -7>>2 -> -2", hta_rdbpot(-7, 2), -2);
  check_int("rdbpot shift 0 +", hta_rdbpot(INT32_MAX, 0), INT32_MAX);
  check_int("rdbpot shift 0 -", hta_rdbpot(INT32_MIN, 0), INT32_MIN);
  /* e = 31: mask 2^31-1. (2^31-1)/2^31 = 0.99.. -> 1 */
  check_int("rdbpot INT32_MAX>>31 -> 1", hta_rdbpot(INT32_MAX, 31), 1);
  /* -2^31/2^31 = -1 exactly: rem 0 -> -1 */
  check_int("rdbpot INT32_MIN>>31 -> -1", hta_rdbpot(INT32_MIN, 31), -1);
  /* 2^30/2^31 = 0.5: rem 2^30 > thr 2^30-1 -> 0+1 = 1 */
  check_int("rdbpot 2^30>>31 tie -> 1", hta_rdbpot(H, 31), 1);
  /* -0.5: rem = 0xC0000000 & 0x7FFFFFFF = 2^30, thr = 2^30-1+1 -> -1+0 = -1 */
  check_int("rdbpot -2^30>>31 tie -> -1", hta_rdbpot(-H, 31), -1);
  /* -0.49..: rem 2^30+1 > 2^30 -> -1+1 = 0 */
  check_int("rdbpot (-2^30+1)>>31 -> 0", hta_rdbpot(-H + 1, 31), 0);
}

static void test_requant(void) {
  check_int("sat32 above", hta_sat32((int64_t)INT32_MAX + 1), INT32_MAX);
  check_int("sat32 below", hta_sat32((int64_t)INT32_MIN - 1), INT32_MIN);
  check_int("sat32 inside", hta_sat32(-7), -7);
  /* SRDHM(100, H) = (100*2^30 + 2^30)/2^31 = 50.5 -> 50; RDBPOT(50, 1) = 25;
   * y = -3 + 25 = 22 */
  check_int("requant zp_out", hta_requant(100, 0, H, 1, -3, -128, 127), 22);
  /* bias: 90 + 10 = 100 -> same as above */
  check_int("requant bias", hta_requant(90, 10, H, 1, -3, -128, 127), 22);
  /* SRDHM(1000, H) = 500 -> clamp to 127 */
  check_int("requant clamp high", hta_requant(1000, 0, H, 0, 0, -128, 127), 127);
  /* SRDHM(-1000, H) = -500 -> clamp to -128 */
  check_int("requant clamp low", hta_requant(-1000, 0, H, 0, 0, -128, 127), -128);
  /* ReLU with zp_out 3: SRDHM(-100, H) = -50; y = -47 -> act_min 3 */
  check_int("requant relu", hta_requant(-100, 0, H, 0, 3, 3, 127), 3);
  /* ReLU6-like upper clamp: SRDHM(40, H) = 20, y = 23 -> act_max 15 */
  check_int("requant act_max", hta_requant(40, 0, H, 0, 3, 3, 15), 15);
  /* acc32 saturates before the multiply: 2^31-1 + 1 -> INT32_MAX;
   * SRDHM(INT32_MAX, H) = ((2^31-1)*2^30 + 2^30)/2^31 = 2^30; RDBPOT(2^30, 24) = 64 */
  check_int("requant sat32 then scale", hta_requant(1, INT32_MAX, H, 24, 0, -128, 127), 64);
  /* y = zp_out + ... is exact (33 bits at the extremes), never wrapped:
   * SRDHM(INT32_MAX, Q) = 2147483646; + 5 = 2147483651 -> clamp 127
   * (a wrapping 32-bit add would give -2147483645 -> -128). */
  check_int("requant y exact, no wrap (high)", hta_requant(0, INT32_MAX, Q, 0, 5, -128, 127), 127);
  /* SRDHM(INT32_MIN, Q) = -2147483647; - 5 = -2147483652 -> clamp -128. */
  check_int("requant y exact, no wrap (low)", hta_requant(0, INT32_MIN, Q, 0, -5, -128, 127), -128);
}

/* Pointwise, 1x2 pixels, 3 channels in, 2 INT8 filters out, zp_in 1, zp_out 2.
 *   xc p0 = [3,-2,10] - 1 = [2,-3,9], xc p1 = [1,0,-5] - 1 = [0,-1,-6]
 *   f0 w=[1,2,3]:  p0 2-6+27 = 23,  p1 0-2-18 = -20;  bias 10
 *   f1 w=[-4,0,5]: p0 -8+0+45 = 37, p1 0+0-30 = -30;  bias -7
 *   mult H (0.5); shift f0 0, f1 1
 *   p0 f0: SRDHM(33, H) = 34*2^30/2^31 = 17            -> 2 + 17 = 19
 *   p0 f1: SRDHM(30, H) = 15 (15.5 truncated); RDBPOT(15,1) = 8 -> 10
 *   p1 f0: SRDHM(-10, H) = (-11*2^30+1)/2^31 = -5.49.. -> -5 -> -3
 *   p1 f1: SRDHM(-37, H) = (-38*2^30+1)/2^31 = -18.99.. -> -18;
 *          RDBPOT(-18, 1) = -9                           -> -7 */
static void test_pointwise_int8(void) {
  hta_layer l = base(HTA_OP_POINTWISE, 1, 2, 3, 2);
  const int8_t in[] = {3, -2, 10, 1, 0, -5};
  const int8_t w[] = {1, 2, 3, -4, 0, 5};
  const int32_t bias[] = {10, -7}, mult[] = {H, H};
  const uint8_t shift[] = {0, 1};
  l.zp_in = 1;
  l.zp_out = 2;
  l.w = w;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {19, 10, -3, -7};
  run("pointwise 1x1 two INT8 filters", &l, in, want, 4);
}

/* FC, 6 inputs, TERNARY with G = 4: groups k 0..3 and 4..5 (shorter).
 *   x = [1,2,3,4,5,6], zp_in 0
 *   f0 t = [1,-1,0,1, -1,1], alpha [3,10]: 3*(1-2+0+4) + 10*(-5+6) = 9+10 = 19
 *      mult Q shift 0 -> 19, zp_out 1 -> 20
 *   f1 t = [0,0,0,0, 1,1], alpha [200,255]: 0 + 255*11 = 2805
 *      RDBPOT(2805, 5): 2805 = 87*32 + 21, 21 > 15 -> 88; +1 -> 89 */
static void test_ternary_groups(void) {
  hta_layer l = base(HTA_OP_FC, 1, 1, 6, 2);
  const int8_t in[] = {1, 2, 3, 4, 5, 6};
  const uint8_t kind[] = {HTA_KIND_TERNARY, HTA_KIND_TERNARY};
  const int8_t t[] = {1, -1, 0, 1, -1, 1, 0, 0, 0, 0, 1, 1};
  const uint8_t alpha[] = {3, 10, 200, 255};
  const int32_t bias[] = {0, 0}, mult[] = {Q, Q};
  const uint8_t shift[] = {0, 5};
  l.group = 4;
  l.zp_out = 1;
  l.kind = kind;
  l.t = t;
  l.alpha = alpha;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  check_int("ngroups K=6 G=4", hta_layer_ngroups(&l), 2);
  const int8_t want[] = {20, 89};
  run("ternary 2 groups with alpha", &l, in, want, 2);
}

/* FC, 5 inputs, BINARY, one group (G = 0), zp_in -1.
 *   xc = [0,1,-1,2,3] + 1 = [1,2,0,3,4]; t = [1,-1,1,1,-1]: 1-2+0+3-4 = -2
 *   alpha 7 -> -14; bias 4 -> -10; mult Q, RDBPOT(-10, 1) = -5 */
static void test_binary(void) {
  hta_layer l = base(HTA_OP_FC, 1, 1, 5, 1);
  const int8_t in[] = {0, 1, -1, 2, 3};
  const uint8_t kind[] = {HTA_KIND_BINARY};
  const int8_t t[] = {1, -1, 1, 1, -1};
  const uint8_t alpha[] = {7};
  const int32_t bias[] = {4}, mult[] = {Q};
  const uint8_t shift[] = {1};
  l.zp_in = -1;
  l.kind = kind;
  l.t = t;
  l.alpha = alpha;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {-5};
  run("binary one group", &l, in, want, 1);

  const int8_t t0[] = {1, -1, 0, 1, -1};
  l.t = t0;
  char err[160] = "";
  check(hta_layer_check(&l, err, sizeof err) != 0 && strstr(err, "t[0][2]") != NULL,
        "binary rejects weight 0", "err = '%s'", err);
}

/* conv2d 3x3, stride 2, pad 1 on a 3x3x1 image, zp_in 5 (padding holds xc = 0,
 * not 0 - 5). out_h = (3+1+1-3)/2 + 1 = 2.
 *   xc = x - 5 = [[1,2,3],[4,5,6],[7,8,9]]   w = [[1,2,0],[0,1,0],[0,0,-1]]
 *   (0,0): rows -1,0,1 cols -1,0,1: w11*1 + w22*5 = 1 - 5      = -4
 *   (0,1): rows -1,0,1 cols 1,2,3:  w11*3 (+ w22 * pad)         = 3
 *   (1,0): rows 1,2,3 cols -1,0,1:  w01*4 + w11*7 = 8 + 7       = 15
 *   (1,1): rows 1,2,3 cols 1,2,3:   w00*5 + w01*6 + w11*9 = 5+12+9 = 26
 *   mult Q shift 0, zp_out -1 -> [-5, 2, 14, 25] */
/* stop on the second call (*user counts calls from 0) */
static int stop_at_row1(void *user) { return ++*(int *)user == 2; }

static void test_conv3x3_pad_stride2(void) {
  hta_layer l = base(HTA_OP_CONV2D, 3, 3, 1, 1);
  const int8_t in[] = {6, 7, 8, 9, 10, 11, 12, 13, 14};
  const int8_t w[] = {1, 2, 0, 0, 1, 0, 0, 0, -1};
  const int32_t bias[] = {0}, mult[] = {Q};
  const uint8_t shift[] = {0};
  l.kh = l.kw = 3;
  l.stride = 2;
  l.pad_t = l.pad_b = l.pad_l = l.pad_r = 1;
  l.zp_in = 5;
  l.zp_out = -1;
  l.w = w;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  check(hta_layer_out_h(&l) == 2 && hta_layer_out_w(&l) == 2, "conv out shape 2x2",
        "got %dx%d", hta_layer_out_h(&l), hta_layer_out_w(&l));
  const int8_t want[] = {-5, 2, 14, 25};
  run("conv2d 3x3 pad 1 stride 2", &l, in, want, 4);
  /* the stop callback (the cpu device's timeout): asked before each output
   * row; nonzero stops the layer with 1, zero changes nothing */
  int8_t out[4] = {0};
  int asked = 0;
  check(hta_golden_layer2_stop(&l, in, NULL, out, stop_at_row1, &asked) == 1 && asked == 2,
        "golden stop: stops before the second row", "asked %d times", asked);
  asked = -100;
  check(hta_golden_layer2_stop(&l, in, NULL, out, stop_at_row1, &asked) == 0 &&
            memcmp(out, want, 4) == 0 && asked == -98,
        "golden stop: a callback that never stops changes nothing", "asked %d", asked + 100);
}

/* depthwise 2x2 on 2x2x2, no padding -> 1x1x2. Pixels (y,x) = [ch0, ch1]:
 * (0,0)=[1,10] (0,1)=[2,20] (1,0)=[3,30] (1,1)=[4,41], zp_in 0.
 *   ch0 INT8 w = [1,2,3,4]: 1+4+9+16 = 30, shift 1 -> RDBPOT(30,1) = 15
 *   ch1 TERNARY t = [1,-1,-1,1], alpha 2: 2*(10-20-30+41) = 2 */
static void test_depthwise(void) {
  hta_layer l = base(HTA_OP_DEPTHWISE, 2, 2, 2, 2);
  const int8_t in[] = {1, 10, 2, 20, 3, 30, 4, 41};
  const uint8_t kind[] = {HTA_KIND_INT8, HTA_KIND_TERNARY};
  const int8_t w[] = {1, 2, 3, 4, 0, 0, 0, 0};
  const int8_t t[] = {0, 0, 0, 0, 1, -1, -1, 1};
  const uint8_t alpha[] = {0, 2};
  const int32_t bias[] = {0, 0}, mult[] = {Q, Q};
  const uint8_t shift[] = {1, 0};
  l.kh = l.kw = 2;
  l.kind = kind;
  l.w = w;
  l.t = t;
  l.alpha = alpha;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {15, 2};
  run("depthwise INT8 + TERNARY", &l, in, want, 2);
}

/* GAP on 2x2x2, zp_in 1; mult H, shift 1 is 1/4.
 *   ch0 x = [1,2,3,5] -> xc [0,1,2,4] = 7: SRDHM(7, H) = 8*2^30/2^31 = 4,
 *       RDBPOT(4, 1) = 2
 *   ch1 x = [-1,-2,-3,-4] -> xc [-2,-3,-4,-5] = -14:
 *       SRDHM(-14, H) = (-15*2^30+1)/2^31 = -7.49.. -> -7; RDBPOT(-7,1) = -4 */
static void test_gap(void) {
  hta_layer l = base(HTA_OP_GAP, 2, 2, 2, 2);
  const int8_t in[] = {1, -1, 2, -2, 3, -3, 5, -4};
  const int32_t bias[] = {0, 0}, mult[] = {H, H};
  const uint8_t shift[] = {1, 1};
  l.zp_in = 1;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {2, -4};
  run("global average pool", &l, in, want, 2);
}

/* FC 4 -> 3, zp_out -2 with ReLU (act_min = zp_out).
 *   x = [10,-10,5,0]; f0 [1,1,1,1] = 5; f1 [-1,0,0,0] = -10;
 *   f2 [0,2,0,-3] = -20, bias 100 -> 80, shift 2 -> 20
 *   y = 5-2 = 3, -10-2 = -12 -> -2 (ReLU), 20-2 = 18 */
static void test_fc(void) {
  hta_layer l = base(HTA_OP_FC, 1, 1, 4, 3);
  const int8_t in[] = {10, -10, 5, 0};
  const int8_t w[] = {1, 1, 1, 1, -1, 0, 0, 0, 0, 2, 0, -3};
  const int32_t bias[] = {0, 0, 100}, mult[] = {Q, Q, Q};
  const uint8_t shift[] = {0, 0, 2};
  l.zp_out = -2;
  l.act_min = -2;
  l.w = w;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {3, -2, 18};
  run("fully connected with ReLU", &l, in, want, 3);
}

/* Hybrid pointwise layer, 2 pixels, 3 channels, zp_in 2, filters
 * [INT8, TERNARY, STRASSEN], r = 2.
 *   xc p0 = [5,0,-1] - 2 = [3,-2,-3];  xc p1 = [127,-128,127] - 2 = [125,-130,125]
 *   f0 INT8 [1,2,3]:          p0 3-4-9 = -10             p1 125-260+375 = 240 -> 127
 *   f1 TERNARY [1,1,-1] a=4:  p0 4*(3-2+3) = 16, >>2 = 4  p1 4*(-130) = -520, >>2 = -130 -> -128
 *   f2 STRASSEN: wb = [[1,0,-1],[0,-1,1]], hmul = [Q,Q], hshift = [1,0], wc = [1,-1]
 *     p0 hid = [3+3, 2-3] = [6,-1] -> h = [RDBPOT(6,1), -1] = [3,-1]; acc = 3+1 = 4
 *     p1 hid = [125-125, 130+125] = [0, 255] -> h = [0, 127] (clamped); acc = -127
 *        (without the hidden clamp: -255 -> -128) */
static void test_hybrid_strassen(void) {
  hta_layer l = base(HTA_OP_POINTWISE, 1, 2, 3, 3);
  const int8_t in[] = {5, 0, -1, 127, -128, 127};
  const uint8_t kind[] = {HTA_KIND_INT8, HTA_KIND_TERNARY, HTA_KIND_STRASSEN};
  const int8_t w[] = {1, 2, 3, 0, 0, 0, 0, 0, 0};
  const int8_t t[] = {0, 0, 0, 1, 1, -1, 0, 0, 0};
  const uint8_t alpha[] = {0, 4, 0};
  const int8_t wb[] = {1, 0, -1, 0, -1, 1};
  const int32_t hmul[] = {Q, Q};
  const uint8_t hshift[] = {1, 0};
  const int8_t wc[] = {0, 0, 0, 0, 1, -1};
  const int32_t bias[] = {0, 0, 0}, mult[] = {Q, Q, Q};
  const uint8_t shift[] = {0, 2, 0};
  l.zp_in = 2;
  l.kind = kind;
  l.w = w;
  l.t = t;
  l.alpha = alpha;
  l.r = 2;
  l.wb = wb;
  l.hmul = hmul;
  l.hshift = hshift;
  l.wc = wc;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {-10, 4, 4, 127, -128, -127};
  run("hybrid INT8 + TERNARY + STRASSEN r=2", &l, in, want, 6);
}

/* Depthwise STRASSEN: 1x2 image, 1 channel, kernel 1x2 -> 1x1, r = 2, zp_in 0.
 *   x = [10, -20]; wb[0] = [[1,1],[1,-1]] -> hid = [-10, 30], hmul Q, hshift 0
 *   h = [-10, 30]; wc[0] = [-1, 1] -> acc = 10 + 30 = 40; mult Q shift 3 -> 5 */
static void test_depthwise_strassen(void) {
  hta_layer l = base(HTA_OP_DEPTHWISE, 1, 2, 1, 1);
  const int8_t in[] = {10, -20};
  const uint8_t kind[] = {HTA_KIND_STRASSEN};
  const int8_t wb[] = {1, 1, 1, -1};
  const int32_t hmul[] = {Q, Q};
  const uint8_t hshift[] = {0, 0};
  const int8_t wc[] = {-1, 1};
  const int32_t bias[] = {0}, mult[] = {Q};
  const uint8_t shift[] = {3};
  l.kw = 2;
  l.kind = kind;
  l.r = 2;
  l.wb = wb;
  l.hmul = hmul;
  l.hshift = hshift;
  l.wc = wc;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {5};
  run("depthwise STRASSEN r=2", &l, in, want, 1);
}

/* The int32 accumulator saturates once, at the end, via the bias.
 *   x = 100, w = [100] / [-100]: acc = +-10000
 *   f0: INT32_MAX - 5000 + 10000 -> INT32_MAX; SRDHM(INT32_MAX, H) = 2^30;
 *       RDBPOT(2^30, 24) = 64
 *   f1: INT32_MIN + 5000 - 10000 -> INT32_MIN; SRDHM(INT32_MIN, H) =
 *       (-2^61 + 1 - 2^30)/2^31 = -2^30 - 0.49.. -> -2^30; RDBPOT(-2^30, 24) = -64
 *   (a wrapping 32-bit sum would give -64 and 64) */
static void test_saturation(void) {
  hta_layer l = base(HTA_OP_FC, 1, 1, 1, 2);
  const int8_t in[] = {100};
  const int8_t w[] = {100, -100};
  const int32_t bias[] = {INT32_MAX - 5000, INT32_MIN + 5000}, mult[] = {H, H};
  const uint8_t shift[] = {24, 24};
  l.w = w;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {64, -64};
  run("int32 accumulator saturation via bias", &l, in, want, 2);
}

/* Padding holds the real value 0 (xc = 0), whatever zp_in is.
 * 1x1x1 image x = 53, zp_in 50, 3x3 kernel of ones, pad 1: only the centre
 * counts: acc = 53 - 50 = 3. (Padding as x = 0 would add 8*(-50) = -400.) */
static void test_padding_zero_point(void) {
  const int8_t in[] = {53};
  const int8_t ones[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  const uint8_t alpha[] = {1};
  const int32_t bias[] = {0}, mult[] = {Q};
  const uint8_t shift[] = {0};
  const int8_t want[] = {3};
  const hta_op ops[] = {HTA_OP_CONV2D, HTA_OP_DEPTHWISE};
  for (int i = 0; i < 2; i++) {
    for (int ternary = 0; ternary < 2; ternary++) {
      hta_layer l = base(ops[i], 1, 1, 1, 1);
      const uint8_t kind[] = {ternary ? HTA_KIND_TERNARY : HTA_KIND_INT8};
      l.kh = l.kw = 3;
      l.pad_t = l.pad_b = l.pad_l = l.pad_r = 1;
      l.zp_in = 50;
      l.kind = kind;
      l.w = ones;
      l.t = ones;
      l.alpha = alpha;
      l.bias = bias;
      l.mult = mult;
      l.shift = shift;
      char name[80];
      snprintf(name, sizeof name, "padding is real zero (%s %s)", hta_op_name(ops[i]),
               ternary ? "TERNARY" : "INT8");
      run(name, &l, in, want, 1);
    }
  }
}

static void test_packing(void) {
  /* ternary [1,0,-1,-1 | 1]: codes 01,00,11,11 -> 0x01|0x00|0x30|0xC0 = 0xF1; 01 -> 0x01 */
  const int8_t t[] = {1, 0, -1, -1, 1};
  uint8_t p[2];
  int8_t back[9];
  int rc = hta_pack_ternary(t, 5, p);
  check(rc == 0 && p[0] == 0xF1 && p[1] == 0x01,
        "pack ternary", "got %02x %02x, want f1 01", p[0], p[1]);
  check(hta_unpack_ternary(p, 5, back) == 0 && memcmp(back, t, 5) == 0,
        "unpack ternary round trip", "mismatch");
  const uint8_t bad[] = {0x08}; /* weight 1 has code 10 */
  check(hta_unpack_ternary(bad, 4, back) != 0, "unpack ternary rejects code 10", "accepted");
  const int8_t two[] = {0, 2};
  check(hta_pack_ternary(two, 2, p) != 0, "pack ternary rejects 2", "accepted");
  /* binary [1,-1,-1,1,1,1,1,-1 | -1]: bits 0,1,1,0,0,0,0,1 -> 0x86; 1 -> 0x01 */
  const int8_t b[] = {1, -1, -1, 1, 1, 1, 1, -1, -1};
  rc = hta_pack_binary(b, 9, p);
  check(rc == 0 && p[0] == 0x86 && p[1] == 0x01, "pack binary",
        "got %02x %02x, want 86 01", p[0], p[1]);
  check(hta_unpack_binary(p, 9, back) == 0 && memcmp(back, b, 9) == 0,
        "unpack binary round trip", "mismatch");
  check(hta_pack_binary(t, 5, p) != 0, "pack binary rejects 0", "accepted");
  check(hta_ternary_packed_bytes(5) == 2 && hta_binary_packed_bytes(9) == 2 &&
            hta_binary_packed_bytes(8) == 1,
        "packed sizes", "wrong");
}

/* hta_layer_check names the bad field. */
static void expect_error(const char *name, const hta_layer *l, const char *field) {
  char err[200] = "";
  int rc = hta_layer_check(l, err, sizeof err);
  check(rc != 0 && strstr(err, field) != NULL, name, "rc %d, err '%s' should name '%s'",
        rc, err, field);
}

static void test_layer_check(void) {
  const int8_t w[] = {1, 2, 3, 4};
  const int32_t bias[] = {0, 0}, mult[] = {Q, Q};
  const uint8_t shift[] = {0, 40};
  hta_layer good = base(HTA_OP_FC, 1, 1, 2, 2);
  good.w = w;
  good.bias = bias;
  good.mult = mult;
  good.shift = shift;
  hta_layer l = good;
  expect_error("check shift > 31", &l, "shift[1]");
  const uint8_t shift0[] = {0, 0};
  good.shift = shift0;
  check(hta_layer_check(&good, NULL, 0) == 0, "check accepts valid FC", "rejected");
  l = good; l.act_min = 10; l.act_max = 5;
  expect_error("check act_min > act_max", &l, "act_min");
  l = good; l.zp_in = 128;
  expect_error("check zp_in range", &l, "zp_in");
  l = good; l.in_h = 2;
  expect_error("check FC input shape", &l, "in_h");
  l = good; l.op = HTA_OP_DEPTHWISE; l.out_c = 3;
  expect_error("check depthwise out_c", &l, "out_c");
  const uint8_t badkind[] = {9, 0};
  l = good; l.kind = badkind;
  expect_error("check kind", &l, "kind[0]");
  l = good; l.r = 2;
  expect_error("check r without STRASSEN", &l, "r = 2");
  l = good; l.w = NULL;
  expect_error("check missing w", &l, "w is NULL");
  l = base(HTA_OP_CONV2D, 2, 2, 1, 1);
  l.kh = 3; l.w = w; l.bias = bias; l.mult = mult; l.shift = shift0;
  expect_error("check kernel larger than padded input", &l, "kh = 3");
}

/* ---- graph ops (docs/numerics.md "Graphs and graph ops") ---- */

static void run2(const char *name, const hta_layer *l, const int8_t *in, const int8_t *in2,
                 const int8_t *want, size_t n) {
  int8_t got[64];
  memset(got, 0x55, sizeof got);
  char err[200] = "";
  if (hta_layer_check(l, err, sizeof err) != 0) {
    check(0, name, "hta_layer_check: %s", err);
    return;
  }
  if (hta_golden_layer2(l, in, in2, got) != 0) {
    check(0, name, "hta_golden_layer2 failed");
    return;
  }
  check_bytes(name, got, want, n);
}

static hta_layer two_inputs(hta_op op, int h, int w, int c, int h2, int w2, int c2) {
  hta_layer l = base(op, h, w, c, op == HTA_OP_CONCAT ? c + c2 : c);
  l.n_src = 2;
  l.src[0] = 0;
  l.src[1] = 0;
  l.in2_h = h2;
  l.in2_w = w2;
  l.in2_c = c2;
  return l;
}

static void test_add(void) {
  /* a = [10, -20], zp_in 2: xc = [8, -22]; b = [5, 7], zp_in2 -3: yc = [8, 10].
   * R_0 (mult H = 0.5, shift 0): 8*2^20/2 = 4*2^20, -22*2^20/2 = -11*2^20.
   * R_1 (mult H, shift 1): 8*2^20/4 = 2*2^20, 10*2^20/4 = 2.5*2^20.
   * acc = [6*2^20, -8.5*2^20]; stage mult Q (1.0) shift 20: [6, -8.5 -> -9]
   * (half away from zero); + zp_out 1: [7, -8]. */
  const int8_t a[] = {10, -20}, b[] = {5, 7}, want[] = {7, -8};
  const int32_t bias[] = {0, 0}, mult[] = {Q, Q};
  const uint8_t shift[] = {20, 20};
  hta_layer l = two_inputs(HTA_OP_ADD, 1, 1, 2, 1, 1, 2);
  l.zp_in = 2;
  l.zp_in2 = -3;
  l.zp_out = 1;
  l.in_mult[0] = H;
  l.in_mult[1] = H;
  l.in_shift[1] = 1;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  run2("ADD: each input rescaled, sum through the output stage", &l, a, b, want, 2);
}

static void test_concat(void) {
  /* a = [10] (zp 0), b = [-4, 6] (zp 2): yc = [-6, 4]. R_0, R_1 with mult H,
   * shift 0: [5*2^20], [-3*2^20, 2*2^20]. Stage mult Q, shifts [19, 19, 20]:
   * [10, -6, 2]. */
  const int8_t a[] = {10}, b[] = {-4, 6}, want[] = {10, -6, 2};
  const int32_t bias[] = {0, 0, 0}, mult[] = {Q, Q, Q};
  const uint8_t shift[] = {19, 19, 20};
  hta_layer l = two_inputs(HTA_OP_CONCAT, 1, 1, 1, 1, 1, 2);
  l.zp_in2 = 2;
  l.in_mult[0] = l.in_mult[1] = H;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  run2("CONCAT: input 0's channels, then input 1's", &l, a, b, want, 3);
}

/* The identity rescale of docs/numerics.md (in_mult 2^30, in_shift 0, stage
 * mult 2^31 - 1, shift 19, zp_out = zp_in): every value comes through CONCAT
 * unchanged, at every zero point. hta import chains a Concat of N tensors on
 * it: each later link passes the previous link's channels exactly. */
static void test_concat_pass(void) {
  const int32_t bias[] = {0, 0}, mult[] = {INT32_MAX, INT32_MAX};
  const uint8_t shift[] = {19, 19};
  int bad = 0;
  char what[120] = "";
  for (int zp = -128; zp <= 127 && !bad; zp += 17)
    for (int x = -128; x <= 127 && !bad; x++) {
      const int8_t a[] = {(int8_t)x}, b[] = {(int8_t)(-1 - x)};
      int8_t got[2];
      hta_layer l = two_inputs(HTA_OP_CONCAT, 1, 1, 1, 1, 1, 1);
      l.zp_in = l.zp_in2 = l.zp_out = zp;
      l.in_mult[0] = l.in_mult[1] = INT32_C(1) << 30;
      l.bias = bias;
      l.mult = mult;
      l.shift = shift;
      if (hta_golden_layer2(&l, a, b, got) != 0 || got[0] != a[0] || got[1] != b[0]) {
        bad = 1;
        snprintf(what, sizeof what, "zp %d: [%d, %d] came out as [%d, %d]", zp, a[0], b[0],
                 got[0], got[1]);
      }
    }
  check(!bad, "CONCAT: the identity rescale passes every value at every zero point", "%s",
        what);
}

static void test_mul(void) {
  /* x (1x2x2) = [3, -5, 100, 7], zp 1: xc = [2, -6, 99, 6]; y (1x1x2) =
   * [4, -10], zp -2: yc = [6, -8]. acc = [12, 48, 594, -48]; mult Q shift 2:
   * [3, 12, 148.5 -> 149 -> clamp 127, -12]. */
  const int8_t x[] = {3, -5, 100, 7}, y[] = {4, -10}, want[] = {3, 12, 127, -12};
  const int32_t bias[] = {0, 0}, mult[] = {Q, Q};
  const uint8_t shift[] = {2, 2};
  hta_layer l = two_inputs(HTA_OP_MUL, 1, 2, 2, 1, 1, 2);
  l.zp_in = 1;
  l.zp_in2 = -2;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  run2("MUL: channel-wise by a 1x1xC tensor", &l, x, y, want, 4);
}

static const int8_t pool_in[9] = {1, 5, 2, -7, 3, 9, 4, -8, 0}; /* 3x3x1 */

static void test_maxpool(void) {
  /* 2x2 stride 2, pad_b = pad_r = 1: out 2x2. Windows: {1,5,-7,3} -> 5;
   * {2,9} (column 3 is padding) -> 9, clamped by act_max 6 -> 6; {4,-8} -> 4;
   * {0} -> 0. */
  const int8_t want[] = {5, 6, 4, 0};
  hta_layer l = base(HTA_OP_MAXPOOL, 3, 3, 1, 1);
  l.kh = l.kw = l.stride = 2;
  l.pad_b = l.pad_r = 1;
  l.zp_in = l.zp_out = -3;
  l.act_max = 6;
  run("MAXPOOL 2x2/2 with padding and clamp", &l, pool_in, want, 4);
  /* Padding takes no part: [-100, -50], 2x1 window, pad_l 1: {-100} ->
   * -100 (not 0 or zp), {-100, -50} -> -50. */
  const int8_t neg[] = {-100, -50}, want2[] = {-100, -50};
  l = base(HTA_OP_MAXPOOL, 1, 2, 1, 1);
  l.kh = 1;
  l.kw = 2;
  l.pad_l = 1;
  l.zp_in = l.zp_out = 5;
  run("MAXPOOL ignores padding", &l, neg, want2, 2);
}

static void test_avgpool(void) {
  /* zp_in 1: xc = [0 4 1; -8 2 8; 3 -9 -1]. 2x2/2, pad_b = pad_r = 1:
   * {0,4,-8,2}: S = -2, n = 4: floor((4 + 4)/8) = 1 -> -1 (-0.5 away from 0);
   * {1,8}: S = 9, n = 2: floor(20/4) = 5 (4.5 -> 5); {3,-9}: S = -6, n = 2:
   * floor(14/4) = 3 -> -3; {-1}: n = 1 -> -1. Stage mult Q shift 0, zp_out
   * 10: [9, 15, 7, 9]. */
  const int8_t want[] = {9, 15, 7, 9};
  const int32_t bias[] = {0}, mult[] = {Q};
  const uint8_t shift[] = {0};
  hta_layer l = base(HTA_OP_AVGPOOL, 3, 3, 1, 1);
  l.kh = l.kw = l.stride = 2;
  l.pad_b = l.pad_r = 1;
  l.zp_in = 1;
  l.zp_out = 10;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  run("AVGPOOL counts in-image positions, rounds half away from zero", &l, pool_in, want, 4);
}

static void test_gmp_resize_pad_table(void) {
  /* GMP of 2x1x2 [[-5, 7], [3, -9]]: [3, 7]; act_min 4: [4, 7]. */
  const int8_t g_in[] = {-5, 7, 3, -9}, g_want[] = {4, 7};
  hta_layer l = base(HTA_OP_GMP, 2, 1, 2, 2);
  l.act_min = 4;
  run("GMP: largest value per channel, clamped", &l, g_in, g_want, 2);
  /* RESIZE x2 of 1x2x1 [1, 2]: 2x4 [1 1 2 2; 1 1 2 2]. */
  const int8_t r_in[] = {1, 2}, r_want[] = {1, 1, 2, 2, 1, 1, 2, 2};
  l = base(HTA_OP_RESIZE, 1, 2, 1, 1);
  run("RESIZE nearest x2", &l, r_in, r_want, 8);
  /* The same with a table lut[j] = j/2 - 64: v = 1 -> lut[129] = 0,
   * v = 2 -> lut[130] = 1. */
  int8_t lut[256];
  for (int j = 0; j < 256; j++) lut[j] = (int8_t)(j / 2 - 64);
  l.lut = lut;
  const int8_t t_want[] = {0, 0, 1, 1, 0, 0, 1, 1};
  run("activation table applied last", &l, r_in, t_want, 8);
  /* PAD 1x1x2 [5, -6], zp 3, pad_t 1, pad_r 1: 2x2x2
   * [(3,3) (3,3); (5,-6) (3,3)]. */
  const int8_t p_in[] = {5, -6}, p_want[] = {3, 3, 3, 3, 5, -6, 3, 3};
  l = base(HTA_OP_PAD, 1, 1, 2, 2);
  l.pad_t = l.pad_r = 1;
  l.zp_in = l.zp_out = 3;
  run("PAD with the zero point", &l, p_in, p_want, 8);
}

static void test_graph(void) {
  /* Input 1x1x1 [4], zp 0. L0 PAD (pad_r 1): [4, 0]. L1 MUL(t1, t0): x = [4, 0],
   * y = [4]: acc [16, 0], mult Q shift 2: [4, 0]. L2 ADD(t2, t1) with mult H
   * shift 0 each: (4 + 4) * 2^19 = 2^22, (0 + 0); stage mult Q shift 20:
   * [4, 0]... with zp_out 1: [5, 1]. t1 has two readers, t0 a reader two
   * layers later. */
  const int32_t bias[] = {0, 0}, mult[] = {Q, Q};
  const uint8_t s2[] = {2}, s20[] = {20, 20};
  hta_layer ls[3];
  ls[0] = base(HTA_OP_PAD, 1, 1, 1, 1);
  ls[0].pad_r = 1;
  ls[1] = two_inputs(HTA_OP_MUL, 1, 2, 1, 1, 1, 1);
  ls[1].src[0] = 1;
  ls[1].src[1] = 0;
  ls[1].bias = bias;
  ls[1].mult = mult;
  ls[1].shift = s2;
  ls[2] = two_inputs(HTA_OP_ADD, 1, 2, 1, 1, 2, 1);
  ls[2].src[0] = 2;
  ls[2].src[1] = 1;
  ls[2].in_mult[0] = ls[2].in_mult[1] = H;
  ls[2].zp_out = 1;
  ls[2].bias = bias;
  ls[2].mult = mult;
  ls[2].shift = s20;
  const int8_t in[] = {4};
  int8_t o0[2], o1[2], o2[2];
  int8_t *outs[] = {o0, o1, o2};
  char err[200] = "";
  const int rc = hta_golden_layers(ls, 3, in, outs);
  check(rc == 0 && o0[0] == 4 && o0[1] == 0 && o1[0] == 4 && o1[1] == 0 && o2[0] == 5 &&
            o2[1] == 1,
        "graph: a tensor with two readers, the model input read later", "rc %d: [%d %d] "
        "[%d %d] [%d %d]", rc, o0[0], o0[1], o1[0], o1[1], o2[0], o2[1]);
  ls[2].src[1] = 3; /* its own output */
  check(hta_layers_check(ls, 3, err, sizeof err) != 0 && strstr(err, "layer 2") &&
            strstr(err, "tensor 3"),
        "graph: a layer cannot read itself or a later layer", "'%s'", err);
  ls[2].src[1] = 0; /* the model input is 1x1x1, not 1x2x1 */
  check(hta_layers_check(ls, 3, err, sizeof err) != 0 && strstr(err, "model input"),
        "graph: an input of another shape is named", "'%s'", err);
}

static void test_graph_check(void) {
  const int32_t bias[] = {0, 0, 0}, mult[] = {Q, Q, Q};
  const uint8_t shift[] = {0, 0, 0};
  hta_layer l = two_inputs(HTA_OP_ADD, 1, 1, 2, 1, 1, 2);
  l.bias = bias; l.mult = mult; l.shift = shift;
  check(hta_layer_check(&l, NULL, 0) == 0, "check accepts valid ADD", "rejected");
  hta_layer e = l; e.n_src = 1;
  expect_error("check ADD with one input", &e, "n_src");
  e = l; e.in2_c = 3;
  expect_error("check ADD second input shape", &e, "second input");
  e = l; e.in_shift[0] = 32;
  expect_error("check in_shift", &e, "in_shift[0]");
  e = l; e.op = HTA_OP_CONCAT;
  expect_error("check CONCAT out_c", &e, "out_c");
  e = base(HTA_OP_MAXPOOL, 3, 3, 1, 1); e.kh = e.kw = 2; e.pad_t = 2;
  expect_error("check pool padding below the kernel", &e, "padding");
  e = base(HTA_OP_MAXPOOL, 3, 3, 1, 1); e.zp_out = 1;
  expect_error("check MAXPOOL keeps the zero point", &e, "zp_out");
  e = base(HTA_OP_RESIZE, 3, 3, 1, 1); e.kh = 2;
  expect_error("check RESIZE has no kernel", &e, "kh");
  e = base(HTA_OP_GMP, 3, 3, 1, 1); e.in_mult[0] = 5;
  expect_error("check unused rescale is 0", &e, "in_mult");
  e = base(HTA_OP_PAD, 3, 3, 1, 1); e.src[1] = 2;
  expect_error("check unused src is 0", &e, "src[1]");
}

/* ---- LAYERNORM (docs/numerics.md, LAYERNORM) ---- */

/* A hand case: C = 4, d = (2, -2, 2, -2) around zp_in = 3: S = 0, Q = 16,
 * V = 4*16 = 64, R = isqrt(64 * 2^14) = 1024, inv = 2^47 / 2^10 = 2^37,
 * n = C d = (8, -8, 8, -8), acc = 8 * 2^37 / 2^24 = 2^16 (1.0 in units of
 * 2^-16: x - mean = 2, sigma = 2). mult H (0.5), shift 15: 2^16 * 0.5 / 2^15
 * = 1, bias 2^16 (+1.0 before the multiplier): (2^16 + 2^16) / 2^16 = 2;
 * -2^16 + 2^16 = 0. zp_out 5: 7, 5, 7, 5. With E = 192 (eps = E / C^2 = 12):
 * V = 256, R = 2048, acc = 2^15: (2^15 + 2^16) / 2^16 = 1.5 -> 2 (half
 * away from zero), (-2^15 + 2^16) / 2^16 = 0.5 -> 1: 7, 6, 7, 6. */
static void test_layernorm_hand(void) {
  hta_layer l = base(HTA_OP_LAYERNORM, 1, 1, 4, 4);
  const int32_t bias[4] = {1 << 16, 1 << 16, 1 << 16, 1 << 16};
  const int32_t mult[4] = {H, H, H, H};
  const uint8_t shift[4] = {15, 15, 15, 15};
  l.bias = bias; l.mult = mult; l.shift = shift;
  l.zp_in = 3;
  l.zp_out = 5;
  const int8_t in[4] = {5, 1, 5, 1};
  run("LAYERNORM hand case", &l, in, (const int8_t[]){7, 5, 7, 5}, 4);
  l.in_mult[0] = 192;
  run("LAYERNORM epsilon term", &l, in, (const int8_t[]){7, 6, 7, 6}, 4);
  l.in_mult[0] = 0;
  const int8_t flat[4] = {9, 9, 9, 9}; /* V = 0: R = 0, inv = 0, acc = 0 */
  run("LAYERNORM constant pixel", &l, flat, (const int8_t[]){6, 6, 6, 6}, 4);
  hta_layer e = l;
  e.in_mult[0] = -1;
  expect_error("check LAYERNORM epsilon term >= 0", &e, "in_mult[0]");
  e = l; e.in_shift[0] = 1;
  expect_error("check LAYERNORM has no input rescale", &e, "in_shift");
  e = l; e.out_c = 3;
  expect_error("check LAYERNORM out_c", &e, "out_c");
}

/* The integer definition again, another way: sqrt by bisection, the
 * rounding by division. */
static uint64_t ref_isqrt(uint64_t v) {
  uint64_t lo = 0, hi = UINT64_C(1) << 32; /* lo^2 <= v < hi^2 */
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (mid * mid <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/* sqrt by Newton's method (the test links without libm) */
static double dsqrt(double v) {
  if (v <= 0) return 0;
  double r = v > 1 ? v : 1;
  for (int i = 0; i < 200; i++) r = 0.5 * (r + v / r);
  return r;
}

static double dabs(double v) { return v < 0 ? -v : v; }

/* s, q: the pixel's sum of x - zp and of its squares */
static int64_t ref_ln_acc(const int8_t *x, int C, int zp, int32_t E, int c, int64_t s,
                          int64_t q) {
  const uint64_t R = ref_isqrt(((uint64_t)(C * q - s * s) + (uint64_t)E) * 16384u);
  if (R == 0) return 0;
  const int64_t inv = (int64_t)((UINT64_C(1) << 47) / R);
  const int64_t p = ((int64_t)C * (x[c] - zp) - s) * inv;
  const int64_t m = (2 * (p < 0 ? -p : p) + (INT64_C(1) << 24)) / (INT64_C(1) << 25);
  return p < 0 ? -m : m;
}

/* Random seeded layers: the golden model equals the reference, and the
 * accumulator is (x - mean) / sqrt(var + E / C^2) within 1.5 / (128
 * sqrt(V)) relative (+ 2^-15). Also the extremes: |d| = 255 on 65535
 * channels. */
static void test_layernorm_random(void) {
  srand(13);
  int bad = 0, far = 0;
  char what[200] = "";
  for (int t = 0; t < 300 && !bad; t++) {
    const int C = t == 0 ? 65535 : t < 5 ? 1 + t : 1 + rand() % (t < 250 ? 200 : 3000);
    const int P = t == 0 ? 1 : 3;
    hta_layer l = base(HTA_OP_LAYERNORM, 1, P, C, C);
    int32_t *bias = malloc(4 * (size_t)C), *mult = malloc(4 * (size_t)C);
    uint8_t *shift = malloc((size_t)C);
    int8_t *in = malloc((size_t)C * P), *out = malloc((size_t)C * P);
    for (int c = 0; c < C; c++) {
      bias[c] = (rand() % (1 << 20)) - (1 << 19);
      mult[c] = (int32_t)(((uint32_t)rand() << 16) ^ (uint32_t)rand());
      shift[c] = (uint8_t)(8 + rand() % 12);
    }
    l.bias = bias; l.mult = mult; l.shift = shift;
    l.zp_in = t == 0 ? 127 : rand() % 256 - 128;
    l.zp_out = rand() % 256 - 128;
    l.in_mult[0] = t % 3 == 0 ? 0 : rand() % 100000;
    const int spread = 1 + rand() % 256;
    for (int i = 0; i < C * P; i++) {
      const int v = t == 0 ? -128 + (i % 2) * 255 : l.zp_in + rand() % spread - spread / 2;
      in[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
    if (hta_golden_layer(&l, in, out) != 0) {
      bad = 1;
      snprintf(what, sizeof what, "layer %d (C %d) refused", t, C);
    }
    for (int p = 0; p < P && !bad; p++) {
      const int8_t *x = in + (size_t)p * C;
      double mean = 0, var = 0;
      int64_t s = 0, q = 0;
      for (int k = 0; k < C; k++) {
        s += x[k] - l.zp_in;
        q += (int64_t)(x[k] - l.zp_in) * (x[k] - l.zp_in);
        mean += x[k] - l.zp_in;
      }
      mean /= C;
      for (int k = 0; k < C; k++) var += (x[k] - l.zp_in - mean) * (x[k] - l.zp_in - mean);
      var = var / C + (double)l.in_mult[0] / ((double)C * C);
      for (int c = 0; c < C && !bad; c++) {
        const int64_t acc = ref_ln_acc(x, C, l.zp_in, l.in_mult[0], c, s, q);
        const int8_t want = hta_requant(acc, bias[c], mult[c], shift[c], l.zp_out, -128, 127);
        if (out[(size_t)p * C + c] != want) {
          bad = 1;
          snprintf(what, sizeof what, "layer %d (C %d) pixel %d channel %d: %d, want %d", t,
                   C, p, c, out[(size_t)p * C + c], want);
        }
        const double y = var > 0 ? (x[c] - l.zp_in - mean) / dsqrt(var) : 0.0;
        /* R = floor(128 sqrt(V)) (V = C^2 (var + eps)) is the one inexact step */
        const double tol = dabs(y) * (1.5 / (128.0 * C * dsqrt(var)) + 1e-6) + 1.0 / 32768;
        if (dabs(acc / 65536.0 - y) > tol) far++;
      }
    }
    free(bias); free(mult); free(shift); free(in); free(out);
  }
  check(!bad, "LAYERNORM: golden equals the reference on 300 random layers", "%s", what);
  check(far == 0, "LAYERNORM: the accumulator is (x - mean) / sqrt(var + eps) in 2^-16 units",
        "%d values off by more than the rounding of R", far);
}

/* POINTWISE 4 -> 2 in two groups: filter 0 reads channels 0, 1, filter 1
 * channels 2, 3 (K = 2).
 *   x = [3,-2,10,1], zp_in 1 -> [2,-3,9,0]
 *   f0 w [1,2]:  2 - 6 = -4, + bias 10 = 6,  SRDHM(6, H) = 3, shift 0 -> 3 + zp_out 2 = 5
 *   f1 w [3,-4]: 27 - 0 = 27, - 7 = 20, SRDHM = 10, RDBPOT(10, 1) = 5 -> 7 */
static void test_grouped_hand(void) {
  hta_layer l = base(HTA_OP_POINTWISE, 1, 1, 4, 2);
  const int8_t in[] = {3, -2, 10, 1};
  const int8_t w[] = {1, 2, 3, -4};
  const int32_t bias[] = {10, -7}, mult[] = {H, H};
  const uint8_t shift[] = {0, 1};
  l.cgroups = 2;
  l.zp_in = 1;
  l.zp_out = 2;
  l.w = w;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  const int8_t want[] = {5, 7};
  run("grouped pointwise: each filter reads its group's channels", &l, in, want, 2);
  l.cgroups = 3;
  expect_error("cgroups 3 does not divide in_c 4", &l, "cgroups");
  l.cgroups = 2;
  l.op = HTA_OP_DEPTHWISE;
  l.out_c = 4;
  expect_error("DEPTHWISE is not grouped", &l, "cgroups");
}

/* A grouped convolution and its block-diagonal layer (hta_layer_block_diag)
 * give the same outputs bit for bit: seeded random CONV2D / POINTWISE layers
 * of every kind, one-group and fine ternary groups (G dividing a group's
 * channels), on random inputs; G not dividing them is refused naming G. */
static void test_grouped_block_diag(void) {
  hta_hw_cfg hw;
  hta_hw_cfg_default(&hw);
  int n_same = 0, n_fine = 0, n_refused = 0, n_one = 0;
  const int cases = 400;
  for (int i = 0; i < cases; i++) {
    hta_rng g;
    hta_rng_seed(&g, hta_rng_case_seed(20261207, (uint64_t)i));
    hta_rand_opts o;
    hta_rand_opts_default(&o, &hw);
    o.op = i % 3 ? HTA_OP_CONV2D : HTA_OP_POINTWISE;
    o.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY | 1u << HTA_KIND_BINARY;
    o.grouped = 100;
    hta_rand_layer rl;
    if (hta_rand_layer_make(&rl, &g, &o, NULL) != 0) {
      check(0, "grouped vs block-diagonal: make", "case %d", i);
      continue;
    }
    hta_layer l = rl.l;
    uint8_t *alpha = NULL;
    const int cpg = hta_layer_filter_c(&l), K = hta_layer_k(&l);
    if (l.cgroups > 1 && hta_rng_chance(&g, 60)) {
      /* G a divisor of a group's channels, or any G below K */
      int G = (int)hta_rng_range(&g, 1, cpg);
      while (cpg % G) G--;
      if (hta_rng_chance(&g, 40) && K > 2) G = (int)hta_rng_range(&g, 2, K - 1);
      l.group = G;
      const size_t na = (size_t)l.out_c * (size_t)hta_layer_ngroups(&l);
      alpha = malloc(na);
      for (size_t a = 0; alpha != NULL && a < na; a++) alpha[a] = (uint8_t)hta_rng_u64(&g);
      l.alpha = alpha;
    }
    char name[300], err[300] = "";
    snprintf(name, sizeof name, "grouped vs block-diagonal case %d: %s G%d", i, rl.desc, l.group);
    hta_layer d;
    void *mem = NULL;
    const int fine = l.group > 0 && l.group < K && l.out_c > 0;
    if (l.cgroups < 2) {
      n_one++; /* (in_c 1: nothing to group) */
    } else if (hta_layer_block_diag(&l, &d, &mem, err, sizeof err) != 0) {
      if (cpg % (l.group ? l.group : 1) == 0 || strstr(err, "G =") == NULL)
        check(0, name, "refused: %s", err);
      n_refused++;
    } else {
      const size_t isz = hta_layer_in_size(&l), osz = hta_layer_out_size(&l);
      int8_t *x = malloc(isz), *ya = malloc(osz), *yb = malloc(osz);
      if (x == NULL || ya == NULL || yb == NULL) {
        check(0, name, "out of memory");
      } else {
        hta_rand_fill(&g, x, isz);
        if (hta_golden_layer(&l, x, ya) != 0 || hta_golden_layer(&d, x, yb) != 0 ||
            hta_layer_k(&d) != K * l.cgroups || d.cgroups != 0)
          check(0, name, "golden model refused a layer, or K %d -> %d", K, hta_layer_k(&d));
        else if (memcmp(ya, yb, osz) != 0)
          check(0, name, "outputs differ");
        else
          n_same++, n_fine += fine;
      }
      free(x);
      free(ya);
      free(yb);
    }
    free(mem);
    free(alpha);
    hta_rand_layer_free(&rl);
  }
  check(n_same + n_refused + n_one == cases && n_same > cases / 2 && n_fine > 20 &&
            n_refused > 5,
        "grouped convolutions equal their block-diagonal layers (seeded random)",
        "%d equal (%d with fine ternary groups), %d refused, %d not grouped (in_c 1), of %d",
        n_same, n_fine, n_refused, n_one, cases);
}

int main(void) {
  test_srdhm();
  test_rdbpot();
  test_requant();
  test_pointwise_int8();
  test_ternary_groups();
  test_binary();
  test_conv3x3_pad_stride2();
  test_depthwise();
  test_gap();
  test_fc();
  test_hybrid_strassen();
  test_depthwise_strassen();
  test_saturation();
  test_padding_zero_point();
  test_packing();
  test_layer_check();
  test_add();
  test_concat();
  test_concat_pass();
  test_mul();
  test_maxpool();
  test_avgpool();
  test_gmp_resize_pad_table();
  test_graph();
  test_graph_check();
  test_layernorm_hand();
  test_layernorm_random();
  test_grouped_hand();
  test_grouped_block_diag();
  return check_summary();
}
