# sim/usb/usb.mk - the emulated USB board: the umockdev launcher with its
# usbdevfs emulation, and the device models behind it. Included by the top
# Makefile after sim/sim.mk, tests/tests.mk and tools/hta/hta.mk.
#
#   build/sim/usb/usb_launcher      --model rtl: Verilator model of
#                                   hw/usb/hta_usb_sys.sv (bridge + engine)
#   build/sim/usb/usb_launcher_ref  --model ref only: the C++ reference of the
#                                   protocol's device side over libhtasim.a
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

# The host link layer's unit test.
USB_LINK_TEST := $(BUILD)/tests/test_usb_link
$(USB_LINK_TEST): $(BUILD)/obj/tests/usb/test_usb_link.o $(TEST_SUPPORT_OBJS) $(LIBHTA)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/obj/tests/usb/%.o: CPPFLAGS += -Ihost/src

ALL_TARGETS += $(USB_LAUNCHER_REF)
TEST_BINS   += $(USB_LINK_TEST)
