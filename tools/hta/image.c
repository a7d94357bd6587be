/* image.c - see image.h. */
#include "image.h"

#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)

void image_free(image *im) {
  free(im->px);
  im->px = NULL;
}

static int decode_png(const uint8_t *buf, size_t len, int channels, int max_side, image *im,
                      char *err, size_t errlen) {
  png_image p;
  memset(&p, 0, sizeof p);
  p.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&p, buf, len))
    return FAIL("PNG: %s", p.message);
  if ((int)p.width > max_side || (int)p.height > max_side) {
    png_image_free(&p);
    return FAIL("PNG of %ux%u is larger than %dx%d", p.width, p.height, max_side, max_side);
  }
  p.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  im->w = (int)p.width;
  im->h = (int)p.height;
  im->c = channels;
  if ((im->px = malloc(PNG_IMAGE_SIZE(p))) == NULL) {
    png_image_free(&p);
    return FAIL("out of memory");
  }
  if (!png_image_finish_read(&p, NULL, im->px, 0, NULL)) {
    image_free(im);
    return FAIL("PNG: %s", p.message);
  }
  return 0;
}

/* libjpeg reports errors through a callback that must not return. */
typedef struct jerr {
  struct jpeg_error_mgr mgr;
  jmp_buf jb;
  char msg[JMSG_LENGTH_MAX];
} jerr;

static void jpeg_fail(j_common_ptr c) {
  jerr *e = (jerr *)c->err;
  (*c->err->format_message)(c, e->msg);
  longjmp(e->jb, 1);
}

static int decode_jpeg(const uint8_t *buf, size_t len, int channels, int max_side, image *im,
                       char *err, size_t errlen) {
  struct jpeg_decompress_struct d;
  jerr e;
  d.err = jpeg_std_error(&e.mgr);
  e.mgr.error_exit = jpeg_fail;
  im->px = NULL;
  if (setjmp(e.jb)) {
    jpeg_destroy_decompress(&d);
    image_free(im);
    return FAIL("JPEG: %s", e.msg);
  }
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, buf, (unsigned long)len);
  jpeg_read_header(&d, TRUE);
  d.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  if ((int)d.image_width > max_side || (int)d.image_height > max_side) {
    snprintf(err, errlen, "JPEG of %ux%u is larger than %dx%d", d.image_width, d.image_height,
             max_side, max_side);
    jpeg_destroy_decompress(&d);
    return -1;
  }
  jpeg_start_decompress(&d);
  im->w = (int)d.output_width;
  im->h = (int)d.output_height;
  im->c = channels;
  if ((int)d.output_components != channels ||
      (im->px = malloc((size_t)im->w * im->h * channels)) == NULL) {
    jpeg_destroy_decompress(&d);
    return FAIL("JPEG: %s", im->px ? "unexpected component count" : "out of memory");
  }
  while (d.output_scanline < d.output_height) {
    JSAMPROW row = im->px + (size_t)d.output_scanline * im->w * channels;
    jpeg_read_scanlines(&d, &row, 1);
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return 0;
}

int image_decode(const uint8_t *buf, size_t len, int channels, int max_side, image *im,
                 char *err, size_t errlen) {
  memset(im, 0, sizeof *im);
  if (channels != 1 && channels != 3) return FAIL("images have 1 or 3 channels, not %d",
                                                  channels);
  if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0)
    return decode_png(buf, len, channels, max_side, im, err, errlen);
  if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
    return decode_jpeg(buf, len, channels, max_side, im, err, errlen);
  return FAIL("not a PNG or JPEG file");
}

void image_resize(const image *im, int w, int h, float *dst) {
  const double sx = (double)im->w / w, sy = (double)im->h / h;
  for (int y = 0; y < h; y++) {
    double fy = (y + 0.5) * sy - 0.5;
    fy = fy < 0 ? 0 : fy > im->h - 1 ? im->h - 1 : fy;
    const int y0 = (int)fy, y1 = y0 + 1 < im->h ? y0 + 1 : y0;
    const double wy = fy - y0;
    for (int x = 0; x < w; x++) {
      double fx = (x + 0.5) * sx - 0.5;
      fx = fx < 0 ? 0 : fx > im->w - 1 ? im->w - 1 : fx;
      const int x0 = (int)fx, x1 = x0 + 1 < im->w ? x0 + 1 : x0;
      const double wx = fx - x0;
      for (int c = 0; c < im->c; c++) {
        const uint8_t *p = im->px;
        const size_t r0 = (size_t)y0 * im->w, r1 = (size_t)y1 * im->w;
        const double top = p[(r0 + x0) * im->c + c] * (1 - wx) + p[(r0 + x1) * im->c + c] * wx;
        const double bot = p[(r1 + x0) * im->c + c] * (1 - wx) + p[(r1 + x1) * im->c + c] * wx;
        dst[((size_t)y * w + x) * im->c + c] = (float)(top * (1 - wy) + bot * wy);
      }
    }
  }
}
