# tests/rtl/rtl.mk - the RTL against the golden model, on the Verilator model
# (sim/'s C API). Included by the top Makefile after sim/sim.mk and
# tests/tests.mk; the tests join TEST_BINS once hw/rtl/hta_top.sv exists.
#
#   build/tests/test_rtl_layers   randomized layers, bit-exact vs golden
#   build/tests/test_rtl_errors   window checks, AXI errors, bad programs

RTL_TESTS := $(BUILD)/tests/test_rtl_layers $(BUILD)/tests/test_rtl_errors

$(BUILD)/obj/tests/rtl/%.o: CPPFLAGS += -Itests/support -Itests/rtl $(SIM_CPPFLAGS)

$(RTL_TESTS): $(BUILD)/tests/%: $(BUILD)/obj/tests/rtl/%.o $(BUILD)/obj/tests/rtl/rtl_run.o \
              $(TEST_SUPPORT_OBJS) $(LIBHTA) $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)

ifeq ($(SIM_HAVE_RTL),yes)
TEST_BINS += $(RTL_TESTS)
endif

# make bench: cycles, utilization and simulation speed of MobileNet-like layers.
$(BUILD)/obj/tests/bench/%.o: CPPFLAGS += -Itests/support -Itests/rtl $(SIM_CPPFLAGS)
$(BUILD)/tests/bench_rtl: $(BUILD)/obj/tests/bench/bench_rtl.o $(BUILD)/obj/tests/rtl/rtl_run.o \
                          $(LIBHTA) $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)

ifeq ($(SIM_HAVE_RTL),yes)
BENCH_CMDS += $(BUILD)/tests/bench_rtl
endif

# The v2 processing elements' unit tests.
include tests/rtl/pe.mk

# The v2 compute core's unit tests.
include tests/rtl/v2.mk
