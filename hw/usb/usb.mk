# hw/usb/usb.mk - the link bridge RTL (docs/usb-protocol.md) and its checks.
#
# Included by the top Makefile after hw/hw.mk (uses RTL_FILES, LINT_WAIVERS).
# Provides
#   USB_RTL_FILES  hw/usb's design files, packages first
#   USB_SYS_FILES  everything hta_usb_sys (bridge + engine + arbiter) needs,
#                  in an order Verilator and Yosys accept: the files a
#                  simulation of hta_usb_sys passes to verilator
#   USB_VLT        waivers to pass with them (after hw/lint's)
# Targets: lint-usb; appends its test to TEST_BINS, the board tools to DEPS_PKGS.

USB_RTL_FILES := hw/usb/hta_usb_pkg.sv hw/usb/hta_usb_idq.sv hw/usb/hta_usb_axi_arb.sv \
                 hw/usb/hta_usb_bridge.sv hw/usb/hta_usb_ft245.sv hw/usb/hta_usb_uart.sv \
                 hw/usb/hta_usb_sys.sv
USB_SYS_FILES := $(RTL_FILES) $(USB_RTL_FILES)
USB_VLT       := hw/usb/usb.vlt

# The iCE40 bitstream flow (bitstreams/ice40) needs the open FPGA tools.
DEPS_PKGS += yosys nextpnr-ice40 fpga-icestorm

.PHONY: lint-usb
lint-usb: $(RTL_GEN_PKGS) ## lint hw/usb: verilator -Wall, Yosys read (bridge, adapters, system)
	$(Q)bash hw/usb/test_usb_lint.sh

TEST_BINS += hw/usb/test_usb_lint.sh hw/usb/test_usb_bridge.sh bitstreams/ice40/test_ice40.sh
