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
# Modules not (yet) instantiated under RTL_TOP, linted as tops of their own
# (Verilator drops modules outside the top, so they would go unchecked).
RTL_UNIT_TOPS := hta_pe_int8 hta_pe_tern hta_v2_core
# The PEs' adders as synthesis builds them (HTA_PE_TREE: see hta_pe_tern.sv)
# are linted too: the simulation forms replace them in the runs above.

# Hardware configurations (mk/gen.mk: HTA_CFGS, HTA_CFG_DEFAULT). hw/rtl holds
# the default's package; another configuration's design is hw/rtl with
# hw/rtl/hta_cfg_pkg.sv replaced by hw/config/gen/<name>/hta_cfg_pkg.sv.
# `make synth CFG=name` synthesizes that design; `make lint` lints every one.
CFG ?= $(HTA_CFG_DEFAULT)
# $(call rtl_files_of,NAME)
rtl_files_of = $(patsubst hw/rtl/hta_cfg_pkg.sv,hw/config/gen/$(1)/hta_cfg_pkg.sv,$(RTL_FILES))
# make ... CFG=name: refuse a name that is not a configuration, listing them.
define check_cfg
	@if [[ -z '$(filter $(HTA_CFGS),$(CFG))' || '$(words $(CFG))' != 1 ]]; then \
	  echo "$(1): unknown CFG '$(CFG)' (configurations: $(HTA_CFGS); hw/config/<name>.cfg)" >&2; \
	  exit 1; fi
endef

# The top module may not exist yet while the RTL is being written; lint and
# synth then say so and succeed, so CI stays green for everyone else.
RTL_TOP_FILE := hw/rtl/$(RTL_TOP).sv

# Lane cost sweep (hw/synth/resources.sh): the lane arrays alone at five lane
# counts. It runs in `make synth` (so CI measures it) because it is small:
# 10-40 s of Yosys CPU per count (~2 min in all) next to the full design's
# ~11, within CI's budget; `make resources` runs synth and writes the tables
# into docs/resources.md.
LANE_FILES := hw/rtl/hta_mul2.sv hw/rtl/hta_mac_pair.sv hw/rtl/hta_add_lane.sv
RES_DOC    := docs/resources.md

.PHONY: lint synth resources
lint: $(GEN_FILES) ## Verilator lint (-Wall) of hw/rtl under every configuration (waivers: hw/lint/hta.vlt)
ifeq ($(wildcard $(RTL_TOP_FILE)),)
	@echo "lint: skipped: $(RTL_TOP_FILE) does not exist yet"
else
	$(call msg,LINT,$(RTL_TOP) ($(words $(RTL_FILES)) files))
	$(Q)verilator --lint-only -Wall --top-module $(RTL_TOP) $(LINT_WAIVERS) $(RTL_FILES)
	$(Q)for t in $(RTL_UNIT_TOPS); do \
	  verilator --lint-only -Wall --top-module $$t $(LINT_WAIVERS) $(RTL_FILES) || exit 1; done
	$(Q)for t in hta_pe_int8 hta_pe_tern; do \
	  verilator --lint-only -Wall -DHTA_PE_TREE --top-module $$t $(LINT_WAIVERS) $(RTL_FILES) \
	    || exit 1; done
	$(Q)for c in $(filter-out $(HTA_CFG_DEFAULT),$(HTA_CFGS)); do \
	  printf '  %-7s %s\n' LINT "$(RTL_TOP) with hw/config/$$c.cfg"; \
	  verilator --lint-only -Wall --top-module $(RTL_TOP) $(LINT_WAIVERS) \
	    hw/config/gen/$$c/hta_cfg_pkg.sv $(filter-out hw/rtl/hta_cfg_pkg.sv,$(RTL_FILES)) \
	    || exit 1; done
	@echo "lint: clean ($(words $(HTA_CFGS)) configurations: $(HTA_CFGS))"
endif

# Without CFG (or CFG=the default): the default design, the lane sweep and the
# PE costs, as CI runs it. CFG=name: that configuration's full design only,
# into build/synth/<name> (a part-sized one takes long: see docs/resources.md).
synth: $(GEN_FILES) ## Yosys synth_xilinx (UltraScale+) -> build/synth/report.txt; CFG=name: one configuration
ifeq ($(wildcard $(RTL_TOP_FILE)),)
	@echo "synth: skipped: $(RTL_TOP_FILE) does not exist yet"
else ifeq ($(CFG),$(HTA_CFG_DEFAULT))
	$(Q)V=$(V) bash hw/synth/synth.sh $(BUILD)/synth $(RTL_TOP) $(RTL_FILES)
	$(Q)bash hw/synth/resources.sh $(BUILD)/synth/resources $(LANE_FILES)
	$(Q)bash hw/synth/pe_resources.sh $(BUILD)/synth/pe

# One v2 drain unit before and after hta_drain_unit (two Yosys runs, ~30 s).
.PHONY: drain-resources
drain-resources: ## Yosys LUT/FF/CARRY/DSP of one v2 drain unit -> build/synth/drain
	$(Q)bash hw/synth/drain_resources.sh $(BUILD)/synth/drain
else
	$(call check_cfg,synth)
	$(Q)V=$(V) bash hw/synth/synth.sh $(BUILD)/synth/$(CFG) $(RTL_TOP) $(call rtl_files_of,$(CFG))
	@echo "synth: configuration $(CFG): $(BUILD)/synth/$(CFG)/report.txt"
endif

# The v2 processing elements' marginal cost alone (five Yosys runs, ~1 min; also in synth).
.PHONY: pe-resources
pe-resources: ## Yosys marginal LUT/FF/DSP per v2 INT8 and ternary MAC -> build/synth/pe
	$(Q)bash hw/synth/pe_resources.sh $(BUILD)/synth/pe

# The generated part of docs/resources.md lies between two marker lines.
resources: synth ## synth, then write the measured tables into docs/resources.md
	$(call msg,GEN,$(RES_DOC))
	$(Q)awk -v full=$(BUILD)/synth/report.txt -v lanes=$(BUILD)/synth/resources/resources.md '\
	  /^<!-- generated by make resources: begin -->$$/ { print; skip = 1; \
	    print "Full design (`make synth`, hta_top, default configuration):"; print ""; \
	    print "| LUT | FF | CARRY | DSP48E2 | RAMB36E2 | RAMB18E2 | LUTRAM/SRL |"; \
	    print "|---|---|---|---|---|---|---|"; line = "|"; \
	    while ((getline l < full) > 0) if (l ~ /^  /) { split(l, f, " "); line = line " " f[2] " |" } \
	    print line; print ""; print "Lane arrays (`hw/synth/resources.sh`):"; print ""; \
	    while ((getline l < lanes) > 0) print l; next } \
	  /^<!-- generated by make resources: end -->$$/ { skip = 0 } \
	  !skip' $(RES_DOC) >$(RES_DOC).tmp && mv $(RES_DOC).tmp $(RES_DOC)

# test_mul2: the two-products-per-DSP packing (hta_mul2), exhaustively, on
# its own Verilator model (a second or so).
MUL2_DIR := $(BUILD)/hw/mul2
$(MUL2_DIR)/test_mul2: hw/rtl/hta_mul2.sv hw/synth/test_mul2.cpp
	$(call msg,VERILATE,$@)
	$(Q)mkdir -p $(MUL2_DIR)
	$(Q)verilator --cc --exe --build -j 1 -Wall -O2 --Mdir $(MUL2_DIR) -o test_mul2 \
	  hw/rtl/hta_mul2.sv $(CURDIR)/hw/synth/test_mul2.cpp >$(MUL2_DIR)/build.log 2>&1 \
	  || { tail -n 20 $(MUL2_DIR)/build.log; exit 1; }
TEST_BINS += $(MUL2_DIR)/test_mul2

# The v2 compute core alone at the mid size (~6 min of Yosys; not in synth).
.PHONY: v2-synth
v2-synth: ## Yosys synth_xilinx of hta_v2_core at the mid size -> build/synth/v2
	$(Q)bash hw/synth/v2_core.sh $(BUILD)/synth/v2

# Part-sized configurations (hw/synth/part_resources.sh, docs/resources.md
# "Part-sized configurations (v2)"): hta_top with its repeated modules (PEs,
# requantization units, anything with >= 32 instances) synthesized once each
# and multiplied, the rest with them as black boxes; LUT/FF/DSP48E2/BRAM
# against the part and the 85% check -> build/synth/part/<cfg>.txt, .json.
# The part is the one the name starts with (PART=kv260|zcu104|u50 to choose;
# others, e.g. v2small, are reported against the KV260).
PART_kv260  := 117120 234240 1248 144 64
PART_zcu104 := 230400 460800 1728 312 96
PART_u50    := 872000 1743360 5952 1344 640
part_of = $(or $(PART),$(firstword $(foreach p,kv260 zcu104 u50,$(if $(filter $(p)%,$(1)),$(p)))),kv260)
.PHONY: resources-part
resources-part: $(GEN_FILES) ## CFG=name: resources of a part-sized configuration against its part -> build/synth/part/<cfg>.txt
	$(call check_cfg,resources-part)
	$(Q)bash hw/synth/part_resources.sh $(BUILD)/synth/part $(CFG) "$(PART_$(call part_of,$(CFG)))" \
	  $(call rtl_files_of,$(CFG))
