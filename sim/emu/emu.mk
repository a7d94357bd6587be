EMU_DEVICE := $(BUILD)/sim/emu/hta_emu_device
