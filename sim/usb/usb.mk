# sim/usb/usb.mk - the emulated USB board: the umockdev launcher with its
# usbdevfs emulation, and the device models behind it. Included by the top
# Makefile after sim/sim.mk, tests/tests.mk and tools/hta/hta.mk.
#
#   build/sim/usb/usb_launcher      --model rtl: Verilator model of
#                                   hw/usb/hta_usb_sys.sv (bridge + engine)
#   build/sim/usb/usb_launcher_ref  --model ref only: the C++ reference of the
#                                   protocol's device side over the default's libhtasim_small.a
#   build/tests/test_usb_link       the host's link layer (frames, CRC) alone
#   tests/usb/test_usb.sh           hta run/bench over usb: vs cpu and sim,
#                                   and the fault tests
# Two launchers because each Verilated model brings Verilator's runtime, and
# two of those do not link into one program.

DEPS_PKGS += umockdev libumockdev-dev libusb-1.0-0-dev libglib2.0-dev

USB_BUILD    := $(SIM_BUILD)/usb
USB_PKG_CFLAGS := $(shell pkg-config --cflags umockdev-1.0 2>/dev/null)
USB_PKG_LIBS   := $(or $(shell pkg-config --libs umockdev-1.0 2>/dev/null),\
                       -lumockdev -lgobject-2.0 -lglib-2.0)
USB_CXXFLAGS := $(SIM_CXXFLAGS) -Isim/usb $(USB_PKG_CFLAGS)
USB_HAVE_RTL := $(if $(wildcard hw/usb/hta_usb_sys.sv),yes,no)
USB_COMMON   := sim/usb/usbdevfs_emu.cpp
USB_MK       := sim/usb/usb.mk $(SIM_MK)

$(USB_BUILD)/%.o: sim/usb/%.cpp $(USB_MK) | $(GEN_FILES)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SIM_CXX) $(USB_CXXFLAGS) -c $< -o $@
$(USB_BUILD)/usb_launcher_ref.o: sim/usb/usb_launcher.cpp $(USB_MK) | $(GEN_FILES)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SIM_CXX) $(USB_CXXFLAGS) -c $< -o $@
-include $(wildcard $(USB_BUILD)/*.d)

USB_LAUNCHER_REF := $(USB_BUILD)/usb_launcher_ref
$(USB_LAUNCHER_REF): $(USB_BUILD)/usb_launcher_ref.o $(USB_BUILD)/usbdevfs_emu.o \
                     $(USB_BUILD)/proto_ref_model.o $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)$(SIM_CXX) $^ -o $@ $(USB_PKG_LIBS) $(SIM_LDLIBS)

# The RTL device: hta_usb_sys verilated with sim/'s flags (assertions on,
# VL_USER_* hooks: usb_sys_model.cpp records an RTL stop instead of exiting).
# RxIdleCycles 16384: the emulated board's clock runs only while the host has
# URBs pending, so the device's idle timeout (HELLO reports it, and the host
# waits that long before a retry) is kept short; a board keeps 2^20.
USB_SYS_VDIR  := $(USB_BUILD)/vsys
USB_SYS_VSRCS := $(SIM_RTL_VLT) $(USB_VLT) $(USB_SYS_FILES)
$(USB_SYS_VDIR)/.verilated: $(USB_SYS_FILES) $(SIM_RTL_VLT) $(USB_VLT) $(USB_MK) | $(GEN_FILES)
	$(call msg,VERILATE,hta_usb_sys -> $(@D))
	$(Q)mkdir -p $(@D)
	$(Q)$(SIM_VERILATOR) $(SIM_VFLAGS) -Wno-fatal -Wno-lint -Wno-style -Ihw/rtl -Ihw/usb \
	  -GRxIdleCycles=16384 --Mdir $(@D) --top-module hta_usb_sys $(USB_SYS_VSRCS) >/dev/null
	$(Q)$(MAKE) -s -C $(@D) -f Vhta_usb_sys.mk -f $(CURDIR)/sim/mk/verilated_objs.mk \
	  $(SIM_VMAKEFLAGS) htasim-objs >/dev/null
	$(Q)touch $@

$(USB_BUILD)/usb_sys_model.o: sim/usb/usb_sys_model.cpp $(USB_SYS_VDIR)/.verilated $(USB_MK)
	$(call msg,CXX,$@)
	$(Q)$(SIM_CXX) $(USB_CXXFLAGS) -I$(USB_SYS_VDIR) -DHTA_SIM_HAVE_TRACE=1 -c $< -o $@
$(USB_BUILD)/usb_launcher.o: sim/usb/usb_launcher.cpp $(USB_MK) | $(GEN_FILES)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SIM_CXX) $(USB_CXXFLAGS) -DHTA_USB_HAVE_RTL=1 -c $< -o $@

USB_LAUNCHER := $(USB_BUILD)/usb_launcher
$(USB_LAUNCHER): $(USB_BUILD)/usb_launcher.o $(USB_BUILD)/usbdevfs_emu.o \
                 $(USB_BUILD)/usb_sys_model.o $(SIM_BUILD)/axi_mem.o $(USB_SYS_VDIR)/.verilated
	$(call msg,LD,$@)
	$(Q)$(SIM_CXX) $(filter %.o,$^) $(USB_SYS_VDIR)/Vhta_usb_sys__ALL.a \
	  $(addprefix $(USB_SYS_VDIR)/,$(shell cat $(USB_SYS_VDIR)/htasim-runtime.txt 2>/dev/null)) \
	  -o $@ $(USB_PKG_LIBS) $(SIM_LDLIBS)

# The host link layer's unit test.
USB_LINK_TEST := $(BUILD)/tests/test_usb_link
$(USB_LINK_TEST): $(BUILD)/obj/tests/usb/test_usb_link.o $(TEST_SUPPORT_OBJS) $(LIBHTA)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/obj/tests/usb/%.o: CPPFLAGS += $(HOST_INTERNAL_CPPFLAGS)

ALL_TARGETS += $(USB_LAUNCHER_REF)
ifeq ($(USB_HAVE_RTL),yes)
ALL_TARGETS += $(USB_LAUNCHER)
endif
TEST_BINS   += $(USB_LINK_TEST)

# End to end: random layer chains on usb vs cpu vs sim (run under the launcher
# by tests/usb/test_usb.sh).
USB_E2E_TEST := $(BUILD)/tests/test_usb_e2e
$(USB_E2E_TEST): $(BUILD)/obj/tests/usb/test_usb_e2e.o $(TEST_SUPPORT_OBJS) $(LIBHTA) $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)
$(BUILD)/obj/tests/usb/test_usb_e2e.o: CPPFLAGS += -Itests/support
ALL_TARGETS += $(USB_E2E_TEST)

# The protocol through libusb and the emulated device (under the launcher).
USB_PROTO_TEST := $(BUILD)/tests/test_usb_proto
$(USB_PROTO_TEST): $(BUILD)/obj/tests/usb/test_usb_proto.o $(TEST_SUPPORT_OBJS) $(LIBHTA)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lusb-1.0
$(BUILD)/obj/tests/usb/test_usb_proto.o: CPPFLAGS += -Itests/support $(HOST_USB_CPPFLAGS)
ALL_TARGETS += $(USB_PROTO_TEST)

# The same with the sanitizers (leaks and memory errors on every path,
# the fault paths included: tests/usb/test_usb.sh runs it under faults).
USB_E2E_SAN_TEST := $(BUILD)/tests/san/test_usb_e2e
$(USB_E2E_SAN_TEST): $(BUILD)/san/tests/usb/test_usb_e2e.o $(TEST_SUPPORT_SAN_OBJS) \
                     $(LIBHTA_SAN) $(SIM_LIB)
	$(call msg,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)
$(BUILD)/san/tests/usb/test_usb_e2e.o: CPPFLAGS += -Itests/support
ALL_TARGETS += $(USB_E2E_SAN_TEST)

# tests/usb/test_usb.sh runs all of the above under the RTL launcher, and the
# CLI: make test builds them first (this rule comes after every variable it
# names: prerequisites are expanded where the rule is read).
USB_SH_TEST := tests/usb/test_usb.sh
ifeq ($(USB_HAVE_RTL),yes)
TEST_BINS += $(USB_SH_TEST)
$(USB_SH_TEST): $(USB_LAUNCHER) $(USB_LAUNCHER_REF) $(USB_E2E_TEST) $(USB_E2E_SAN_TEST) \
                $(USB_PROTO_TEST) $(HTA_CLI)
	@:
endif
