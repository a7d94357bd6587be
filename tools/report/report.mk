# tools/report/report.mk - the cost model's tests and reports (issue 4):
# hta_stats (host/src/stats.c), `hta stats`, and TABLE I of the hybrid
# filter bank paper reproduced for MobileNet-V1 0.5/224.
#
#   build/tests/test_stats        the cost model vs hand-computed values (+ san)
#   tests/cli/test_stats.sh       `hta stats` end to end
#   make table1                   docs/table1.md and docs/table1.png (~1 min:
#                                 zoo models, hta stats, hta bench on sim)
# Included after tests/tests.mk and tools/hta/hta.mk (TEST_SUPPORT_OBJS,
# LIBHTA, HTA_CLI).

# gnuplot draws the energy/throughput plot of make table1.
DEPS_PKGS += gnuplot-nox

STATS_TESTS     := $(BUILD)/tests/test_stats
STATS_SAN_TESTS := $(BUILD)/tests/san/test_stats

$(STATS_TESTS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) $(LIBHTA)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lm

$(STATS_SAN_TESTS): $(BUILD)/tests/san/%: $(BUILD)/san/tests/unit/%.o \
                    $(TEST_SUPPORT_SAN_OBJS) $(LIBHTA_SAN)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) $^ -o $@ $(LDLIBS) -lm

TEST_BINS += $(STATS_TESTS) $(STATS_SAN_TESTS)

# `hta stats` end to end (build/hta exists when hta.mk builds the CLI).
TEST_BINS += tests/cli/test_stats.sh
tests/cli/test_stats.sh: $(HTA_CLI)
	@:

# ---- make table1 ----
# ADDERS_PER_MAC: R of the area-equivalent throughput (the paper's 2, or the
# R measured by `make synth`, docs/resources.md).
ADDERS_PER_MAC ?= 2
.PHONY: table1
table1: $(HTA_CLI) ## TABLE I of the paper for MobileNet-V1 0.5/224: docs/table1.md, docs/table1.png
	$(call msg,GEN,docs/table1.md docs/table1.png)
	$(Q)bash tools/report/table1.sh $(HTA_CLI) docs/table1.md docs/table1.png $(ADDERS_PER_MAC)
