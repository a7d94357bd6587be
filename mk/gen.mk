# mk/gen.mk - the generator and the files it produces from the single sources.
#
# hw/config/<name>.cfg (one file per hardware configuration),
# hw/config/regmap.cfg and hw/config/program.cfg are the only places the
# sizes, the register map and the device program format are written.
# tools/gen/hta_gen.c turns them into an SV package per configuration
# (hw/config/gen/<name>/hta_cfg_pkg.sv; hw/rtl/hta_cfg_pkg.sv is the default
# one, HTA_CFG_DEFAULT), libhta's table of every configuration
# (host/include/hta_hw_config.h, host/src/hta_configs.c), the register and
# program-format packages, headers and docs, and bitstreams/alveo/kernel.xml
# (the Vitis kernel description). The outputs are committed (so a
# reader of the repository sees them and the RTL engineer can lint without a
# build), and `make check-regs` proves in CI that they match their sources.

HTA_GEN    := $(BUILD)/tools/hta_gen
# The configurations: every hw/config/*.cfg but the register map and the
# program format.
HTA_CFGS        := $(sort $(filter-out regmap program,$(basename $(notdir $(wildcard hw/config/*.cfg)))))
HTA_CFG_DEFAULT := small
GEN_INPUTS := $(HTA_CFGS:%=hw/config/%.cfg) hw/config/regmap.cfg hw/config/program.cfg
GEN_FILES  := $(HTA_CFGS:%=hw/config/gen/%/hta_cfg_pkg.sv) hw/rtl/hta_cfg_pkg.sv \
              host/include/hta_hw_config.h host/src/hta_configs.c \
              hw/rtl/hta_regs_pkg.sv host/include/hta_regs.h docs/registers.md \
              bitstreams/alveo/kernel.xml \
              hw/rtl/hta_prog_pkg.sv host/include/hta_prog.h docs/program-format.md

# tools/gen/gen_prog.c (the program format) is #included by hta_gen.c.
$(HTA_GEN): tools/gen/hta_gen.c tools/gen/gen_prog.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# Anything that reads a generated file may list it (or all of $(GEN_FILES))
# as a prerequisite: after an edit of a .cfg file, make regenerates first.
# One run writes them all (a grouped target, GNU make 4.3). The generator
# leaves unchanged files alone, so they are touched here to tell make they
# are up to date.
$(GEN_FILES) &: $(GEN_INPUTS) $(HTA_GEN)
	$(call msg,GEN,$(words $(GEN_FILES)) files from $(GEN_INPUTS))
	$(Q)$(HTA_GEN) -q
	$(Q)touch $(GEN_FILES)

.PHONY: regs check-regs
regs: $(HTA_GEN) ## regenerate SV packages, C headers, register/program docs, kernel.xml
	$(Q)$(HTA_GEN)
	@echo "regs: outputs match hw/config/<name>.cfg, regmap.cfg and program.cfg"

# Generate into a scratch folder and compare with the files in the tree.
# Same relative input paths, so even the "generated from" headers must match.
check-regs: $(HTA_GEN) ## fail (with a diff) if generated files differ from their sources
	$(Q)tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(HTA_GEN) -q --out "$$tmp" || exit 1; \
	status=0; \
	for f in $(GEN_FILES); do \
	  diff -u --label "$$f (in tree)" --label "$$f (generated)" "$$f" "$$tmp/$$f" || status=1; \
	done; \
	for d in hw/config/gen/*/; do \
	  [[ -e "$$tmp/$$d" ]] || { echo "check-regs: $$d has no hw/config/*.cfg (remove it)"; \
	                            status=1; }; \
	done; \
	if [ $$status -ne 0 ]; then \
	  echo "check-regs: FAILED: generated files differ from hw/config (diff above)." >&2; \
	  echo "check-regs: run 'make regs' and commit the result; never edit them by hand." >&2; \
	  exit 1; \
	fi; \
	echo "check-regs: generated files match hw/config"

# The generator's own test (small inputs, error messages, header compile).
TEST_BINS += tools/gen/test_hta_gen.sh
test-bins: $(HTA_GEN)
