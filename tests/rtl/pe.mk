# tests/rtl/pe.mk - the v2 processing elements (hw/rtl/hta_pe_int8.sv,
# hw/rtl/hta_pe_tern.sv) on their own Verilator models against C dot
# products (tests/rtl/test_pe.cpp), at two Ci each: hta_pe_int8 with Ci 16
# (chains of 6, 6, 4 DSPs) and Ci 14 (two chains of 7, the full-range bound),
# plus Ci 16 with L = 8 (two chains of 8: exact for weights in [-127, 127],
# wrong for 8 x (-128) x (-128), and the test must see that), hta_pe_tern
# with Ci 16 and Ci 5 (a padded tree). hta_pe_tern at both Ci and
# hta_pe_int8 at Ci 16 also with HTA_PE_TREE defined: the adders that
# synthesis builds (the ternary tree; the INT8 chains' hta_add3 and
# hta_accum), where the other models run the simulation forms (loops that
# idle cycles skip). Included by rtl.mk.

PE_DIR := $(BUILD)/hw/pe
# hta_pe_int8's DSP48E2 stage, adders and accumulator: Verilator builds their behavioural forms.
PE_DSP := hw/rtl/hta_dsp48e2_mac2.sv hw/rtl/hta_accum.sv hw/rtl/hta_add3.sv
# name  module  Ci  [L]  (one model and test binary each); int8_16_L8: chains
# of 8, past the full-range bound (test_pe's PE_L = 8 cases)
PE_MODELS := int8_16:hta_pe_int8:16 int8_14:hta_pe_int8:14 int8_16_L8:hta_pe_int8:16:8 \
             tern_16:hta_pe_tern:16 tern_5:hta_pe_tern:5
PE_TESTS  := $(foreach m,$(PE_MODELS),$(PE_DIR)/test_pe_$(word 1,$(subst :, ,$(m)))) \
             $(PE_DIR)/test_pe_tern_16_tree $(PE_DIR)/test_pe_tern_5_tree $(PE_DIR)/test_pe_int8_16_tree

define pe_model
$(PE_DIR)/test_pe_$(1): hw/rtl/$(2).sv $(PE_DSP) tests/rtl/test_pe.cpp tests/rtl/pe.mk
	$$(call msg,VERILATE,$$@)
	$$(Q)mkdir -p $(PE_DIR)/$(1)
	$$(Q)verilator --cc --exe --build -j 2 -Wall --assert -O2 --prefix Vpe --top-module $(2) -GCi=$(3) $(5) \
	  $(if $(4),-GL=$(4)) --Mdir $(PE_DIR)/$(1) -o ../test_pe_$(1) \
	  -CFLAGS "-DPE_CI=$(3) $(if $(filter hta_pe_int8,$(2)),-DPE_INT8) $(if $(4),-DPE_L=$(4))" \
	  hw/rtl/$(2).sv $(if $(filter hta_pe_int8,$(2)),$(PE_DSP)) $(CURDIR)/tests/rtl/test_pe.cpp >$(PE_DIR)/$(1).log 2>&1 \
	  || { tail -n 20 $(PE_DIR)/$(1).log; exit 1; }
endef
$(foreach m,$(PE_MODELS),$(eval $(call pe_model,$(word 1,$(subst :, ,$(m))),$(word 2,$(subst :, ,$(m))),$(word 3,$(subst :, ,$(m))),$(word 4,$(subst :, ,$(m))))))
$(eval $(call pe_model,tern_16_tree,hta_pe_tern,16,,-DHTA_PE_TREE))
$(eval $(call pe_model,tern_5_tree,hta_pe_tern,5,,-DHTA_PE_TREE))
$(eval $(call pe_model,int8_16_tree,hta_pe_int8,16,,-DHTA_PE_TREE))

TEST_BINS += $(PE_TESTS)

# The primitive branches of hta_dsp48e2_mac2, hta_accum and hta_add3 (what
# synthesis gets: DSP48E2, CARRY8, LUT6_2), run through the same test
# against simulation models of those primitives that the repository does
# not ship: checks the instantiations' ports, attributes and LUT INITs,
# which the behavioural forms cannot. Tried with the Verilator ports of the
# unisims in github.com/fredrequin/verilator_xilinx (commit 33a948f, BSD-2:
# DSP48E2.v, CARRY8.v, LUT6_2.v); Vivado's own unisims need its glbl module
# and were not tried. (That port's DSP48E2 loads D, not the pre-adder sum,
# into its AD register: harmless with ADREG = 0 as used here, wrong if a
# stage ever sets ADREG = 1.) Not in `make test`; skipped without UNISIM_V.
.PHONY: pe-dsp-check
pe-dsp-check: ## hta_pe_int8 on its primitives: make pe-dsp-check UNISIM_V="DSP48E2.v CARRY8.v LUT6_2.v"
ifeq ($(UNISIM_V),)
	@echo "pe-dsp-check: skipped: set UNISIM_V to simulation models of DSP48E2, CARRY8, LUT6_2"
else
	$(call msg,VERILATE,$(PE_DIR)/dspcheck/test_pe_int8_16 (primitives))
	$(Q)mkdir -p $(PE_DIR)/dspcheck
	$(Q)verilator --cc --exe --build -j 2 -Wno-fatal -Wno-lint -Wno-style --assert -O2 \
	  --prefix Vpe -GCi=16 -DSYNTHESIS --Mdir $(PE_DIR)/dspcheck -o test_pe_int8_16 \
	  -CFLAGS "-DPE_CI=16 -DPE_INT8" hw/rtl/hta_pe_int8.sv $(PE_DSP) $(UNISIM_V) \
	  $(CURDIR)/tests/rtl/test_pe.cpp >$(PE_DIR)/dspcheck.log 2>&1 \
	  || { tail -n 20 $(PE_DIR)/dspcheck.log; exit 1; }
	$(Q)$(PE_DIR)/dspcheck/test_pe_int8_16
endif
