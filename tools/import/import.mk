# tools/import/import.mk - the ONNX importer (`hta import`, Python side here), `hta eval`
# (tools/hta/cmd_eval.c, built with the CLI), their tests, and `make accuracy`.
# Included after tools/hta/hta.mk (uses HTA_CLI).
#
#   tests/import/test_import.sh   importer on fixture ONNX models, eval, sim = cpu
#   tests/import/test_torchvision.py  torchvision's CNNs and PyTorch's QDQ export
#   make accuracy                 regenerate docs/accuracy.md from models/*.onnx
#   make accuracy-torchvision     regenerate docs/accuracy-torchvision.md (tv_table.py)
#   make accuracy-trained         trained torchvision CNNs' section of it (tv_trained.py)
#   make install                  also installs the importer under share/hta/import

# The importer runs on Debian's Python packages; eval reads Debian's dataset.
DEPS_PKGS += python3 python3-numpy python3-onnx dataset-fashion-mnist
# tests/import/test_torchvision.py exports torchvision's CNNs (and PyTorch's QDQ)
DEPS_PKGS += python3-torch python3-torchvision

IMPORT_PY := $(wildcard tools/import/hta_*.py)

IMPORT_TESTS := tests/import/test_import.sh tests/import/test_torchvision.py
TEST_BINS    += $(IMPORT_TESTS)
$(IMPORT_TESTS): $(HTA_CLI)
	@:

# ---- make accuracy ----
# Every model of models/ imported, evaluated on all 10,000 test images on cpu, costed
# (hta stats when built), benchmarked on the simulator, and checked sim = cpu on 20
# images; the table goes to docs/accuracy.md. Slow (tens of minutes on 2 cores): never
# part of make test. ACCURACY_LIMIT=N evaluates N images only (a quick look; the doc then
# says so).
ACCURACY_LIMIT ?= 10000
.PHONY: accuracy
accuracy: deps ## regenerate docs/accuracy.md (top-1, size, cost, cycles of models/*)
	$(Q)$(MAKE) $(HTA_CLI)
	$(call msg,ACCURACY,docs/accuracy.md)
	$(Q)/usr/bin/python3 tools/import/accuracy.py --hta $(HTA_CLI) --models models \
	  --work $(BUILD)/accuracy --limit $(ACCURACY_LIMIT) --out docs/accuracy.md

# ---- make accuracy-torchvision ----
# torchvision's classification CNNs imported and measured (tools/import/tv_table.py) at
# 64x64, then at 224x224 (their float logits by PyTorch, checked against the ONNX graph in
# numpy on 2 inputs: --ref torch); the tables go to docs/accuracy-torchvision.md. Slow (hours
# on 2 cores; numpy's calibration GEMMs are most of it, several times faster with OpenBLAS
# than Debian's reference libblas, docs/accuracy-torchvision.md): never part of make test.
# TV_MODELS=a,b re-measures only those networks' rows (--merge); TV_SIZE=224 of the 224x224
# table instead of the 64x64 one.
TV_MODELS ?=
TV_SIZE ?= 64
.PHONY: accuracy-torchvision
accuracy-torchvision: deps ## regenerate docs/accuracy-torchvision.md (torchvision's CNNs)
	$(Q)$(MAKE) $(HTA_CLI)
	$(call msg,TVTABLE,docs/accuracy-torchvision.md)
ifeq ($(TV_MODELS),)
	$(Q)/usr/bin/python3 tools/import/tv_table.py --hta $(HTA_CLI) --size 64
	$(Q)/usr/bin/python3 tools/import/tv_table.py --hta $(HTA_CLI) --size 224 --no-qdq \
	  --ref torch
else
	$(Q)/usr/bin/python3 tools/import/tv_table.py --hta $(HTA_CLI) --size $(TV_SIZE) --merge \
	  --models $(TV_MODELS) $(if $(filter 224,$(TV_SIZE)),--no-qdq --ref torch)
endif

# ---- make accuracy-trained ----
# torchvision networks trained briefly on Fashion-MNIST (upsampled to TRAINED_SIZE, gray
# replicated to 3 channels), imported with real training images as calibration and run on
# the golden model against the float model (tools/import/tv_trained.py); the table goes to
# docs/accuracy-torchvision.md. Slow (at 224x224 11 minutes for ResNet-34 and 18 for
# ResNet-50 on one core with OpenBLAS first on LD_LIBRARY_PATH; Debian's torch also runs
# part of its convolutions on libblas, and the reference one makes ResNet-50's training
# steps about 8 times slower, docs/accuracy-torchvision.md): never part of make test.
# TRAINED_MODELS=a,b measures those networks (replacing their rows).
TRAINED_MODELS ?= resnet34,resnet50
TRAINED_SIZE ?= 224
TRAINED_STEPS ?= 300
.PHONY: accuracy-trained
accuracy-trained: deps ## measure torchvision CNNs trained on Fashion-MNIST (tv_trained.py)
	$(Q)$(MAKE) $(HTA_CLI)
	$(call msg,TVTRAIN,docs/accuracy-torchvision.md)
	$(Q)/usr/bin/python3 tools/import/tv_trained.py --hta $(HTA_CLI) --models $(TRAINED_MODELS) \
	  --size $(TRAINED_SIZE) --steps $(TRAINED_STEPS)

# ---- install: the importer next to the CLI (cmd_import.c looks in share/hta/import) ----
.PHONY: install-import
install: install-import
install-import:
	$(Q)install -d $(DESTDIR)$(PREFIX)/share/hta/import
	$(Q)install -m 644 $(IMPORT_PY) $(DESTDIR)$(PREFIX)/share/hta/import/
	$(Q)chmod 755 $(DESTDIR)$(PREFIX)/share/hta/import/hta_import.py

# ---- demo ----
# After the MobileNet demo of tools/hta/hta.mk: the trained hybrid network
# (25% of its filters INT8, the rest ternary) imported from ONNX, its cost
# against the INT8 model, and its top-1 on 100 Fashion-MNIST test images run
# on the cycle-accurate simulation of the RTL (about 20 s).
DEMO_CMDS += $(HTA_CLI) import models/fmnist_hybrid25.onnx -o $(HTA_DEMO_DIR)/fmnist_hybrid25.hta \
  --plan auto ;
DEMO_CMDS += $(HTA_CLI) stats --model $(HTA_DEMO_DIR)/fmnist_hybrid25.hta \
  --baseline models/fmnist_float_int8.hta ;
DEMO_CMDS += $(HTA_CLI) eval --device sim --model $(HTA_DEMO_DIR)/fmnist_hybrid25.hta \
  --dataset fashion-mnist --limit 100 ;
