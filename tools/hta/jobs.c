/*
 * jobs.c - several devices in parallel, one thread each (jobs.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hta.h"
#include "hta_model.h"

#include "cli.h"
#include "jobs.h"
#include "util.h"

#define STOPPED 1 /* a job's rc when it stopped because another one failed */

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int running; /* jobs not finished */
  int stop;    /* a job failed: the others stop at their next batch */
} pool;

typedef struct job {
  const jobs_spec *s;
  pool *p;
  int j, i0, i1; /* items i0 .. i1 - 1 */
  pthread_t th;
  int started, rc;
  char err[1600];
  hta_stats tot;
  uint64_t *layer_cycles;
  int n_layers;
  const char *kind;
  const struct hta_hw_config *hw;
  int has_cycles; /* the device counts cycles */
  double t_start, t_end; /* wall clock of its first run's start and last run's end */
  /* progress, under p->mu */
  int done;              /* items of finished batches */
  int in_batch;          /* inferences finished in the current batch */
  uint64_t last_cycles;  /* of the inference being simulated */
} job;

/* libhta's progress hook (sim): the cycle count falls when an inference starts. */
static void on_progress(void *user, uint64_t cycles) {
  job *jb = user;
  pthread_mutex_lock(&jb->p->mu);
  if (cycles < jb->last_cycles) jb->in_batch++;
  jb->last_cycles = cycles;
  pthread_mutex_unlock(&jb->p->mu);
}

static void add_stats(job *jb, const hta_stats *st) {
  hta_stats *t = &jb->tot;
  t->has_cycles = st->has_cycles;
  t->batch += st->batch;
  t->total_cycles += st->total_cycles;
  t->mac_busy += st->mac_busy, t->add_busy += st->add_busy;
  t->mac_ops += st->mac_ops, t->add_ops += st->add_ops;
  t->mem_stall += st->mem_stall, t->drain_stall += st->drain_stall;
  t->bytes_rd += st->bytes_rd, t->bytes_wr += st->bytes_wr;
  t->sim_cycles += st->sim_cycles;
#define ADD_COUNTER(name, offset, bits) t->counters.name += st->counters.name;
  HTA_COUNTERS(ADD_COUNTER)
#undef ADD_COUNTER
  for (int l = 0; l < jb->n_layers && l < st->n_layers && st->layer_cycles; l++)
    jb->layer_cycles[l] += st->layer_cycles[l];
}

static void *worker(void *arg) {
  job *jb = arg;
  const jobs_spec *s = jb->s;
  const char *uri = s->uris[jb->j];
  hta_device *dev = NULL;
  hta_net *net = NULL;
  int8_t *x = NULL;
  int rc = hta_open(uri, &dev);
  if (rc != 0) {
    snprintf(jb->err, sizeof jb->err, "%s (%s)", hta_open_error(), hta_error_name(rc));
    goto out;
  }
  jb->kind = hta_device_kind(dev);
  jb->hw = hta_device_config(dev);
  jb->has_cycles = hta_device_has_cycles(dev);
  if ((rc = hta_load_model(dev, s->model, &net)) != 0) {
    snprintf(jb->err, sizeof jb->err, "device '%s': %s (%s)", uri, hta_last_error(dev),
             hta_error_name(rc));
    goto out;
  }
  hta_model_info mi;
  hta_model_get_info(s->model, &mi);
  jb->n_layers = mi.n_layers;
  jb->layer_cycles = calloc((size_t)mi.n_layers, sizeof *jb->layer_cycles);
  x = malloc(s->in_bytes * (size_t)s->batch);
  if (jb->layer_cycles == NULL || x == NULL) {
    snprintf(jb->err, sizeof jb->err, "out of memory");
    rc = -1;
    goto out;
  }
  if (s->progress && hta_device_has_cycles(dev)) hta_set_progress(dev, on_progress, jb);
  for (int i = jb->i0; i < jb->i1; i += s->batch) {
    pthread_mutex_lock(&jb->p->mu);
    const int stop = jb->p->stop;
    jb->in_batch = 0;
    jb->last_cycles = 0;
    pthread_mutex_unlock(&jb->p->mu);
    if (stop) {
      rc = STOPPED;
      break;
    }
    const int b = jb->i1 - i < s->batch ? jb->i1 - i : s->batch;
    char err[800];
    for (int q = 0; q < b; q++)
      if (s->input(s->user, i + q, x + s->in_bytes * q, err, sizeof err)) {
        snprintf(jb->err, sizeof jb->err, "item %d: %s", i + q, err);
        rc = -1;
        goto out;
      }
    hta_stats st;
    if (jb->t_start == 0) jb->t_start = hta_now_s();
    rc = hta_run(net, x, s->out + s->out_bytes * (size_t)(i - s->first), b, s->timeout_ms, &st);
    if (rc != 0) {
      snprintf(jb->err, sizeof jb->err, "device '%s', items %d..%d: %s (%s)", uri, i, i + b - 1,
               hta_last_error(dev), hta_error_name(rc));
      goto out;
    }
    add_stats(jb, &st);
    jb->t_end = hta_now_s();
    pthread_mutex_lock(&jb->p->mu);
    jb->done += b;
    jb->in_batch = 0;
    pthread_mutex_unlock(&jb->p->mu);
  }
out:
  hta_close(dev); /* here, where it was used: simply tidy (any thread would do, hta.h) */
  free(x);
  pthread_mutex_lock(&jb->p->mu);
  jb->rc = rc;
  if (rc != 0 && rc != STOPPED) jb->p->stop = 1;
  jb->p->running--;
  pthread_cond_signal(&jb->p->cv);
  pthread_mutex_unlock(&jb->p->mu);
  return NULL;
}

/* The progress line, under p->mu. */
static void draw(const jobs_spec *s, const job *jobs, double t0) {
  int done = 0;
  for (int j = 0; j < s->n_jobs; j++) done += jobs[j].done + jobs[j].in_batch;
  const double t = hta_now_s() - t0, f = s->n ? (double)done / s->n : 1.0;
  char bar[21];
  for (int i = 0; i < 20; i++) bar[i] = i < (int)(f * 20) ? '#' : '.';
  bar[20] = '\0';
  fprintf(stderr, "\r  %s [%s] %d / %d items on %d device%s, %.0f s", s->cmd, bar, done, s->n,
          s->n_jobs, s->n_jobs > 1 ? "s" : "", t);
  if (done > 0 && done < s->n) fprintf(stderr, ", %.0f s to go", t / done * (s->n - done));
  fprintf(stderr, "   ");
}

int jobs_run(const jobs_spec *s, jobs_result *r) {
  memset(r, 0, sizeof *r);
  job *jobs = calloc((size_t)s->n_jobs, sizeof *jobs);
  pool p = {.running = 0, .stop = 0};
  if (jobs == NULL) return fail(s->cmd, "out of memory");
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  const double t0 = hta_now_s();
  int create_err = 0;
  for (int j = 0; j < s->n_jobs; j++) {
    job *jb = &jobs[j];
    jb->s = s, jb->p = &p, jb->j = j;
    jb->i0 = s->first + (int)((int64_t)j * s->n / s->n_jobs);
    jb->i1 = s->first + (int)((int64_t)(j + 1) * s->n / s->n_jobs);
    pthread_mutex_lock(&p.mu);
    p.running++;
    pthread_mutex_unlock(&p.mu);
    if ((create_err = pthread_create(&jb->th, NULL, worker, jb)) != 0) {
      pthread_mutex_lock(&p.mu);
      p.running--;
      p.stop = 1;
      pthread_mutex_unlock(&p.mu);
      break;
    }
    jb->started = 1;
  }
  /* wait for every job; each of their waits is bounded by the timeout */
  int shown = 0;
  pthread_mutex_lock(&p.mu);
  while (p.running > 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 250 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&p.cv, &p.mu, &ts);
    if (s->progress && p.running > 0) draw(s, jobs, t0), shown = 1;
  }
  pthread_mutex_unlock(&p.mu);
  for (int j = 0; j < s->n_jobs; j++)
    if (jobs[j].started) pthread_join(jobs[j].th, NULL);
  if (shown) fprintf(stderr, "\r%78s\r", "");
  int rc = 0;
  if (create_err) {
    rc = fail(s->cmd, "cannot start %d threads: %s", s->n_jobs, strerror(create_err));
  } else {
    for (int j = 0; j < s->n_jobs && !rc; j++)
      if (jobs[j].rc != 0 && jobs[j].rc != STOPPED)
        rc = s->n_jobs > 1 ? fail(s->cmd, "job %d of %d: %s", j + 1, s->n_jobs, jobs[j].err)
                           : fail(s->cmd, "%s", jobs[j].err);
  }
  if (rc == 0) {
    hta_model_info mi;
    hta_model_get_info(s->model, &mi);
    r->layer_cycles = calloc((size_t)mi.n_layers, sizeof *r->layer_cycles);
    if (r->layer_cycles == NULL) rc = fail(s->cmd, "out of memory");
  }
  if (rc == 0) {
    hta_stats *t = &r->total;
    r->kind = jobs[0].kind;
    r->hw = jobs[0].hw;
    for (int j = 0; j < s->n_jobs; j++) {
      job *jb = &jobs[j];
      jb->tot.n_layers = jb->n_layers;
      jb->tot.layer_cycles = jb->layer_cycles;
      job acc = {.tot = *t, .layer_cycles = r->layer_cycles, .n_layers = jb->n_layers};
      add_stats(&acc, &jb->tot);
      *t = acc.tot;
    }
    t->has_cycles = jobs[0].has_cycles; /* also when a job had no items */
    t->n_layers = jobs[0].n_layers;
    t->layer_cycles = r->layer_cycles;
    /* from the first run's start to the last one's end: opening devices
       and compiling the model are not part of it, as with one hta_run */
    double a = 0, b = 0;
    for (int j = 0; j < s->n_jobs; j++)
      if (jobs[j].t_start > 0) {
        if (a == 0 || jobs[j].t_start < a) a = jobs[j].t_start;
        if (jobs[j].t_end > b) b = jobs[j].t_end;
      }
    t->wall_s = b > a ? b - a : 0;
  }
  for (int j = 0; j < s->n_jobs; j++) free(jobs[j].layer_cycles);
  free(jobs);
  pthread_mutex_destroy(&p.mu);
  pthread_cond_destroy(&p.cv);
  return rc;
}

void jobs_result_free(jobs_result *r) {
  free(r->layer_cycles);
  r->layer_cycles = NULL;
}

char **jobs_uris(const char *cmd, const char *uri, const char *jobs_opt, int *n_jobs) {
  long jobs = 0;
  if (jobs_opt && parse_long(cmd, "--jobs", jobs_opt, 1, HTA_MAX_JOBS, &jobs)) return NULL;
  char **l = NULL, err[600];
  const int n = hta_uri_expand(uri, (int)jobs, &l, err, sizeof err);
  if (n < 0) {
    usage_error(cmd, "--device %s%s%s: %s", uri, jobs_opt ? " --jobs " : "",
                jobs_opt ? jobs_opt : "", err);
    return NULL;
  }
  *n_jobs = n;
  return l;
}
