# sim/emu/emu.mk - the device process of XRT's hardware emulation (hw_emu):
# XRT 2.13's remote calls over a unix socket, served by the Verilator model
# (sim/include/hta_sim.h). `hta xclbin --emu` embeds it in an xclbin.
# Included by the top Makefile after sim/sim.mk (SIM_LIB, SIM_LDLIBS).

EMU_DEVICE := $(BUILD)/sim/emu/hta_emu_device
EMU_SRCS   := sim/emu/hta_emu_device.cpp
EMU_OBJS   := $(EMU_SRCS:%.cpp=$(BUILD)/obj/%.o)
$(EMU_OBJS): CPPFLAGS += $(SIM_CPPFLAGS)

$(EMU_DEVICE): $(EMU_OBJS) $(SIM_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CXX) $(LDFLAGS) $^ -o $@ $(SIM_LDLIBS)

ALL_TARGETS += $(EMU_DEVICE)
