# bitstreams/alveo/package_xo.tcl - package hw/rtl as a Vitis RTL kernel (.xo).
#
#   vivado -mode batch -source package_xo.tcl \
#          -tclargs XO KERNEL_XML GEN_RTL RTL_DIR WORK_DIR PART
#
#   XO          the .xo to write
#   KERNEL_XML  the kernel.xml hta_gen generated (names, VLNV, argument offsets)
#   GEN_RTL     folder with the generated hta_cfg_pkg.sv and hta_regs_pkg.sv
#               (hta_gen --out DIR writes DIR/hw/rtl), so a configuration
#               other than the default (hw/config/small.cfg) can be packaged
#   RTL_DIR     the hand-written RTL (hw/rtl)
#   WORK_DIR    scratch folder (the packaging project and the IP)
#   PART        FPGA part of the target card
#
# bitstreams/alveo/Makefile runs this; see bitstreams/README.md. Vitis' own
# examples write the argument offsets here, in kernel.xml and in the RTL;
# here they come from kernel.xml, which comes from the register map.

if {$argc != 6} {
  puts stderr "usage: vivado -mode batch -source package_xo.tcl -tclargs\
    XO KERNEL_XML GEN_RTL RTL_DIR WORK_DIR PART"
  exit 2
}
lassign $argv xo_path kernel_xml gen_rtl rtl_dir work_dir part

source [file join [file dirname [file normalize [info script]]] .. hta_ip.tcl]

set kernel [hta_read_kernel_xml $kernel_xml]
set ip_dir [file join $work_dir ip]
file delete -force $ip_dir
file mkdir $work_dir

hta_package_ip [hta_rtl_files $gen_rtl $rtl_dir] $ip_dir $work_dir $part $kernel

# The .xo: the IP plus kernel.xml, which v++ puts into the xclbin's metadata.
package_xo -force -xo_path $xo_path -kernel_name [dict get $kernel name] \
  -ip_directory $ip_dir -kernel_xml $kernel_xml
if {![file exists $xo_path]} {
  puts stderr "package_xo.tcl: package_xo did not write $xo_path"
  exit 1
}
puts "package_xo.tcl: wrote $xo_path ([dict get $kernel vlnv])"
