/*
 * cmd_zoo.c - `hta zoo`: generate a model from the zoo.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hta.h"
#include "hta_compile.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "npy.h"
#include "cli.h"
#include "files.h"

/* ---- hta zoo ---- */

static const char zoo_help[] =
    "usage: hta zoo MODEL [--width A] --resolution R --plan P [--seed S] -o M.hta\n"
    "Generate a model of the zoo with seeded random weights (docs/zoo.md).\n"
    "  MODEL            mobilenet-v1, mobilenet-v2, resnet-18, resnet-34, resnet-50\n"
    "                   (mobilenet-v2 and resnet-*: graphs; both engines run their\n"
    "                   adds and pools on the graph-op unit)\n"
    "  --width A        width multiplier (mobilenet only): v1 0.25, 0.5, 0.75, 1.0;\n"
    "                   v2 0.35, 0.5, 0.75, 1.0, 1.3, 1.4\n"
    "  --resolution R   input height and width: v1 128, 160, 192, 224; the others a\n"
    "                   multiple of 32 in 32..512\n"
    "  --plan P         quantization plan, e.g. int8, hybrid:0.5 (see docs/zoo.md)\n"
    "  --seed S         weight seed (default 1)\n"
    "  -o M.hta         output file\n";

int cmd_zoo(int argc, char **argv) {
  opt o[] = {{"--width", 1, NULL}, {"--resolution", 1, NULL}, {"--plan", 1, NULL},
             {"--seed", 1, NULL},  {"-o", 1, NULL},           {"--output", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("zoo", argc, argv, o, no, pos, 1, &n_pos);
  if (rc == 1) return fputs(zoo_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  static const char known[] = "mobilenet-v1, mobilenet-v2, resnet-18, resnet-34, resnet-50";
  if (n_pos != 1) return usage_error("zoo", "expected a model name (%s)", known);
  const int v1 = !strcmp(pos[0], "mobilenet-v1"), v2 = !strcmp(pos[0], "mobilenet-v2");
  const int depth = !strcmp(pos[0], "resnet-18")   ? 18
                    : !strcmp(pos[0], "resnet-34") ? 34
                    : !strcmp(pos[0], "resnet-50") ? 50
                                                   : 0;
  if (!v1 && !v2 && !depth)
    return usage_error("zoo", "unknown model '%s' (known: %s)", pos[0], known);
  const char *out = optv(o, no, "-o") ? optv(o, no, "-o") : optv(o, no, "--output");
  const char *ws = optv(o, no, "--width"), *rs = optv(o, no, "--resolution");
  const char *plan = optv(o, no, "--plan");
  if (depth && ws)
    return usage_error("zoo", "%s has no --width", pos[0]);
  if (!out || (!ws && !depth) || !rs || !plan)
    return usage_error("zoo", "%s--resolution, --plan and -o are required",
                       depth ? "" : "--width, ");
  double width = 1.0;
  long res;
  uint64_t seed = 1;
  if ((ws && parse_double("zoo", "--width", ws, 0.01, 4.0, &width)) ||
      parse_long("zoo", "--resolution", rs, 1, 4096, &res) ||
      (optv(o, no, "--seed") && parse_u64("zoo", "--seed", optv(o, no, "--seed"), &seed)))
    return EXIT_USAGE;
  char err[512] = "";
  hta_model *m = v1   ? hta_zoo_mobilenet_v1(width, (int)res, plan, seed, err, sizeof err)
                 : v2 ? hta_zoo_mobilenet_v2(width, (int)res, plan, seed, err, sizeof err)
                      : hta_zoo_resnet(depth, (int)res, plan, seed, err, sizeof err);
  if (m == NULL) return fail("zoo", "%s", err);
  if (save_model(m, out, err, sizeof err) != 0) {
    hta_model_free(m);
    return fail("zoo", "%s", err);
  }
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  printf("wrote %s: %s, plan %s, %d layers, input %dx%dx%d\n", out, mi.name, mi.plan,
         mi.n_layers, mi.in_h, mi.in_w, mi.in_c);
  hta_model_free(m);
  return 0;
}
