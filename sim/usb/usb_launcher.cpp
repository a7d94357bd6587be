// usb_launcher.cpp - run a program unmodified against an emulated HTA USB
// board: a umockdev testbed with one vendor-class USB device whose usbdevfs
// ioctls are answered by usbdevfs_emu, and whose bulk endpoints carry the
// byte streams of a device model - the Verilator RTL of hw/usb/hta_usb_sys.sv
// (bridge + engine, --model rtl) or the C++ reference of the protocol's device
// side (--model ref, proto_ref_model.hpp).
//
//   usb_launcher [options] -- PROGRAM [ARGS...]
//
// The program runs with LD_PRELOAD=libumockdev-preload.so.0 and UMOCKDEV_DIR
// set, so its libusb sees /dev/bus/usb/001/002 and /sys of the testbed only.
// Exit status: the program's (128 + signal if it was killed; 124 if the
// launcher's --timeout killed it; 2 for a launcher error).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <umockdev.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "usbdevfs_emu.hpp"
// Built twice (sim/usb/usb.mk): with the RTL model, or with the reference
// model over libhtasim.a; two Verilated models do not link into one program.
#ifdef HTA_USB_HAVE_RTL
#include "usb_sys_model.hpp"
#else
#include "hta_sim.h"
#include "proto_ref_model.hpp"
#endif

namespace {

const char *kDevnode = "/dev/bus/usb/001/002";

void usage(FILE *f) {
  std::fprintf(f,
               "usage: usb_launcher [options] -- PROGRAM [ARGS...]\n"
               "  --model rtl|ref     what answers on the bulk endpoints: the Verilator RTL of\n"
               "                      hw/usb/hta_usb_sys.sv (default) or the C++ reference of\n"
               "                      the protocol's device side in front of the engine RTL\n"
               "  --vid HEX --pid HEX --serial TEXT   the device's identity (1209:0001 HTA0001)\n"
               "  --no-device         no USB device at all in the testbed\n"
               "  --deny-access       the device node is not accessible (0600, owned by root;\n"
               "                      the program runs as nobody if the launcher is root;\n"
               "                      mode 0 otherwise)\n"
               "  --vanish-after N    unplug the device after N bulk OUT bytes\n"
               "  --mute-after N      after N bulk OUT bytes, bulk IN URBs never complete\n"
               "  --corrupt-out K[+]  flip a byte in the K-th bulk OUT URB (+: and all later)\n"
               "  --corrupt-in K[+]   the same for bulk IN URBs\n"
               "  --slice N           clock cycles per reap while URBs wait (default 4096)\n"
               "  --timeout S         kill the program after S seconds (default 600)\n"
               "  --stats             print URB and model statistics to stderr at the end\n"
               "  --verbose           print unemulated ioctls\n");
}

bool parse_u64(const char *s, uint64_t *v, int base = 0) {
  char *end;
  if (!s || !*s) return false;
  *v = std::strtoull(s, &end, base);
  return *end == '\0';
}

bool parse_nth(const char *s, uint64_t *n, bool *all) {
  std::string t(s ? s : "");
  *all = !t.empty() && t.back() == '+';
  if (*all) t.pop_back();
  return parse_u64(t.c_str(), n) && *n > 0;
}

struct Options {
#ifdef HTA_USB_HAVE_RTL
  std::string model = "rtl";
#else
  std::string model = "ref";
#endif
  htausb::EmuConfig emu;
  bool no_device = false, deny = false, stats = false;
  unsigned timeout_s = 600;
  int argi = 0;
};

int parse_args(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t x = 0;
    bool all = false;
    if (a == "--") {
      o->argi = i + 1;
      return o->argi < argc ? 0 : -1;
    } else if (a == "--model" && v && (!std::strcmp(v, "rtl") || !std::strcmp(v, "ref"))) {
      o->model = v, ++i;
    } else if (a == "--vid" && parse_u64(v, &x, 16) && x <= 0xffff) {
      o->emu.vid = uint16_t(x), ++i;
    } else if (a == "--pid" && parse_u64(v, &x, 16) && x <= 0xffff) {
      o->emu.pid = uint16_t(x), ++i;
    } else if (a == "--serial" && v && *v) {
      o->emu.serial = v, ++i;
    } else if (a == "--no-device") {
      o->no_device = true;
    } else if (a == "--deny-access") {
      o->deny = true;
    } else if (a == "--vanish-after" && parse_u64(v, &x)) {
      o->emu.faults.vanish_after = x, ++i;
    } else if (a == "--mute-after" && parse_u64(v, &x)) {
      o->emu.faults.mute_after = x, ++i;
    } else if (a == "--corrupt-out" && parse_nth(v, &x, &all)) {
      o->emu.faults.corrupt_out = x, o->emu.faults.corrupt_out_all = all, ++i;
    } else if (a == "--corrupt-in" && parse_nth(v, &x, &all)) {
      o->emu.faults.corrupt_in = x, o->emu.faults.corrupt_in_all = all, ++i;
    } else if (a == "--slice" && parse_u64(v, &x) && x >= 1) {
      o->emu.slice_cycles = x, ++i;
    } else if (a == "--timeout" && parse_u64(v, &x) && x >= 1 && x < 86400) {
      o->timeout_s = unsigned(x), ++i;
    } else if (a == "--stats") {
      o->stats = true;
    } else if (a == "--verbose") {
      o->emu.verbose = true;
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "usb_launcher: bad argument '%s'%s\n", a.c_str(),
                   v ? "" : " (or its value is missing)");
      return -1;
    }
  }
  return -1;
}

// The engine's simulation: the same memory as the sim device (hta_sim.h's
// defaults), so programs land at the same addresses and take the same cycles.
// HTA_USB_TRACE names an FST waveform file for the RTL model.
#ifdef HTA_USB_HAVE_RTL
struct Device {
  std::unique_ptr<htausb::LinkModel> model;
};

bool make_device(const Options &o, Device *d, std::string *why) {
  if (o.model != "rtl") {
    *why = "this launcher holds the RTL model only; --model ref is usb_launcher_ref";
    return false;
  }
  try {
    const char *trace = std::getenv("HTA_USB_TRACE");
    d->model.reset(new htausb::UsbSysModel(trace && *trace ? trace : nullptr));
  } catch (const std::exception &e) {
    *why = e.what();
    return false;
  }
  return true;
}
#else
struct Device {
  hta_sim *sim = nullptr;
  std::unique_ptr<htausb::LinkModel> model;
  ~Device() {
    model.reset();
    if (sim) hta_sim_destroy(sim);
  }
};

bool make_device(const Options &o, Device *d, std::string *why) {
  if (o.model != "ref") {
    *why = "this launcher holds the reference model only (--model ref); the RTL is usb_launcher";
    return false;
  }
  char err[256] = "";
  d->sim = hta_sim_create(nullptr, err, sizeof err);
  if (!d->sim) {
    *why = err;
    return false;
  }
  d->model.reset(new htausb::ProtoRefModel(d->sim));
  return true;
}
#endif

pid_t spawn(char **argv, bool drop_to_nobody) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  std::string pre = "libumockdev-preload.so.0";
  if (const char *old = std::getenv("LD_PRELOAD"); old && *old) pre += std::string(":") + old;
  setenv("LD_PRELOAD", pre.c_str(), 1);
  // AddressSanitizer wants to be first in the link order; here the preload is.
  std::string asan = "verify_asan_link_order=0";
  if (const char *old = std::getenv("ASAN_OPTIONS"); old && *old) asan += std::string(":") + old;
  setenv("ASAN_OPTIONS", asan.c_str(), 1);
  if (drop_to_nobody && (setgid(65534) != 0 || setuid(65534) != 0)) {
    std::perror("usb_launcher: cannot become nobody");
    _exit(2);
  }
  execvp(argv[0], argv);
  std::fprintf(stderr, "usb_launcher: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

int wait_child(pid_t pid, unsigned timeout_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    int st = 0;
    const pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r < 0) return 2;
    if (std::chrono::steady_clock::now() >= end) {
      std::fprintf(stderr, "usb_launcher: %s still runs after %u s: killed\n", "the program",
                   timeout_s);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      return 124;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  if (parse_args(argc, argv, &o) != 0) {
    usage(stderr);
    return 2;
  }
  Device dev;
  std::unique_ptr<htausb::UsbdevfsEmu> emu;
  UMockdevTestbed *tb = umockdev_testbed_new();  // sets UMOCKDEV_DIR for the child
  UMockdevIoctlBase *handler = nullptr;
  if (!o.no_device) {
    std::string why;
    if (!make_device(o, &dev, &why)) {
      std::fprintf(stderr, "usb_launcher: cannot build the device model: %s\n", why.c_str());
      g_object_unref(tb);
      return 2;
    }
    emu.reset(new htausb::UsbdevfsEmu(*dev.model, o.emu));
    handler = umockdev_ioctl_base_new();
    g_signal_connect(handler, "handle-ioctl", G_CALLBACK(htausb::UsbdevfsEmu::on_ioctl),
                     emu.get());
    GError *err = nullptr;
    // The ioctl socket first, so the device is usable as soon as it appears.
    if (!umockdev_testbed_attach_ioctl(tb, kDevnode, handler, &err) ||
        !umockdev_testbed_add_from_string(
            tb, htausb::UsbdevfsEmu::sysfs_description(o.emu, kDevnode, 1, 2).c_str(), &err)) {
      std::fprintf(stderr, "usb_launcher: umockdev: %s\n", err ? err->message : "failed");
      g_clear_error(&err);
      g_object_unref(handler);
      g_object_unref(tb);
      return 2;
    }
  }
  const bool root = geteuid() == 0;
  if (o.deny && !o.no_device) {
    // The node as a board's node is without a udev rule: root's, mode 0600.
    gchar *root_dir = umockdev_testbed_get_root_dir(tb);
    const std::string node = std::string(root_dir) + kDevnode;
    // nobody must still use the rest of the testbed (libusb's udev monitor
    // binds a socket in it), so its folders are opened to everyone.
    if (root) {
      const std::string cmd = std::string("find '") + root_dir +
                              "' \\( -type d -o -type s \\) -exec chmod 0777 {} +";
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "usb_launcher: %s failed\n",
                                                      cmd.c_str());
    }
    // Not root: the program runs as this user, who owns the node, so mode 0
    // is what denies it.
    if (chmod(node.c_str(), root ? 0600 : 0) != 0)
      std::fprintf(stderr, "usb_launcher: chmod %s: %s\n", node.c_str(), std::strerror(errno));
    g_free(root_dir);
  }
  const pid_t pid = spawn(argv + o.argi, o.deny && root);
  const int status = pid < 0 ? 2 : wait_child(pid, o.timeout_s);
  if (emu) {
    emu->shut_down();
    const htausb::EmuStats s = emu->stats();
    if (o.stats)
      std::fprintf(stderr,
                   "usb_launcher: %llu OUT URBs (%llu bytes), %llu IN URBs (%llu bytes), %llu "
                   "control, %llu discarded, %llu corrupted, %llu empty reaps, model cycles "
                   "%llu%s%s%s\n",
                   (unsigned long long)s.out_urbs, (unsigned long long)s.out_bytes,
                   (unsigned long long)s.in_urbs, (unsigned long long)s.in_bytes,
                   (unsigned long long)s.ctrl_urbs, (unsigned long long)s.discarded,
                   (unsigned long long)s.corrupted, (unsigned long long)s.reap_empty,
                   (unsigned long long)dev.model->cycles(), s.vanished ? ", vanished" : "",
                   s.muted ? ", muted" : "", s.model_failed ? ", MODEL FAILED" : "");
    if (s.model_failed)
      std::fprintf(stderr, "usb_launcher: the device model failed: %s\n",
                   emu->model_error().c_str());
  }
  g_object_unref(tb);  // stops the worker thread and removes the testbed
  if (handler) g_object_unref(handler);
  return status;
}
