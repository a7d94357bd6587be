/*
 * backend_xrt.c - the "xrt:N" device: the HTA kernel on an Alveo card (or a
 * Zynq board under XRT's edge driver, same API), or XRT's hardware emulation
 * of our RTL, through XRT's native C API (libxrt_coreutil only: linking
 * libxrt_core would stop XRT from loading the emulation shims).
 *
 *   xrt:N[:xclbin=PATH]   device index N, the xclbin (default: $HTA_XCLBIN)
 *
 * Before XRT sees the xclbin we read it ourselves, so a missing file, a file
 * that is no xclbin, one without our kernel or one built for another register
 * map get an error that names the problem. An emulation xclbin (mode
 * HW_EMU, written by `hta xclbin --emu`) makes this backend set up XRT's
 * emulation environment itself (xrt_env_*, below) unless the user did.
 *
 * One inference: the program and the data window go into two buffer objects
 * in the kernel's memory bank, the kernel runs with (prog, prog_size, data,
 * data_size) like the sim backend drives it, the wait is bounded, and the
 * status, performance and per-layer cycle registers are read where the mode
 * allows register access (hardware, hw_emu; not noop).
 */
#define _GNU_SOURCE /* dladdr, nftw */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xclbin.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include "backend.h"
#include "dynlib.h"
#include "engine_regs.h"
#include "hta_hw_config.h"
#include "hta_regs.h"
#include "tempfiles.h"

/* XRT's libxrt_coreutil, loaded when the first device opens (dynlib.h): a program that never
 * opens one does not need it. */
#define XRT_FUNCS(X) \
  X(xrtBOAlloc) X(xrtBOFree) X(xrtBORead) X(xrtBOSync) X(xrtBOWrite) X(xrtDeviceClose) \
  X(xrtDeviceGetXclbinUUID) X(xrtDeviceLoadXclbinFile) X(xrtDeviceOpen) \
  X(xrtKernelArgGroupId) X(xrtKernelClose) X(xrtKernelReadRegister) X(xrtKernelRun) \
  X(xrtKernelWriteRegister) X(xrtPLKernelOpenExclusive) X(xrtRunClose) X(xrtRunState) \
  X(xrtRunWaitFor)
static struct {
  XRT_FUNCS(HTA_DYN_PTR)
} xrt;
static const char *const xrt_names[] = {XRT_FUNCS(HTA_DYN_NAME)};
static const char *const xrt_sonames[] = {"libxrt_coreutil.so.2", NULL};

static int xrt_load(hta_device *dev) {
  char err[400];
  if (hta_dynlib_load(xrt_sonames, "libxrt2 (XRT)", xrt_names, 0 XRT_FUNCS(HTA_DYN_COUNT), &xrt,
                      err, sizeof err))
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "xrt: %s", err);
  return HTA_SUCCESS;
}

#define KERNEL_NAME "hta_top" /* the RTL top, as bitstreams/alveo packages it */
#define MAX_XCLBIN (UINT64_C(1) << 30)
#define PAD_KEY_BYTES (256u << 10) /* see write_ini */

typedef struct xrt_dev {
  xrtDeviceHandle dev;
  xrtKernelHandle kernel;
  xrtBufferHandle prog_bo, data_bo;
  size_t prog_cap, data_cap;
  int regs;      /* register access works (not in noop mode) */
  int noop;      /* XCL_EMULATION_MODE=noop: no kernel runs */
  int emu;       /* XCL_EMULATION_MODE=hw_emu */
  char env_dir[256]; /* emulation environment we created ("" none) */
  xrtRunHandle pending; /* a run that timed out and may still finish */
} xrt_dev;

/* ---- the xclbin, read before XRT does ---- */

typedef struct xclbin_info {
  int emu;            /* m_mode is XCLBIN_HW_EMU */
  int has_kernel;     /* an IP_KERNEL named "hta:..." */
  int has_meta;       /* our USER_METADATA section */
  int has_vlnv;       /* kernel XML with vlnv "...:hta_top:MAJOR.MINOR" */
  unsigned vlnv_major; /* bitstreams/alveo: the register map version */
  unsigned regmap_version, cfg_sig;
  char vbnv[65];
} xclbin_info;

/* The kernel's VLNV in the kernel XML: bitstreams/alveo (and so an xclbin
 * linked by Vitis) sets its version to the register map version, so a vendor
 * xclbin without our USER_METADATA still says which map it implements. */
static void find_vlnv(const uint8_t *p, size_t n, xclbin_info *info) {
  static const char key[] = ":" KERNEL_NAME ":";
  for (size_t i = 0; i + sizeof key + 1 < n; i++) {
    if (memcmp(p + i, key, sizeof key - 1) != 0) continue;
    unsigned v = 0;
    size_t j = i + sizeof key - 1, digits = 0;
    for (; j < n && p[j] >= '0' && p[j] <= '9' && digits < 6; j++, digits++)
      v = v * 10 + (unsigned)(p[j] - '0');
    if (digits > 0 && j < n && p[j] == '.') {
      info->has_vlnv = 1;
      info->vlnv_major = v;
      return;
    }
  }
}

static int read_xclbin(hta_device *dev, const char *path, xclbin_info *info) {
  memset(info, 0, sizeof *info);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return hta_dev_error(dev, HTA_ERROR_NOT_FOUND, "xrt: cannot open the xclbin '%s': %s", path,
                         strerror(errno));
  long len = -1;
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && fseek(f, 0, SEEK_END) == 0)
    len = ftell(f);
  uint8_t *buf = NULL;
  int rc = HTA_SUCCESS;
  if (len < 0 || fseek(f, 0, SEEK_SET) != 0)
    rc = hta_dev_error(dev, HTA_ERROR_IO, "xrt: cannot read the xclbin '%s' (not a file?)",
                       path);
  else if ((uint64_t)len > MAX_XCLBIN || (size_t)len < sizeof(struct axlf))
    rc = hta_dev_error(dev, HTA_ERROR_FORMAT, "xrt: '%s' is no xclbin (%ld bytes)", path, len);
  else if ((buf = malloc((size_t)len)) == NULL)
    rc = hta_dev_error(dev, HTA_ERROR_NO_MEM, "xrt: out of memory reading '%s'", path);
  else if (fread(buf, 1, (size_t)len, f) != (size_t)len)
    rc = hta_dev_error(dev, HTA_ERROR_IO, "xrt: cannot read the xclbin '%s'", path);
  fclose(f);
  if (rc != HTA_SUCCESS) {
    free(buf);
    return rc;
  }
  const struct axlf *a = (const struct axlf *)buf;
  const uint64_t n = a->m_header.m_numSections;
  if (memcmp(a->m_magic, "xclbin2", 8) != 0 || a->m_header.m_length > (uint64_t)len || n == 0 ||
      n > XCLBIN_MAX_NUM_SECTION ||
      sizeof(struct axlf) + (n - 1) * sizeof(struct axlf_section_header) > (uint64_t)len) {
    free(buf);
    return hta_dev_error(dev, HTA_ERROR_FORMAT,
                         "xrt: '%s' is no xclbin (no 'xclbin2' header or a truncated file)",
                         path);
  }
  info->emu = a->m_header.m_mode == XCLBIN_HW_EMU;
  memcpy(info->vbnv, a->m_header.m_platformVBNV, 64);
  for (uint64_t i = 0; i < n && rc == HTA_SUCCESS; i++) {
    const struct axlf_section_header *h = &a->m_sections[i];
    if (h->m_sectionOffset > (uint64_t)len ||
        h->m_sectionSize > (uint64_t)len - h->m_sectionOffset)
      rc = hta_dev_error(dev, HTA_ERROR_FORMAT, "xrt: '%s': section %llu lies outside the file",
                         path, (unsigned long long)i);
    const uint8_t *p = buf + h->m_sectionOffset;
    const size_t sz = (size_t)h->m_sectionSize;
    if (rc == HTA_SUCCESS && h->m_sectionKind == IP_LAYOUT && sz >= sizeof(int32_t)) {
      const struct ip_layout *ip = (const struct ip_layout *)p;
      for (int32_t k = 0; k < ip->m_count; k++) {
        if (offsetof(struct ip_layout, m_ip_data) + (size_t)(k + 1) * sizeof(struct ip_data) > sz)
          break;
        const struct ip_data *d = &ip->m_ip_data[k];
        if (d->m_type == IP_KERNEL &&
            strncmp((const char *)d->m_name, KERNEL_NAME ":", strlen(KERNEL_NAME) + 1) == 0)
          info->has_kernel = 1;
      }
    }
    if (rc == HTA_SUCCESS && h->m_sectionKind == EMBEDDED_METADATA)
      find_vlnv(p, sz, info);
    if (rc == HTA_SUCCESS && h->m_sectionKind == USER_METADATA &&
        strncmp(h->m_sectionName, "hta", sizeof h->m_sectionName) == 0 && sz < 1024) {
      char text[1024];
      memcpy(text, p, sz);
      text[sz] = '\0';
      info->has_meta = sscanf(text, "hta-regmap-version=%u hta-cfg-signature=%x",
                              &info->regmap_version, &info->cfg_sig) == 2;
    }
  }
  free(buf);
  if (rc != HTA_SUCCESS) return rc;
  if (!info->has_kernel)
    return hta_dev_error(dev, HTA_ERROR_NOT_FOUND,
                         "xrt: the xclbin '%s' has no '%s' kernel (not an HTA xclbin?)", path,
                         KERNEL_NAME);
  if (info->has_vlnv && info->vlnv_major != HTA_REGMAP_VERSION)
    return hta_dev_error(dev, HTA_ERROR_UNSUPPORTED,
                         "xrt: the xclbin '%s' has kernel %s version %u.x (its register map "
                         "version); this libhta has register map version %u", path,
                         KERNEL_NAME, info->vlnv_major, HTA_REGMAP_VERSION);
  if (info->has_meta && (info->regmap_version != HTA_REGMAP_VERSION ||
                         hta_hw_config_by_signature(info->cfg_sig) == NULL))
    return hta_dev_error(dev, HTA_ERROR_UNSUPPORTED,
                         "xrt: the xclbin '%s' was built for register map version %u and "
                         "configuration signature 0x%08x; this libhta has register map version "
                         "%u and the configurations %s (rebuild one of them)", path,
                         info->regmap_version, info->cfg_sig, HTA_REGMAP_VERSION,
                         HTA_HW_CONFIG_NAMES);
  if (info->has_meta) dev->hw = hta_hw_config_by_signature(info->cfg_sig);
  return HTA_SUCCESS;
}

/* ---- XRT's emulation environment ---- */

static int write_text(const char *dir, const char *name, const char *text, size_t pad) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  int ok = fputs(text, f) >= 0;
  for (size_t i = 0; i < pad && ok; i++) ok = fputc('x', f) != EOF;
  if (pad && ok) ok = fputc('\n', f) != EOF;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* The folder of libxrt_coreutil: the shims live next to it. */
static int xrt_lib_dir(char *out, size_t n) {
  Dl_info di;
  void *sym = (void *)(uintptr_t)xrt.xrtDeviceOpen; /* a function as data: POSIX allows dladdr */
  if (dladdr(sym, &di) == 0 || di.dli_fname == NULL) return -1;
  const char *slash = strrchr(di.dli_fname, '/');
  if (slash == NULL || (size_t)(slash - di.dli_fname) >= n) return -1;
  memcpy(out, di.dli_fname, (size_t)(slash - di.dli_fname));
  out[slash - di.dli_fname] = '\0';
  return 0;
}

/* XRT 2.13 looks for $XILINX_XRT/lib/libxrt_<mode>.so.2 (Debian does not patch
 * that; without XILINX_XRT it ends the process), device info in emconfig.json
 * ($EMCONFIG_PATH) and options in xrt.ini ($XRT_INI_PATH). What the user set
 * stays; the rest goes into a temporary folder (env_dir), removed at close.
 * The xrt.ini works around a defect of Debian's libxrt_hwemu 2.13:
 * its RPC buffer grows with a dropped realloc result, so every message must
 * fit the first one; a padding key makes the first message (the environment,
 * xclSetEnvironment) 256 KiB, and packet_size keeps buffer copies at 64 KiB. */
static int xrt_env_setup(hta_device *dev, xrt_dev *x, const char *vbnv, int emulation) {
  const char *tmp = getenv("TMPDIR");
  snprintf(x->env_dir, sizeof x->env_dir, "%s/hta-xrt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(x->env_dir) == NULL) {
    x->env_dir[0] = '\0';
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: cannot create a folder for XRT's emulation "
                         "environment: %s", strerror(errno));
  }
  hta_temp_created(x->env_dir, 1);
  char text[512], path[512], lib[256];
  int bad = 0;
  snprintf(text, sizeof text,
           "{\"Version\":{\"FileVersion\":\"2.0\"},\"Platform\":{\"Boards\":[{\"NumBoards\":"
           "\"1\",\"Devices\":[{\"Name\":\"%s\",\"NumDevices\":\"1\"}]}]}}\n", vbnv);
  if (emulation) {
    bad |= write_text(x->env_dir, "emconfig.json", text, 0);
    bad |= write_text(x->env_dir, "xrt.ini",
                      "[Emulation]\npacket_size=0x10000\nhta_rpc_buffer_padding=", PAD_KEY_BYTES);
  }
  snprintf(path, sizeof path, "%s/lib", x->env_dir);
  bad |= mkdir(path, 0700);
  if (!bad && xrt_lib_dir(lib, sizeof lib) == 0) {
    static const char *const shims[] = {"libxrt_hwemu.so.2", "libxrt_noop.so.2",
                                        "libxrt_swemu.so.2", "libxrt_core.so.2"};
    for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++) {
      char from[512], to[512];
      snprintf(from, sizeof from, "%s/%s", lib, shims[i]);
      snprintf(to, sizeof to, "%s/lib/%s", x->env_dir, shims[i]);
      bad |= symlink(from, to);
    }
  } else {
    bad = 1;
  }
  if (bad)
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: cannot write XRT's emulation environment "
                         "in %s", x->env_dir);
  setenv("XILINX_XRT", x->env_dir, 0);
  if (!emulation) return HTA_SUCCESS;
  setenv("EMCONFIG_PATH", x->env_dir, 0);
  /* XRT unpacks the device process into .run/ next to the executable unless
   * told otherwise, which fails for an installed hta and piles up */
  setenv("SDACCEL_EM_RUN_DIR", x->env_dir, 0);
  snprintf(path, sizeof path, "%s/xrt.ini", x->env_dir);
  setenv("XRT_INI_PATH", path, 0);
  if (getenv("USER") == NULL) { /* names XRT's socket folder /tmp/$USER */
    struct passwd *pw = getpwuid(getuid());
    setenv("USER", pw && pw->pw_name ? pw->pw_name : "hta", 0);
  }
  return HTA_SUCCESS;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* The folder holds only what we and XRT's emulation put there (its run
 * folder with the unpacked device process, too), so all of it goes. */
static void xrt_env_remove(xrt_dev *x) {
  if (x->env_dir[0] == '\0') return;
  nftw(x->env_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  hta_temp_removed(x->env_dir);
  x->env_dir[0] = '\0';
}

/* XRT's hw_emu shim leaves its two unix sockets (/tmp/$USER/device<N>_0_<pid>
 * and D2X_unix_sock_device<N>_0_<pid>) behind; remove this process's. */
/* Their names for this process and device index (announced before the
 * session: XRT creates them, hta_temp_created). */
static void emu_socket_paths(unsigned long index, char a[256], char b[256]) {
  const char *user = getenv("USER");
  snprintf(a, 256, "/tmp/%s/device%lu_0_%ld", user ? user : "", index, (long)getpid());
  snprintf(b, 256, "/tmp/%s/D2X_unix_sock_device%lu_0_%ld", user ? user : "", index,
           (long)getpid());
}

static void remove_emu_sockets(void) {
  const char *user = getenv("USER");
  char dir[256], suffix[32];
  snprintf(dir, sizeof dir, "/tmp/%s", user && *user ? user : "");
  snprintf(suffix, sizeof suffix, "_%ld", (long)getpid());
  DIR *d = user && *user ? opendir(dir) : NULL;
  if (d == NULL) return;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    const size_t n = strlen(e->d_name), sn = strlen(suffix);
    if (n <= sn || strcmp(e->d_name + n - sn, suffix) != 0 ||
        (strncmp(e->d_name, "device", 6) != 0 &&
         strncmp(e->d_name, "D2X_unix_sock_device", 20) != 0))
      continue;
    char path[600];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode)) unlink(path);
    hta_temp_removed(path);
  }
  closedir(d);
}

/* ---- open and close ---- */

#define CLOSE_GRACE_MS 60000u

static enum ert_cmd_state wait_run(xrt_dev *x, xrtRunHandle run, unsigned timeout_ms);

/* A run that timed out is still XRT's (ap_ctrl_hs cannot be aborted): wait
 * for it a bounded time before the next run or before closing, because XRT
 * 2.13 does not recover from a device closed under a command in flight. */
static int settle_pending(xrt_dev *x, unsigned timeout_ms) {
  if (x->pending == NULL) return 0;
  /* XRT reads a wait of 0 ms as "no timeout": look at the state instead */
  const enum ert_cmd_state st =
      timeout_ms ? wait_run(x, x->pending, timeout_ms) : xrt.xrtRunState(x->pending);
  if (st < ERT_CMD_STATE_COMPLETED) return -1;
  xrt.xrtRunClose(x->pending);
  x->pending = NULL;
  return 0;
}

static void xrt_close(hta_device *dev) {
  xrt_dev *x = dev->priv;
  if (x == NULL) return;
  if (settle_pending(x, CLOSE_GRACE_MS) != 0)
    fprintf(stderr, "libhta: xrt: a timed-out run did not finish within %u s of close\n",
            CLOSE_GRACE_MS / 1000);
  if (x->prog_bo) xrt.xrtBOFree(x->prog_bo);
  if (x->data_bo) xrt.xrtBOFree(x->data_bo);
  if (x->kernel) xrt.xrtKernelClose(x->kernel);
  if (x->dev) xrt.xrtDeviceClose(x->dev);
  if (x->emu) remove_emu_sockets();
  xrt_env_remove(x);
  free(x);
  dev->priv = NULL;
}

static int reg_read(xrt_dev *x, uint32_t off, uint32_t *v) {
  *v = 0;
  return x->regs && xrt.xrtKernelReadRegister(x->kernel, off, v) == 0 ? 0 : -1;
}

/* How many devices XRT sees (cards, or the boards of emconfig.json in
 * emulation), or -1 if unknown. Without this check XRT 2.13 opens device 0
 * for any index N. The count is the shim's xclProbe(): libxrt_coreutil's
 * xrt::system::enumerate_devices() says 0 under hw_emu, and the shim is
 * dlopen'ed by XRT (privately) at the first xrtDeviceOpen, so it is found
 * with RTLD_NOLOAD after that open. */
static long xrt_device_count(void) {
  static const char *const shims[] = {"libxrt_hwemu.so.2", "libxrt_noop.so.2",
                                      "libxrt_core.so.2"};
  for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++) {
    void *h = dlopen(shims[i], RTLD_LAZY | RTLD_NOLOAD);
    if (h == NULL) continue;
    unsigned (*fn)(void);
    *(void **)&fn = dlsym(h, "xclProbe");
    const long n = fn ? (long)fn() : -1;
    dlclose(h);
    if (n >= 0) return n;
  }
  return -1;
}

static int open_fail(hta_device *dev, xrt_dev *x, int rc) {
  dev->priv = x;
  xrt_close(dev);
  return rc;
}

static int xrt_open(hta_device *dev, const char *opts) {
  if (xrt_load(dev) != HTA_SUCCESS) return HTA_ERROR_NO_DEVICE;
  char *end;
  errno = 0;
  const unsigned long index = strtoul(opts, &end, 10);
  if (opts[0] < '0' || opts[0] > '9' || errno || index > 255 || (*end && *end != ':'))
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                         "xrt: expected 'xrt:N[:xclbin=PATH]' with a device index N, got "
                         "'xrt:%s'", opts);
  const char *xclbin = getenv("HTA_XCLBIN");
  if (*end == ':') {
    if (strncmp(end + 1, "xclbin=", 7) != 0 || end[8] == '\0')
      return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                           "xrt: unknown option '%s' (known: xclbin=PATH)", end + 1);
    xclbin = end + 8;
  }
  if (xclbin == NULL || *xclbin == '\0')
    return hta_dev_error(dev, HTA_ERROR_NOT_FOUND,
                         "xrt: no xclbin: open 'xrt:%lu:xclbin=PATH' or set HTA_XCLBIN "
                         "(`hta xclbin --emu -o FILE` writes one for hardware emulation)",
                         index);
  xclbin_info info;
  int rc = read_xclbin(dev, xclbin, &info);
  if (rc != HTA_SUCCESS) return rc;

  xrt_dev *x = calloc(1, sizeof *x);
  if (x == NULL) return hta_dev_error(dev, HTA_ERROR_NO_MEM, "xrt: out of memory");
  const char *mode = getenv("XCL_EMULATION_MODE");
  if (info.emu && mode == NULL) {
    setenv("XCL_EMULATION_MODE", "hw_emu", 1);
    mode = "hw_emu";
  }
  if (mode && strcmp(mode, "hw_emu") == 0 && !info.emu)
    return open_fail(dev, x, hta_dev_error(dev, HTA_ERROR_UNSUPPORTED,
                     "xrt: XCL_EMULATION_MODE=hw_emu but '%s' is no emulation xclbin "
                     "(write one with `hta xclbin --emu`)", xclbin));
  x->noop = mode && strcmp(mode, "noop") == 0;
  x->emu = mode && strcmp(mode, "hw_emu") == 0;
  if ((mode || getenv("XILINX_XRT") == NULL) &&
      (rc = xrt_env_setup(dev, x, info.vbnv, mode != NULL)) != HTA_SUCCESS)
    return open_fail(dev, x, rc);

  if (x->emu) { /* XRT's sockets, for a signal handler (hta_set_temp_hook) */
    char a[256], b[256];
    emu_socket_paths(index, a, b);
    hta_temp_created(a, 0);
    hta_temp_created(b, 0);
  }
  x->dev = xrt.xrtDeviceOpen((unsigned)index);
  if (x->dev == NULL)
    return open_fail(dev, x, hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                     "xrt: no XRT device %lu (%s; is the card's driver loaded? for "
                     "emulation, an xclbin from `hta xclbin --emu` sets it up)",
                     index, strerror(errno ? errno : ENODEV)));
  /* counted once XRT has loaded its shim (by the open above) */
  const long n_dev = xrt_device_count();
  if (n_dev >= 0 && index >= (unsigned long)n_dev) {
    char range[48] = "";
    if (n_dev > 0) snprintf(range, sizeof range, " (index 0..%ld)", n_dev - 1);
    return open_fail(dev, x, hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                     "xrt: no XRT device %lu: XRT sees %ld device%s%s", index, n_dev,
                     n_dev == 1 ? "" : "s", range));
  }
  if (xrt.xrtDeviceLoadXclbinFile(x->dev, xclbin) != 0)
    return open_fail(dev, x, hta_dev_error(dev, HTA_ERROR_IO,
                     "xrt: XRT could not load the xclbin '%s' (%s; XRT's own message is "
                     "above)", xclbin, strerror(errno ? errno : EIO)));
  xuid_t uuid;
  if (xrt.xrtDeviceGetXclbinUUID(x->dev, uuid) != 0 ||
      (x->kernel = xrt.xrtPLKernelOpenExclusive(x->dev, uuid, KERNEL_NAME)) == NULL)
    return open_fail(dev, x, hta_dev_error(dev, HTA_ERROR_NOT_FOUND,
                     "xrt: cannot open kernel '%s' of '%s' (%s)", KERNEL_NAME, xclbin,
                     strerror(errno ? errno : ENOENT)));
  /* the register map check on the device itself, where registers can be read */
  uint32_t version = 0, sig = 0;
  x->regs = !x->noop;
  if (x->regs && (reg_read(x, HTA_REG_VERSION, &version) || reg_read(x, HTA_REG_CFG_SIG, &sig)))
    x->regs = 0;
  if (x->regs && (version != (0x4854u << 16 | HTA_REGMAP_VERSION) ||
                  hta_hw_config_by_signature(sig) == NULL))
    return open_fail(dev, x, hta_dev_error(dev, HTA_ERROR_UNSUPPORTED,
                     "xrt: the device's kernel has VERSION 0x%08x and CFG_SIG 0x%08x; this "
                     "libhta expects VERSION 0x%08x and the CFG_SIG of one of its "
                     "configurations (%s)", version, sig, 0x4854u << 16 | HTA_REGMAP_VERSION,
                     HTA_HW_CONFIG_NAMES));
  if (x->regs) dev->hw = hta_hw_config_by_signature(sig);
  dev->priv = x;
  return HTA_SUCCESS;
}

/* ---- one inference ---- */

/* A buffer object of at least size bytes in the bank of kernel argument arg. */
static int ensure_bo(hta_device *dev, xrt_dev *x, xrtBufferHandle *bo, size_t *cap, size_t size,
                     int arg) {
  if (*bo && *cap >= size) return HTA_SUCCESS;
  if (*bo) xrt.xrtBOFree(*bo);
  *cap = 0;
  size_t want = (size + 4095) & ~(size_t)4095;
  *bo = xrt.xrtBOAlloc(x->dev, want, XRT_BO_FLAGS_NONE, (xrtMemoryGroup)xrt.xrtKernelArgGroupId(x->kernel,
                                                                                    arg));
  if (*bo == NULL)
    return hta_dev_error(dev, HTA_ERROR_NO_MEM,
                         "xrt: cannot allocate a %zu-byte buffer in the device memory of "
                         "argument %d (%s)", want, arg, strerror(errno ? errno : ENOMEM));
  *cap = want;
  return HTA_SUCCESS;
}

static int regs_read(void *x, uint32_t off, uint32_t *v) { return reg_read(x, off, v); }

static int regs_write(void *ctx, uint32_t off, uint32_t v) {
  xrt_dev *x = ctx;
  return xrt.xrtKernelWriteRegister(x->kernel, off, v) == 0 ? 0 : -1;
}

/* Status and counters where registers are readable (not in noop mode); zero
 * otherwise, so a failed read leaves no stale value. */
static void read_status(xrt_dev *x, hta_backend_result *res) {
  if (x->regs && hta_engine_read_status(regs_read, x, res) == 0) return;
  uint32_t *keep = res->desc_cycles;
  memset(res, 0, sizeof *res);
  res->desc_cycles = keep;
}

/* Wait for a run, at most timeout_ms. XRT 2.13's hw_emu shim implements the
 * wait by sleeping for the whole timeout (xclExecWait), so under emulation
 * the state is polled every millisecond instead. */
static enum ert_cmd_state wait_run(xrt_dev *x, xrtRunHandle run, unsigned timeout_ms) {
  if (!x->emu) return xrt.xrtRunWaitFor(run, timeout_ms);
  struct timespec t0, now, ms = {0, 1000000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    const enum ert_cmd_state st = xrt.xrtRunState(run);
    if (st >= ERT_CMD_STATE_COMPLETED) return st;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - t0.tv_sec) * 1000.0 + (now.tv_nsec - t0.tv_nsec) / 1e6 >= timeout_ms)
      return st;
    nanosleep(&ms, NULL);
  }
}

static int xrt_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  (void)layers;
  (void)n;
  xrt_dev *x = dev->priv;
  if (settle_pending(x, timeout_ms) != 0) /* this run's time goes to the earlier one first */
    return hta_dev_error(dev, HTA_ERROR_BUSY, "xrt: the run that timed out before is still "
                         "running on the device after %u ms more", timeout_ms);
  int rc = ensure_bo(dev, x, &x->prog_bo, &x->prog_cap, prog->size, 0);
  if (rc == HTA_SUCCESS) rc = ensure_bo(dev, x, &x->data_bo, &x->data_cap, prog->data_size, 2);
  if (rc != HTA_SUCCESS) return rc;
  if (xrt.xrtBOWrite(x->prog_bo, prog->bytes, prog->size, 0) != 0 ||
      xrt.xrtBOSync(x->prog_bo, XCL_BO_SYNC_BO_TO_DEVICE, prog->size, 0) != 0 ||
      xrt.xrtBOWrite(x->data_bo, data, prog->data_size, 0) != 0 ||
      xrt.xrtBOSync(x->data_bo, XCL_BO_SYNC_BO_TO_DEVICE, prog->data_size, 0) != 0)
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: copying the program and data to the device "
                         "failed (%s)", strerror(errno ? errno : EIO));
  /* scalars in their declared C type (ulong): varargs need the exact width */
  xrtRunHandle run = xrt.xrtKernelRun(x->kernel, x->prog_bo, (uint64_t)prog->size, x->data_bo,
                                  (uint64_t)prog->data_size);
  if (run == NULL)
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: starting the kernel failed (%s)",
                         strerror(errno ? errno : EIO));
  const enum ert_cmd_state st = wait_run(x, run, timeout_ms);
  if (st != ERT_CMD_STATE_COMPLETED) {
    read_status(x, res);
    char regs[300] = "registers not readable in this mode";
    const hta_status sr = hta_status_of(res->status);
    if (x->regs)
      snprintf(regs, sizeof regs,
               "layer descriptor %u (%u done): STATUS 0x%08x (code %u %s, busy %u), "
               "ERR_INFO 0x%x, ERR_ADDR 0x%llx, CYCLES %llu",
               sr.layer, res->layers_done, res->status, sr.code, hta_engine_error_name(sr.code),
               sr.busy, res->err_info, (unsigned long long)res->err_addr,
               (unsigned long long)res->cycles);
    /* a finished wait with another state is an XRT error, not a timeout */
    const int timed_out = st == ERT_CMD_STATE_NEW || st == ERT_CMD_STATE_QUEUED ||
                          st == ERT_CMD_STATE_RUNNING || st == ERT_CMD_STATE_SUBMITTED;
    if (timed_out)
      x->pending = run; /* still XRT's: settled before the next run or close */
    else
      xrt.xrtRunClose(run);
    return hta_dev_error(dev, timed_out ? HTA_ERROR_TIMEOUT : HTA_ERROR_IO,
                         "xrt: %s (run state %d) after %u ms: %s",
                         timed_out ? "timeout: no ap_done" : "the run failed", (int)st,
                         timeout_ms, regs);
  }
  xrt.xrtRunClose(run);
  if (x->noop)
    return hta_dev_error(dev, HTA_ERROR_UNSUPPORTED,
                         "xrt: XCL_EMULATION_MODE=noop runs no kernel: buffers, run and wait "
                         "went through XRT, but there are no results (use hw_emu or a card)");
  if (xrt.xrtBOSync(x->data_bo, XCL_BO_SYNC_BO_FROM_DEVICE, prog->data_size, 0) != 0 ||
      xrt.xrtBORead(x->data_bo, data, prog->data_size, 0) != 0)
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: copying the results from the device failed "
                         "(%s)", strerror(errno ? errno : EIO));
  read_status(x, res);
  if (x->regs && res->desc_cycles &&
      hta_engine_read_log(regs_read, regs_write, x, prog->n_desc, dev->hw->log_depth,
                          res->desc_cycles) != 0)
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: reading the per-layer cycle log failed");
  if (hta_status_of(res->status).code != HTA_ENGINE_OK) return hta_engine_error(dev, "xrt", res);
  return HTA_SUCCESS;
}

const hta_backend hta_backend_xrt = {
    .scheme = "xrt",
    .description = "XRT device N with an HTA xclbin (xrt:N[:xclbin=PATH], default "
                   "$HTA_XCLBIN); an emulation xclbin from `hta xclbin --emu` runs the RTL "
                   "under XRT's hw_emu",
    .has_cycles = 1,
    .open = xrt_open,
    .close = xrt_close,
    .run = xrt_run,
};
