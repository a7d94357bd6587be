# tests/xrt/xrt.mk - the xrt backend's build settings and its tests.
# Included by the top Makefile after tools/hta/hta.mk and sim/emu/emu.mk.
#
#   build/tests/test_xrt_noop    the backend under XCL_EMULATION_MODE=noop: API
#                                flow and every error path (no device, bad or
#                                foreign xclbins, register map mismatch)
#   tests/xrt/test_xrt_hwemu.sh  two hw_emu sessions of a small model through
#                                real XRT and our Verilator device process:
#                                build/tests/test_xrt_hwemu_api (a timeout with
#                                its register dump, then every layer bit-exact
#                                with cpu, per-layer cycles equal sim's), and
#                                `hta bench` cycles equal sim's (~40 s)
#   tests/xrt/test_xrt_multi.sh  two emulated devices in one process
#                                (HTA_XRT_EMU_DEVICES=2): `hta eval` and `hta
#                                bench --batch 4` on xrt:0,1 equal sim, and the
#                                refusals (~50 s)
#
# libhta's xrt transport (its flags: host/host.mk) loads libxrt_coreutil only
# (docs/architecture.md: XRT); `hta xclbin` is built by tools/hta/hta.mk.

DEPS_PKGS += libxrt-dev libxrt1 uuid-dev unzip


XRT_NOOP_TEST := $(BUILD)/tests/test_xrt_noop
$(BUILD)/obj/tests/xrt/test_xrt_noop.o: CPPFLAGS += -Itools/hta $(HOST_INTERNAL_CPPFLAGS)

$(XRT_NOOP_TEST): $(BUILD)/obj/tests/xrt/test_xrt_noop.o $(BUILD)/obj/tools/hta/xclbin.o \
                  $(BUILD)/obj/tools/hta/files.o $(BUILD)/obj/tools/hta/zipw.o $(TEST_SUPPORT_OBJS) $(LIBHTA) $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)

# the hw_emu session through the API (timeout, bit-exact, cycles), run by the script
XRT_HWEMU_API := $(BUILD)/tests/test_xrt_hwemu_api
$(XRT_HWEMU_API): $(BUILD)/obj/tests/xrt/test_xrt_hwemu_api.o $(TEST_SUPPORT_OBJS) $(LIBHTA) \
                  $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(SIM_LDLIBS)

XRT_HWEMU_TEST := tests/xrt/test_xrt_hwemu.sh
# the script runs build/hta, the API test and the device process: make test builds them
$(XRT_HWEMU_TEST): $(HTA_CLI) $(EMU_DEVICE) $(XRT_HWEMU_API)
	@:

XRT_MULTI_TEST := tests/xrt/test_xrt_multi.sh
$(XRT_MULTI_TEST): $(HTA_CLI) $(EMU_DEVICE)
	@:

ALL_TARGETS += $(XRT_NOOP_TEST) $(XRT_HWEMU_API)
TEST_BINS   += $(XRT_NOOP_TEST) $(XRT_HWEMU_TEST) $(XRT_MULTI_TEST)
