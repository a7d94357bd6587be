/*
 * device.c - the backend-agnostic part of libhta (hta.h): URIs, argument
 * checks, compilation, batches, statistics, layer outputs, error texts.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "backend.h"
#include "hta.h"
#include "hta_compile.h"

static const hta_backend *const backends[] = {&hta_backend_cpu, &hta_backend_sim,
                                              &hta_backend_xrt, &hta_backend_usb};
#define N_BACKENDS (sizeof backends / sizeof backends[0])

struct hta_net {
  hta_device *dev;
  struct hta_net *next;
  const hta_layer *layers;
  int n;
  hta_program *prog;
  int busy;
  /* Batch programs (engine v2, backends that run programs): bprog[b] runs b
   * items in one start, each weight block loaded once for them all
   * (hta_compile_batch); compiled when a batch first needs them. */
  hta_program *bprog[HTA_BATCH_PROG_MAX + 1];
  unsigned char bprog_failed[HTA_BATCH_PROG_MAX + 1]; /* (not tried again) */
  int batch;              /* items of the last successful run (0: none) */
  int chunk;              /* its items per start (1: one start per item) */
  int chunk_cap;          /* most items per start (halved where a start of
                             more found no room in the device's memory) */
  size_t win_size;        /* bytes of each start's data window */
  uint8_t *windows;       /* [starts][win_size] data windows of the last run */
  uint64_t *layer_cycles; /* [n] */
  uint32_t *desc_cycles;  /* [desc_cap] */
  int desc_cap;
};

/* ---- errors ---- */

static const struct {
  int code;
  const char *name, *text;
} errors[HTA_ERROR_COUNT] = {
    {HTA_SUCCESS, "HTA_SUCCESS", "success"},
    {HTA_ERROR_INVALID_PARAM, "HTA_ERROR_INVALID_PARAM", "invalid parameter"},
    {HTA_ERROR_NO_DEVICE, "HTA_ERROR_NO_DEVICE", "no such device (unknown or unavailable URI)"},
    {HTA_ERROR_NO_MEM, "HTA_ERROR_NO_MEM", "out of memory"},
    {HTA_ERROR_IO, "HTA_ERROR_IO", "input/output error"},
    {HTA_ERROR_TIMEOUT, "HTA_ERROR_TIMEOUT", "operation timed out"},
    {HTA_ERROR_DEVICE, "HTA_ERROR_DEVICE", "the engine reported an error"},
    {HTA_ERROR_FORMAT, "HTA_ERROR_FORMAT", "malformed file or data"},
    {HTA_ERROR_UNSUPPORTED, "HTA_ERROR_UNSUPPORTED", "not supported by this device or hardware"},
    {HTA_ERROR_SHAPE, "HTA_ERROR_SHAPE", "tensor shape or size mismatch"},
    {HTA_ERROR_BUSY, "HTA_ERROR_BUSY", "a request is still in flight"},
    {HTA_ERROR_PROTOCOL, "HTA_ERROR_PROTOCOL", "the device broke a bus protocol rule"},
    {HTA_ERROR_NOT_FOUND, "HTA_ERROR_NOT_FOUND", "no such item"},
    {HTA_ERROR_OTHER, "HTA_ERROR_OTHER", "other error"},
};

const char *hta_strerror(int code) {
  if (code <= 0 && code > -HTA_ERROR_COUNT) return errors[-code].text;
  return "unknown error code";
}

const char *hta_error_name(int code) {
  if (code <= 0 && code > -HTA_ERROR_COUNT) return errors[-code].name;
  return "HTA_ERROR_UNKNOWN";
}

const char *hta_version(void) { return HTA_VERSION_STRING; }

int hta_dev_error(hta_device *dev, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dev->err, sizeof dev->err, fmt, ap);
  va_end(ap);
  return code;
}

const char *hta_last_error(const hta_device *dev) { return dev ? dev->err : ""; }

/* ---- devices ---- */

/* per thread: two threads opening devices do not see each other's message */
static _Thread_local char open_err[1400];

const char *hta_open_error(void) { return open_err; }

const char *hta_device_schemes(void) { return "cpu sim xrt usb"; }

int hta_open(const char *uri, hta_device **out) {
  if (out == NULL) return HTA_ERROR_INVALID_PARAM;
  *out = NULL;
  open_err[0] = '\0';
  if (uri == NULL || strlen(uri) >= sizeof((hta_device *)0)->uri) {
    snprintf(open_err, sizeof open_err, "device URI missing or too long");
    return HTA_ERROR_INVALID_PARAM;
  }
  const char *colon = strchr(uri, ':');
  const size_t len = colon ? (size_t)(colon - uri) : strlen(uri);
  const hta_backend *be = NULL;
  for (size_t i = 0; i < N_BACKENDS; i++)
    if (strlen(backends[i]->scheme) == len && strncmp(uri, backends[i]->scheme, len) == 0)
      be = backends[i];
  if (be == NULL) {
    snprintf(open_err, sizeof open_err,
             "unknown device '%s': known schemes are 'cpu[:cfg=NAME]' (golden model), "
             "'sim[:cfg=NAME,trace=FILE.fst]' (Verilator RTL), 'xrt:N[:xclbin=PATH]' (XRT) and "
             "'usb:VID:PID[:SERIAL]' (a board on USB)", uri);
    return HTA_ERROR_NO_DEVICE;
  }
  hta_device *dev = calloc(1, sizeof *dev);
  if (dev == NULL) {
    snprintf(open_err, sizeof open_err, "out of memory");
    return HTA_ERROR_NO_MEM;
  }
  dev->be = be;
  dev->hw = hta_hw_config_default();
  strcpy(dev->uri, uri);
  int rc = be->open(dev, colon ? colon + 1 : "");
  if (rc != HTA_SUCCESS) {
    snprintf(open_err, sizeof open_err, "cannot open device '%s': %s", uri, dev->err);
    free(dev);
    return rc;
  }
  *out = dev;
  return HTA_SUCCESS;
}

void hta_close(hta_device *dev) {
  if (dev == NULL) return;
  while (dev->nets) hta_unload(dev->nets);
  dev->be->close(dev);
  free(dev);
}

/* ---- URIs of parallel runs ---- */

void hta_uri_list_free(char **uris) {
  if (uris == NULL) return;
  for (char **u = uris; *u; u++) free(*u);
  free(uris);
}

/* room for n URIs and the NULL after them */
static char **uri_list_new(int n) { return calloc((size_t)n + 1, sizeof(char *)); }

int hta_uri_expand(const char *uri, int jobs, char ***out, char *err, size_t errlen) {
  char dummy[1];
  if (err == NULL || errlen == 0) err = dummy, errlen = sizeof dummy;
  err[0] = '\0';
  if (out) *out = NULL;
  if (out == NULL || uri == NULL) {
    snprintf(err, errlen, "device URI or result missing");
    return HTA_ERROR_INVALID_PARAM;
  }
  if (jobs < 0 || jobs > HTA_MAX_JOBS) {
    snprintf(err, errlen, "jobs %d: 1..%d (or 0: as many as the URI names)", jobs,
             HTA_MAX_JOBS);
    return HTA_ERROR_INVALID_PARAM;
  }
  if (strlen(uri) >= sizeof((hta_device *)0)->uri) {
    snprintf(err, errlen, "device URI too long (%zu characters, at most %zu)", strlen(uri),
             sizeof((hta_device *)0)->uri - 1);
    return HTA_ERROR_INVALID_PARAM;
  }
  const char *colon = strchr(uri, ':');
  const size_t slen = colon ? (size_t)(colon - uri) : strlen(uri);
  char **l = NULL;
  int n = jobs ? jobs : 1;
  if (slen == 3 && strncmp(uri, "xrt", 3) == 0 && colon && strchr(colon + 1, ',') &&
      (strchr(colon + 1, ':') == NULL || strchr(colon + 1, ',') < strchr(colon + 1, ':'))) {
    /* xrt:I,J,...[:opts] */
    const char *list = colon + 1, *tail = strchr(list, ':');
    if (tail == NULL) tail = list + strlen(list);
    long idx[HTA_MAX_JOBS];
    int k = 0;
    for (const char *p = list; p < tail;) {
      char *end;
      if (*p < '0' || *p > '9') {
        snprintf(err, errlen, "device '%s': '%.*s' is not a list of device indices (xrt:0,1)",
                 uri, (int)(tail - list), list);
        return HTA_ERROR_INVALID_PARAM;
      }
      const long v = strtol(p, &end, 10);
      if ((end != tail && *end != ',') || v > 65535) {
        snprintf(err, errlen, "device '%s': '%.*s' is not a list of device indices (xrt:0,1)",
                 uri, (int)(tail - list), list);
        return HTA_ERROR_INVALID_PARAM;
      }
      if (k == HTA_MAX_JOBS) {
        snprintf(err, errlen, "device '%s': more than %d devices", uri, HTA_MAX_JOBS);
        return HTA_ERROR_INVALID_PARAM;
      }
      for (int i = 0; i < k; i++)
        if (idx[i] == v) {
          snprintf(err, errlen, "device '%s': xrt device %ld named twice", uri, v);
          return HTA_ERROR_INVALID_PARAM;
        }
      idx[k++] = v;
      p = end == tail ? tail : end + 1;
      if (end != tail && p == tail) {
        snprintf(err, errlen, "device '%s': the index list ends with a comma", uri);
        return HTA_ERROR_INVALID_PARAM;
      }
    }
    if (jobs && jobs != k) {
      snprintf(err, errlen, "device '%s' names %d devices but %d jobs were asked (give as "
               "many jobs as devices, or leave the job count out)", uri, k, jobs);
      return HTA_ERROR_INVALID_PARAM;
    }
    n = k;
    if ((l = uri_list_new(n)) == NULL) goto nomem;
    for (int i = 0; i < n; i++) {
      char one[sizeof((hta_device *)0)->uri + 8];
      snprintf(one, sizeof one, "xrt:%ld%s", idx[i], tail);
      if ((l[i] = strdup(one)) == NULL) goto nomem;
    }
  } else {
    if (n > 1 && ((slen == 3 && strncmp(uri, "xrt", 3) == 0) ||
                  (slen == 3 && strncmp(uri, "usb", 3) == 0))) {
      snprintf(err, errlen, "device '%s' is one device and cannot be opened %d times; "
               "for %d jobs name %d devices%s", uri, n, n, n,
               uri[0] == 'x' ? " (xrt:0,1,...)" : "");
      return HTA_ERROR_INVALID_PARAM;
    }
    if (n > 1 && colon && slen == 3 && strncmp(uri, "sim", 3) == 0) {
      for (const char *p = colon + 1; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, "trace=", 6) == 0) {
          snprintf(err, errlen, "device '%s': trace= writes one waveform file, which %d "
                   "simulators cannot share; trace with one job", uri, n);
          return HTA_ERROR_INVALID_PARAM;
        }
    }
    if ((l = uri_list_new(n)) == NULL) goto nomem;
    for (int i = 0; i < n; i++)
      if ((l[i] = strdup(uri)) == NULL) goto nomem;
  }
  *out = l;
  return n;
nomem:
  hta_uri_list_free(l);
  snprintf(err, errlen, "out of memory");
  return HTA_ERROR_NO_MEM;
}

const char *hta_device_kind(const hta_device *dev) { return dev ? dev->be->scheme : ""; }
const hta_hw_config *hta_device_config(const hta_device *dev) { return dev ? dev->hw : NULL; }

int hta_dev_set_config(hta_device *dev, const char *scheme, const char *name) {
  const hta_hw_config *c = hta_hw_config_find(name);
  if (c == NULL)
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                         "%s: unknown hardware configuration '%s' (known: %s; `hta configs` "
                         "lists them)", scheme, name, HTA_HW_CONFIG_NAMES);
  dev->hw = c;
  return HTA_SUCCESS;
}
int hta_device_has_cycles(const hta_device *dev) { return dev ? dev->be->has_cycles : 0; }

void hta_set_progress(hta_device *dev, hta_progress_fn fn, void *user) {
  if (dev == NULL) return;
  dev->progress = fn;
  dev->progress_user = user;
}

/* ---- nets ---- */

int hta_load_layers(hta_device *dev, const hta_layer *layers, int n, hta_net **out) {
  if (out) *out = NULL;
  if (dev == NULL || out == NULL) return HTA_ERROR_INVALID_PARAM;
  if (layers == NULL || n <= 0)
    return hta_dev_error(dev, HTA_ERROR_INVALID_PARAM, "load: no layers (n = %d)", n);
  char err[1000];
  if (hta_layers_check(layers, n, err, sizeof err) != 0)
    return hta_dev_error(dev, HTA_ERROR_INVALID_PARAM, "load: %s", err);
  hta_net *net = calloc(1, sizeof *net);
  if (net == NULL) return hta_dev_error(dev, HTA_ERROR_NO_MEM, "load: out of memory");
  err[0] = '\0';
  /* The cpu device runs what the golden model runs, engine or not. */
  if (dev->be == &hta_backend_cpu && hta_engine_refusal(layers, n, NULL, 0) != 0)
    net->prog = hta_plan_host(layers, n, err, sizeof err);
  else
    net->prog = hta_compile(dev->hw, layers, n, err, sizeof err);
  if (net->prog == NULL) {
    free(net);
    /* a chain or hardware-limit problem: the layers are valid arithmetic */
    return hta_dev_error(dev, HTA_ERROR_UNSUPPORTED, "load: compiler: %s", err);
  }
  net->layer_cycles = calloc((size_t)n, sizeof *net->layer_cycles);
  net->desc_cap = net->prog->n_desc + 1;
  net->chunk_cap = HTA_BATCH_PROG_MAX;
  net->desc_cycles = calloc((size_t)net->desc_cap, sizeof *net->desc_cycles);
  if (net->layer_cycles == NULL || net->desc_cycles == NULL) {
    hta_program_free(net->prog);
    free(net->layer_cycles);
    free(net->desc_cycles);
    free(net);
    return hta_dev_error(dev, HTA_ERROR_NO_MEM, "load: out of memory");
  }
  net->dev = dev;
  net->layers = layers;
  net->n = n;
  net->next = dev->nets;
  dev->nets = net;
  *out = net;
  return HTA_SUCCESS;
}

void hta_unload(hta_net *net) {
  if (net == NULL) return;
  for (hta_net **p = &net->dev->nets; *p; p = &(*p)->next)
    if (*p == net) {
      *p = net->next;
      break;
    }
  hta_program_free(net->prog);
  for (int b = 0; b <= HTA_BATCH_PROG_MAX; b++) hta_program_free(net->bprog[b]);
  free(net->windows);
  free(net->layer_cycles);
  free(net->desc_cycles);
  free(net);
}

int hta_net_get_info(const hta_net *net, hta_net_info *info) {
  if (net == NULL || info == NULL) return HTA_ERROR_INVALID_PARAM;
  const hta_layer *f = &net->layers[0], *l = &net->layers[net->n - 1];
  memset(info, 0, sizeof *info);
  info->n_layers = net->n;
  info->n_desc = net->prog->n_desc;
  info->in_h = f->in_h;
  info->in_w = f->in_w;
  info->in_c = f->in_c;
  info->out_h = hta_layer_out_h(l);
  info->out_w = hta_layer_out_w(l);
  info->out_c = l->out_c;
  info->in_bytes = hta_layer_in_size(f);
  info->out_bytes = hta_layer_out_size(l);
  info->prog_bytes = net->prog->size;
  info->data_bytes = net->prog->data_size;
  return HTA_SUCCESS;
}

/* The program that runs `items` inputs in one start (the net's own for
 * one); NULL where there is none: a v1 or cpu device, or a batch the
 * compiler cannot lay out (the caller then starts once per item). */
static const hta_program *batch_prog(hta_net *net, int items) {
  hta_device *dev = net->dev;
  if (items == 1) return net->prog;
  if (dev->be == &hta_backend_cpu || dev->hw == NULL || dev->hw->engine != 2) return NULL;
  if (net->bprog[items] == NULL && !net->bprog_failed[items]) {
    char err[400];
    hta_program *p = hta_compile_batch(dev->hw, net->layers, net->n, items, err, sizeof err);
    net->bprog_failed[items] = p == NULL;
    if (p == NULL) return NULL;
    if (p->n_desc + 1 > net->desc_cap) {
      uint32_t *d = realloc(net->desc_cycles, (size_t)(p->n_desc + 1) * sizeof *d);
      if (d == NULL) {
        hta_program_free(p);
        return NULL;
      }
      net->desc_cycles = d;
      net->desc_cap = p->n_desc + 1;
    }
    net->bprog[items] = p;
  }
  return net->bprog[items];
}

/* Items per start for a batch: up to chunk_cap where batch programs exist
 * for the whole starts and the last one, else 1. */
static int batch_chunk(hta_net *net, int batch) {
  const int c = batch < net->chunk_cap ? batch : net->chunk_cap;
  if (c <= 1 || batch_prog(net, c) == NULL) return 1;
  if (batch % c != 0 && batch_prog(net, batch % c) == NULL) return 1;
  return c;
}

/* The batch in starts of `chunk` items (the last one the rest), each with
 * its own data window (kept in net->windows, [starts][win_size], when all
 * ran); st summed over them. *retry is 1 when the first start of several
 * items found no room in the device memory (nothing ran: fewer items per
 * start may fit). */
static int run_starts(hta_net *net, const int8_t *in, int8_t *out, int batch, int chunk,
                      unsigned timeout_ms, hta_stats *st, int *retry) {
  hta_device *dev = net->dev;
  const size_t in_bytes = hta_layer_in_size(&net->layers[0]);
  const size_t out_bytes = hta_layer_out_size(&net->layers[net->n - 1]);
  const int starts = (batch + chunk - 1) / chunk;
  const size_t ws = batch_prog(net, chunk)->data_size;
  *retry = 0;
  if (ws != 0 && (size_t)starts > SIZE_MAX / ws)
    return hta_dev_error(dev, HTA_ERROR_NO_MEM, "submit: batch too large");
  uint8_t *win = calloc((size_t)starts, ws);
  if (win == NULL) return hta_dev_error(dev, HTA_ERROR_NO_MEM, "submit: out of memory");
  int rc = HTA_SUCCESS;
  for (int k = 0; k < starts && rc == HTA_SUCCESS; k++) {
    const int b0 = k * chunk, nb = batch - b0 < chunk ? batch - b0 : chunk;
    const hta_program *p = batch_prog(net, nb); /* (batch_chunk made it) */
    uint8_t *w = win + (size_t)k * ws;
    for (int i = 0; i < nb; i++) {
      const hta_tensor t = hta_tensor_item(&p->input, i);
      hta_tensor_pack(&t, in + (size_t)(b0 + i) * in_bytes, w);
    }
    hta_backend_result r;
    memset(&r, 0, sizeof r);
    memset(net->desc_cycles, 0, sizeof *net->desc_cycles * (size_t)p->n_desc);
    r.desc_cycles = net->desc_cycles;
    /* (the timeout is per inference: a start of nb items may take nb times) */
    const unsigned tmo =
        timeout_ms > UINT_MAX / (unsigned)nb ? UINT_MAX : timeout_ms * (unsigned)nb;
    rc = dev->be->run(dev, p, net->layers, net->n, w, tmo, &r);
    if (rc != HTA_SUCCESS) {
      *retry = rc == HTA_ERROR_NO_MEM && k == 0 && nb > 1;
      if (batch > 1) {
        char tmp[sizeof dev->err];
        if (nb > 1)
          snprintf(tmp, sizeof tmp, "batch items %d..%d: %.980s", b0, b0 + nb - 1, dev->err);
        else
          snprintf(tmp, sizeof tmp, "batch item %d: %.990s", b0, dev->err);
        strcpy(dev->err, tmp);
      }
      break;
    }
    for (int i = 0; i < nb; i++) {
      const hta_tensor t = hta_tensor_item(&p->output, i);
      hta_tensor_unpack(&t, w, out + (size_t)(b0 + i) * out_bytes);
    }
    st->total_cycles += r.cycles;
    st->mac_busy += r.mac_busy;
    st->add_busy += r.add_busy;
    st->mac_ops += r.mac_ops;
    st->add_ops += r.add_ops;
    st->mem_stall += r.mem_stall;
    st->drain_stall += r.drain_stall;
    st->bytes_rd += r.bytes_rd;
    st->bytes_wr += r.bytes_wr;
    st->sim_cycles += r.sim_cycles;
#define SUM_COUNTER(name, off, bits) st->counters.name += r.name;
    HTA_COUNTERS(SUM_COUNTER)
#undef SUM_COUNTER
    for (int d = 0; d < p->n_desc; d++) net->layer_cycles[p->desc_layer[d]] += net->desc_cycles[d];
  }
  if (rc == HTA_SUCCESS) {
    net->windows = win;
    net->win_size = ws;
  } else {
    free(win);
  }
  return rc;
}

int hta_submit(hta_net *net, const int8_t *in, int8_t *out, int batch, unsigned timeout_ms,
               hta_done_fn done, void *user) {
  if (net == NULL) return HTA_ERROR_INVALID_PARAM;
  hta_device *dev = net->dev;
  if (in == NULL || out == NULL || batch <= 0 || batch > HTA_MAX_BATCH)
    return hta_dev_error(dev, HTA_ERROR_INVALID_PARAM,
                         "submit: %s", in == NULL ? "input is NULL" : out == NULL
                                                       ? "output is NULL"
                                                       : "batch must be 1..65536");
  if (net->busy) return hta_dev_error(dev, HTA_ERROR_BUSY, "submit: a request is in flight");
  if (timeout_ms == 0) timeout_ms = HTA_DEFAULT_TIMEOUT_MS;
  net->busy = 1;
  net->batch = 0;
  free(net->windows);
  net->windows = NULL;

  hta_stats st;
  const double t0 = hta_now_s();
  int rc, chunk, retry;
  do { /* fewer items per start while the first start finds no room */
    dev->err[0] = '\0';
    memset(&st, 0, sizeof st);
    st.has_cycles = dev->be->has_cycles;
    st.batch = batch;
    st.n_layers = net->n;
    st.layer_cycles = net->layer_cycles;
    memset(net->layer_cycles, 0, sizeof *net->layer_cycles * (size_t)net->n);
    chunk = batch_chunk(net, batch);
    rc = run_starts(net, in, out, batch, chunk, timeout_ms, &st, &retry);
    if (retry) net->chunk_cap = chunk / 2;
  } while (retry);
  st.wall_s = hta_now_s() - t0;
  if (rc == HTA_SUCCESS) {
    net->batch = batch;
    net->chunk = chunk;
  }
  /* the request is in flight until its callback returns */
  if (done) done(net, rc, &st, user);
  net->busy = 0;
  return rc;
}

int hta_wait(hta_net *net, unsigned timeout_ms) {
  (void)timeout_ms; /* cpu and sim complete inside hta_submit */
  if (net == NULL) return HTA_ERROR_INVALID_PARAM;
  return net->busy ? hta_dev_error(net->dev, HTA_ERROR_TIMEOUT, "wait: request in flight")
                   : HTA_SUCCESS;
}

typedef struct run_wait {
  int status;
  hta_stats *stats;
} run_wait;

static void run_done(hta_net *net, int status, const hta_stats *stats, void *user) {
  (void)net;
  run_wait *w = user;
  w->status = status;
  if (w->stats) *w->stats = *stats;
}

int hta_run(hta_net *net, const int8_t *in, int8_t *out, int batch, unsigned timeout_ms,
            hta_stats *stats) {
  run_wait w = {HTA_ERROR_OTHER, stats};
  int rc = hta_submit(net, in, out, batch, timeout_ms, run_done, &w);
  if (rc != HTA_SUCCESS) return rc;
  rc = hta_wait(net, timeout_ms);
  return rc != HTA_SUCCESS ? rc : w.status;
}

int hta_layer_output(const hta_net *net, int item, int layer, int8_t *dst, size_t len) {
  if (net == NULL || dst == NULL) return HTA_ERROR_INVALID_PARAM;
  hta_device *dev = net->dev;
  if (layer < 0 || layer >= net->n)
    return hta_dev_error(dev, HTA_ERROR_NOT_FOUND, "layer_output: no layer %d (net has %d)",
                         layer, net->n);
  if (net->batch == 0)
    return hta_dev_error(dev, HTA_ERROR_NOT_FOUND, "layer_output: no successful run yet");
  if (item < 0 || item >= net->batch)
    return hta_dev_error(dev, HTA_ERROR_NOT_FOUND,
                         "layer_output: no batch item %d (last run had %d)", item, net->batch);
  if (len != hta_layer_out_size(&net->layers[layer]))
    return hta_dev_error(dev, HTA_ERROR_SHAPE, "layer_output: layer %d has %zu bytes, not %zu",
                         layer, hta_layer_out_size(&net->layers[layer]), len);
  /* item `item` is item item % chunk of start item / chunk */
  const int k = item / net->chunk, i = item % net->chunk;
  const int nb = net->batch - k * net->chunk < net->chunk ? net->batch - k * net->chunk
                                                          : net->chunk;
  const hta_program *p = nb > 1 ? net->bprog[nb] : net->prog;
  const hta_tensor t = hta_tensor_item(&p->layer_out[layer], i);
  hta_tensor_unpack(&t, net->windows + (size_t)k * net->win_size, dst);
  return HTA_SUCCESS;
}

int hta_layer_shape(const hta_net *net, int layer, int *h, int *w, int *c) {
  if (net == NULL || h == NULL || w == NULL || c == NULL) return HTA_ERROR_INVALID_PARAM;
  if (layer < 0 || layer >= net->n)
    return hta_dev_error(net->dev, HTA_ERROR_NOT_FOUND, "layer_shape: no layer %d (net has %d)",
                         layer, net->n);
  const hta_layer *l = &net->layers[layer];
  *h = hta_layer_out_h(l);
  *w = hta_layer_out_w(l);
  *c = l->out_c;
  return HTA_SUCCESS;
}
