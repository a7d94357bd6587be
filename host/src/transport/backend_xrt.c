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
 * Several devices (xrt:0,1 in hta eval --jobs: one device per thread) each
 * load their own xclbin; the emulation environment is the process's, and
 * emulation shows HTA_XRT_EMU_DEVICES devices (default 1), each with a
 * device process of its own.
 *
 * One inference is the engine driver's (engine.h) over this transport: the
 * program and the data window are two buffer objects in the kernel's memory
 * bank, XRT starts the kernel with (prog, prog_size, data, data_size), the
 * wait is XRT's, and registers are read where the mode allows register
 * access (hardware, hw_emu; not noop).
 */
#define _GNU_SOURCE /* dladdr, nftw */
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
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
#include "engine.h"
#include "hta_hw_config.h"
#include "hta_regs.h"
#include "tempfiles.h"
#include "util.h"

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
  int env_user;  /* holds a reference to the process's environment (env, below) */
  unsigned long index; /* the device index */
  xrtRunHandle pending; /* a run that timed out and may still finish */
  xrtRunHandle run;     /* the run in progress */
  enum ert_cmd_state state; /* its state at the last wait */
  unsigned timeout_ms;  /* of this run */
  size_t err_size;      /* what failed last, for describe() */
  int err_arg, err_no;
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

/* XRT reads its environment, emconfig.json and xrt.ini once per process (the
 * hw_emu shim's xclProbe counts the devices once, at the first open), and
 * every device's run folder lies in it: so the environment is the process's,
 * made by the first device that needs it and removed when the last one
 * closes. Devices may open and close in threads of their own (hta eval
 * --jobs): `lock` serializes open and close around it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  char dir[256]; /* "" none */
  int users;     /* devices open on it */
  int set[5];    /* which of the variables below we set (they are ours to replace) */
} env;
static const char *const env_vars[5] = {"XILINX_XRT", "EMCONFIG_PATH", "SDACCEL_EM_RUN_DIR",
                                        "XRT_INI_PATH", "USER"};

/* A variable of env_vars: the user's value stays, ours is replaced. */
static void env_set(int i, const char *value) {
  if (getenv(env_vars[i]) != NULL && !env.set[i]) return;
  setenv(env_vars[i], value, 1);
  env.set[i] = 1;
}

/* How many devices XRT's hardware emulation shows: HTA_XRT_EMU_DEVICES
 * (emconfigutil's --nd), 1 to 16, default 1; 0 if the value is bad. */
#define MAX_EMU_DEVICES 16
static int emu_device_count(void) {
  const char *s = getenv("HTA_XRT_EMU_DEVICES");
  if (s == NULL || *s == '\0') return 1;
  char *end;
  errno = 0;
  const long n = strtol(s, &end, 10);
  return *end || errno || n < 1 || n > MAX_EMU_DEVICES ? 0 : (int)n;
}

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
static int xrt_env_setup(hta_device *dev, const char *vbnv, int emulation) {
  const int n_emu = emu_device_count();
  if (emulation && n_emu == 0)
    return hta_dev_error(dev, HTA_ERROR_INVALID_PARAM, "xrt: HTA_XRT_EMU_DEVICES='%s': the "
                         "number of emulated devices, 1 to %d", getenv("HTA_XRT_EMU_DEVICES"),
                         MAX_EMU_DEVICES);
  const char *tmp = getenv("TMPDIR");
  snprintf(env.dir, sizeof env.dir, "%s/hta-xrt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(env.dir) == NULL) {
    env.dir[0] = '\0';
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: cannot create a folder for XRT's emulation "
                         "environment: %s", strerror(errno));
  }
  hta_temp_created(env.dir, 1);
  char text[512], path[512], lib[256];
  int bad = 0;
  snprintf(text, sizeof text,
           "{\"Version\":{\"FileVersion\":\"2.0\"},\"Platform\":{\"Boards\":[{\"NumBoards\":"
           "\"1\",\"Devices\":[{\"Name\":\"%s\",\"NumDevices\":\"%d\"}]}]}}\n", vbnv, n_emu);
  if (emulation) {
    bad |= write_text(env.dir, "emconfig.json", text, 0);
    bad |= write_text(env.dir, "xrt.ini",
                      "[Emulation]\npacket_size=0x10000\nhta_rpc_buffer_padding=", PAD_KEY_BYTES);
  }
  snprintf(path, sizeof path, "%s/lib", env.dir);
  bad |= mkdir(path, 0700);
  if (!bad && xrt_lib_dir(lib, sizeof lib) == 0) {
    static const char *const shims[] = {"libxrt_hwemu.so.2", "libxrt_noop.so.2",
                                        "libxrt_swemu.so.2", "libxrt_core.so.2"};
    for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++) {
      char from[512], to[512];
      snprintf(from, sizeof from, "%s/%s", lib, shims[i]);
      snprintf(to, sizeof to, "%s/lib/%s", env.dir, shims[i]);
      bad |= symlink(from, to);
    }
  } else {
    bad = 1;
  }
  if (bad)
    return hta_dev_error(dev, HTA_ERROR_IO, "xrt: cannot write XRT's emulation environment "
                         "in %s", env.dir);
  env_set(0, env.dir); /* XILINX_XRT */
  if (!emulation) return HTA_SUCCESS;
  env_set(1, env.dir); /* EMCONFIG_PATH */
  /* XRT unpacks the device process into .run/ next to the executable unless
   * told otherwise, which fails for an installed hta and piles up */
  env_set(2, env.dir); /* SDACCEL_EM_RUN_DIR */
  snprintf(path, sizeof path, "%s/xrt.ini", env.dir);
  env_set(3, path); /* XRT_INI_PATH */
  if (getenv("USER") == NULL) { /* names XRT's socket folder /tmp/$USER */
    struct passwd *pw = getpwuid(getuid());
    env_set(4, pw && pw->pw_name ? pw->pw_name : "hta");
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
 * folder with the unpacked device processes, too), so all of it goes, when
 * the last device on it closes. */
static void xrt_env_release(xrt_dev *x) {
  if (!x->env_user) return;
  x->env_user = 0;
  if (--env.users > 0 || env.dir[0] == '\0') return;
  nftw(env.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  hta_temp_removed(env.dir);
  env.dir[0] = '\0';
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

/* This device's two (another device of the process may still be open). */
static void remove_emu_sockets(unsigned long index) {
  char path[2][256];
  emu_socket_paths(index, path[0], path[1]);
  for (int i = 0; i < 2; i++) {
    struct stat sb;
    if (lstat(path[i], &sb) == 0 && S_ISSOCK(sb.st_mode)) unlink(path[i]);
    hta_temp_removed(path[i]);
  }
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
  pthread_mutex_lock(&lock);
  if (x->emu) remove_emu_sockets(x->index);
  xrt_env_release(x);
  pthread_mutex_unlock(&lock);
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

/* The process's environment (made by the first device), then XRT's device
 * `x->index`, refused when XRT does not have it. Called with `lock` held. */
static int open_device(hta_device *dev, xrt_dev *x, const xclbin_info *info, const char *mode) {
  if (mode || getenv("XILINX_XRT") == NULL || env.set[0]) {
    const int rc = env.users ? HTA_SUCCESS : xrt_env_setup(dev, info->vbnv, mode != NULL);
    env.users++; /* counted even after a failure: close removes what was made */
    x->env_user = 1;
    if (rc != HTA_SUCCESS) return rc;
  }
  if (x->emu) { /* XRT's sockets, for a signal handler (hta_set_temp_hook) */
    char a[256], b[256];
    emu_socket_paths(x->index, a, b);
    hta_temp_created(a, 0);
    hta_temp_created(b, 0);
  }
  x->dev = xrt.xrtDeviceOpen((unsigned)x->index);
  if (x->dev == NULL)
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                         "xrt: no XRT device %lu (%s; is the card's driver loaded? for "
                         "emulation, an xclbin from `hta xclbin --emu` sets it up)",
                         x->index, strerror(errno ? errno : ENODEV));
  /* counted once XRT has loaded its shim (by the open above) */
  const long n_dev = xrt_device_count();
  if (n_dev >= 0 && x->index >= (unsigned long)n_dev) {
    char range[48] = "";
    if (n_dev > 0) snprintf(range, sizeof range, " (index 0..%ld)", n_dev - 1);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "xrt: no XRT device %lu: XRT sees %ld "
                         "device%s%s%s", x->index, n_dev, n_dev == 1 ? "" : "s", range,
                         x->emu ? "; XRT's hardware emulation shows HTA_XRT_EMU_DEVICES "
                                  "devices, 1 to 16, default 1, read at the process's first "
                                  "open" : "");
  }
  return HTA_SUCCESS;
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
  pthread_mutex_lock(&lock); /* the environment is the process's */
  const char *mode = getenv("XCL_EMULATION_MODE");
  if (info.emu && mode == NULL) {
    setenv("XCL_EMULATION_MODE", "hw_emu", 1);
    mode = "hw_emu";
  }
  x->noop = mode && strcmp(mode, "noop") == 0;
  x->emu = mode && strcmp(mode, "hw_emu") == 0;
  x->index = index;
  if (x->emu && !info.emu)
    rc = hta_dev_error(dev, HTA_ERROR_UNSUPPORTED, "xrt: XCL_EMULATION_MODE=hw_emu but '%s' "
                       "is no emulation xclbin (write one with `hta xclbin --emu`)", xclbin);
  else
    rc = open_device(dev, x, &info, mode);
  pthread_mutex_unlock(&lock);
  if (rc != HTA_SUCCESS) return open_fail(dev, x, rc);
  /* XRT 2.13's hw_emu shim cannot load two xclbins at once: it unpacks and
   * chmods each device's folder through system() while another load runs,
   * and one of them fails ("chmod -R 777 .../device1/binary_0 ... error code
   * 32512", in 1 of 3 tries): under emulation the loads go one at a time */
  if (x->emu) pthread_mutex_lock(&lock);
  const int loaded = xrt.xrtDeviceLoadXclbinFile(x->dev, xclbin) == 0;
  const int load_errno = errno;
  if (x->emu) pthread_mutex_unlock(&lock);
  if (!loaded)
    return open_fail(dev, x, hta_dev_error(dev, HTA_ERROR_IO,
                     "xrt: XRT could not load the xclbin '%s' (%s; XRT's own message is "
                     "above)", xclbin, strerror(load_errno ? load_errno : EIO)));
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

/* ---- the transport under the engine driver (engine.h) ---- */

/* Wait for a run, at most timeout_ms. XRT 2.13's hw_emu shim implements the
 * wait by sleeping for the whole timeout (xclExecWait), so under emulation
 * the state is polled every millisecond instead. */
static enum ert_cmd_state wait_run(xrt_dev *x, xrtRunHandle run, unsigned timeout_ms) {
  if (!x->emu) return xrt.xrtRunWaitFor(run, timeout_ms);
  const double t0 = hta_now_ms();
  const struct timespec ms = {0, 1000000};
  for (;;) {
    const enum ert_cmd_state st = xrt.xrtRunState(run);
    if (st >= ERT_CMD_STATE_COMPLETED || hta_now_ms() - t0 >= timeout_ms) return st;
    nanosleep(&ms, NULL);
  }
}

/* Its own codes (describe() words them; errno is kept from the failing call). */
enum { XE_BUSY = 1000, XE_ALLOC, XE_COPY_IN, XE_COPY_OUT, XE_START, XE_RUN, XE_NOOP, XE_REG };

/* A buffer object of at least size bytes in the bank of kernel argument arg. */
static int ensure_bo(xrt_dev *x, xrtBufferHandle *bo, size_t *cap, size_t size, int arg) {
  if (*bo && *cap >= size) return 0;
  if (*bo) xrt.xrtBOFree(*bo);
  *cap = 0;
  const size_t want = (size + 4095) & ~(size_t)4095;
  *bo = xrt.xrtBOAlloc(x->dev, want, XRT_BO_FLAGS_NONE,
                       (xrtMemoryGroup)xrt.xrtKernelArgGroupId(x->kernel, arg));
  if (*bo == NULL) {
    x->err_size = want;
    x->err_arg = arg;
    x->err_no = errno ? errno : ENOMEM;
    return XE_ALLOC;
  }
  *cap = want;
  return 0;
}

/* The two windows are two buffer objects (arguments 0 and 2); their
 * "addresses" for the driver are the window numbers. */
static int t_place(void *ctx, size_t prog_size, size_t data_size, uint64_t *prog_addr,
                   uint64_t *data_addr) {
  xrt_dev *x = ctx;
  if (settle_pending(x, x->timeout_ms) != 0) return XE_BUSY; /* the earlier run goes first */
  int rc = ensure_bo(x, &x->prog_bo, &x->prog_cap, prog_size, 0);
  if (!rc) rc = ensure_bo(x, &x->data_bo, &x->data_cap, data_size, 2);
  *prog_addr = 0;
  *data_addr = 1;
  return rc;
}

/* Copy a whole window to the device's buffer object (from `in`) or from it
 * (to `out`). */
static int bo_copy(xrt_dev *x, uint64_t win, const uint8_t *in, uint8_t *out, size_t n) {
  xrtBufferHandle bo = win ? x->data_bo : x->prog_bo;
  const int ok = in ? xrt.xrtBOWrite(bo, in, n, 0) == 0 &&
                          xrt.xrtBOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, n, 0) == 0
                    : xrt.xrtBOSync(bo, XCL_BO_SYNC_BO_FROM_DEVICE, n, 0) == 0 &&
                          xrt.xrtBORead(bo, out, n, 0) == 0;
  if (ok) return 0;
  x->err_no = errno ? errno : EIO;
  return in ? XE_COPY_IN : XE_COPY_OUT;
}
static int t_mem_write(void *x, uint64_t win, const uint8_t *buf, size_t n) {
  return bo_copy(x, win, buf, NULL, n);
}
static int t_mem_read(void *x, uint64_t win, uint8_t *buf, size_t n) {
  return bo_copy(x, win, NULL, buf, n);
}

static int t_reg_read(void *x, uint32_t off, uint32_t *v) {
  return reg_read(x, off, v) ? XE_REG : 0;
}

static int t_reg_write(void *ctx, uint32_t off, uint32_t v) {
  xrt_dev *x = ctx;
  return xrt.xrtKernelWriteRegister(x->kernel, off, v) == 0 ? 0 : XE_REG;
}

/* XRT writes the arguments and starts the kernel; scalars in their declared
 * C type (ulong): varargs need the exact width. */
static int t_start(void *ctx, uint64_t prog, uint64_t prog_size, uint64_t data,
                   uint64_t data_size) {
  (void)prog, (void)data;
  xrt_dev *x = ctx;
  x->run = xrt.xrtKernelRun(x->kernel, x->prog_bo, prog_size, x->data_bo, data_size);
  if (x->run != NULL) return 0;
  x->err_no = errno ? errno : EIO;
  return XE_START;
}

static int t_wait(void *ctx, unsigned slice_ms, uint64_t *progress) {
  xrt_dev *x = ctx;
  *progress = 0;
  x->state = wait_run(x, x->run, slice_ms);
  if (x->state == ERT_CMD_STATE_COMPLETED) {
    xrt.xrtRunClose(x->run);
    x->run = NULL;
    return HTA_WAIT_DONE;
  }
  const int running = x->state == ERT_CMD_STATE_NEW || x->state == ERT_CMD_STATE_QUEUED ||
                      x->state == ERT_CMD_STATE_RUNNING || x->state == ERT_CMD_STATE_SUBMITTED;
  return running ? HTA_WAIT_NOT_YET : XE_RUN;
}

/* A run that timed out stays XRT's (settled before the next run or close). */
static void t_recover(void *ctx, int timed_out, char *note, size_t n) {
  xrt_dev *x = ctx;
  snprintf(note, n, " (run state %d)", (int)x->state);
  if (timed_out)
    x->pending = x->run;
  else
    xrt.xrtRunClose(x->run);
  x->run = NULL;
}

static int t_check(void *ctx) { return ((xrt_dev *)ctx)->noop ? XE_NOOP : 0; }

static int t_describe(void *ctx, int code, const char *doing, char *msg, size_t n) {
  xrt_dev *x = ctx;
  const char *why = strerror(x->err_no ? x->err_no : EIO);
  switch (code) {
    case XE_BUSY:
      snprintf(msg, n, "the run that timed out before is still running on the device after %u "
               "ms more", x->timeout_ms);
      return HTA_ERROR_BUSY;
    case XE_ALLOC:
      snprintf(msg, n, "cannot allocate a %zu-byte buffer in the device memory of argument %d "
               "(%s)", x->err_size, x->err_arg, why);
      return HTA_ERROR_NO_MEM;
    case XE_RUN:
      snprintf(msg, n, "the run failed while %s", doing); /* recover() adds the state */
      return HTA_ERROR_IO;
    case XE_NOOP:
      snprintf(msg, n, "XCL_EMULATION_MODE=noop runs no kernel: buffers, run and wait went "
               "through XRT, but there are no results (use hw_emu or a card)");
      return HTA_ERROR_UNSUPPORTED;
    default:
      snprintf(msg, n, "%s failed (%s)", doing, code == XE_REG ? "register access" : why);
      return HTA_ERROR_IO;
  }
}

static int xrt_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  (void)layers;
  (void)n;
  xrt_dev *x = dev->priv;
  x->timeout_ms = timeout_ms;
  const hta_transport t = {.name = "xrt", .ctx = x, .regs_readable = x->regs,
                           .reg_read = t_reg_read, .reg_write = t_reg_write,
                           .mem_write = t_mem_write, .mem_read = t_mem_read, .wait = t_wait,
                           .place = t_place, .start = t_start, .start_sets_args = 1,
                           .check = t_check, .recover = t_recover, .describe = t_describe};
  return hta_engine_run_device(dev, &t, prog, data, timeout_ms, res);
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
