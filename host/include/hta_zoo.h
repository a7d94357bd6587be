/*
 * hta_zoo.h - ready-made models with seeded synthetic weights (docs/zoo.md).
 *
 * The weights are not trained: they are drawn from a seeded generator and
 * quantized by the plan, with biases and requantization chosen from each
 * filter's weights so activations keep a healthy spread through every layer.
 * They give real shapes, real operation counts, real file sizes and real
 * hardware behaviour, not accuracy.
 */
#ifndef HTA_ZOO_H
#define HTA_ZOO_H

#include <stddef.h>
#include <stdint.h>

#include "hta_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MobileNet-V1 (Howard et al. 2017) for 1000 classes: conv 3x3 s2, 13
 * depthwise-separable blocks, global average pool, fully connected.
 * width in {0.25, 0.5, 0.75, 1.0}, resolution in {128, 160, 192, 224}.
 * plan (docs/zoo.md):
 *   "int8"                 every filter INT8
 *   "twn"                  every layer ternary, one scale per filter (TWN)
 *   "fgq:G"                every layer ternary, groups of G (4..1024) along K
 *   "strassen:K"           pointwise layers strassenified, r = round(K*c_out)
 *   "hybrid:F"             pointwise: fraction F INT8, the rest ternary
 *   "hybrid:F:strassen:K"  pointwise: fraction F INT8, the rest STRASSEN with
 *                          r = round(K*c_out*(1-F))
 * The same seed gives the same model. NULL on a bad argument (the message
 * names it) or out of memory. */
hta_model *hta_zoo_mobilenet_v1(double width, int resolution, const char *plan, uint64_t seed,
                                char *err, size_t errlen);

/* MobileNet-V2 (Sandler et al. 2018) for 1000 classes: conv 3x3 s2, 17
 * inverted-residual blocks (pointwise expand, depthwise 3x3, pointwise
 * project, a residual ADD where the shape allows), pointwise to 1280, global
 * average pool, fully connected; channels rounded to multiples of 8 as in
 * torchvision. width in {0.35, 0.5, 0.75, 1.0, 1.3, 1.4}, resolution a
 * multiple of 32 in 32..512. The plans of MobileNet-V1; "pointwise" means
 * the expand and project layers. A graph (format version 2): it runs on the
 * cpu device until the engine supports ADD. */
hta_model *hta_zoo_mobilenet_v2(double width, int resolution, const char *plan, uint64_t seed,
                                char *err, size_t errlen);

/* ResNet (He et al. 2016) of depth 18, 34 (basic blocks) or 50 (bottleneck
 * blocks) for 1000 classes: conv 7x7 s2, max pool 3x3 s2, four stages with
 * residual ADDs (a 1x1 convolution on the shortcut where the shape changes),
 * global average pool, fully connected. resolution a multiple of 32 in
 * 32..512. The plans of MobileNet-V1; hybrid and strassen plans apply to
 * every convolution of the blocks (the stem and FC stay INT8). A graph: cpu
 * device only until the engine supports ADD and MAXPOOL. */
hta_model *hta_zoo_resnet(int depth, int resolution, const char *plan, uint64_t seed, char *err,
                          size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* HTA_ZOO_H */
