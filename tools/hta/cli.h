/*
 * cli.h - what the `hta` subcommands share (cli.c), and the commands.
 *
 * A subcommand is one file, cmd_NAME.c, with `int cmd_NAME(int argc, char
 * **argv)` (argv after the command name) and a NAME_help text; it is listed
 * once in HTA_COMMANDS below, which main.c turns into its table and help.
 * Exit status of every command: 0 ok, 1 failure (fail()), 2 usage (usage_error()).
 */
#ifndef HTA_CLI_H
#define HTA_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "hta.h"
#include "hta_layer.h"
#include "hta_model.h"
#include "hta_stats.h"

#define EXIT_USAGE 2

/* X(name, one-line summary) for every subcommand, in `hta --help` order. */
#define HTA_COMMANDS(X)                                                        \
  X(info, "per-layer table of a .hta model")                                   \
  X(run, "run a model on a device: .npy (or raw) int8 input to output")        \
  X(bench, "cycles, array utilization and throughput of a model on a device") \
  X(verify, "compare a device with the golden model, layer by layer")          \
  X(zoo, "generate a model (mobilenet-v1/-v2, resnet-18/-34/-50)")           \
  X(stats, "cost model: parameters, size, operations, energy, throughput") \
  X(xclbin, "write an xclbin for XRT (--emu: hardware emulation of the RTL)") \
  X(import, "import an ONNX network, quantized by a plan (int8, twn, fgq:N)") \
  X(eval, "top-1 accuracy of a model on a dataset (fashion-mnist)")            \
  X(merge, "combine the part files of a sharded hta eval into one result")     \
  X(configs, "the hardware configurations and their sizes (--json)")

#define HTA_DECLARE_COMMAND(name, summary) int cmd_##name(int argc, char **argv);
HTA_COMMANDS(HTA_DECLARE_COMMAND)
#undef HTA_DECLARE_COMMAND

extern const char *prog_name;

/* "hta CMD: message" + a pointer to --help on stderr; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "hta CMD: error: message" on stderr; returns 1. */
int fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The configuration named NAME (NULL: the default); NULL after a usage error
 * that lists the known ones. */
struct hta_hw_config;
const struct hta_hw_config *cli_config(const char *cmd, const char *name);

/* ---- option parsing: --name value, --name=value, -o value ---- */

typedef struct opt {
  const char *name; /* "--device" */
  int has_arg;
  const char *value; /* set when seen (flags: "1") */
} opt;

/* Fills opts; positional arguments go to pos (at most max_pos). -1 on error
 * (reported), 1 if --help was asked. */
int parse_opts(const char *cmd, int argc, char **argv, opt *opts, int n_opts, const char **pos,
               int max_pos, int *n_pos);
/* The value of option name (NULL: not given). */
const char *optv(const opt *opts, int n, const char *name);
/* Number parsers: 0 ok, -1 after a usage error naming the option. */
int parse_long(const char *cmd, const char *name, const char *s, long lo, long hi, long *out);
int parse_u64(const char *cmd, const char *name, const char *s, uint64_t *out);
int parse_double(const char *cmd, const char *name, const char *s, double lo, double hi,
                 double *out);


/* ---- progress bar (stderr, only on a terminal, only for cycle devices) ---- */

typedef struct progress {
  double t0, last;
  uint64_t done_before; /* cycles of earlier inferences */
  uint64_t expect;      /* cycles expected for the whole run, 0 = unknown */
  uint64_t last_cycles;
  int item, batch;      /* inference being simulated, of batch */
  int shown;
} progress;

void progress_start(hta_device *dev, progress *p, uint64_t expect, int batch);
void progress_end(hta_device *dev, progress *p);

/* ---- models and devices (NULL after fail()) ---- */

hta_model *load_model(const char *cmd, const char *path);
hta_device *open_device(const char *cmd, const char *uri);

/* ---- output ---- */

void json_str(const char *s); /* s as a quoted JSON string on stdout */
/* With --json, stdout carries the JSON object and nothing else, but a library
 * under a device may print there itself (XRT's hw_emu shim does). A command
 * diverts fd 1 to stderr for its run (stdout_divert) and points it back only
 * to write the object (stdout_undivert, then stdout_divert again). Undivert
 * is a no-op when stdout is not diverted. */
void stdout_divert(void);
void stdout_undivert(void);
/* Deterministic int8 noise from a seed (bench and verify inputs). */
void fill_random(int8_t *buf, size_t n, uint64_t seed);

#endif /* HTA_CLI_H */
