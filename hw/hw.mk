# hw/hw.mk - RTL lint and synthesis.
#
# Every hw/rtl/*.sv is part of the design. Order matters to both tools (a
# package must be read before its users): the generated packages come first
# (hand-written packages may use them), then the other *_pkg.sv, then the
# rest, each group sorted so the order never depends on the file system.

RTL_TOP      := hta_top
RTL_GEN_PKGS := hw/rtl/hta_cfg_pkg.sv hw/rtl/hta_regs_pkg.sv
RTL_PKGS     := $(RTL_GEN_PKGS) \
                $(sort $(filter-out $(RTL_GEN_PKGS),$(wildcard hw/rtl/*_pkg.sv)))
RTL_FILES    := $(RTL_PKGS) $(sort $(filter-out $(RTL_PKGS),$(wildcard hw/rtl/*.sv)))
LINT_WAIVERS := hw/lint/hta.vlt

# The top module may not exist yet while the RTL is being written; lint and
# synth then say so and succeed, so CI stays green for everyone else.
RTL_TOP_FILE := hw/rtl/$(RTL_TOP).sv

.PHONY: lint synth
lint: $(RTL_GEN_PKGS) ## Verilator lint (-Wall) of hw/rtl, waivers only in hw/lint/hta.vlt
ifeq ($(wildcard $(RTL_TOP_FILE)),)
	@echo "lint: skipped: $(RTL_TOP_FILE) does not exist yet"
else
	$(call msg,LINT,$(RTL_TOP) ($(words $(RTL_FILES)) files))
	$(Q)verilator --lint-only -Wall --top-module $(RTL_TOP) $(LINT_WAIVERS) $(RTL_FILES)
	@echo "lint: clean"
endif

synth: $(RTL_GEN_PKGS) ## Yosys synth_xilinx (UltraScale+) resource counts -> build/synth/report.txt
ifeq ($(wildcard $(RTL_TOP_FILE)),)
	@echo "synth: skipped: $(RTL_TOP_FILE) does not exist yet"
else
	$(Q)V=$(V) bash hw/synth/synth.sh $(BUILD)/synth $(RTL_TOP) $(RTL_FILES)
endif
