/*
 * device_model.c - hta_load_model: a net from an hta_model (hta_model.h).
 * In a file of its own so programs that only use hta_load_layers do not
 * link the model code.
 */
#include "backend.h"
#include "hta.h"
#include "hta_model.h"

int hta_load_model(hta_device *dev, const hta_model *model, hta_net **net) {
  if (net) *net = NULL;
  if (dev == NULL || net == NULL) return HTA_ERROR_INVALID_PARAM;
  if (model == NULL) return hta_dev_error(dev, HTA_ERROR_INVALID_PARAM, "load: model is NULL");
  hta_model_info info;
  hta_model_get_info(model, &info);
  return hta_load_layers(dev, hta_model_layers(model), info.n_layers, net);
}
