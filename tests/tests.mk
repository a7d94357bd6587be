# tests/tests.mk - the host unit tests and their shared support code.
# Included by the top Makefile (after host/host.mk, which defines LIBHTA).
#
#   build/tests/test_golden       golden model vs hand-computed cases
#   build/tests/test_compile      compiler + interpreter vs golden model
#   build/tests/test_compile_v2   engine-v2 compiler + v2 interpreter vs golden model
#   build/tests/test_prog_format  hta_prog.h (generated): pack/unpack, ranges, layout
#   build/tests/san/test_*        the same built with the sanitizers
#
# tests/support/*.c (check, PRNG, random layers, program interpreter) is
# linked into every unit test; other test fragments may reuse
# TEST_SUPPORT_OBJS / TEST_SUPPORT_SAN_OBJS and -Itests/support.

TEST_SUPPORT_SRCS     := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJS     := $(TEST_SUPPORT_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_SUPPORT_SAN_OBJS := $(TEST_SUPPORT_SRCS:%.c=$(BUILD)/san/%.o)

# -Ihost/src: libhta's header-only helpers (util.h: little-endian, clock)
$(BUILD)/obj/tests/%.o: CPPFLAGS += -Itests/support -Ihost/src
$(BUILD)/san/tests/%.o: CPPFLAGS += -Itests/support -Ihost/src

HOST_UNIT_TESTS     := $(BUILD)/tests/test_golden $(BUILD)/tests/test_compile \
                       $(BUILD)/tests/test_prog_format $(BUILD)/tests/test_compile_v2
HOST_UNIT_SAN_TESTS := $(HOST_UNIT_TESTS:$(BUILD)/tests/%=$(BUILD)/tests/san/%)

$(HOST_UNIT_TESTS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) $(LIBHTA)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(HOST_UNIT_SAN_TESTS): $(BUILD)/tests/san/%: $(BUILD)/san/tests/unit/%.o \
                        $(TEST_SUPPORT_SAN_OBJS) $(LIBHTA_SAN)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) $^ -o $@ $(LDLIBS)

TEST_BINS += $(HOST_UNIT_TESTS) $(HOST_UNIT_SAN_TESTS)

# The .hta model file format (docs/model-format.md) and the model zoo.
MODEL_UNIT_TESTS     := $(BUILD)/tests/test_model_format $(BUILD)/tests/test_zoo \
                        $(BUILD)/tests/test_v2_networks
MODEL_UNIT_SAN_TESTS := $(MODEL_UNIT_TESTS:$(BUILD)/tests/%=$(BUILD)/tests/san/%)

$(MODEL_UNIT_TESTS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) \
                     $(LIBHTA)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lm

$(MODEL_UNIT_SAN_TESTS): $(BUILD)/tests/san/%: $(BUILD)/san/tests/unit/%.o \
                         $(TEST_SUPPORT_SAN_OBJS) $(LIBHTA_SAN)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) $^ -o $@ $(LDLIBS) -lm

TEST_BINS += $(MODEL_UNIT_TESTS) $(MODEL_UNIT_SAN_TESTS)

# tests/cluster/test_slurm.sh: a sharded hta eval through a one-node Slurm
# that the test starts on localhost itself (Debian's slurm-wlm and munge;
# no systemd needed), compared with a local run (tools/cluster/README.md).
DEPS_PKGS += slurm-wlm munge
TEST_BINS += tests/cluster/test_slurm.sh
tests/cluster/test_slurm.sh: $(BUILD)/hta
	@:

# hta eval/bench --jobs, --shard and hta merge end to end (build/hta; the
# tests run from the repository root, so the CLI is named by its path here,
# before tools/hta/hta.mk defines HTA_CLI).
TEST_BINS += tests/cli/test_scaling.sh
tests/cli/test_scaling.sh: $(BUILD)/hta
	@:
