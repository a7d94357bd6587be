/*
 * zipw.h - write a zip archive of stored (uncompressed) entries in memory.
 *
 * The hw_emu xclbin carries its simulator as a zip in the BITSTREAM section
 * (XRT 2.13 writes it out and runs `unzip -q` on it). Stored entries with a
 * CRC-32 are all unzip needs, and writing them takes less code than a
 * dependency on the zip tool.
 */
#ifndef HTA_ZIPW_H
#define HTA_ZIPW_H

#include <stddef.h>
#include <stdint.h>

typedef struct zipw_entry {
  const char *name;   /* path inside the archive, '/' separated */
  const uint8_t *data;
  size_t size;
  unsigned mode;      /* Unix permissions, e.g. 0755 (unzip restores them) */
} zipw_entry;

/* CRC-32 (IEEE 802.3, as zip uses it). */
uint32_t zipw_crc32(const uint8_t *p, size_t n);

/* Build the archive; *out is malloc'ed (free it). 0 ok, -1 out of memory or
 * an entry too large for a zip without zip64 (4 GiB). */
int zipw_build(const zipw_entry *e, int n, uint8_t **out, size_t *out_size);

#endif /* HTA_ZIPW_H */
