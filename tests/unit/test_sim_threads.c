/*
 * test_sim_threads.c - a sim device used from more than one thread, one call
 * at a time (hta.h's threading rule): opened and loaded on the main thread,
 * run on a second pthread, closed on the main thread again; many rounds on
 * "sim" and "sim:cfg=tiny", every output equal to the cpu device's.
 *
 * This once hung in hta_close (Verilator 5.006 bound the model to the thread
 * that built it). A hang must fail the test, not stall `make test`: an
 * alarm bounds the whole program and reports the round it was in.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hta.h"
#include "hta_compile.h"
#include "rand_layer.h"
#include "rng.h"

#define ROUNDS 20
#define BOUND_S 120 /* the whole program; a normal run takes a few seconds */

static const char *volatile where = "start";

static void on_alarm(int sig) {
  (void)sig;
  /* async-signal-safe: write and _exit only */
  static const char head[] = "FAIL  bounded wait: no progress within the bound, hung in: ";
  static const char tail[] = "\n0 passed, 1 failed\n";
  const char *w = where;
  if (write(2, head, sizeof head - 1) < 0 || write(2, w, strlen(w)) < 0 ||
      write(1, tail, sizeof tail - 1) < 0) {
    /* nothing more to say */
  }
  _exit(1);
}

typedef struct run_job {
  hta_net *net;
  const int8_t *in;
  int8_t *out;
  int rc;
} run_job;

static void *run_on_thread(void *arg) {
  run_job *j = arg;
  j->rc = hta_run(j->net, j->in, j->out, 1, 0, NULL);
  return NULL;
}

/* One round: open + load here, run on a new thread, compare, close here. */
static void round_trip(const char *uri, uint64_t seed) {
  char name[128];
  snprintf(name, sizeof name, "%s seed %" PRIu64 ": open here, run there, close here", uri,
           seed);
  hta_device *sim = NULL, *cpu = NULL;
  hta_net *ns = NULL, *nc = NULL;
  hta_rand_layer rl;
  int have_layer = 0;
  int8_t *in = NULL, *os = NULL, *oc = NULL;
  where = "hta_open";
  if (!check(hta_open(uri, &sim) == 0, name, "open: %s", hta_open_error())) goto done;
  char cpu_uri[96];
  snprintf(cpu_uri, sizeof cpu_uri, "cpu:cfg=%s",
           hta_device_config(sim)->name); /* compile for the same limits */
  if (!check(hta_open(cpu_uri, &cpu) == 0, name, "open %s: %s", cpu_uri, hta_open_error()))
    goto done;

  hta_rng g;
  hta_rng_seed(&g, seed);
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, hta_device_config(sim));
  opts.max_hw = 6;
  opts.max_c = 12;
  if (!check(hta_rand_layer_make(&rl, &g, &opts, NULL) == 0, name, "out of memory")) goto done;
  have_layer = 1;
  where = "hta_load_layers";
  if (!check(hta_load_layers(sim, &rl.l, 1, &ns) == 0 && hta_load_layers(cpu, &rl.l, 1, &nc) == 0,
             name, "load %s: %s / %s", rl.desc, hta_last_error(sim), hta_last_error(cpu)))
    goto done;
  const size_t ib = hta_layer_in_size(&rl.l), ob = hta_layer_out_size(&rl.l);
  in = malloc(ib);
  os = malloc(ob);
  oc = malloc(ob);
  if (!check(in && os && oc, name, "out of memory")) goto done;
  hta_rand_fill(&g, in, ib);

  where = "hta_run on the second thread";
  run_job job = {ns, in, os, -1};
  pthread_t t;
  if (!check(pthread_create(&t, NULL, run_on_thread, &job) == 0, name, "pthread_create"))
    goto done;
  pthread_join(t, NULL);
  if (!check(job.rc == 0, name, "sim run of %s: %s", rl.desc, hta_last_error(sim))) goto done;
  if (!check(hta_run(nc, in, oc, 1, 0, NULL) == 0, name, "cpu run: %s", hta_last_error(cpu)))
    goto done;
  check(memcmp(os, oc, ob) == 0, name, "sim output differs from cpu on %s", rl.desc);

done:
  where = "hta_close (after a run on another thread)";
  hta_close(sim); /* closes ns */
  where = "hta_close of the cpu device";
  hta_close(cpu);
  where = "between rounds";
  free(in);
  free(os);
  free(oc);
  if (have_layer) hta_rand_layer_free(&rl);
}

/* The other way round too: open on a thread that has ended by the time the
 * main thread runs and closes the device. */
typedef struct open_job {
  const char *uri;
  hta_device *dev;
  int rc;
} open_job;

static void *open_on_thread(void *arg) {
  open_job *j = arg;
  j->rc = hta_open(j->uri, &j->dev);
  return NULL;
}

static void open_elsewhere(const char *uri) {
  char name[128];
  snprintf(name, sizeof name, "%s: opened on an ended thread, used and closed here", uri);
  open_job j = {uri, NULL, -1};
  pthread_t t;
  where = "hta_open on a thread";
  if (!check(pthread_create(&t, NULL, open_on_thread, &j) == 0, name, "pthread_create")) return;
  pthread_join(t, NULL);
  if (!check(j.rc == 0, name, "open: %d", j.rc)) return;
  hta_rand_layer rl;
  hta_rng g;
  hta_rng_seed(&g, 7);
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, hta_device_config(j.dev));
  opts.max_hw = 5;
  opts.max_c = 8;
  hta_net *net = NULL;
  if (hta_rand_layer_make(&rl, &g, &opts, NULL) == 0) {
    int8_t in[5 * 5 * 8] = {0}, out[5 * 5 * 64];
    where = "hta_run on the main thread";
    const int rc = hta_load_layers(j.dev, &rl.l, 1, &net) == 0 &&
                           hta_layer_in_size(&rl.l) <= sizeof in &&
                           hta_layer_out_size(&rl.l) <= sizeof out
                       ? hta_run(net, in, out, 1, 0, NULL)
                       : -1;
    check(rc == 0, name, "%s: %s", rl.desc, hta_last_error(j.dev));
  } else {
    check(0, name, "out of memory");
  }
  where = "hta_close on the main thread";
  hta_close(j.dev);
  hta_rand_layer_free(&rl);
  where = "between rounds";
}

int main(void) {
  signal(SIGALRM, on_alarm);
  alarm(BOUND_S);
  static const char *const uris[] = {"sim", "sim:cfg=tiny"};
  for (size_t u = 0; u < sizeof uris / sizeof uris[0]; u++) {
    for (uint64_t r = 0; r < ROUNDS; r++) round_trip(uris[u], hta_rng_case_seed(0x5137, r));
    open_elsewhere(uris[u]);
  }
  alarm(0);
  return check_summary();
}
