/*
 * jobs.h - one run of many inputs on several devices at once (jobs.c), for
 * `hta eval --jobs` and `hta bench --jobs`.
 *
 * Job j of J opens its own device (uris[j], from hta_uri_expand), loads the
 * model, and runs items [first + j*n/J, first + (j+1)*n/J) in batches, each
 * in a thread of its own: the split is fixed by n and J alone, outputs land
 * at their item's place, and cycle counters are sums, so every result but
 * the wall time equals one job's. The first failing job stops the others
 * at their next batch, and its error is the one reported. The calling
 * thread draws one progress line for the whole run while it waits.
 */
#ifndef HTA_JOBS_H
#define HTA_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "hta.h"
#include "hta_model.h"

struct hta_hw_config;

/* Item i's int8 input (in_bytes) into x; called by the job threads at the
 * same time, so it must only read shared state. 0, or -1 with err. */
typedef int (*jobs_input_fn)(void *user, int i, int8_t *x, char *err, size_t errlen);

typedef struct jobs_spec {
  const char *cmd;          /* the command, for messages */
  char *const *uris;        /* [n_jobs] */
  int n_jobs;
  const hta_model *model;
  int first, n;             /* items first .. first + n - 1 */
  int batch;                /* items per hta_run */
  unsigned timeout_ms;      /* per inference (0: libhta's default) */
  size_t in_bytes, out_bytes;
  jobs_input_fn input;
  void *user;
  int8_t *out;              /* [n][out_bytes] in item order */
  int progress;             /* draw the progress line on stderr */
} jobs_spec;

typedef struct jobs_result {
  hta_stats total;          /* every counter summed over all runs; wall_s: from
                               the first run's start to the last one's end (not
                               opening and compiling); layer_cycles: below */
  uint64_t *layer_cycles;   /* [n_layers], summed */
  const char *kind;         /* hta_device_kind of the devices */
  const struct hta_hw_config *hw; /* the configuration of job 0's device */
} jobs_result;

/* 0, or 1 after fail() naming the job, its device and the items. */
int jobs_run(const jobs_spec *s, jobs_result *r);
void jobs_result_free(jobs_result *r);

/* --jobs N / --progress of a command: the device URIs (NULL after a usage
 * error that names the problem). *n_jobs is their count. */
char **jobs_uris(const char *cmd, const char *uri, const char *jobs_opt, int *n_jobs);

#endif /* HTA_JOBS_H */
