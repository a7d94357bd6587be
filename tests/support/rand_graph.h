/*
 * rand_graph.h - random format-version-2 models (docs/model-format.md): a
 * graph that uses every graph op of docs/numerics.md ("Graph ops") and
 * activation tables, with random shapes, zero points, rescales and tables,
 * for round-trip, corruption and device tests. Reproduced from the seed.
 */
#ifndef HTA_RAND_GRAPH_H
#define HTA_RAND_GRAPH_H

#include "hta_model.h"
#include "rng.h"

/* A model of about a dozen layers reading earlier tensors (residual ADD,
 * CONCAT with the model input, LAYERNORM, MUL by a global max pool, pools,
 * RESIZE, PAD, tables). NULL if memory runs out or a layer is refused (the message
 * in err). */
hta_model *hta_rand_graph(hta_rng *rng, char *err, size_t errlen);

/* A random DAG of the ops the version-1 engine runs: weighted layers
 * (pointwise, depthwise, random activation tables) reading any earlier
 * tensor, residual ADD of equal-shaped tensors, CONCAT of equal-sized ones,
 * squeeze-excite MUL by a GAP or a GMP, RESIZE x2, PAD, MAXPOOL, AVGPOOL,
 * LAYERNORM;
 * random scales, zero points, clamps, kernels, strides and padding.
 * Weighted layers have at most max_c channels. */
hta_model *hta_rand_graph_engine(hta_rng *rng, int max_c, char *err, size_t errlen);
/* The same with the weighted layers' filter kinds limited to the mask kinds
 * (1 << hta_kind; 0: all, as above). */
hta_model *hta_rand_graph_engine_kinds(hta_rng *rng, int max_c, unsigned kinds, char *err,
                                       size_t errlen);

/* A random graph for the graph-op unit's pools: a MAXPOOL (or GMP) of the
 * model input (1..40 pixels a side, 1..max_c channels, often 16k +- 1;
 * kernels 1..7 a side, also not square, stride 1..3, any padding below the
 * kernel, a table one time in five), then up to three more pools, GMPs and
 * residual ADDs of earlier tensors. */
hta_model *hta_rand_pool_graph(hta_rng *rng, int max_c, char *err, size_t errlen);

#endif /* HTA_RAND_GRAPH_H */
