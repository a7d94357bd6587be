/*
 * hw_config.c - lookups in the table of hardware configurations
 * (host/include/hta_hw_config.h; the table itself, host/src/hta_configs.c, is
 * generated from hw/config/<name>.cfg).
 */
#include <string.h>

#include "hta_hw_config.h"

const hta_hw_config *hta_hw_config_find(const char *name) {
  if (name == NULL) return NULL;
  for (int i = 0; i < HTA_HW_CONFIG_COUNT; i++)
    if (strcmp(hta_hw_configs[i].name, name) == 0) return &hta_hw_configs[i];
  return NULL;
}

/* The generator refuses two configurations with one signature, so the first
 * match is the only one. */
const hta_hw_config *hta_hw_config_by_signature(uint32_t signature) {
  for (int i = 0; i < HTA_HW_CONFIG_COUNT; i++)
    if (hta_hw_configs[i].signature == signature) return &hta_hw_configs[i];
  return NULL;
}

const hta_hw_config *hta_hw_config_default(void) {
  /* the generator checks that the default exists */
  return hta_hw_config_find(HTA_HW_CONFIG_DEFAULT);
}

uint32_t hta_hw_config_field_value(const hta_hw_config *c, int f) {
  if (c == NULL || f < 0 || f >= HTA_HW_CONFIG_FIELDS) return 0;
  uint32_t v;
  memcpy(&v, (const char *)c + hta_hw_config_fields[f].offset, sizeof v);
  return v;
}
