/*
 * dataset.h - labelled inputs for `hta eval` (dataset.c), from:
 *   fashion-mnist    Debian's dataset-fashion-mnist test set (idx files);
 *   DIR              an image folder, one subfolder per class (as
 *                    torchvision's ImageFolder: classes in sorted order,
 *                    files sorted within each), PNG or JPEG, decoded,
 *                    resized (bilinear) to the model's input and converted
 *                    to its channel count;
 *   FILE.npz         arrays x (or images, inputs) and y (or labels, targets);
 *   X.npy[:Y.npy]    the same as two .npy files.
 * Array inputs are [N, H, W, C], [N, C, H, W] or [N, H, W] (one channel):
 * uint8 arrays are pixels, float arrays the model's real-valued inputs.
 * Pixels p (images, uint8 arrays, fashion-mnist) become the real input
 * (p / 255 - mean[c]) / std[c]; mean 0 and std 1 give p / 255, the
 * convention of HTA's importer and training tools. Labels are integers
 * 0 .. n_classes - 1.
 */
#ifndef HTA_DATASET_H
#define HTA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#define DATASET_MAX_CLASSES 100000

typedef struct dataset_opts {
  int h, w, c;              /* the model's input */
  float mean[3], std[3];    /* per channel (c = 1 uses [0]) */
  const char *fmnist_dir;   /* where fashion-mnist lives */
  long limit;               /* at most this many items (0: all) */
} dataset_opts;

typedef struct dataset {
  int n;                    /* items */
  int n_classes;
  char **class_names;       /* [n_classes] */
  int32_t *labels;          /* [n] */
  /* private: where the inputs come from */
  dataset_opts o;
  uint8_t *u8;              /* pixels [n][h][w][c] (fashion-mnist, uint8 arrays) */
  float *f32;               /* real inputs [n][h][w][c] (float arrays) */
  char **files;             /* [n] image paths (folders: decoded per item) */
} dataset;

/* 0, or -1 with a message naming the file and what is wrong. */
int dataset_open(const char *spec, const dataset_opts *o, dataset *d, char *err, size_t errlen);
/* Item i as the model's real-valued input (h * w * c floats, NHWC). */
int dataset_item(const dataset *d, int i, float *x, char *err, size_t errlen);
void dataset_close(dataset *d);

#endif /* HTA_DATASET_H */
