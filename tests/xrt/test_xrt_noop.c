/*
 * test_xrt_noop.c - the xrt backend through real XRT 2.13 without a card:
 * every error path of opening (bad URI, no xclbin, missing, unreadable,
 * malformed and truncated files, an xclbin without our kernel, another
 * register map version or configuration, hw_emu mode with a non-emulation
 * xclbin, no device) and, in XRT's noop mode, the whole API flow: device
 * open, xclbin load, kernel open, buffer objects, sync, run, bounded wait.
 * Noop runs no kernel, so a run must end with HTA_ERROR_UNSUPPORTED naming
 * noop (the flow before it went through XRT). Data is tested under hw_emu
 * (test_xrt_hwemu.sh).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "hta.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "xclbin.h"

static char dir[256];

static const char *path_of(const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static void write_xclbin(const char *name, const char *kernel, unsigned version_delta,
                         unsigned sig_xor) {
  xclbin_spec s;
  xclbin_default_spec(&s);
  s.kernel_name = kernel;
  s.regmap_version += version_delta;
  s.cfg_signature ^= sig_xor;
  char err[256];
  if (xclbin_write(path_of(name), &s, err, sizeof err) != 0) {
    fprintf(stderr, "cannot write %s: %s\n", name, err);
    exit(1);
  }
}

/* Replace the first `from` in a file by `to` (same length). 1 if done. */
static int replace_in_file(const char *path, const char *from, const char *to) {
  FILE *f = fopen(path, "r+b");
  if (f == NULL) return 0;
  static char buf[8 << 20];
  const size_t n = fread(buf, 1, sizeof buf, f);
  int done = 0;
  for (size_t i = 0; i + strlen(from) <= n && !done; i++)
    if (memcmp(buf + i, from, strlen(from)) == 0) {
      memcpy(buf + i, to, strlen(to));
      done = fseek(f, 0, SEEK_SET) == 0 && fwrite(buf, 1, n, f) == n;
    }
  fclose(f);
  return done;
}

/* Open uri; check the code and that the message contains want. */
static void expect_open(const char *name, const char *uri, int code, const char *want) {
  hta_device *d = NULL;
  int rc = hta_open(uri, &d);
  check(rc == code && strstr(hta_open_error(), want) != NULL, name,
        "got %s '%s', want %s with '%s'", hta_error_name(rc), hta_open_error(),
        hta_error_name(code), want);
  if (rc == HTA_SUCCESS) hta_close(d);
}

static void test_open_errors(void) {
  char uri[600];
  unsetenv("HTA_XCLBIN");
  expect_open("open: bad index", "xrt:x", HTA_ERROR_NO_DEVICE, "device index");
  expect_open("open: unknown option", "xrt:0:speed=1", HTA_ERROR_NO_DEVICE, "speed=1");
  expect_open("open: no xclbin given", "xrt:0", HTA_ERROR_NOT_FOUND, "HTA_XCLBIN");
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("missing.xclbin"));
  expect_open("open: missing xclbin", uri, HTA_ERROR_NOT_FOUND, "missing.xclbin");
  setenv("HTA_XCLBIN", path_of("missing.xclbin"), 1);
  expect_open("open: HTA_XCLBIN is used", "xrt:0", HTA_ERROR_NOT_FOUND, "missing.xclbin");
  unsetenv("HTA_XCLBIN");
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", dir);
  expect_open("open: a directory", uri, HTA_ERROR_IO, "not a file");
  FILE *f = fopen(path_of("garbage.xclbin"), "wb");
  for (int i = 0; i < 1000; i++) fputc(i * 7, f);
  fclose(f);
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("garbage.xclbin"));
  expect_open("open: not an xclbin", uri, HTA_ERROR_FORMAT, "no xclbin");
  /* a valid file cut after its section headers */
  write_xclbin("cut.xclbin", "hta_top", 0, 0);
  check(truncate(path_of("cut.xclbin"), 800) == 0, "setup: truncate", "failed");
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("cut.xclbin"));
  expect_open("open: truncated xclbin", uri, HTA_ERROR_FORMAT, "");
  write_xclbin("other.xclbin", "vadd", 0, 0);
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("other.xclbin"));
  expect_open("open: xclbin without our kernel", uri, HTA_ERROR_NOT_FOUND,
              "no 'hta_top' kernel");
  write_xclbin("v2.xclbin", "hta_top", 1, 0);
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("v2.xclbin"));
  expect_open("open: other register map version", uri, HTA_ERROR_UNSUPPORTED,
              "register map version");
  write_xclbin("cfg.xclbin", "hta_top", 0, 0x100);
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("cfg.xclbin"));
  expect_open("open: other configuration", uri, HTA_ERROR_UNSUPPORTED, "configuration");
  /* a vendor-built xclbin carries the version only in its kernel's VLNV */
  write_xclbin("vlnv.xclbin", "hta_top", 0, 0);
  check(replace_in_file(path_of("vlnv.xclbin"), ":hta_top:1.", ":hta_top:7."),
        "setup: VLNV version patched", "no ':hta_top:1.' in the file");
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("vlnv.xclbin"));
  expect_open("open: kernel VLNV of another register map version", uri, HTA_ERROR_UNSUPPORTED,
              "version 7.x");
  write_xclbin("good.xclbin", "hta_top", 0, 0);
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("good.xclbin"));
  setenv("XCL_EMULATION_MODE", "hw_emu", 1);
  expect_open("open: hw_emu needs an emulation xclbin", uri, HTA_ERROR_UNSUPPORTED, "--emu");
  unsetenv("XCL_EMULATION_MODE");
}

/* No card and no emulation: XRT finds no device. In a child process, because
 * XRT picks its driver (shim) once per process. */
static void test_no_device(void) {
  char uri[600];
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("good.xclbin"));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    hta_device *d = NULL;
    unsetenv("XCL_EMULATION_MODE");
    int rc = hta_open(uri, &d);
    if (rc != HTA_ERROR_NO_DEVICE || strstr(hta_open_error(), "no XRT device 0") == NULL) {
      fprintf(stderr, "child: %s '%s'\n", hta_error_name(rc), hta_open_error());
      _exit(1);
    }
    _exit(0);
  }
  int st = 0;
  check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
        "open: no card, no emulation: HTA_ERROR_NO_DEVICE", "child status 0x%x", st);
}

static void test_noop_flow(void) {
  char uri[600];
  setenv("XCL_EMULATION_MODE", "noop", 1);
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", path_of("good.xclbin"));
  hta_device *d = NULL;
  int rc = hta_open(uri, &d);
  if (!check(rc == HTA_SUCCESS, "noop: open, load xclbin, open kernel", "%s '%s'",
             hta_error_name(rc), hta_open_error()))
    return;
  check(strcmp(hta_device_kind(d), "xrt") == 0 && hta_device_has_cycles(d), "noop: kind",
        "%s", hta_device_kind(d));
  char err[256] = "";
  hta_model *m = hta_zoo_mobilenet_v1(0.25, 128, "hybrid:0.5", 1, err, sizeof err);
  hta_net *net = NULL;
  if (check(m != NULL, "noop: model", "%s", err) &&
      check((rc = hta_load_model(d, m, &net)) == HTA_SUCCESS, "noop: load", "%s",
            hta_last_error(d))) {
    hta_net_info ni;
    hta_net_get_info(net, &ni);
    int8_t *in = calloc(ni.in_bytes, 1), *out = calloc(ni.out_bytes, 1);
    for (int i = 0; i < 2; i++) { /* twice: buffer objects are kept between runs */
      rc = hta_run(net, in, out, 1, 5000, NULL);
      check(rc == HTA_ERROR_UNSUPPORTED && strstr(hta_last_error(d), "noop runs no kernel"),
            i ? "noop: second run reuses the buffers" : "noop: run goes through XRT",
            "%s '%s'", hta_error_name(rc), hta_last_error(d));
    }
    free(in);
    free(out);
  }
  hta_close(d);
  hta_model_free(m);
  /* a second open in the same process (XRT's device and shim are shared) */
  rc = hta_open(uri, &d);
  check(rc == HTA_SUCCESS, "noop: open again after close", "%s", hta_open_error());
  if (rc == HTA_SUCCESS) hta_close(d);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/hta-xrt-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                        : "/tmp");
  if (mkdtemp(dir) == NULL) return perror("mkdtemp"), 1;
  test_open_errors();
  test_no_device();
  test_noop_flow();
  const char *names[] = {"garbage.xclbin", "cut.xclbin", "other.xclbin", "v2.xclbin",
                         "cfg.xclbin", "vlnv.xclbin", "good.xclbin"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) remove(path_of(names[i]));
  rmdir(dir);
  return check_summary();
}
