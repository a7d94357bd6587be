/* files.c - see files.h. */
#define _GNU_SOURCE /* O_CLOEXEC, mkostemp */
#include "files.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static const char *file_kind(mode_t m) {
  return S_ISFIFO(m)   ? "a FIFO"
         : S_ISDIR(m)  ? "a directory"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISSOCK(m) ? "a socket"
                       : "not a regular file";
}

int read_file_bounded(const char *path, uint64_t max, const char *what, uint8_t **buf,
                      size_t *len, char *err, size_t errlen) {
  *buf = NULL;
  *len = 0;
  /* O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever. */
  const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return FAIL("%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    close(fd);
    return FAIL("%s: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return FAIL("%s: is %s; only a regular file is read", path, file_kind(st.st_mode));
  }
  if ((uint64_t)st.st_size > max || (uint64_t)st.st_size > SIZE_MAX - 1) {
    close(fd);
    return FAIL("%s: %llu bytes, larger than %s (%llu bytes)", path,
                (unsigned long long)st.st_size, what, (unsigned long long)max);
  }
  const size_t size = (size_t)st.st_size;
  uint8_t *b = malloc(size ? size : 1);
  if (b == NULL) {
    close(fd);
    return FAIL("%s: out of memory (%zu bytes)", path, size);
  }
  /* A regular file never blocks; reading exactly its size bounds the read
   * even if it grows meanwhile. */
  size_t n = 0;
  while (n < size) {
    const ssize_t r = read(fd, b + n, size - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int e = errno;
      free(b);
      close(fd);
      return FAIL("%s: read error: %s", path, strerror(e));
    }
    if (r == 0) break; /* shrunk meanwhile: the parser sees what is there */
    n += (size_t)r;
  }
  close(fd);
  *buf = b;
  *len = n;
  return 0;
}

/* The directory part of path into dir ("." for a bare name). */
static int dir_of(const char *path, char *dir, size_t n) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) return snprintf(dir, n, ".") >= (int)n ? -1 : 0;
  if (slash == path) return snprintf(dir, n, "/") >= (int)n ? -1 : 0;
  return snprintf(dir, n, "%.*s", (int)(slash - path), path) >= (int)n ? -1 : 0;
}

int output_path_check(const char *path, char *err, size_t errlen) {
  char dir[4096];
  if (path[0] == '\0') return FAIL("output path is empty");
  if (dir_of(path, dir, sizeof dir) != 0) return FAIL("%s: path too long", path);
  struct stat st;
  if (stat(dir, &st) != 0)
    return FAIL("cannot write '%s': directory '%s': %s", path, dir, strerror(errno));
  if (!S_ISDIR(st.st_mode)) return FAIL("cannot write '%s': '%s' is not a directory", path, dir);
  if (access(dir, W_OK | X_OK) != 0)
    return FAIL("cannot write '%s': directory '%s': %s", path, dir, strerror(errno));
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return FAIL("cannot write '%s': it is a directory", path);
  return 0;
}

/* ---- outputs: a temporary file renamed over the path ---- */

int outfile_open(outfile *o, const char *path, char *err, size_t errlen) {
  o->fd = -1;
  o->slot = -1;
  o->path = path;
  o->tmp[0] = '\0';
  if (output_path_check(path, err, errlen) != 0) return -1;
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  if (snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp-XXXXXX", dir, base) >= (int)sizeof o->tmp)
    return FAIL("%s: path too long", path);
  o->fd = mkostemp(o->tmp, O_CLOEXEC);
  if (o->fd < 0) {
    const int e = errno;
    o->tmp[0] = '\0';
    return FAIL("cannot write '%s': cannot create a temporary file in '%s': %s", path, dir,
                strerror(e));
  }
  o->slot = cleanup_register(o->tmp, 0);
  /* mkstemp makes 0600; the output gets what open(O_CREAT, 0666) would */
  const mode_t um = umask(0);
  umask(um);
  if (fchmod(o->fd, 0666 & ~um) != 0) {
    const int e = errno;
    outfile_abort(o);
    return FAIL("cannot write '%s': %s", path, strerror(e));
  }
  return 0;
}

int outfile_write(outfile *o, const void *data, size_t len, char *err, size_t errlen) {
  const uint8_t *p = data;
  while (len > 0) {
    const ssize_t w = write(o->fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int e = w < 0 ? errno : EIO;
      outfile_abort(o);
      return FAIL("cannot write '%s': %s", o->path, strerror(e));
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int outfile_commit(outfile *o, char *err, size_t errlen) {
  const int fd = o->fd;
  o->fd = -1;
  if (fd >= 0 && close(fd) != 0) {
    const int e = errno;
    outfile_abort(o);
    return FAIL("cannot write '%s': %s", o->path, strerror(e));
  }
  if (rename(o->tmp, o->path) != 0) {
    const int e = errno;
    outfile_abort(o);
    return FAIL("cannot write '%s': rename from '%s': %s", o->path, o->tmp, strerror(e));
  }
  cleanup_forget(o->slot);
  o->tmp[0] = '\0';
  return 0;
}

void outfile_abort(outfile *o) {
  if (o->fd >= 0) close(o->fd);
  o->fd = -1;
  if (o->tmp[0]) {
    unlink(o->tmp);
    cleanup_forget(o->slot);
  }
  o->tmp[0] = '\0';
}

int write_file_atomic(const char *path, const void *data, size_t len, char *err,
                      size_t errlen) {
  outfile o;
  if (outfile_open(&o, path, err, errlen) != 0) return -1;
  if (outfile_write(&o, data, len, err, errlen) != 0) return -1;
  return outfile_commit(&o, err, errlen);
}

/* ---- cleanup on signals ---- */

/* room for the temporary paths of many devices at once (--jobs: each xrt
 * device has its folder and sockets) */
#define CLEANUP_SLOTS 64
static struct {
  volatile sig_atomic_t used; /* 0 free, 1 file, 2 directory */
  char path[4096];
} slots[CLEANUP_SLOTS];
/* --jobs opens devices in several threads at once; the signal handler takes
 * no lock (it only reads whole entries: `used` is set last) */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

int cleanup_register(const char *path, int is_dir) {
  if (strlen(path) >= sizeof slots[0].path) return -1;
  int slot = -1;
  pthread_mutex_lock(&slots_lock);
  for (int i = 0; i < CLEANUP_SLOTS && slot < 0; i++)
    if (!slots[i].used) {
      strcpy(slots[i].path, path);
      slots[i].used = is_dir ? 2 : 1; /* last: the handler sees a whole path */
      slot = i;
    }
  pthread_mutex_unlock(&slots_lock);
  return slot;
}

void cleanup_forget(int slot) {
  if (slot >= 0 && slot < CLEANUP_SLOTS) slots[slot].used = 0;
}

void cleanup_temp_hook(const char *path, int is_dir, int created, void *user) {
  (void)user;
  if (created) {
    cleanup_register(path, is_dir);
    return;
  }
  pthread_mutex_lock(&slots_lock);
  for (int i = 0; i < CLEANUP_SLOTS; i++)
    if (slots[i].used && strcmp(slots[i].path, path) == 0) slots[i].used = 0;
  pthread_mutex_unlock(&slots_lock);
}

static volatile pid_t child;

void cleanup_child(long pid) { child = (pid_t)pid; }

/* async-signal-safe: kill, waitpid, nanosleep */
static void end_child(void) {
  const pid_t pid = child;
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; i++) { /* 2 s for its own cleanup */
    if (waitpid(pid, NULL, WNOHANG) != 0) return;
    const struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

/* rm -rf PATH, waiting for it. */
static void rm_rf(const char *path) {
  const pid_t pid = fork();
  if (pid == 0) {
    char *const argv[] = {"rm", "-rf", "--", (char *)path, NULL};
    char *const envp[] = {NULL};
    execve("/bin/rm", argv, envp);
    _exit(127);
  }
  if (pid > 0)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

/* Remove a folder others may still write into (XRT's threads, and the
 * processes XRT started: its unzip of the xclbin, the device's launch
 * script, which outlive us and may create the folder again): once now, then,
 * in a child that outlives us, whenever it exists, until it has been absent
 * for 300 ms (3 s at most). The child keeps our exit prompt: while a
 * handler waited, XRT's threads failed on the vanishing folder and exited
 * with status 1, hiding the signal from our parent. */
static void remove_tree(const char *path) {
  rm_rf(path);
  if (fork() != 0) return;
  const struct timespec step = {0, 50 * 1000 * 1000};
  int absent = 0;
  for (int k = 0; k < 60 && absent < 6; k++) {
    if (access(path, F_OK) != 0) {
      absent++;
    } else {
      absent = 0;
      rm_rf(path);
    }
    nanosleep(&step, NULL);
  }
  _exit(0);
}

/* Only async-signal-safe calls here (POSIX.1-2008 list): unlink, fork,
 * execve, _exit, waitpid, access, kill, nanosleep, signal, raise. */
static void on_signal(int sig) {
  end_child(); /* first: it may still write into a registered folder */
  for (int i = 0; i < CLEANUP_SLOTS; i++) {
    if (slots[i].used == 1) {
      unlink(slots[i].path);
    } else if (slots[i].used == 2) {
      remove_tree(slots[i].path);
    }
    slots[i].used = 0;
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void cleanup_install(void) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa, old;
    /* a signal ignored by whoever started us (nohup, a background job)
     * stays ignored */
    if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask); /* one handler run at a time */
    sigaction(sigs[i], &sa, NULL);
  }
  signal(SIGXFSZ, SIG_IGN);
}
