# python/python.mk - the `hta` Python package (python/hta): hta.torch today.
# Included after tools/hta/hta.mk and tools/import/import.mk (uses HTA_CLI,
# SIM_HAVE_RTL, HTA_HAVE_MODEL, PREFIX).
#
#   tests/python/test_torch.py  a small CNN trained here, hybridized, fine-tuned,
#                               exported, imported, evaluated and run on sim = cpu
#   make install                also installs the package where Debian's
#                               /usr/bin/python3 finds it under PREFIX

DEPS_PKGS += python3 python3-numpy python3-torch dataset-fashion-mnist

PY_PKG := $(wildcard python/hta/*.py)

ifeq ($(SIM_HAVE_RTL)$(HTA_HAVE_MODEL),yesyes)
TEST_BINS += tests/python/test_torch.py
tests/python/test_torch.py: $(HTA_CLI)
	@:
endif

# Debian's python3 reads /usr/lib/python3/dist-packages and, for other
# prefixes, PREFIX/lib/python3.X/dist-packages.
PY_VER  := $(shell /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PY_SITE ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PY_VER)/dist-packages)

.PHONY: install-python
install: install-python
install-python:
	$(Q)install -d $(DESTDIR)$(PY_SITE)/hta
	$(Q)install -m 644 $(PY_PKG) $(DESTDIR)$(PY_SITE)/hta/
