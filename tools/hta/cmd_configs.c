/*
 * cmd_configs.c - `hta configs`: the hardware configurations libhta knows
 * (hw/config/<name>.cfg, compiled in as hta_hw_configs) and their sizes.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hta_hw_config.h"

static const char configs_help[] =
    "usage: hta configs [--json]\n"
    "List the hardware configurations (hw/config/<name>.cfg): name, signature (the\n"
    "CFG_SIG a device of it reports) and every parameter. A device takes one as\n"
    "sim:cfg=NAME or cpu:cfg=NAME; xrt and usb devices report theirs. The default\n"
    "is " HTA_HW_CONFIG_DEFAULT ". --json: one JSON object {\"default\": ..., \"configs\": [...]}.\n";

int cmd_configs(int argc, char **argv) {
  opt o[] = {{"--json", 0, NULL}};
  int n_pos;
  int rc = parse_opts("configs", argc, argv, o, 1, NULL, 0, &n_pos);
  if (rc == 1) return fputs(configs_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  if (optv(o, 1, "--json")) {
    printf("{\"default\": \"%s\", \"configs\": [", HTA_HW_CONFIG_DEFAULT);
    for (int c = 0; c < HTA_HW_CONFIG_COUNT; c++) {
      const hta_hw_config *h = &hta_hw_configs[c];
      printf("%s\n  {\"name\": ", c ? "," : "");
      json_str(h->name);
      printf(", \"signature\": \"0x%08x\"", h->signature);
      for (int f = 0; f < HTA_HW_CONFIG_FIELDS; f++)
        printf(", \"%s\": %u", hta_hw_config_fields[f].key, hta_hw_config_field_value(h, f));
      printf("}");
    }
    printf("\n]}\n");
    return 0;
  }
  printf("%-14s", "");
  for (int c = 0; c < HTA_HW_CONFIG_COUNT; c++)
    printf(" %10s%s", hta_hw_configs[c].name,
           strcmp(hta_hw_configs[c].name, HTA_HW_CONFIG_DEFAULT) == 0 ? "*" : " ");
  printf("\n%-14s", "signature");
  for (int c = 0; c < HTA_HW_CONFIG_COUNT; c++) printf("  0x%08x", hta_hw_configs[c].signature);
  printf("\n");
  for (int f = 0; f < HTA_HW_CONFIG_FIELDS; f++) {
    printf("%-14s", hta_hw_config_fields[f].name);
    for (int c = 0; c < HTA_HW_CONFIG_COUNT; c++)
      printf(" %10u ", hta_hw_config_field_value(&hta_hw_configs[c], f));
    printf("\n");
  }
  printf("(* the default; a device takes another as sim:cfg=NAME or cpu:cfg=NAME)\n");
  return 0;
}
