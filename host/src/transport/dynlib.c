/* dynlib.c - see dynlib.h. */
#define _POSIX_C_SOURCE 200809L
#include "dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int hta_dynlib_load(const char *const *sonames, const char *pkg, const char *const *names,
                    int n, void *fns, char *err, size_t errlen) {
  void **slot = fns;
  int rc = 0;
  pthread_mutex_lock(&lock);
  if (n > 0 && slot[n - 1] != NULL) goto out; /* loaded before: the last one is set last */
  void *h = NULL;
  char tried[300] = "";
  for (int i = 0; sonames[i] && h == NULL; i++) {
    h = dlopen(sonames[i], RTLD_NOW | RTLD_GLOBAL);
    snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%s%s", i ? ", " : "",
             sonames[i]);
  }
  if (h == NULL) {
    rc = hta_errf(err, errlen, "cannot load %s (%s); install the Debian package %s", tried,
                  dlerror(), pkg);
    goto out;
  }
  for (int i = 0; i < n; i++) {
    void *p = dlsym(h, names[i]);
    if (p == NULL) {
      rc = hta_errf(err, errlen, "%s has no function %s (too old a version?)", tried, names[i]);
      for (int j = 0; j < i; j++) slot[j] = NULL;
      goto out;
    }
    slot[i] = p;
  }
out:
  pthread_mutex_unlock(&lock);
  return rc;
}
