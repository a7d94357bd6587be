/* zipr.c - see zipr.h. Layout (PKWARE APPNOTE): the end of central directory
 * record (EOCD, last 22 bytes + comment) points to the central directory;
 * each of its entries gives a member's method, sizes and local header offset;
 * the data follows the local header and its own name and extra fields. */
#include "zipr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util.h"

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)


static int inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return -1;
  z.next_in = (Bytef *)(uintptr_t)in; /* zlib's API is not const-correct */
  z.avail_in = (uInt)in_len;
  z.next_out = out;
  z.avail_out = (uInt)out_len;
  const int rc = inflate(&z, Z_FINISH);
  const size_t got = z.total_out;
  inflateEnd(&z);
  return rc == Z_STREAM_END && got == out_len ? 0 : -1;
}

int zipr_extract(const uint8_t *zip, size_t len, const char *name, size_t max, uint8_t **out,
                 size_t *size, char *err, size_t errlen) {
  *out = NULL;
  *size = 0;
  if (len < 22) return FAIL("not a zip archive (too short)");
  size_t e = len - 22; /* the EOCD, searched back over a comment of up to 64 KiB */
  while (hta_ld_le32(zip + e) != 0x06054b50) {
    if (e == 0 || len - e > 22 + 65535) return FAIL("not a zip archive (no end record)");
    e--;
  }
  const uint32_t n = hta_ld_le16(zip + e + 10), cd_size = hta_ld_le32(zip + e + 12), cd_off = hta_ld_le32(zip + e + 16);
  if ((size_t)cd_off > e || (size_t)cd_size > e - cd_off)
    return FAIL("corrupt zip archive (central directory outside the file)");
  char names[300] = "";
  size_t p = cd_off;
  for (uint32_t i = 0; i < n; i++) {
    if (p + 46 > (size_t)cd_off + cd_size || hta_ld_le32(zip + p) != 0x02014b50)
      return FAIL("corrupt zip archive (central directory entry %u)", i);
    const uint32_t method = hta_ld_le16(zip + p + 10), csize = hta_ld_le32(zip + p + 20),
                   usize = hta_ld_le32(zip + p + 24), nlen = hta_ld_le16(zip + p + 28),
                   xlen = hta_ld_le16(zip + p + 30), clen = hta_ld_le16(zip + p + 32),
                   loff = hta_ld_le32(zip + p + 42), flags = hta_ld_le16(zip + p + 8);
    if (p + 46 + nlen > (size_t)cd_off + cd_size) return FAIL("corrupt zip archive (name)");
    const uint32_t crc = hta_ld_le32(zip + p + 16);
    const char *nm = (const char *)zip + p + 46;
    if (strlen(names) + nlen + 3 < sizeof names)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%.*s", i ? ", " : "",
               (int)nlen, nm);
    p += 46 + nlen + xlen + clen;
    if (strlen(name) != nlen || memcmp(nm, name, nlen) != 0) continue;
    if (flags & 1) return FAIL("zip member '%s' is encrypted", name);
    if (csize == 0xffffffffu || usize == 0xffffffffu || loff == 0xffffffffu)
      return FAIL("zip member '%s' needs zip64 (over 4 GiB); not supported", name);
    if (usize > max) return FAIL("zip member '%s' is %u bytes, more than %zu", name, usize, max);
    if ((size_t)loff + 30 > len || hta_ld_le32(zip + loff) != 0x04034b50)
      return FAIL("corrupt zip archive (local header of '%s')", name);
    const size_t data = (size_t)loff + 30 + hta_ld_le16(zip + loff + 26) + hta_ld_le16(zip + loff + 28);
    if (data > len || csize > len - data)
      return FAIL("corrupt zip archive ('%s' runs past the end)", name);
    if ((*out = malloc(usize ? usize : 1)) == NULL) return FAIL("out of memory");
    if (method == 0 && csize == usize) {
      memcpy(*out, zip + data, usize);
    } else if (method == 8) {
      if (inflate_raw(zip + data, csize, *out, usize)) {
        free(*out);
        *out = NULL;
        return FAIL("zip member '%s': corrupt deflate data", name);
      }
    } else {
      free(*out);
      *out = NULL;
      return FAIL("zip member '%s': compression method %u (only stored and deflate)", name,
                  method);
    }
    if (crc32(0L, *out, usize) != crc) {
      free(*out);
      *out = NULL;
      return FAIL("zip member '%s': CRC mismatch (corrupt archive)", name);
    }
    *size = usize;
    return 0;
  }
  snprintf(err, errlen, "no member '%s' (it has: %s)", name, names[0] ? names : "none");
  return 1;
}
