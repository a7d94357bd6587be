# tests/rtl/rtl.mk - the RTL against the golden model, on the Verilator model
# (sim/'s C API). Included by the top Makefile after sim/sim.mk and
# tests/tests.mk; the tests join TEST_BINS once hw/rtl/hta_top.sv exists.
#
# Each test is built once per configuration in RTL_TEST_CFGS, linked with
# that configuration's model (libhtasim_<name>.a); it finds its configuration
# with hta_sim_config_name() (tests/rtl/rtl_run.c):
#   build/tests/<name>/test_rtl_layers   lane-count edges (filters of a kind
#                                        at M-1, M, M+1... lanes), randomized
#                                        layers, bit-exact vs golden (the full
#                                        random sweep on tiny, a subset else)
#   build/tests/<name>/test_rtl_graph    random DAGs (ADD, CONCAT, MUL, tables) on
#                                        the graph-op unit, vs golden and interpreter
#   build/tests/<name>/test_rtl_errors   window checks, AXI errors, bad programs,
#                                        a program of another configuration

RTL_TEST_CFGS := tiny $(SIM_CFG_DEFAULT)
RTL_TEST_NAMES := test_rtl_layers test_rtl_errors test_rtl_graph
RTL_TESTS := $(foreach c,$(RTL_TEST_CFGS),$(RTL_TEST_NAMES:%=$(BUILD)/tests/$(c)/%))

$(BUILD)/obj/tests/rtl/%.o: CPPFLAGS += -Itests/support -Itests/rtl $(SIM_CPPFLAGS)

# $(call rtl_tests,NAME)
define rtl_tests
$(RTL_TEST_NAMES:%=$(BUILD)/tests/$(1)/%): $(BUILD)/tests/$(1)/%: $(BUILD)/obj/tests/rtl/%.o \
    $(BUILD)/obj/tests/rtl/rtl_run.o $(TEST_SUPPORT_OBJS) $(LIBHTA) $(SIM_LIB_$(1))
	$$(call msg,LD,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(CC) $$(LDFLAGS) $$^ -o $$@ $$(LDLIBS) $(SIM_LDLIBS)
endef

$(foreach c,$(RTL_TEST_CFGS),$(eval $(call rtl_tests,$(c))))
TEST_BINS += $(RTL_TESTS)

# The v2 engine (hta_top with Engine 2), per v2 configuration:
#   build/tests/<name>/test_rtl_v2      random layers and chains, then the
#                                       Fashion-MNIST model, bit-exact vs golden
#   build/tests/<name>/test_rtl_graph   random DAGs: jobs on the core, graph
#                                       ops on the graph-op unit, vs golden and
#                                       the v2 interpreter (not on MAC-only
#                                       configurations)
RTL_V2_CFGS  := v2tiny v2tiny512 v2small v2smallmac
RTL_V2_NAMES := test_rtl_v2 test_rtl_graph
RTL_V2_TESTS := $(RTL_V2_CFGS:%=$(BUILD)/tests/%/test_rtl_v2) \
                $(filter-out %mac/test_rtl_graph,$(RTL_V2_CFGS:%=$(BUILD)/tests/%/test_rtl_graph))
define rtl_v2_test
$(RTL_V2_NAMES:%=$(BUILD)/tests/$(1)/%): $(BUILD)/tests/$(1)/%: $(BUILD)/obj/tests/rtl/%.o \
    $(BUILD)/obj/tests/rtl/rtl_run.o $(TEST_SUPPORT_OBJS) $(LIBHTA) $(SIM_LIB_$(1))
	$$(call msg,LD,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(CC) $$(LDFLAGS) $$^ -o $$@ $$(LDLIBS) $(SIM_LDLIBS)
endef
$(foreach c,$(RTL_V2_CFGS),$(eval $(call rtl_v2_test,$(c))))
TEST_BINS += $(RTL_V2_TESTS)

# make bench: cycles, utilization and simulation speed of MobileNet-like layers.
$(BUILD)/obj/tests/bench/%.o: CPPFLAGS += -Itests/support -Itests/rtl $(SIM_CPPFLAGS)
$(BUILD)/tests/bench_rtl: $(BUILD)/obj/tests/bench/bench_rtl.o $(BUILD)/obj/tests/rtl/rtl_run.o \
                          $(LIBHTA) $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)

BENCH_CMDS += $(BUILD)/tests/bench_rtl

# make bench-v2: docs/benchmarks.md's per-configuration tables of the v2
# engine (tests/bench/bench_v2.sh; JSON in docs/bench/<cfg>.json): each pair
# "hybrid:mac" of BENCH_V2_PAIRS runs the MAC-only configuration, then the
# hybrid one with a speedup column against the MAC-only int8, on the models
# BENCH_V2_MODELS (width:resolution) at each batch of BENCH_V2_BATCHES. The
# part-sized pair takes minutes per run: make bench-v2
# BENCH_V2_PAIRS=zcu104:zcu104mac BENCH_V2_MODELS=0.5:224 BENCH_V2_BATCHES="1 8"
BENCH_V2_PAIRS   ?= v2small:v2smallmac
BENCH_V2_MODELS  ?= 0.25:128
BENCH_V2_BATCHES ?= 1 8
.PHONY: bench-v2
bench-v2: $(HTA_CLI) $(foreach p,$(BENCH_V2_PAIRS),$(foreach c,$(subst :, ,$(p)),$(SIM_SO_$(c)))) ## v2 engine: MobileNet-V1 per configuration -> docs/benchmarks.md
	$(Q)for p in $(BENCH_V2_PAIRS); do \
	  bash tests/bench/bench_v2.sh $(HTA_CLI) $${p#*:} --models "$(BENCH_V2_MODELS)" \
	    --batches "$(BENCH_V2_BATCHES)" || exit 1; \
	  bash tests/bench/bench_v2.sh $(HTA_CLI) $${p%%:*} --models "$(BENCH_V2_MODELS)" \
	    --batches "$(BENCH_V2_BATCHES)" --vs $${p#*:} || exit 1; done
BENCH_CMDS += $(MAKE) --no-print-directory bench-v2 ;

# The v2 processing elements' unit tests.
include tests/rtl/pe.mk

# The v2 compute core's unit tests.
include tests/rtl/v2.mk

# The v2 drain unit's test.
include tests/rtl/drain.mk
