/*
 * image.h - decode a PNG or JPEG file in memory (libpng, libjpeg-turbo) to
 * 8-bit pixels, gray or RGB, rows top to bottom: for `hta eval` on image
 * folders. The format is recognised by its magic bytes, not the file name.
 */
#ifndef HTA_IMAGE_H
#define HTA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct image {
  int w, h, c;   /* c = 1 (gray) or 3 (RGB) */
  uint8_t *px;   /* h * w * c bytes, malloc'd; image_free */
} image;

/* channels: 1 or 3, what the caller wants (gray is averaged from RGB with
 * the ITU-R BT.601 weights, RGB repeats gray). Images wider or higher than
 * max_side are refused (bounded memory). 0, or -1 with a message. */
int image_decode(const uint8_t *buf, size_t len, int channels, int max_side, image *im,
                 char *err, size_t errlen);
void image_free(image *im);

/* Bilinear resize (half-pixel centres, as PIL and torchvision do) of im to
 * w x h into dst (floats 0..255, h * w * im->c). */
void image_resize(const image *im, int w, int h, float *dst);

#endif /* HTA_IMAGE_H */
