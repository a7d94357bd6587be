# tests/rtl/drain.mk - the v2 drain unit (hw/rtl/hta_drain_unit.sv, its
# DSP48E2s as hta_dsp48e2's behavioural model) on its own Verilator model
# against the golden output stage (hta_requant in libhta's golden.c):
# tests/rtl/test_drain_unit.cpp, every combination of edge values and 2M
# seeded random values. Included by rtl.mk.

DRAIN_DIR  := $(BUILD)/hw/drain
DRAIN_RTL  := hw/rtl/hta_dsp48e2.sv hw/rtl/hta_drain_unit.sv
DRAIN_TEST := $(DRAIN_DIR)/test_drain_unit

$(DRAIN_TEST): $(DRAIN_RTL) tests/rtl/test_drain_unit.cpp tests/rtl/drain.mk $(LIBHTA)
	$(call msg,VERILATE,$@)
	$(Q)mkdir -p $(DRAIN_DIR)/obj
	$(Q)verilator --cc --exe --build -j 2 -Wall --assert -O2 --prefix Vdrain \
	  --top-module hta_drain_unit --Mdir $(DRAIN_DIR)/obj -o ../test_drain_unit \
	  -CFLAGS "-I$(CURDIR)/host/include" -LDFLAGS "$(CURDIR)/$(LIBHTA) -lm" \
	  $(DRAIN_RTL) $(CURDIR)/tests/rtl/test_drain_unit.cpp >$(DRAIN_DIR)/build.log 2>&1 \
	  || { tail -n 20 $(DRAIN_DIR)/build.log; exit 1; }

TEST_BINS += $(DRAIN_TEST)
