# tests/rtl/v2.mk - the v2 compute core (hw/rtl/hta_v2_core.sv) on its own
# Verilator model against a C convolution (tests/rtl/test_v2_core.cpp), at
# three configurations: Pix 4 x Ci 8 x MacCo 4 / AddCo 4 (INT8 chains of 4,
# 4), Pix 3 x Ci 5 x MacCo 2 / AddCo 3 (6 banks: not a power of two, a padded
# ternary tree, 4 output slots, group-scale units of 2 and 1 PEs) and
# Pix 2 x Ci 16 x MacCo 2 / AddCo 1 (chains of 6, 6, 4; without fine groups).
# Included by rtl.mk.

V2_DIR := $(BUILD)/hw/v2
V2_RTL := hw/rtl/hta_pe_int8.sv hw/rtl/hta_dsp48e2_mac2.sv hw/rtl/hta_accum.sv \
          hw/rtl/hta_add3.sv hw/rtl/hta_pe_tern.sv hw/rtl/hta_v2_core.sv
# name  Pix  Ci  MacCo  AddCo  OutDepth  ScaleShare  FineGroups  (one model and
# test binary each; 4 output slots stall short tiles, 16 never do)
V2_MODELS := p4c8:4:8:4:4:16:4:1 p3c5:3:5:2:3:4:2:1 p2c16:2:16:2:1:16:4:0
V2_TESTS  := $(foreach m,$(V2_MODELS),$(V2_DIR)/test_v2_core_$(word 1,$(subst :, ,$(m))))
V2_ACTDEPTH := 512
V2_WDEPTH   := 1024
V2_ADEPTH   := 1024

# $(call v2_model,NAME,PIX,CI,MACCO,ADDCO,OUTDEPTH,SCALESHARE,FINEGROUPS)
define v2_model
$(V2_DIR)/test_v2_core_$(1): $(V2_RTL) tests/rtl/test_v2_core.cpp tests/rtl/v2.mk
	$$(call msg,VERILATE,$$@)
	$$(Q)mkdir -p $(V2_DIR)/$(1)
	$$(Q)verilator --cc --exe --build -j 2 -Wall --assert -O2 --prefix Vv2core \
	  --top-module hta_v2_core -GPix=$(2) -GCi=$(3) -GMacCo=$(4) -GAddCo=$(5) -GOutDepth=$(6) \
	  -GScaleShare=$(7) -GFineGroups=$(8) \
	  -GActDepth=$$(V2_ACTDEPTH) -GWDepth=$$(V2_WDEPTH) -GADepth=$$(V2_ADEPTH) \
	  --Mdir $(V2_DIR)/$(1) -o ../test_v2_core_$(1) \
	  -CFLAGS "-DV2_PIX=$(2) -DV2_CI=$(3) -DV2_MACCO=$(4) -DV2_ADDCO=$(5) -DV2_FINE=$(8) \
	    -DV2_ACTDEPTH=$$(V2_ACTDEPTH) -DV2_WDEPTH=$$(V2_WDEPTH) -DV2_ADEPTH=$$(V2_ADEPTH)" \
	  $(V2_RTL) $(CURDIR)/tests/rtl/test_v2_core.cpp >$(V2_DIR)/$(1).log 2>&1 \
	  || { tail -n 20 $(V2_DIR)/$(1).log; exit 1; }
endef
v2_f = $(word $(1),$(subst :, ,$(2)))
$(foreach m,$(V2_MODELS),$(eval $(call v2_model,$(call v2_f,1,$(m)),$(call v2_f,2,$(m)),$(strip \
  )$(call v2_f,3,$(m)),$(call v2_f,4,$(m)),$(call v2_f,5,$(m)),$(call v2_f,6,$(m)),$(strip \
  )$(call v2_f,7,$(m)),$(call v2_f,8,$(m)))))

TEST_BINS += $(V2_TESTS)

# make v2-bench: utilization of MobileNet-like layers at the zcu104 sizes of
# engine-v2.md (Pix 10 x Ci 16 x MacCo 16 / AddCo 48): convolutions,
# depthwise and GAP layers, row-spanning and augmented layouts; a larger
# model (banks of 8192 words for MobileNet's 112-wide depthwise layers in
# the taps-in-lanes layout), built on demand (a few minutes of Verilator),
# not a test.
V2_BENCH := $(V2_DIR)/test_v2_core_zcu104
$(eval $(call v2_model,zcu104,10,16,16,48,16,4,1))
$(V2_BENCH): V2_ACTDEPTH := 8192
$(V2_BENCH): V2_WDEPTH := 4096
.PHONY: v2-bench
v2-bench: $(V2_BENCH) ## v2 compute core: utilization of MobileNet-like layers, zcu104 sizes
	$(V2_BENCH) --bench-only
BENCH_CMDS += $(MAKE) --no-print-directory v2-bench ;
