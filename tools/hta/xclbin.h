/*
 * xclbin.h - write an xclbin (XRT's axlf container, /usr/include/xrt/xclbin.h)
 * for the HTA kernel with our own code: Debian's xclbinutil is a wrapper
 * whose real binary is not shipped.
 *
 * Sections: IP_LAYOUT (one ap_ctrl_hs kernel instance), MEM_TOPOLOGY (one DDR
 * bank), CONNECTIVITY (the two pointer arguments to that bank), their GROUP_*
 * mirrors, EMBEDDED_METADATA (the kernel of bitstreams/alveo/kernel.xml, which
 * tools/gen generates from hw/config/regmap.cfg), USER_METADATA "hta" (register map
 * version and configuration signature, checked by the xrt backend before it
 * loads the file), and for hardware emulation a BITSTREAM holding a zip with
 * behav_waveform/xsim/launch_hw_emu.sh and our Verilator device process.
 */
#ifndef HTA_XCLBIN_H
#define HTA_XCLBIN_H

#include <stddef.h>
#include <stdint.h>

typedef struct xclbin_spec {
  const char *kernel_name;  /* "hta_top", the RTL top, as bitstreams/alveo packages it
                               (tests write other names on purpose) */
  const char *platform;     /* platform VBNV, e.g. HTA_EMU_PLATFORM */
  uint32_t regmap_version;  /* HTA_REGMAP_VERSION */
  uint32_t cfg_signature;   /* CFG_SIG of the engine (default: small's) */
  uint64_t mem_base;        /* DDR bank base and size (bytes) */
  uint64_t mem_size;
  const char *emu_device;   /* hw_emu: device process executable to embed; NULL: a
                               metadata-only xclbin (for noop runs and real shells) */
} xclbin_spec;

/* Defaults: kernel "hta_top", the emulation platform, this build's register map
 * and configuration, a 256 MiB bank at 0x400000000, no emulation. */
void xclbin_default_spec(xclbin_spec *s);

/* Write the xclbin to path. 0 ok; -1 with a message in err. */
int xclbin_write(const char *path, const xclbin_spec *s, char *err, size_t errlen);

#endif /* HTA_XCLBIN_H */
