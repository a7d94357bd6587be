/*
 * zipr.h - read one member of a zip archive in memory (stored or deflated,
 * no zip64, no encryption): what numpy's .npz files are (np.savez stores,
 * np.savez_compressed deflates). Every offset and size is checked against
 * the archive, so a corrupt file is an error, never a read out of bounds.
 */
#ifndef HTA_ZIPR_H
#define HTA_ZIPR_H

#include <stddef.h>
#include <stdint.h>

/* The member called name: *out malloc'd, *size bytes. 1 if there is no such
 * member (err says which members there are), 0 on success, -1 with a
 * message on a corrupt archive, an unsupported method or a size above max. */
int zipr_extract(const uint8_t *zip, size_t len, const char *name, size_t max, uint8_t **out,
                 size_t *size, char *err, size_t errlen);

#endif /* HTA_ZIPR_H */
