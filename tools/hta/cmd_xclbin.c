/*
 * cmd_xclbin.c - `hta xclbin`: write an xclbin for the HTA kernel
 * (tools/hta/xclbin.h). With --emu it embeds the hw_emu device process
 * (sim/emu), so `--device xrt:0:xclbin=FILE` runs the RTL under XRT's
 * hardware emulation.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xclbin.h"

static const char xclbin_help[] =
    "usage: hta xclbin [--emu] [--emu-device PATH] [--mem-mb N] -o FILE.xclbin\n"
    "Write an xclbin for the HTA kernel: IP_LAYOUT, MEM_TOPOLOGY, CONNECTIVITY, kernel XML\n"
    "(register offsets from hw/config/regmap.cfg) and the register map version.\n"
    "  --emu              for XRT hardware emulation: embed the Verilator device process;\n"
    "                     `hta ... --device xrt:0:xclbin=FILE` then sets up XRT's\n"
    "                     emulation environment itself (README: XRT)\n"
    "  --emu-device PATH  the device process (default: $HTA_EMU_DEVICE, else\n"
    "                     sim/emu/hta_emu_device next to this program, else\n"
    "                     ../libexec/hta/hta_emu_device)\n"
    "  --mem-mb N         size of the memory bank in MiB (default 256)\n"
    "  -o FILE            output file\n"
    "Without --emu the file has metadata only (XRT's noop mode runs it); a bitstream for a\n"
    "card needs Vitis (bitstreams/).\n";

/* The device process next to this executable (build tree or installation). */
static int find_emu_device(char *out, size_t n) {
  const char *env = getenv("HTA_EMU_DEVICE");
  if (env && *env) return snprintf(out, n, "%s", env) < (int)n ? 0 : -1;
  char exe[PATH_MAX - 64]; /* room for the relative path below */
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return -1;
  exe[len] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL) return -1;
  *slash = '\0';
  static const char *const rel[] = {"sim/emu/hta_emu_device", "../libexec/hta/hta_emu_device"};
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
    if (snprintf(out, n, "%s/%s", exe, rel[i]) >= (int)n) continue;
    if (access(out, X_OK) == 0) return 0;
  }
  return -1;
}

int cmd_xclbin(int argc, char **argv) {
  opt o[] = {{"--emu", 0, NULL}, {"--emu-device", 1, NULL}, {"--mem-mb", 1, NULL},
             {"-o", 1, NULL},    {"--output", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  int n_pos;
  int rc = parse_opts("xclbin", argc, argv, o, no, NULL, 0, &n_pos);
  if (rc == 1) return fputs(xclbin_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *out = optv(o, no, "-o") ? optv(o, no, "-o") : optv(o, no, "--output");
  if (out == NULL) return usage_error("xclbin", "-o FILE is required");
  xclbin_spec s;
  xclbin_default_spec(&s);
  long mb = 256;
  if (optv(o, no, "--mem-mb") && parse_long("xclbin", "--mem-mb", optv(o, no, "--mem-mb"), 16,
                                            4096, &mb))
    return EXIT_USAGE;
  s.mem_size = (uint64_t)mb << 20;
  char dev[PATH_MAX];
  const int emu = optv(o, no, "--emu") != NULL;
  if (optv(o, no, "--emu-device") && !emu)
    return usage_error("xclbin", "--emu-device needs --emu");
  if (emu) {
    if (optv(o, no, "--emu-device"))
      snprintf(dev, sizeof dev, "%s", optv(o, no, "--emu-device"));
    else if (find_emu_device(dev, sizeof dev) != 0)
      return fail("xclbin", "cannot find the emulation device process hta_emu_device (build it "
                  "with `make build/sim/emu/hta_emu_device`, or give --emu-device PATH)");
    s.emu_device = dev;
  }
  char err[512];
  if (xclbin_write(out, &s, err, sizeof err) != 0) return fail("xclbin", "%s", err);
  printf("wrote %s: kernel %s, register map version %u, %s\n", out, s.kernel_name,
         (unsigned)s.regmap_version, emu ? "hardware emulation (hw_emu)" : "metadata only");
  return 0;
}
