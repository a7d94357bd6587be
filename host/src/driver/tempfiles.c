/* tempfiles.c - see tempfiles.h and hta_set_temp_hook (hta.h). */
#include "tempfiles.h"

#include <stddef.h>

#include "hta.h"

static hta_temp_hook_fn hook;
static void *hook_user;

void hta_set_temp_hook(hta_temp_hook_fn fn, void *user) {
  hook = fn;
  hook_user = user;
}

void hta_temp_created(const char *path, int is_dir) {
  if (hook) hook(path, is_dir, 1, hook_user);
}

void hta_temp_removed(const char *path) {
  if (hook) hook(path, 0, 0, hook_user);
}
