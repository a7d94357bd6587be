/* dataset.c - see dataset.h. */
#define _DEFAULT_SOURCE /* scandir, alphasort, DT_DIR */
#include "dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "files.h"
#include "image.h"
#include "npy.h"
#include "zipr.h"

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define SAY(...) snprintf(err, errlen, __VA_ARGS__) /* message only, rc set apart */

#define MAX_ARRAY_BYTES (4ull << 30) /* an .npz or .npy of the inputs */
#define MAX_IMAGE_BYTES (64u << 20)  /* one PNG/JPEG file */
#define MAX_IMAGE_SIDE 16384

static const char *const fmnist_names[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

void dataset_close(dataset *d) {
  for (int i = 0; d->class_names && i < d->n_classes; i++) free(d->class_names[i]);
  for (int i = 0; d->files && i < d->n; i++) free(d->files[i]);
  free(d->class_names);
  free(d->files);
  free(d->labels);
  free(d->u8);
  free(d->f32);
  memset(d, 0, sizeof *d);
}

static int set_names(dataset *d, int k, const char *const *names) {
  d->n_classes = k;
  if ((d->class_names = calloc((size_t)k, sizeof *d->class_names)) == NULL) return -1;
  for (int i = 0; i < k; i++) {
    char num[24];
    snprintf(num, sizeof num, "%d", i);
    if ((d->class_names[i] = strdup(names ? names[i] : num)) == NULL) return -1;
  }
  return 0;
}

/* ---- fashion-mnist: gzip'ed idx files ---- */

/* magic 0x803 (images: n, 28, 28) or 0x801 (labels: n); *data malloc'd. */
static int read_idx(const char *path, uint32_t magic, uint32_t dims[3], uint8_t **data,
                    char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return FAIL("cannot open '%s': %s (install the Debian package dataset-fashion-mnist)",
                path, errno ? strerror(errno) : "not a regular file");
  gzFile f = gzopen(path, "rb");
  if (f == NULL) return FAIL("cannot open '%s' (zlib)", path);
  const int nd = magic == 0x803 ? 3 : 1;
  uint8_t h[16];
  int rc = -1;
  *data = NULL;
  if (gzread(f, h, (unsigned)(4 + 4 * nd)) != 4 + 4 * nd) {
    SAY("'%s': truncated header", path);
    goto out;
  }
  uint32_t v[4];
  for (int i = 0; i <= nd; i++)
    v[i] = (uint32_t)h[4 * i] << 24 | (uint32_t)h[4 * i + 1] << 16 |
           (uint32_t)h[4 * i + 2] << 8 | h[4 * i + 3];
  if (v[0] != magic) {
    SAY("'%s': magic 0x%x, expected 0x%x (not an idx %s file)", path, v[0], magic,
         nd == 3 ? "image" : "label");
    goto out;
  }
  size_t total = 1;
  for (int i = 0; i < nd; i++) {
    dims[i] = v[i + 1];
    if (dims[i] == 0 || dims[i] > 1000000) {
      SAY("'%s': dimension %u is implausible", path, dims[i]);
      goto out;
    }
    total *= dims[i];
  }
  if ((*data = malloc(total)) == NULL) {
    SAY("out of memory");
    goto out;
  }
  size_t got = 0;
  while (got < total) {
    const unsigned chunk = total - got > (1u << 30) ? 1u << 30 : (unsigned)(total - got);
    const int r = gzread(f, *data + got, chunk);
    if (r <= 0) break;
    got += (size_t)r;
  }
  if (got != total) {
    SAY("'%s': truncated: %zu of %zu data bytes", path, got, total);
    goto out;
  }
  rc = 0;
out:
  if (rc) {
    free(*data);
    *data = NULL;
  }
  gzclose(f);
  return rc;
}

static int open_fmnist(dataset *d, char *err, size_t errlen) {
  const dataset_opts *o = &d->o;
  if (o->h != 28 || o->w != 28 || o->c != 1)
    return FAIL("fashion-mnist has 28x28x1 images; the model takes %dx%dx%d", o->h, o->w, o->c);
  char path[4096];
  uint32_t di[3], dl[3];
  uint8_t *lab;
  snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", o->fmnist_dir);
  if (read_idx(path, 0x803, di, &d->u8, err, errlen)) return -1;
  snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte.gz", o->fmnist_dir);
  if (read_idx(path, 0x801, dl, &lab, err, errlen)) return -1;
  int rc = 0;
  if (di[1] != 28 || di[2] != 28 || dl[0] != di[0]) {
    rc = FAIL("fashion-mnist: %u images of %ux%u and %u labels; expected N of 28x28 and N",
              di[0], di[1], di[2], dl[0]);
  } else if ((d->labels = malloc(sizeof *d->labels * di[0])) == NULL ||
             set_names(d, 10, fmnist_names)) {
    rc = FAIL("out of memory");
  } else {
    d->n = (int)di[0];
    for (uint32_t i = 0; i < di[0]; i++) d->labels[i] = lab[i];
  }
  free(lab);
  return rc;
}

/* ---- arrays: .npz, X.npy[:Y.npy] ---- */

/* Inputs array a into d->u8 or d->f32 as [n][h][w][c]. */
static int take_inputs(dataset *d, const npy_any *a, const char *what, char *err,
                       size_t errlen) {
  const dataset_opts *o = &d->o;
  const size_t px = (size_t)o->h * o->w * o->c;
  int nchw = 0;
  if (a->ndim == 4 && a->shape[1] == (size_t)o->h && a->shape[2] == (size_t)o->w &&
      a->shape[3] == (size_t)o->c) {
    nchw = 0;
  } else if (a->ndim == 4 && a->shape[1] == (size_t)o->c && a->shape[2] == (size_t)o->h &&
             a->shape[3] == (size_t)o->w) {
    nchw = 1;
  } else if (a->ndim == 3 && o->c == 1 && a->shape[1] == (size_t)o->h &&
             a->shape[2] == (size_t)o->w) {
    nchw = 0;
  } else {
    char s[120] = "";
    for (int i = 0; i < a->ndim; i++)
      snprintf(s + strlen(s), sizeof s - strlen(s), "%s%zu", i ? ", " : "", a->shape[i]);
    return FAIL("%s: shape (%s) does not hold inputs of the model's %dx%dx%d (expected "
                "[N, %d, %d, %d] or [N, %d, %d, %d])", what, s, o->h, o->w, o->c, o->h, o->w,
                o->c, o->c, o->h, o->w);
  }
  const size_t n = a->shape[0];
  if (n > 100000000) return FAIL("%s: %zu items", what, n);
  const int is_u8 = a->kind == 'u' && a->itemsize == 1;
  if (!is_u8 && a->kind != 'f')
    return FAIL("%s: dtype %c%zu: inputs are uint8 pixels or float inputs", what, a->kind,
                a->itemsize);
  const size_t count = n * px > 0 ? n * px : 1;
  if (is_u8 ? (d->u8 = malloc(count)) == NULL : (d->f32 = malloc(sizeof(float) * count)) == NULL)
    return FAIL("out of memory");
  for (size_t i = 0; i < n; i++)
    for (int y = 0; y < o->h; y++)
      for (int x = 0; x < o->w; x++)
        for (int c = 0; c < o->c; c++) {
          const size_t dst = i * px + ((size_t)y * o->w + x) * o->c + c;
          const size_t src = nchw ? i * px + ((size_t)c * o->h + y) * o->w + x : dst;
          if (is_u8) d->u8[dst] = a->data[src];
          else d->f32[dst] = (float)npy_any_get(a, src);
        }
  d->n = (int)n;
  return 0;
}

static int take_labels(dataset *d, const npy_any *a, const char *what, char *err,
                       size_t errlen) {
  if (!(a->ndim == 1 || (a->ndim == 2 && a->shape[1] == 1)) || a->shape[0] != (size_t)d->n)
    return FAIL("%s: labels must be [%d] (one per input), not %d-dimensional with %zu", what,
                d->n, a->ndim, a->ndim ? a->shape[0] : 0);
  if (a->kind == 'f') return FAIL("%s: labels are integers, not float", what);
  if ((d->labels = malloc(sizeof *d->labels * (d->n ? d->n : 1))) == NULL)
    return FAIL("out of memory");
  int k = 0;
  for (int i = 0; i < d->n; i++) {
    const double v = npy_any_get(a, (size_t)i);
    if (v < 0 || v >= DATASET_MAX_CLASSES)
      return FAIL("%s: label %g of item %d is not a class 0..%d", what, v, i,
                  DATASET_MAX_CLASSES - 1);
    d->labels[i] = (int32_t)v;
    if (d->labels[i] + 1 > k) k = d->labels[i] + 1;
  }
  return set_names(d, k, NULL) ? FAIL("out of memory") : 0;
}

static int parse_npy_file(const char *path, npy_any *a, char *err, size_t errlen) {
  uint8_t *buf;
  size_t len;
  if (read_file_bounded(path, MAX_ARRAY_BYTES, "4 GiB", &buf, &len, err, errlen)) return -1;
  char e2[400];
  const int rc = npy_parse_any(buf, len, a, e2, sizeof e2);
  free(buf);
  return rc ? FAIL("%s: %s", path, e2) : 0;
}

static int open_npy(dataset *d, const char *spec, char *err, size_t errlen) {
  char xpath[4096];
  snprintf(xpath, sizeof xpath, "%s", spec);
  char *colon = strstr(xpath, ".npy:");
  const char *ypath = NULL;
  if (colon) {
    colon[4] = '\0';
    ypath = colon + 5;
  }
  if (ypath == NULL)
    return FAIL("'%s': labels are needed too: --dataset X.npy:Y.npy (or an .npz with x and "
                "y)", spec);
  npy_any x, y;
  if (parse_npy_file(xpath, &x, err, errlen)) return -1;
  int rc = take_inputs(d, &x, xpath, err, errlen);
  npy_any_free(&x);
  if (rc || parse_npy_file(ypath, &y, err, errlen)) return -1;
  rc = take_labels(d, &y, ypath, err, errlen);
  npy_any_free(&y);
  return rc;
}

/* The first of names[] that the archive has, parsed. 1 if none. */
static int npz_member(const uint8_t *zip, size_t len, const char *path,
                      const char *const names[3], npy_any *a, char *err, size_t errlen) {
  char e2[600];
  for (int i = 0; i < 3; i++) {
    char member[32];
    uint8_t *buf;
    size_t n;
    snprintf(member, sizeof member, "%s.npy", names[i]);
    const int rc = zipr_extract(zip, len, member, MAX_ARRAY_BYTES, &buf, &n, e2, sizeof e2);
    if (rc == 1) continue;
    if (rc) return FAIL("%s: %s", path, e2);
    const int r2 = npy_parse_any(buf, n, a, e2, sizeof e2);
    free(buf);
    return r2 ? FAIL("%s: %s: %s", path, member, e2) : 0;
  }
  SAY("%s: has no array %s, %s or %s (%s)", path, names[0], names[1], names[2], e2);
  return 1;
}

static int open_npz(dataset *d, const char *path, char *err, size_t errlen) {
  static const char *const xs[3] = {"x", "images", "inputs"};
  static const char *const ys[3] = {"y", "labels", "targets"};
  uint8_t *zip;
  size_t len;
  if (read_file_bounded(path, MAX_ARRAY_BYTES, "4 GiB", &zip, &len, err, errlen)) return -1;
  npy_any x, y;
  int rc = npz_member(zip, len, path, xs, &x, err, errlen) ? -1 : 0;
  if (rc == 0) {
    char what[4200];
    snprintf(what, sizeof what, "%s (inputs)", path);
    rc = take_inputs(d, &x, what, err, errlen);
    npy_any_free(&x);
  }
  if (rc == 0) rc = npz_member(zip, len, path, ys, &y, err, errlen) ? -1 : 0;
  if (rc == 0) {
    char what[4200];
    snprintf(what, sizeof what, "%s (labels)", path);
    rc = take_labels(d, &y, what, err, errlen);
    npy_any_free(&y);
  }
  free(zip);
  return rc;
}

/* ---- image folders ---- */

static int is_image_name(const char *n) {
  const char *dot = strrchr(n, '.');
  return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") ||
                 !strcasecmp(dot, ".jpeg"));
}

static int not_hidden(const struct dirent *e) { return e->d_name[0] != '.'; }

static int open_folder(dataset *d, const char *dir, char *err, size_t errlen) {
  struct dirent **cls;
  const int nc = scandir(dir, &cls, not_hidden, alphasort);
  if (nc < 0) return FAIL("cannot read the folder '%s': %s", dir, strerror(errno));
  int rc = 0, cap = 0, k = 0;
  char path[4096];
  if ((d->class_names = calloc((size_t)(nc ? nc : 1), sizeof *d->class_names)) == NULL)
    rc = FAIL("out of memory");
  for (int c = 0; c < nc && rc == 0; c++) {
    snprintf(path, sizeof path, "%s/%s", dir, cls[c]->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) continue; /* files beside classes */
    struct dirent **fs;
    const int nf = scandir(path, &fs, not_hidden, alphasort);
    if (nf < 0) {
      rc = FAIL("cannot read the folder '%s': %s", path, strerror(errno));
      break;
    }
    if ((d->class_names[k] = strdup(cls[c]->d_name)) == NULL) rc = FAIL("out of memory");
    for (int f = 0; f < nf; f++) {
      if (rc == 0 && is_image_name(fs[f]->d_name) && (d->o.limit == 0 || d->n < d->o.limit)) {
        if (d->n == cap) {
          cap = cap ? 2 * cap : 1024;
          char **nfiles = realloc(d->files, sizeof *nfiles * (size_t)cap);
          int32_t *nlab = realloc(d->labels, sizeof *nlab * (size_t)cap);
          if (nfiles) d->files = nfiles;
          if (nlab) d->labels = nlab;
          if (!nfiles || !nlab) rc = FAIL("out of memory");
        }
        if (rc == 0) {
          char fp[4096 + 260];
          snprintf(fp, sizeof fp, "%s/%s", path, fs[f]->d_name);
          if ((d->files[d->n] = strdup(fp)) == NULL) rc = FAIL("out of memory");
          else d->labels[d->n++] = k;
        }
      }
      free(fs[f]);
    }
    free(fs);
    k++;
  }
  for (int c = 0; c < nc; c++) free(cls[c]);
  free(cls);
  d->n_classes = k;
  if (rc == 0 && k == 0)
    rc = FAIL("'%s' has no class subfolders (expected DIR/CLASS/IMAGE.png|jpg, one "
              "subfolder per class)", dir);
  if (rc == 0 && d->n == 0) rc = FAIL("'%s': no .png or .jpg images in its %d class folders",
                                      dir, k);
  return rc;
}

/* ---- the dataset ---- */

int dataset_open(const char *spec, const dataset_opts *o, dataset *d, char *err,
                 size_t errlen) {
  memset(d, 0, sizeof *d);
  d->o = *o;
  if (o->h <= 0 || o->w <= 0 || (o->c != 1 && o->c != 3))
    return FAIL("the model takes %dx%dx%d inputs; datasets of images give 1 or 3 channels",
                o->h, o->w, o->c);
  struct stat st;
  const size_t sl = strlen(spec);
  int rc;
  if (strcmp(spec, "fashion-mnist") == 0)
    rc = open_fmnist(d, err, errlen);
  else if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))
    rc = open_folder(d, spec, err, errlen);
  else if (sl > 4 && strcmp(spec + sl - 4, ".npz") == 0)
    rc = open_npz(d, spec, err, errlen);
  else if (strstr(spec, ".npy"))
    rc = open_npy(d, spec, err, errlen);
  else
    rc = FAIL("unknown dataset '%s' (fashion-mnist, an image folder DIR/CLASS/*.png|jpg, "
              "FILE.npz with x and y, or X.npy:Y.npy)", spec);
  if (rc) {
    dataset_close(d);
    return -1;
  }
  if (o->limit > 0 && d->n > o->limit) d->n = (int)o->limit;
  return 0;
}

int dataset_item(const dataset *d, int i, float *x, char *err, size_t errlen) {
  const dataset_opts *o = &d->o;
  const size_t px = (size_t)o->h * o->w * o->c;
  if (d->f32) {
    memcpy(x, d->f32 + px * i, sizeof *x * px);
    return 0;
  }
  if (d->u8) {
    for (size_t k = 0; k < px; k++) x[k] = d->u8[px * i + k];
  } else {
    uint8_t *buf;
    size_t len;
    image im;
    char e2[400];
    if (read_file_bounded(d->files[i], MAX_IMAGE_BYTES, "64 MiB", &buf, &len, err, errlen))
      return -1;
    const int rc = image_decode(buf, len, o->c, MAX_IMAGE_SIDE, &im, e2, sizeof e2);
    free(buf);
    if (rc) return FAIL("%s: %s", d->files[i], e2);
    image_resize(&im, o->w, o->h, x);
    image_free(&im);
  }
  for (size_t k = 0; k < px; k++) {
    const int c = (int)(k % (size_t)o->c);
    x[k] = (x[k] / 255.0f - o->mean[c]) / o->std[c];
  }
  return 0;
}
