# HTA - top-level Makefile (GNU make 4.3 or newer).
#
#   make            list the targets (same as `make help`)
#   make demo       install what is missing, build, run the demo
#   make test       install what is missing, build and run every test
#   make V=1 ...    show the commands instead of one-line summaries
#
# Layout: this file holds the targets everyone expects and the hooks below;
# each part of the project keeps its rules in its own fragment:
#   mk/common.mk  flags, quiet output, generic compile rules
#   mk/deps.mk    `make deps` (Debian packages)
#   mk/gen.mk     the generator, `make regs`, `make check-regs`
#   hw/hw.mk      `make lint`, `make synth`
#   FRAGMENTS below (host, sim, tests; each when present): their owners' rules
# Targets whose rule line ends in "## text" are listed by `make help`, in
# fragments too.
# Everything built goes under build/; `make clean` removes it.

.DEFAULT_GOAL := help

include mk/common.mk

# ---------------------------------------------------------------------------
# Hooks. Fragments append to these with += ; the targets below use them.
#
#   ALL_TARGETS  files `make all` builds (libraries, tools, demo programs)
#   TEST_BINS    test executables; `make test` builds them, then runs each
#                with tests/run.sh, which reads its last "N passed, N failed"
#                line (see tests/run.sh for the contract)
#   DEMO_CMDS    shell commands `make demo` runs, in order, after building;
#   BENCH_CMDS   the same for `make bench`.
#                End every command with ';' so two appended commands stay two:
#                  DEMO_CMDS += build/host/hta_demo --backend sim ;
#                (the last command of a fragment is ended for it). They run
#                from the repository root under bash `set -ex`.
#   DEPS_PKGS    Debian packages `make deps` installs (in mk/deps.mk)
#   CLEAN_FILES  extra paths outside build/ that `make clean` removes
ALL_TARGETS :=
TEST_BINS   :=
DEMO_CMDS   :=
BENCH_CMDS  :=
CLEAN_FILES :=

include mk/deps.mk
include mk/gen.mk
include hw/hw.mk

# The other parts' fragments, in this order (later ones may use earlier ones'
# variables); a missing one is skipped. After each, a newline ends its last
# demo/bench command, so a forgotten ';' cannot glue two fragments' commands.
FRAGMENTS := host/host.mk sim/sim.mk tests/tests.mk tests/rtl/rtl.mk tools/hta/hta.mk
FRAGMENTS += bitstreams/bitstreams.mk
FRAGMENTS += tools/report/report.mk
FRAGMENTS += sim/emu/emu.mk tests/xrt/xrt.mk
FRAGMENTS += hw/usb/usb.mk sim/usb/usb.mk
FRAGMENTS += tools/train/train.mk
FRAGMENTS += tools/import/import.mk
FRAGMENTS += python/python.mk
FRAGMENTS += tests/fuzz/fuzz.mk
FRAGMENTS += tools/cluster/cluster.mk
define include_fragment
-include $(1)
DEMO_CMDS  += $$(newline)
BENCH_CMDS += $$(newline)
endef
$(foreach f,$(FRAGMENTS),$(eval $(call include_fragment,$(f))))

# run.sh checks itself: it decides whether CI is green.
TEST_BINS += tests/run_selftest.sh

# ---------------------------------------------------------------------------
.PHONY: help all test test-bins demo bench clean

help: ## list the targets (default)
	@echo "HTA - hybrid ternary neural network accelerator. Targets:"
	@awk -F ':.*## ' '/^[A-Za-z0-9_.-]+:.*## / { printf "  %-20s %s\n", $$1, $$2 }' \
	  $(MAKEFILE_LIST)
	@echo "Options: V=1 (show commands)."

all: $(GEN_FILES) $(ALL_TARGETS) $(TEST_BINS) ## build everything (libraries, tools, tests)
	@echo "all: built"

# deps first, then a second make builds: that make reads the fragments again
# after the tools exist (a fragment may ask Verilator for its paths), and the
# order holds even under -j.
test: deps ## install deps, build TEST_BINS, run them with tests/run.sh
	$(Q)$(MAKE) test-bins
	$(Q)bash tests/run.sh $(TEST_BINS)

test-bins: $(TEST_BINS)
	@: # (a recipe, so make does not announce "Nothing to be done")

# demo and bench: build everything, then run the commands of a hook. The
# commands reach bash through the environment (HTA_CMDS), not through the
# recipe text, so their quotes and semicolons arrive untouched.
# $(call run_cmds,NAME,HOOK-VARIABLE-NAME)
define run_cmds
	$(Q)$(MAKE) all
	$(if $(strip $($(2))), \
	  $(Q)bash -c "set -ex; $$HTA_CMDS", \
	  @echo "$(1): nothing to run yet: no fragment has added commands to $(2)")
endef

demo: export HTA_CMDS = $(DEMO_CMDS)
demo: deps ## install deps, build everything, run DEMO_CMDS
	$(call run_cmds,demo,DEMO_CMDS)

bench: export HTA_CMDS = $(BENCH_CMDS)
bench: deps ## install deps, build everything, run BENCH_CMDS
	$(call run_cmds,bench,BENCH_CMDS)

clean: ## remove build/ (generated sources stay: they are committed)
	$(call msg,CLEAN,$(strip $(BUILD) $(CLEAN_FILES)))
	$(Q)rm -rf $(BUILD) $(CLEAN_FILES)
