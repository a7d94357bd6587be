# tests/fuzz/fuzz.mk - libFuzzer harnesses (clang, ASan + UBSan) and the
# importer's fuzzer, docs/fuzzing.md. Included after host/host.mk,
# sim/sim.mk, tools/hta/hta.mk and tests/xrt/xrt.mk: library sources are
# named through their variables (HOST_SRCS, HTA_CLI_SRCS), and the include
# flags through theirs, so moving a file there moves it here.
#
#   build/fuzz/fuzz_model      .hta reader -> writer -> compiler -> cpu run
#   build/fuzz/fuzz_npy        the CLI's .npy readers (tools/hta/npy.c)
#   build/fuzz/fuzz_usb_link   the host side of the USB link (usb_link.c)
#   tests/fuzz/fuzz_import.py  the ONNX importer's Python side (random graphs)
#   tests/fuzz/test_fuzz.sh    runs each for FUZZ_SECONDS (make test: 20 s each)
#   make fuzz                  the same for FUZZ_SECONDS=300 each
#
# Corpora (committed seeds) in tests/fuzz/corpus/NAME; what a run adds goes
# to build/fuzz/corpus/NAME, crashes to build/fuzz/crashes/NAME; reproducers
# of past findings in tests/fuzz/regress/NAME run first, each a named check.

# Debian 12's clang is clang-14; libFuzzer's runtime is in libclang-rt-14-dev,
# only a recommendation of clang (deps.sh installs without recommends).
DEPS_PKGS += clang libclang-rt-14-dev python3-numpy python3-onnx
FUZZ_CC     := clang
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_DIR    := $(BUILD)/fuzz

# Every library object (device.c names every backend, so the model harness
# links them all); the include paths the backends need everywhere.
FUZZ_LIB_OBJS := $(HOST_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_LINK_SRC := $(filter %/usb_link.c,$(HOST_SRCS))
FUZZ_NPY_SRCS := $(filter %/npy.c %/files.c,$(HTA_CLI_SRCS))
FUZZ_CPPFLAGS := $(CPPFLAGS) $(HOST_INTERNAL_CPPFLAGS) $(HOST_USB_CPPFLAGS) -I/usr/include/xrt $(SIM_CPPFLAGS) \
                 -I$(dir $(FUZZ_LINK_SRC)) $(addprefix -I,$(sort $(dir $(FUZZ_NPY_SRCS))))

$(FUZZ_DIR)/obj/%.o: %.c | $(GEN_FILES)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@
-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

FUZZ_BINS := $(FUZZ_DIR)/fuzz_model $(FUZZ_DIR)/fuzz_npy $(FUZZ_DIR)/fuzz_usb_link
$(FUZZ_DIR)/fuzz_model: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_model.o $(FUZZ_LIB_OBJS)
$(FUZZ_DIR)/fuzz_npy: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_npy.o $(FUZZ_NPY_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
$(FUZZ_DIR)/fuzz_usb_link: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_usb_link.o \
                           $(FUZZ_DIR)/usb_link_vclock.o
# The link's clock is the harness's virtual one (see fuzz_usb_link.c).
$(FUZZ_DIR)/usb_link_vclock.o: $(FUZZ_LINK_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
	$(call msg,OBJCOPY,$@)
	$(Q)objcopy --redefine-sym clock_gettime=fuzz_clock_gettime $< $@
$(FUZZ_BINS):
	$(call msg,LD-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) $^ -o $@ -ldl -lpthread -lm

TEST_BINS += tests/fuzz/test_fuzz.sh
tests/fuzz/test_fuzz.sh: $(FUZZ_BINS)
	@:

.PHONY: fuzz
fuzz: deps ## run every fuzzer for FUZZ_SECONDS (default 300) each (docs/fuzzing.md)
	$(Q)$(MAKE) $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(or $(FUZZ_SECONDS),300) bash tests/fuzz/test_fuzz.sh

# The committed seeds: `make fuzz-seeds` writes them again (the same bytes:
# seeded generators).
FUZZ_SEEDER := $(BUILD)/tests/make_model_seeds
$(BUILD)/obj/tests/fuzz/%.o $(BUILD)/san/tests/fuzz/%.o: CPPFLAGS += -Itests/support
$(FUZZ_SEEDER): $(BUILD)/obj/tests/fuzz/make_model_seeds.o $(TEST_SUPPORT_OBJS) $(LIBHTA)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lm

.PHONY: fuzz-seeds
fuzz-seeds: $(FUZZ_SEEDER) ## write the fuzzers' seed corpora again (tests/fuzz/corpus)
	$(Q)mkdir -p tests/fuzz/corpus/model
	$(Q)$(FUZZ_SEEDER) tests/fuzz/corpus/model
	$(Q)/usr/bin/python3 tests/fuzz/make_seeds.py tests/fuzz/corpus
