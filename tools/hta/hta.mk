# tools/hta/hta.mk - the driver's tests, the `hta` CLI, `make install`, and
# the demo. Included by the top Makefile after host/host.mk, sim/sim.mk and
# tests/tests.mk (it uses LIBHTA, SIM_LIB, SIM_CPPFLAGS, TEST_SUPPORT_OBJS).
#
#   build/hta                     the CLI (tools/hta/*.c)
#   build/tests/test_hta_api      libhta's API on cpu and sim (+ san flavour)
#   tests/cli/test_cli.sh         the CLI end to end
#   tests/cli/test_install.sh     make install into a temp dir + pkg-config
#   make install PREFIX=/usr/local (DESTDIR too)
#   make demo                     MobileNet-V1 0.5/224 hybrid on the simulator

# pkg-config for the install test, python3 (json, no numpy) for the CLI test.
DEPS_PKGS += pkgconf python3

# The sim backend and the program runner under it include hta_sim.h.
$(BUILD)/obj/host/src/backend_sim.o $(BUILD)/san/host/src/backend_sim.o \
$(BUILD)/obj/host/src/simprog.o $(BUILD)/san/host/src/simprog.o \
$(BUILD)/pic/host/src/backend_sim.o $(BUILD)/pic/host/src/simprog.o \
$(BUILD)/obj/host/src/simlib.o $(BUILD)/san/host/src/simlib.o $(BUILD)/pic/host/src/simlib.o: \
  CPPFLAGS += $(SIM_CPPFLAGS)

HTA_CLI      := $(BUILD)/hta
HTA_CLI_SRCS := $(wildcard tools/hta/*.c)
HTA_CLI_OBJS := $(HTA_CLI_SRCS:%.c=$(BUILD)/obj/%.o)

# The CLI needs the model code (host/src/model*.c, zoo.c: another part of
# issue 3); until it exists only the library and its tests are built.
HTA_HAVE_MODEL := $(if $(and $(wildcard host/src/zoo.c),$(wildcard tools/hta/main.c)),yes,no)

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
HTA_API_TESTS     := $(BUILD)/tests/test_hta_api
HTA_API_SAN_TESTS := $(BUILD)/tests/san/test_hta_api

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

ifeq ($(SIM_HAVE_RTL),yes)
ALL_TARGETS += $(HTA_API_TESTS)
TEST_BINS   += $(HTA_API_TESTS) $(HTA_API_SAN_TESTS)
ifeq ($(HTA_HAVE_MODEL),yes)
ALL_TARGETS += $(HTA_CLI)
HTA_CLI_TESTS := $(wildcard tests/cli/test_cli.sh tests/cli/test_install.sh \
                   tests/cli/test_eval_data.sh tests/cli/test_v2_verify.sh)
TEST_BINS     += $(HTA_CLI_TESTS)
# the CLI tests run build/hta: make test builds it first
$(HTA_CLI_TESTS): $(HTA_CLI)
	@:
# the v2 engine's models (docs/engine-v2.md), which sim:cfg= loads
tests/cli/test_v2_verify.sh: $(SIM_SO_v2tiny) $(SIM_SO_v2small)
endif
endif

# ---- install ----
PREFIX  ?= /usr/local
DESTDIR ?=
HTA_PUBLIC_HEADERS := host/include/hta.h host/include/hta_layer.h host/include/hta_golden.h \
  host/include/hta_compile.h host/include/hta_hw_config.h host/include/hta_regs.h \
  host/include/hta_prog.h \
  $(wildcard host/include/hta_model.h host/include/hta_zoo.h)
HTA_PC := $(BUILD)/hta.pc

# hta.pc is regenerated whenever PREFIX changes (the stamp holds it).
$(BUILD)/.hta_prefix: FORCE_PREFIX
	@mkdir -p $(@D)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
.PHONY: FORCE_PREFIX

$(HTA_PC): hta.pc.in $(BUILD)/.hta_prefix
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n \
	  's/^#define HTA_VERSION_STRING "\(.*\)"/\1/p' host/include/hta.h)|g' \
	  -e 's|@SIM_LDLIBS@|$(SIM_LDLIBS)|g' $< > $@

.PHONY: install
HTA_INSTALL_DEPS := $(LIBHTA) $(LIBHTA_SO) $(SIM_SOS_BUILT) $(HTA_PC) $(if $(filter yes,$(HTA_HAVE_MODEL)),$(HTA_CLI))
install: $(HTA_INSTALL_DEPS) ## install libhta, headers, hta.pc, hta (PREFIX, DESTDIR)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/hta \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/hta
	$(Q)install -m 644 $(LIBHTA) $(DESTDIR)$(PREFIX)/lib/libhta.a
	$(Q)install -m 755 $(LIBHTA_SO) $(DESTDIR)$(PREFIX)/lib/
	$(Q)ln -sf libhta.so.$(HTA_SO_VERSION) $(DESTDIR)$(PREFIX)/lib/libhta.so.$(HTA_SO_MAJOR)
	$(Q)ln -sf libhta.so.$(HTA_SO_MAJOR) $(DESTDIR)$(PREFIX)/lib/libhta.so
	$(Q)install -m 755 $(SIM_BUILD)/*/libhtasim_*.so $(DESTDIR)$(PREFIX)/lib/hta/
	$(Q)install -m 644 $(HTA_PUBLIC_HEADERS) sim/include/hta_sim.h \
	  $(DESTDIR)$(PREFIX)/include/hta/
	$(Q)install -m 644 $(HTA_PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/hta.pc
	$(Q)$(if $(filter yes,$(HTA_HAVE_MODEL)),install -m 755 $(HTA_CLI) $(DESTDIR)$(PREFIX)/bin/hta)

# ---- demo ----
# MobileNet-V1 0.5 at 224x224, half the filters of every layer ternary
# (hybrid:0.5): generated, run on the simulator through libhta, verified
# bit-exact against the golden model, and benchmarked.
HTA_DEMO_DIR := $(BUILD)/demo
ifeq ($(HTA_HAVE_MODEL),yes)
DEMO_CMDS += mkdir -p $(HTA_DEMO_DIR) ;
DEMO_CMDS += $(HTA_CLI) zoo mobilenet-v1 --width 0.5 --resolution 224 --plan hybrid:0.5 \
  --seed 1 -o $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta ;
DEMO_CMDS += $(HTA_CLI) info $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta ;
DEMO_CMDS += $(HTA_CLI) verify --model $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta --inputs 1 \
  --seed 1 ;
DEMO_CMDS += $(HTA_CLI) bench --device sim --model $(HTA_DEMO_DIR)/mobilenet_v1_050_224.hta ;
endif
