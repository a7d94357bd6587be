/*
 * hta.h - libhta, the HTA driver: open a device, load a model onto it, run
 * batches of inputs, read statistics and every layer's output.
 *
 * Style: libusb. Opaque handles; every call returns 0 (HTA_SUCCESS) or a
 * negative hta_error; hta_strerror() names each code; a device keeps a
 * detailed message of its last error (hta_last_error) with diagnostics (the
 * layer reached, STATUS / ERR_INFO / ERR_ADDR on engine errors and timeouts).
 * A call that fails with HTA_ERROR_INVALID_PARAM has touched no hardware.
 *
 * Devices are named by URI (hta_open):
 *   cpu                 the golden model (host/src/golden.c). Bit-exact
 *                       reference; reports no cycles (hta_stats.has_cycles 0,
 *                       every cycle counter 0).
 *   sim[:opt,...]       the cycle-accurate Verilator model of the RTL. Options:
 *                       trace=FILE.fst (waveform), mem_mb=N (memory model
 *                       size, default 64), rd_latency=N, wr_latency=N;
 *                       fault=rd|wr (test hook: every read / write of the
 *                       data window answers SLVERR, so the engine stops
 *                       with ERR_AXI_RD / ERR_AXI_WR); fault=flip (flips
 *                       one bit of the middle layer's output after each run,
 *                       so verification tools can be tested).
 *   xrt:N[:xclbin=PATH]  an XRT device (card, or hardware emulation).
 *   usb[:VID:PID[:SERIAL]][,opt=...]  a board on a USB cable.
 *
 * Threads: a device and its nets are used by one thread at a time, and by
 * any thread: a device is not bound to the thread that opened it, so it may
 * be opened on one thread, run on a second and closed on a third, as long as
 * the calls do not overlap (the caller orders them, e.g. by joining the
 * thread or waiting for a Future). The sim device runs every Verilator call
 * on a thread it owns for this (Verilator binds a model to the thread that
 * builds it); callbacks (hta_submit's done, hta_set_progress's fn) still run
 * on the calling thread. Different devices may be used in parallel.
 * tests/unit/test_sim_threads.c checks this on sim.
 */
#ifndef HTA_H
#define HTA_H

#include <stddef.h>
#include <stdint.h>

#include "hta_layer.h"
#include "hta_prog.h" /* hta_counters: the engine's performance counters */

#ifdef __cplusplus
extern "C" {
#endif

#define HTA_VERSION_STRING "0.1.0"

/* Error codes (negative); keep hta_strerror() in sync. */
enum hta_error {
  HTA_SUCCESS = 0,
  HTA_ERROR_INVALID_PARAM = -1, /* bad argument; nothing was touched */
  HTA_ERROR_NO_DEVICE = -2,     /* unknown or unavailable device URI */
  HTA_ERROR_NO_MEM = -3,        /* host memory or device memory exhausted */
  HTA_ERROR_IO = -4,            /* file or bus I/O failed */
  HTA_ERROR_TIMEOUT = -5,       /* the engine did not finish in time */
  HTA_ERROR_DEVICE = -6,        /* the engine reported an error code (STATUS) */
  HTA_ERROR_FORMAT = -7,        /* malformed file or program */
  HTA_ERROR_UNSUPPORTED = -8,   /* valid, but beyond this device or hardware */
  HTA_ERROR_SHAPE = -9,         /* tensor size or shape does not match */
  HTA_ERROR_BUSY = -10,         /* a request is still in flight */
  HTA_ERROR_PROTOCOL = -11,     /* the device broke a bus rule or assertion */
  HTA_ERROR_NOT_FOUND = -12,    /* no such layer, batch item or result yet */
  HTA_ERROR_OTHER = -13
};
#define HTA_ERROR_COUNT 14 /* codes 0 .. -(HTA_ERROR_COUNT-1) */

/* A short English description of an error code; never NULL ("unknown error
 * code" for values outside the enum). */
const char *hta_strerror(int code);
/* The enum name, e.g. "HTA_ERROR_TIMEOUT"; never NULL. */
const char *hta_error_name(int code);
/* HTA_VERSION_STRING of the library. */
const char *hta_version(void);

typedef struct hta_device hta_device; /* an opened device */
typedef struct hta_net hta_net;       /* a model compiled and loaded on a device */

/* Default bound of every wait, when a caller passes timeout_ms = 0. */
#define HTA_DEFAULT_TIMEOUT_MS 600000u
/* The largest batch hta_submit and hta_run take (1..HTA_MAX_BATCH). */
#define HTA_MAX_BATCH 65536

/* Open a device by URI. On failure *dev is NULL and the returned code says
 * why; hta_open_error() then holds, for the calling thread, a message that
 * names the URI and lists the known schemes. */
int hta_open(const char *uri, hta_device **dev);
const char *hta_open_error(void);
void hta_close(hta_device *dev); /* closes its nets too; NULL is fine */

/* The device URIs of a parallel run, one device per job (`hta eval --jobs`).
 * "xrt:I,J,...[:opts]" names one XRT device per index: "xrt:I[:opts]",
 * "xrt:J[:opts]", ...; jobs must then be 0 (as many as named) or their count.
 * cpu and sim URIs are repeated `jobs` times (0 or 1: once), each opened as a
 * device of its own; a sim URI with trace= is refused for jobs > 1 (one file
 * for several simulators). xrt:N and usb name one device, which cannot be
 * opened twice: jobs > 1 on them is refused. jobs is at most HTA_MAX_JOBS.
 * Returns the number of URIs n >= 1 and sets *uris to a NULL-terminated array
 * of n strings (hta_uri_list_free), or a negative hta_error (*uris NULL) with
 * a message in err naming what is wrong. Touches no device. */
#define HTA_MAX_JOBS 256
int hta_uri_expand(const char *uri, int jobs, char ***uris, char *err, size_t errlen);
void hta_uri_list_free(char **uris); /* NULL is fine */

/* The detailed message of the device's last failed call ("" if none). */
const char *hta_last_error(const hta_device *dev);
/* The URI scheme ("cpu", "sim"), and whether the device counts cycles. */
const char *hta_device_kind(const hta_device *dev);
int hta_device_has_cycles(const hta_device *dev);
/* The hardware configuration the device's programs are compiled for
 * (hta_hw_config.h): sim, xrt and usb devices report their own; cpu takes
 * "cpu:cfg=NAME" (default "small") to compile, and check limits, for NAME. */
struct hta_hw_config;
const struct hta_hw_config *hta_device_config(const hta_device *dev);
/* The known URI schemes, space separated. */
const char *hta_device_schemes(void);

/* Temporary paths a device creates and removes at hta_close (the xrt
 * device's emulation folder of ~6 MB and XRT's sockets): fn(path, is_dir,
 * created, user) is called with created = 1 when one appears (or is named,
 * for one XRT creates) and 0 when it is gone. A program that may be killed by
 * a signal keeps the list and removes the paths in its handler (hta's CLI
 * does). Process-wide; set it before hta_open; NULL to stop. */
typedef void (*hta_temp_hook_fn)(const char *path, int is_dir, int created, void *user);
void hta_set_temp_hook(hta_temp_hook_fn fn, void *user);

/* Progress of long runs (sim only; ignored by cpu): fn(user, cycles of the
 * current inference) every few thousand simulated cycles (rate-limit in fn).
 * fn NULL turns it off. */
typedef void (*hta_progress_fn)(void *user, uint64_t cycles);
void hta_set_progress(hta_device *dev, hta_progress_fn fn, void *user);

/* Load n layers (a chain, or a graph: hta_layers_check): compiled once
 * (hta_compile) and kept. A model using graph ops, activation tables or graph
 * inputs runs on the cpu device and on engines of configurations with Engine
 * 1 (their graph-op unit); a v2 configuration refuses it with
 * HTA_ERROR_UNSUPPORTED and one message naming every such layer
 * (hta_engine_refusal). The layers are copied by reference: their arrays
 * must outlive the net (hta_load_model's model must too). */
int hta_load_layers(hta_device *dev, const hta_layer *layers, int n, hta_net **net);
struct hta_model;
int hta_load_model(hta_device *dev, const struct hta_model *model, hta_net **net);
void hta_unload(hta_net *net); /* NULL is fine */

/* Shapes of a loaded net. */
typedef struct hta_net_info {
  int n_layers;      /* model layers */
  int n_desc;        /* hardware layer descriptors */
  int in_h, in_w, in_c;
  int out_h, out_w, out_c;
  size_t in_bytes;   /* one input: in_h*in_w*in_c (int8, NHWC) */
  size_t out_bytes;  /* one output */
  size_t prog_bytes; /* program window */
  size_t data_bytes; /* data window of one inference */
} hta_net_info;
int hta_net_get_info(const hta_net *net, hta_net_info *info);

/* Statistics of one run (a batch). Cycle counters are the engine's
 * performance registers summed over the batch (0 on cpu: has_cycles = 0).
 * layer_cycles points into the net and is valid until its next run. */
typedef struct hta_stats {
  int has_cycles;         /* 1: the counters below were measured */
  int batch;              /* inputs in the run */
  uint64_t total_cycles;  /* ap_start to ap_done, summed over the batch */
  uint64_t mac_busy, add_busy;       /* cycles each array took a step */
  uint64_t mac_ops, add_ops;         /* lane operations */
  uint64_t mem_stall, drain_stall;   /* cycles compute waited */
  uint64_t bytes_rd, bytes_wr;       /* device memory traffic */
  uint64_t sim_cycles;    /* cycles the simulator ran (incl. register access) */
  double wall_s;          /* host wall time of the run */
  int n_layers;
  const uint64_t *layer_cycles; /* [n_layers] model-layer cycles (summed
                                   descriptors, summed over the batch) */
  hta_counters counters;  /* every performance counter of the register map
                             (HTA_COUNTERS), summed over the batch; the
                             fields above repeat the common ones */
} hta_stats;

/* Completion callback of hta_submit: status is 0 or a negative error; stats
 * is valid during the call only. */
typedef void (*hta_done_fn)(hta_net *net, int status, const hta_stats *stats, void *user);

/* Submit a batch of `batch` inputs (in: batch * in_bytes, int8 NHWC, one
 * after another; out: batch * out_bytes). Every wait is bounded by timeout_ms
 * (0 = HTA_DEFAULT_TIMEOUT_MS) per inference. `in` and `out` must stay valid
 * until done runs. The cpu and sim backends complete synchronously: done is
 * called before hta_submit returns, and hta_submit returns the same status.
 * A request that could not be started (bad argument, busy) returns its error
 * without calling done. On engine-v2 devices (sim, xrt, usb) a batch runs
 * in starts of up to HTA_BATCH_PROG_MAX items, each a batch program
 * (hta_compile_batch, compiled on first use) that loads every weight block
 * once for its items; elsewhere (cpu, engine v1) one start per item, all
 * sharing the loaded program. Statistics are summed over the starts.
 */
int hta_submit(hta_net *net, const int8_t *in, int8_t *out, int batch, unsigned timeout_ms,
               hta_done_fn done, void *user);

/* Wait until the net has no request in flight (bounded by timeout_ms). */
int hta_wait(hta_net *net, unsigned timeout_ms);

/* Blocking run: hta_submit + hta_wait. stats may be NULL. */
int hta_run(hta_net *net, const int8_t *in, int8_t *out, int batch, unsigned timeout_ms,
            hta_stats *stats);

/* The output of model layer `layer` for batch item `item` of the last
 * successful run, dense NHWC (len must be the layer's hta_layer_out_size). */
int hta_layer_output(const hta_net *net, int item, int layer, int8_t *dst, size_t len);
/* The output shape of model layer `layer` (NHWC, int8): what
 * hta_layer_output's len must be, h * w * c. */
int hta_layer_shape(const hta_net *net, int layer, int *h, int *w, int *c);

#ifdef __cplusplus
}
#endif
#endif /* HTA_H */
