# tools/hta/hta.mk - the `hta` CLI (and its part of `make install`), the tests
# of libhta's API and engine driver, and the demo. Included by the top Makefile after host/host.mk, sim/sim.mk and
# tests/tests.mk (it uses LIBHTA, SIM_LIB, SIM_CPPFLAGS, TEST_SUPPORT_OBJS).
#
#   build/hta                     the CLI (tools/hta/*.c)
#   build/tests/test_hta_api      libhta's API on cpu and sim (+ san flavour)
#   build/tests/test_sim_threads  a sim device opened, run and closed on different threads (+ san)
#   build/tests/test_engine_driver  the engine driver over the sim transport (+ san)
#   tests/cli/test_cli.sh         the CLI end to end
#   tests/cli/test_install.sh     make install into a temp dir + pkg-config
#   make install                  installs hta (host/host.mk: the rest)
#   make demo                     MobileNet-V1 0.5/224 hybrid on the simulator

# pkg-config for the install test, python3 (json, no numpy) for the CLI test.
DEPS_PKGS += pkgconf python3

# `hta xclbin` (xclbin.c) writes the axlf structures of XRT's xclbin.h.
$(BUILD)/obj/tools/hta/xclbin.o $(BUILD)/san/tools/hta/xclbin.o: CPPFLAGS += -I/usr/include/xrt

# The xclbin's kernel XML starts from the Vitis kernel description that
# tools/gen generates from the register map (bitstreams/alveo/kernel.xml),
# built into the writer as a C string.
XRT_KERNEL_XML   := bitstreams/alveo/kernel.xml
XRT_KERNEL_XML_H := $(BUILD)/gen/hta_kernel_xml.h
$(XRT_KERNEL_XML_H): $(XRT_KERNEL_XML) tools/hta/hta.mk
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo '/* generated from $< by tools/hta/hta.mk - do not edit */'; \
	  echo 'static const char hta_kernel_xml[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/  "/' -e 's/$$/\\n"/' $<; \
	  echo '  ;'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/tools/hta/xclbin.o $(BUILD)/san/tools/hta/xclbin.o: $(XRT_KERNEL_XML_H)
$(BUILD)/obj/tools/hta/xclbin.o $(BUILD)/san/tools/hta/xclbin.o: CPPFLAGS += -I$(BUILD)/gen

HTA_CLI      := $(BUILD)/hta
HTA_CLI_SRCS := $(wildcard tools/hta/*.c)
HTA_CLI_OBJS := $(HTA_CLI_SRCS:%.c=$(BUILD)/obj/%.o)
# libhta's header-only helpers (host/src/util.h: little-endian, clock)
$(BUILD)/obj/tools/hta/%.o $(BUILD)/san/tools/hta/%.o: CPPFLAGS += -Ihost/src

# `hta eval` decodes image folders (tools/hta/image.c) and .npz files (zlib).
DEPS_PKGS += libpng-dev libjpeg-dev zlib1g-dev
# tests/cli/test_eval_data.sh writes its PNG/JPEG fixtures with PIL
DEPS_PKGS += python3-pil

# hta links no model: its sim device loads build/sim/<name>/libhtasim_<name>.so
# (make sim CFG=<name>); the default and tiny ones are built with it.
$(HTA_CLI): $(HTA_CLI_OBJS) $(LIBHTA) | $(SIM_SOS_BUILT)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(HTA_CLI_OBJS) $(LIBHTA) -o $@ $(LDLIBS) -lpng -ljpeg -lz -lm

# ---- unit tests of the API ----
HTA_API_TESTS     := $(BUILD)/tests/test_hta_api $(BUILD)/tests/test_sim_threads
HTA_API_SAN_TESTS := $(BUILD)/tests/san/test_hta_api $(BUILD)/tests/san/test_sim_threads

# They open sim devices: libhta loads the models (order-only prerequisites).
$(HTA_API_TESTS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) \
                  $(LIBHTA) | $(SIM_SOS_BUILT)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(filter-out $(SIM_SOS_BUILT),$^) -o $@ $(LDLIBS) -lz -lm

$(HTA_API_SAN_TESTS): $(BUILD)/tests/san/%: $(BUILD)/san/tests/unit/%.o \
                      $(TEST_SUPPORT_SAN_OBJS) $(LIBHTA_SAN) | $(SIM_SOS_BUILT)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) $^ -o $@ $(LDLIBS) -lz -lm

# The engine driver (host/src/engine.h) over the sim transport on the tiny
# model: status decoding and error texts (internal headers).
HTA_DRIVER_TESTS := $(BUILD)/tests/test_engine_driver $(BUILD)/tests/san/test_engine_driver
$(BUILD)/obj/tests/unit/test_engine_driver.o $(BUILD)/san/tests/unit/test_engine_driver.o: \
  CPPFLAGS += $(HOST_INTERNAL_CPPFLAGS) $(SIM_CPPFLAGS)
$(BUILD)/tests/test_engine_driver: $(BUILD)/obj/tests/unit/test_engine_driver.o \
                                   $(TEST_SUPPORT_OBJS) $(LIBHTA) | $(SIM_SOS_BUILT)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(filter-out $(SIM_SOS_BUILT),$^) -o $@ $(LDLIBS) -lm
$(BUILD)/tests/san/test_engine_driver: $(BUILD)/san/tests/unit/test_engine_driver.o \
                                       $(TEST_SUPPORT_SAN_OBJS) $(LIBHTA_SAN) | $(SIM_SOS_BUILT)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) $(filter-out $(SIM_SOS_BUILT),$^) -o $@ $(LDLIBS) -lm

# the CLI's .npy reader and writer
HTA_NPY_TESTS := $(BUILD)/tests/test_hta_npy $(BUILD)/tests/san/test_hta_npy
$(BUILD)/obj/tests/unit/test_hta_npy.o $(BUILD)/san/tests/unit/test_hta_npy.o: \
  CPPFLAGS += -Itools/hta
$(BUILD)/tests/test_hta_npy: $(BUILD)/obj/tests/unit/test_hta_npy.o \
                             $(BUILD)/obj/tools/hta/npy.o $(BUILD)/obj/tools/hta/files.o \
                             $(BUILD)/obj/tests/support/check.o
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/tests/san/test_hta_npy: $(BUILD)/san/tests/unit/test_hta_npy.o \
                                 $(BUILD)/san/tools/hta/npy.o $(BUILD)/san/tools/hta/files.o \
                                 $(BUILD)/san/tests/support/check.o
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) $^ -o $@ $(LDLIBS)
TEST_BINS += $(HTA_NPY_TESTS)

ALL_TARGETS += $(HTA_API_TESTS)
TEST_BINS   += $(HTA_API_TESTS) $(HTA_API_SAN_TESTS) $(HTA_DRIVER_TESTS)
ALL_TARGETS += $(HTA_CLI)
HTA_CLI_TESTS := $(wildcard tests/cli/test_cli.sh tests/cli/test_install.sh \
                   tests/cli/test_eval_data.sh tests/cli/test_v2_verify.sh)
TEST_BINS     += $(HTA_CLI_TESTS)
# the CLI tests run build/hta: make test builds it first
$(HTA_CLI_TESTS): $(HTA_CLI)
	@:
# the v2 engine's models (docs/engine-v2.md), which sim:cfg= loads
tests/cli/test_v2_verify.sh: $(SIM_SO_v2tiny) $(SIM_SO_v2tiny512) $(SIM_SO_v2small)

# ---- install (the CLI's part of `make install`: host/host.mk) ----
.PHONY: install-cli
install: install-cli
install-cli: $(HTA_CLI)
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin
	$(Q)install -m 755 $(HTA_CLI) $(DESTDIR)$(PREFIX)/bin/hta

# ---- demo ----
# MobileNet-V1 0.5 at 224x224, half the filters of every layer ternary
# (hybrid:0.5): generated, run on the simulator through libhta, verified
# bit-exact against the golden model, and benchmarked.
HTA_DEMO_DIR := $(BUILD)/demo
DEMO_CMDS += mkdir -p $(HTA_DEMO_DIR) ;
DEMO_CMDS += $(HTA_CLI) zoo mobilenet-v1 --width 0.5 --resolution 224 --plan hybrid:0.5 \
  --seed 1 -o $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta ;
DEMO_CMDS += $(HTA_CLI) info $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta ;
DEMO_CMDS += $(HTA_CLI) verify --model $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta --inputs 1 \
  --seed 1 ;
DEMO_CMDS += $(HTA_CLI) bench --device sim --model $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta ;
