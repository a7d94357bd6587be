# tools/train/train.mk - training of the Fashion-MNIST models, and their check.
#
#   make train   retrain every models/fmnist_*.onnx (+ .json) from scratch with seed 7
#                (python3-torch, one CPU thread; CI never runs it: the models are committed)
#   tests/train/test_models.sh  (in TEST_BINS) checks the committed models against the
#                contract of tools/train/README.md with onnx + numpy only, so CI does not
#                need python3-torch (~1 GB installed) to test them.

.PHONY: train
train: ## retrain models/fmnist_*.onnx from scratch (python3-torch; not in CI)
	$(Q)bash tools/train/train_all.sh

TEST_BINS += tests/train/test_models.sh
DEPS_PKGS += python3-onnx python3-numpy dataset-fashion-mnist
