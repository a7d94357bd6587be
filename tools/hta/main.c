/*
 * hta - command line tool of libhta: inspect, run, benchmark and verify
 * .hta models on a device, and generate zoo models. `hta --help`.
 * Exit status: 0 ok, 1 verification mismatch or run failure, 2 usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "files.h"
#include "hta.h"

/* The command table and the help text, both from HTA_COMMANDS (cli.h). */
static const struct {
  const char *name, *summary;
  int (*fn)(int, char **);
} cmds[] = {
#define HTA_COMMAND_ENTRY(name, summary) {#name, summary, cmd_##name},
    HTA_COMMANDS(HTA_COMMAND_ENTRY)
#undef HTA_COMMAND_ENTRY
};
#define N_CMDS (sizeof cmds / sizeof cmds[0])

static void print_help(FILE *f) {
  fprintf(f, "usage: hta [--help | --version] COMMAND [ARGS]\n"
             "HTA - hybrid ternary neural network accelerator tool (libhta %s).\n"
             "Commands (each has --help):\n",
          HTA_VERSION_STRING);
  for (size_t i = 0; i < N_CMDS; i++) fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
  fputs("Devices: cpu[:cfg=NAME] (golden model, no cycle counts); sim[:cfg=NAME,\n"
        "trace=FILE.fst] (cycle-accurate Verilator model of the RTL of configuration\n"
        "NAME, default small; `hta configs` lists them); xrt:N[:xclbin=PATH] (Alveo or\n"
        "Zynq through XRT, or XRT hardware emulation of the RTL with an `hta xclbin\n"
        "--emu` file); usb[:VID:PID[:SERIAL]] (a board on USB, docs/usb-protocol.md).\n",
        f);
}

int main(int argc, char **argv) {
  cleanup_install(); /* temporary files go on SIGINT/SIGTERM; SIGXFSZ is EFBIG */
  hta_set_temp_hook(cleanup_temp_hook, NULL); /* and those of libhta's devices */
  if (argc < 2) {
    print_help(stderr);
    return EXIT_USAGE;
  }
  const char *c = argv[1];
  if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
    print_help(stdout);
    return 0;
  }
  if (strcmp(c, "--version") == 0) {
    printf("hta %s\n", hta_version());
    return 0;
  }
  for (size_t i = 0; i < N_CMDS; i++)
    if (strcmp(c, cmds[i].name) == 0) return cmds[i].fn(argc - 2, argv + 2);
  fprintf(stderr, "hta: unknown command '%s' (commands:", c);
  for (size_t i = 0; i < N_CMDS; i++) fprintf(stderr, " %s", cmds[i].name);
  fprintf(stderr, "; see 'hta --help')\n");
  return EXIT_USAGE;
}
