/*
 * files.h - how every `hta` command reads and writes files (files.c):
 *   - an input is read only if it is a regular file, and only when its size
 *     (from fstat) is within a bound the caller knows it can legitimately
 *     have; its open never blocks (a FIFO is refused, not waited on);
 *   - an output is written to a temporary file in its own directory and
 *     renamed over the path only once it is complete, so a failed write
 *     (disk full, file size limit, Ctrl-C) leaves no truncated file and an
 *     existing file untouched; its path is checked before the work starts;
 *   - temporary paths are registered so that SIGINT, SIGTERM and SIGHUP
 *     remove them before the signal ends the process (cleanup_install).
 * Functions return 0, or -1 with a message naming the path in err.
 */
#ifndef HTA_FILES_H
#define HTA_FILES_H

#include <stddef.h>
#include <stdint.h>

/* The whole of path into *buf (malloc'd, *len bytes). Refused: a path that
 * is not a regular file, or one larger than max bytes ("larger than WHAT":
 * what names the bound, e.g. "the largest batch, 65536 inputs of 784 bytes"). */
int read_file_bounded(const char *path, uint64_t max, const char *what, uint8_t **buf,
                      size_t *len, char *err, size_t errlen);

/* Can path be written (its directory exists and is writable; path is not a
 * directory)? Checked before long work, so a typo costs nothing. */
int output_path_check(const char *path, char *err, size_t errlen);

/* An output in progress: tmp is a new file next to path. */
typedef struct outfile {
  int fd;
  int slot; /* cleanup_register's */
  const char *path;
  char tmp[4096];
} outfile;

int outfile_open(outfile *o, const char *path, char *err, size_t errlen);
int outfile_write(outfile *o, const void *data, size_t len, char *err, size_t errlen);
/* Close and rename tmp to path; on any failure tmp is removed. */
int outfile_commit(outfile *o, char *err, size_t errlen);
void outfile_abort(outfile *o); /* remove tmp */
/* open + write + commit of one buffer. */
int write_file_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* A .hta model the same way (model_save.c: it needs libhta, files.c not). */
struct hta_model;
int save_model(const struct hta_model *m, const char *path, char *err, size_t errlen);

/* ---- cleanup on signals ---- */

/* Install the handlers of SIGINT, SIGTERM and SIGHUP (main does, once), and
 * ignore SIGXFSZ, so that a file size limit is a write error (EFBIG) that
 * the command reports and cleans up after, not a silent kill. The handler
 * removes every registered path (a file with unlink, a directory with its
 * contents by `rm -rf` in a child: fork and execve are async-signal-safe),
 * then re-raises the signal with its default action. */
void cleanup_install(void);
/* Register a path (a copy is kept) for removal on a signal; a slot number
 * for cleanup_forget, or -1 when the table is full (the path is then only
 * removed by its owner). */
int cleanup_register(const char *path, int is_dir);
void cleanup_forget(int slot);
/* libhta's hta_temp_hook_fn (main sets it): the temporary paths a device
 * creates (the xrt device's emulation folder, XRT's sockets) are registered
 * while they exist. */
void cleanup_temp_hook(const char *path, int is_dir, int created, void *user);
/* A child process (pid > 0; 0: none) the handler ends first: SIGTERM, up to
 * 2 s to exit (its own cleanup), then SIGKILL. */
void cleanup_child(long pid);

#endif /* HTA_FILES_H */
