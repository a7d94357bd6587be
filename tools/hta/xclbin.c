/* xclbin.c - see xclbin.h. */
#define _POSIX_C_SOURCE 200809L
#include "xclbin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xclbin.h> /* XRT's axlf structures (-I/usr/include/xrt) */

#include "hta_cfg.h"
#include "hta_regs.h"
#include "zipw.h"

#define CU_BASE UINT64_C(0x1800000) /* control base of the instance (any aligned value) */
#define CU_RANGE 0x1000u            /* s_axi_control has 12 address bits */
#define MAX_DEVICE_BIN (UINT64_C(256) << 20)

void xclbin_default_spec(xclbin_spec *s) {
  memset(s, 0, sizeof *s);
  s->kernel_name = "hta_top";
  s->platform = "hta_emu_platform";
  s->regmap_version = HTA_REGMAP_VERSION;
  s->cfg_signature = HTA_CFG_SIGNATURE;
  s->mem_base = UINT64_C(0x400000000);
  s->mem_size = UINT64_C(256) << 20;
}

static int err_out(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return -1;
}

/* The kernel XML as XRT reads it from EMBEDDED_METADATA
 * (project.platform.device.core.kernel). Argument offsets come from
 * hta_regs.h, generated from hw/config/regmap.cfg. Arguments in the order of
 * the register map: prog, prog_size, data, data_size. */
static char *kernel_xml(const xclbin_spec *s, int emu) {
  const char *fmt =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<project name=\"%s\">\n"
      "  <platform vendor=\"hta\" boardid=\"%s\" name=\"%s\" featureRomTime=\"0\">\n"
      "    <version major=\"1\" minor=\"0\"/>\n"
      "    <device name=\"fpga0\" fpgaDevice=\"\" addrWidth=\"%d\">\n"
      "      <core name=\"OCL_REGION_0\" target=\"%s\" type=\"clc_region\" "
      "clockFreq=\"300MHz\" numComputeUnits=\"1\">\n"
      "        <kernel name=\"%s\" language=\"ip\" vlnv=\"hta:kernel:%s:1.0\" "
      "preferredWorkGroupSizeMultiple=\"0\" workGroupSize=\"1\" interrupt=\"true\" "
      "hwControlProtocol=\"ap_ctrl_hs\">\n"
      "          <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x%X\" dataWidth=\"32\" "
      "portType=\"addressable\" base=\"0x0\"/>\n"
      "          <port name=\"M_AXI_GMEM\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" "
      "dataWidth=\"%d\" portType=\"addressable\" base=\"0x0\"/>\n"
      "          <arg name=\"prog\" addressQualifier=\"1\" id=\"0\" port=\"M_AXI_GMEM\" "
      "size=\"0x8\" offset=\"0x%X\" hostOffset=\"0x0\" hostSize=\"0x8\" type=\"void*\"/>\n"
      "          <arg name=\"prog_size\" addressQualifier=\"0\" id=\"1\" port=\"S_AXI_CONTROL\" "
      "size=\"0x8\" offset=\"0x%X\" hostOffset=\"0x0\" hostSize=\"0x8\" type=\"uint64_t\"/>\n"
      "          <arg name=\"data\" addressQualifier=\"1\" id=\"2\" port=\"M_AXI_GMEM\" "
      "size=\"0x8\" offset=\"0x%X\" hostOffset=\"0x0\" hostSize=\"0x8\" type=\"void*\"/>\n"
      "          <arg name=\"data_size\" addressQualifier=\"0\" id=\"3\" port=\"S_AXI_CONTROL\" "
      "size=\"0x8\" offset=\"0x%X\" hostOffset=\"0x0\" hostSize=\"0x8\" type=\"uint64_t\"/>\n"
      "          <instance name=\"%s_1\">\n"
      "            <addrRemap base=\"0x%llX\" range=\"0x%X\" port=\"S_AXI_CONTROL\"/>\n"
      "          </instance>\n"
      "        </kernel>\n"
      "      </core>\n"
      "    </device>\n"
      "  </platform>\n"
      "</project>\n";
  const char *k = s->kernel_name;
  int n = snprintf(NULL, 0, fmt, k, s->platform, s->platform, HTA_CFG_ADDR_BITS,
                   emu ? "hw_em" : "bitstream", k, k, CU_RANGE, HTA_CFG_BUS_BITS,
                   HTA_REG_PROG_LO, HTA_REG_PROG_SIZE_LO, HTA_REG_DATA_LO,
                   HTA_REG_DATA_SIZE_LO, k, (unsigned long long)CU_BASE, CU_RANGE);
  char *x = malloc((size_t)n + 1);
  if (x)
    snprintf(x, (size_t)n + 1, fmt, k, s->platform, s->platform, HTA_CFG_ADDR_BITS,
             emu ? "hw_em" : "bitstream", k, k, CU_RANGE, HTA_CFG_BUS_BITS, HTA_REG_PROG_LO,
             HTA_REG_PROG_SIZE_LO, HTA_REG_DATA_LO, HTA_REG_DATA_SIZE_LO, k,
             (unsigned long long)CU_BASE, CU_RANGE);
  return x;
}

static uint8_t *read_file(const char *path, size_t *size, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    err_out(err, errlen, "cannot open the emulation device '%s': %s", path, strerror(errno));
    return NULL;
  }
  uint8_t *buf = NULL;
  long len = -1;
  if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
  if (len < 0 || (uint64_t)len > MAX_DEVICE_BIN || fseek(f, 0, SEEK_SET) != 0) {
    err_out(err, errlen, "'%s': not a regular file of at most 256 MiB", path);
  } else if ((buf = malloc((size_t)len + 1)) == NULL) {
    err_out(err, errlen, "out of memory");
  } else if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
    err_out(err, errlen, "cannot read '%s'", path);
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *size = (size_t)len;
  return buf;
}

/* The zip XRT's hw_emu shim unpacks: it starts behav_waveform/xsim/
 * launch_hw_emu.sh in that folder, which starts our device process with the
 * memory bank the metadata declares. */
static int emu_zip(const xclbin_spec *s, uint8_t **zip, size_t *zip_size, char *err,
                   size_t errlen) {
  size_t bin_size = 0;
  uint8_t *bin = read_file(s->emu_device, &bin_size, err, errlen);
  if (bin == NULL) return -1;
  char script[512];
  snprintf(script, sizeof script,
           "#!/bin/sh\n"
           "# Started by XRT's hw_emu shim (EMULATION_SOCKETID set) in this folder.\n"
           "exec \"$(dirname \"$0\")/hta_emu_device\" --mem-base 0x%llx --mem-size %llu\n",
           (unsigned long long)s->mem_base, (unsigned long long)s->mem_size);
  const zipw_entry e[] = {
      {"behav_waveform/xsim/launch_hw_emu.sh", (const uint8_t *)script, strlen(script), 0755},
      {"behav_waveform/xsim/hta_emu_device", bin, bin_size, 0755},
  };
  int rc = zipw_build(e, 2, zip, zip_size);
  free(bin);
  if (rc != 0) return err_out(err, errlen, "out of memory building the emulation zip");
  return 0;
}

typedef struct section {
  uint32_t kind;
  const char *name;
  const void *data;
  size_t size;
} section;

/* A UUID from the content (two FNV-1a hashes): the same input gives the same
 * file, and XRT tells different files apart. */
static void content_uuid(const section *sec, int n, unsigned char out[16]) {
  uint64_t h[2] = {UINT64_C(0xcbf29ce484222325), UINT64_C(0x84222325cbf29ce4)};
  for (int i = 0; i < n; i++)
    for (size_t j = 0; j < sec[i].size; j++)
      for (int k = 0; k < 2; k++)
        h[k] = (h[k] ^ ((const uint8_t *)sec[i].data)[j]) * UINT64_C(0x100000001b3);
  memcpy(out, h, 16);
  out[6] = (uint8_t)((out[6] & 0x0f) | 0x40); /* RFC 4122 layout */
  out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

int xclbin_write(const char *path, const xclbin_spec *s, char *err, size_t errlen) {
  if (strlen(s->kernel_name) == 0 || strlen(s->kernel_name) > 30 ||
      strlen(s->platform) >= 64)
    return err_out(err, errlen, "kernel name (1..30) or platform name (< 64) too long");
  const int emu = s->emu_device != NULL;

  /* IP_LAYOUT: one kernel instance, interrupt enabled, ap_ctrl_hs */
  struct ip_layout ip;
  memset(&ip, 0, sizeof ip);
  ip.m_count = 1;
  ip.m_ip_data[0].m_type = IP_KERNEL;
  ip.m_ip_data[0].properties = IP_INT_ENABLE_MASK | (AP_CTRL_HS << IP_CONTROL_SHIFT);
  ip.m_ip_data[0].m_base_address = CU_BASE;
  snprintf((char *)ip.m_ip_data[0].m_name, sizeof ip.m_ip_data[0].m_name, "%s:%s_1",
           s->kernel_name, s->kernel_name);

  /* MEM_TOPOLOGY: one DDR4 bank (size in KiB) */
  struct mem_topology mem;
  memset(&mem, 0, sizeof mem);
  mem.m_count = 1;
  mem.m_mem_data[0].m_type = MEM_DDR4;
  mem.m_mem_data[0].m_used = 1;
  mem.m_mem_data[0].m_size = s->mem_size >> 10;
  mem.m_mem_data[0].m_base_address = s->mem_base;
  strcpy((char *)mem.m_mem_data[0].m_tag, "bank0");

  /* CONNECTIVITY: arguments 0 (prog) and 2 (data) to bank 0 */
  unsigned char conn_buf[sizeof(struct connectivity) + sizeof(struct connection)];
  memset(conn_buf, 0, sizeof conn_buf);
  struct connectivity *conn = (struct connectivity *)conn_buf;
  conn->m_count = 2;
  conn->m_connection[0].arg_index = 0;
  conn->m_connection[1].arg_index = 2;

  char meta[128];
  snprintf(meta, sizeof meta, "hta-regmap-version=%u\nhta-cfg-signature=0x%08x\n",
           (unsigned)s->regmap_version, (unsigned)s->cfg_signature);

  char *xml = kernel_xml(s, emu);
  uint8_t *zip = NULL;
  size_t zip_size = 0;
  if (xml == NULL) return err_out(err, errlen, "out of memory");
  if (emu && emu_zip(s, &zip, &zip_size, err, errlen) != 0) {
    free(xml);
    return -1;
  }
  section sec[8];
  int n = 0;
  sec[n++] = (section){IP_LAYOUT, "ip_layout", &ip, sizeof ip};
  sec[n++] = (section){MEM_TOPOLOGY, "mem_topology", &mem, sizeof mem};
  sec[n++] = (section){CONNECTIVITY, "connectivity", conn_buf, sizeof conn_buf};
  /* xclbinutil adds the group views; XRT uses them when present */
  sec[n++] = (section){ASK_GROUP_TOPOLOGY, "group_topology", &mem, sizeof mem};
  sec[n++] = (section){ASK_GROUP_CONNECTIVITY, "group_connectivity", conn_buf, sizeof conn_buf};
  sec[n++] = (section){EMBEDDED_METADATA, "metadata", xml, strlen(xml)};
  sec[n++] = (section){USER_METADATA, "hta", meta, strlen(meta)};
  if (emu) sec[n++] = (section){BITSTREAM, "hw_emu", zip, zip_size};

  const size_t hdr = sizeof(struct axlf) + (size_t)(n - 1) * sizeof(struct axlf_section_header);
  size_t total = (hdr + 7) & ~(size_t)7;
  uint64_t offs[8];
  for (int i = 0; i < n; i++) {
    offs[i] = total;
    total += (sec[i].size + 7) & ~(size_t)7;
  }
  uint8_t *out = calloc(1, total);
  if (out == NULL) {
    free(xml);
    free(zip);
    return err_out(err, errlen, "out of memory");
  }
  struct axlf *a = (struct axlf *)out;
  memcpy(a->m_magic, "xclbin2", 8);
  a->m_signature_length = -1;
  memset(a->reserved, 0xff, sizeof a->reserved);
  memset(a->m_keyBlock, 0xff, sizeof a->m_keyBlock);
  a->m_header.m_length = total;
  a->m_header.m_versionMajor = 2;
  a->m_header.m_versionMinor = 13;
  a->m_header.m_mode = emu ? XCLBIN_HW_EMU : XCLBIN_FLAT;
  strcpy((char *)a->m_header.m_platformVBNV, s->platform);
  a->m_header.m_numSections = (uint32_t)n;
  content_uuid(sec, n, a->m_header.uuid);
  memcpy(&a->m_uniqueId, a->m_header.uuid, sizeof a->m_uniqueId);
  for (int i = 0; i < n; i++) {
    struct axlf_section_header *h = &a->m_sections[i];
    h->m_sectionKind = sec[i].kind;
    snprintf(h->m_sectionName, sizeof h->m_sectionName, "%s", sec[i].name);
    h->m_sectionOffset = offs[i];
    h->m_sectionSize = sec[i].size;
    memcpy(out + offs[i], sec[i].data, sec[i].size);
  }
  free(xml);
  free(zip);
  FILE *f = fopen(path, "wb");
  int rc = 0;
  if (f == NULL) {
    rc = err_out(err, errlen, "cannot create '%s': %s", path, strerror(errno));
  } else {
    if (fwrite(out, 1, total, f) != total) rc = err_out(err, errlen, "cannot write '%s'", path);
    if (fclose(f) != 0 && rc == 0) rc = err_out(err, errlen, "cannot write '%s'", path);
  }
  free(out);
  return rc;
}
