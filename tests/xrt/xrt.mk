# tests/xrt/xrt.mk - the xrt backend's build settings and its tests.
# Included by the top Makefile after tools/hta/hta.mk and sim/emu/emu.mk.
#
#   build/tests/test_xrt_noop    the backend under XCL_EMULATION_MODE=noop: API
#                                flow and every error path (no device, bad or
#                                foreign xclbins, register map mismatch)
#   tests/xrt/test_xrt_hwemu.sh  one hw_emu run of a small model through real
#                                XRT and our Verilator device process: outputs
#                                equal cpu's, bench cycles equal sim's (~25 s)
#
# libhta's xrt backend links libxrt_coreutil only (docs/architecture.md: XRT);
# XRT's headers include "xrt.h" and "experimental/..." from /usr/include/xrt.

DEPS_PKGS += libxrt-dev libxrt1 uuid-dev unzip

XRT_CPPFLAGS := -I/usr/include/xrt
# backend_xrt.c names engine errors with hta_simprog.h, which includes hta_sim.h
$(BUILD)/obj/host/src/backend_xrt.o $(BUILD)/san/host/src/backend_xrt.o: \
  CPPFLAGS += $(SIM_CPPFLAGS)
$(BUILD)/obj/host/src/backend_xrt.o $(BUILD)/san/host/src/backend_xrt.o \
$(BUILD)/obj/tools/hta/xclbin.o $(BUILD)/san/tools/hta/xclbin.o: CPPFLAGS += $(XRT_CPPFLAGS)
LDLIBS += -lxrt_coreutil

# The xclbin's kernel XML starts from the Vitis kernel description that
# tools/gen generates from the register map (bitstreams/alveo/kernel.xml),
# built into the writer as a C string.
XRT_KERNEL_XML   := bitstreams/alveo/kernel.xml
XRT_KERNEL_XML_H := $(BUILD)/gen/hta_kernel_xml.h
$(XRT_KERNEL_XML_H): $(XRT_KERNEL_XML) tests/xrt/xrt.mk
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo '/* generated from $< by tests/xrt/xrt.mk - do not edit */'; \
	  echo 'static const char hta_kernel_xml[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/  "/' -e 's/$$/\\n"/' $<; \
	  echo '  ;'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/tools/hta/xclbin.o $(BUILD)/san/tools/hta/xclbin.o: $(XRT_KERNEL_XML_H)
$(BUILD)/obj/tools/hta/xclbin.o $(BUILD)/san/tools/hta/xclbin.o: CPPFLAGS += -I$(BUILD)/gen

XRT_NOOP_TEST := $(BUILD)/tests/test_xrt_noop
$(BUILD)/obj/tests/xrt/test_xrt_noop.o: CPPFLAGS += -Itools/hta -Ihost/src

$(XRT_NOOP_TEST): $(BUILD)/obj/tests/xrt/test_xrt_noop.o $(BUILD)/obj/tools/hta/xclbin.o \
                  $(BUILD)/obj/tools/hta/zipw.o $(TEST_SUPPORT_OBJS) $(LIBHTA) $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)

XRT_HWEMU_TEST := tests/xrt/test_xrt_hwemu.sh
# the script runs build/hta and the device process: make test builds them first
$(XRT_HWEMU_TEST): $(HTA_CLI) $(EMU_DEVICE)
	@:

ifeq ($(SIM_HAVE_RTL),yes)
ALL_TARGETS += $(XRT_NOOP_TEST)
TEST_BINS   += $(XRT_NOOP_TEST) $(XRT_HWEMU_TEST)
endif
