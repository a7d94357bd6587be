# bitstreams/zynq/hta_bd.tcl - the HTA kernel on a Zynq UltraScale+ MPSoC:
# a Vivado block design with the processing system, the kernel packaged as an
# IP, clock, reset, interrupt and address map; implemented to a bitstream and
# exported as a fixed XSA (hardware platform) for PetaLinux / XRT edge.
#
#   vivado -mode batch -source hta_bd.tcl \
#          -tclargs BOARD KERNEL_XML GEN_RTL RTL_DIR OUT_DIR CLOCK_MHZ JOBS
#
#   BOARD       zcu104 or kv260
#   KERNEL_XML  the kernel.xml hta_gen generated for the board's configuration
#   GEN_RTL     folder with that configuration's hta_cfg_pkg.sv, hta_regs_pkg.sv
#   RTL_DIR     the hand-written RTL (hw/rtl)
#   OUT_DIR     where the project, hta_BOARD.xsa and hta_BOARD.bit go
#   CLOCK_MHZ   kernel clock (pl_clk0)
#   JOBS        parallel implementation jobs
#
# bitstreams/zynq/Makefile runs this; what a user does with the result
# (device tree overlay, zocl, xclbin) is in bitstreams/README.md.
#
# Design:
#   zynq_ultra_ps_e M_AXI_HPM0_FPD -> SmartConnect -> hta_0/s_axi_control
#   hta_0/m_axi_gmem -> SmartConnect (width converter when BusBits > 128) ->
#   zynq_ultra_ps_e S_AXI_HP0_FPD (DDR)
#   pl_clk0 clocks the kernel and both AXI ports; proc_sys_reset turns
#   pl_resetn0 into the kernel's synchronous ap_rst_n; hta_0/interrupt ->
#   pl_ps_irq0[0] (GIC SPI 89). Control registers at HTA_CTRL_BASE.

if {$argc != 7} {
  puts stderr "usage: vivado -mode batch -source hta_bd.tcl -tclargs\
    BOARD KERNEL_XML GEN_RTL RTL_DIR OUT_DIR CLOCK_MHZ JOBS"
  exit 2
}
lassign $argv board kernel_xml gen_rtl rtl_dir out_dir clock_mhz jobs

source [file join [file dirname [file normalize [info script]]] .. hta_ip.tcl]

# The control window: the start of the HPM0_FPD range (PL address space
# 0xA000_0000..), 64 KiB (the register map uses 4 KiB; 64 KiB keeps the
# window on a page boundary of any kernel page size).
set HTA_CTRL_BASE 0xA0000000
set HTA_CTRL_RANGE 64K

# Boards: FPGA part and the board-file pattern (any installed version).
switch -- $board {
  zcu104 {
    set part xczu7ev-ffvc1156-2-e
    set board_pattern xilinx.com:zcu104:part0:*
  }
  kv260 {
    set part xck26-sfvc784-2LV-c
    set board_pattern xilinx.com:kv260_som:part0:*
  }
  default {
    puts stderr "hta_bd.tcl: unknown board '$board' (known: zcu104 kv260)"
    exit 2
  }
}

set kernel [hta_read_kernel_xml $kernel_xml]
# S_AXI_HP0_FPD is at most 128 bits wide; a wider M_AXI_GMEM (zcu104's
# BusBits 256) goes through smartconnect_mem, which converts the width (its
# slave side takes the kernel's width, its master side the port's). The
# kernel then gets at most HP0's 128 bits per cycle from the DDR.
if {[dict get $kernel width] > 1024} {
  puts stderr "hta_bd.tcl: M_AXI_GMEM is [dict get $kernel width] bits; SmartConnect takes\
    at most 1024"
  exit 2
}
if {[dict get $kernel width] > 128} {
  puts "hta_bd.tcl: M_AXI_GMEM is [dict get $kernel width] bits, S_AXI_HP0_FPD 128:\
    smartconnect_mem converts the width"
}
file mkdir $out_dir
set ip_dir [file join $out_dir ip]
file delete -force $ip_dir
hta_package_ip [hta_rtl_files $gen_rtl $rtl_dir] $ip_dir $out_dir $part $kernel

# --- project and board --------------------------------------------------------
create_project -force hta_$board [file join $out_dir project] -part $part
set board_part [lindex [lsort [get_board_parts -quiet $board_pattern]] end]
if {$board_part eq ""} {
  puts stderr "hta_bd.tcl: no board files for $board ($board_pattern): install them with\
    Tools > Vivado Store > Boards (see bitstreams/README.md)"
  exit 1
}
set_property board_part $board_part [current_project]
if {$board eq "kv260"} {
  # The SOM's PS presets depend on the carrier card it sits on.
  set carrier [lindex [lsort [get_board_parts -quiet xilinx.com:kv260_carrier:part0:*]] end]
  if {$carrier ne ""} {
    set conn [lindex [split $carrier :] 3]
    set_property board_connections \
      [list som240_1_connector xilinx.com:kv260_carrier:som240_1_connector:$conn] \
      [current_project]
  }
}
set_property ip_repo_paths [list $ip_dir] [current_project]
update_ip_catalog

create_bd_design hta

# --- processing system: board preset, one HPM, one HP, pl_clk0, one IRQ -------
set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:zynq_ultra_ps_e zynq_ultra_ps_e_0]
apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e \
  -config {apply_board_preset "1"} $ps
set_property -dict [list \
  CONFIG.PSU__USE__M_AXI_GP0 {1} \
  CONFIG.PSU__MAXIGP0__DATA_WIDTH {32} \
  CONFIG.PSU__USE__M_AXI_GP1 {0} \
  CONFIG.PSU__USE__M_AXI_GP2 {0} \
  CONFIG.PSU__USE__S_AXI_GP2 {1} \
  CONFIG.PSU__SAXIGP2__DATA_WIDTH [dict get $kernel width] \
  CONFIG.PSU__USE__IRQ0 {1} \
  CONFIG.PSU__FPGA_PL0_ENABLE {1} \
  CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $clock_mhz \
] $ps

# --- the kernel, interconnect, reset --------------------------------------------
set hta [create_bd_cell -type ip -vlnv [dict get $kernel vlnv] hta_0]
set rst [create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset proc_sys_reset_0]
set sc_ctl [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect smartconnect_ctl]
set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {1}] $sc_ctl
set sc_mem [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect smartconnect_mem]
set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {1}] $sc_mem

connect_bd_intf_net [get_bd_intf_pins $ps/M_AXI_HPM0_FPD] [get_bd_intf_pins $sc_ctl/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins $sc_ctl/M00_AXI] [get_bd_intf_pins $hta/s_axi_control]
connect_bd_intf_net [get_bd_intf_pins $hta/m_axi_gmem] [get_bd_intf_pins $sc_mem/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins $sc_mem/M00_AXI] [get_bd_intf_pins $ps/S_AXI_HP0_FPD]

# One clock for everything: the kernel has a single ap_clk.
set clk [get_bd_pins $ps/pl_clk0]
foreach pin [list $ps/maxihpm0_fpd_aclk $ps/saxihp0_fpd_aclk $hta/ap_clk \
               $sc_ctl/aclk $sc_mem/aclk $rst/slowest_sync_clk] {
  connect_bd_net $clk [get_bd_pins $pin]
}
connect_bd_net [get_bd_pins $ps/pl_resetn0] [get_bd_pins $rst/ext_reset_in]
connect_bd_net [get_bd_pins $rst/peripheral_aresetn] [get_bd_pins $hta/ap_rst_n]
connect_bd_net [get_bd_pins $rst/interconnect_aresetn] [get_bd_pins $sc_ctl/aresetn]
connect_bd_net [get_bd_pins $rst/interconnect_aresetn] [get_bd_pins $sc_mem/aresetn]
connect_bd_net [get_bd_pins $hta/interrupt] [get_bd_pins $ps/pl_ps_irq0]

# --- address map ----------------------------------------------------------------
# The kernel's master sees the DDR through HP0 (low 2 GiB and the high
# range); the PS sees the control registers at HTA_CTRL_BASE.
assign_bd_address
foreach seg [get_bd_addr_segs -quiet -of_objects [get_bd_addr_spaces $ps/Data]] {
  if {[string match *hta_0* [get_property NAME $seg]]} {
    set_property offset $HTA_CTRL_BASE $seg
    set_property range $HTA_CTRL_RANGE $seg
  }
}
# HP0 also reaches OCM, QSPI and the low peripherals; the kernel needs none.
foreach seg [get_bd_addr_segs -quiet -of_objects [get_bd_addr_spaces $hta/m_axi_gmem]] {
  if {![string match *DDR* [get_property NAME $seg]]} {
    exclude_bd_addr_seg $seg
  }
}

validate_bd_design
save_bd_design

# --- implementation and export ------------------------------------------------
set bd_file [get_files hta.bd]
generate_target all $bd_file
set wrapper [make_wrapper -files $bd_file -top]
add_files -norecurse $wrapper
set_property top hta_wrapper [current_fileset]
update_compile_order -fileset sources_1

launch_runs impl_1 -to_step write_bitstream -jobs $jobs
wait_on_run impl_1
if {[get_property PROGRESS [get_runs impl_1]] ne "100%"} {
  puts stderr "hta_bd.tcl: implementation did not finish: see\
    [get_property DIRECTORY [get_runs impl_1]]/runme.log"
  exit 1
}
# Timing: report it loudly rather than ship a bitstream that fails it.
open_run impl_1
set wns [get_property SLACK [get_timing_paths -max_paths 1 -nworst 1 -setup]]
report_utilization -file [file join $out_dir utilization.txt]
report_timing_summary -file [file join $out_dir timing.txt]
if {$wns < 0} {
  puts stderr "hta_bd.tcl: timing not met at $clock_mhz MHz (WNS $wns ns): lower CLOCK_MHZ"
  exit 1
}

set bit [lindex [glob [file join [get_property DIRECTORY [get_runs impl_1]] *.bit]] 0]
file copy -force $bit [file join $out_dir hta_$board.bit]
write_hw_platform -fixed -include_bit -force [file join $out_dir hta_$board.xsa]
puts "hta_bd.tcl: wrote [file join $out_dir hta_$board.xsa] and hta_$board.bit\
  (kernel [dict get $kernel vlnv] at $HTA_CTRL_BASE, $clock_mhz MHz, WNS $wns ns)"
