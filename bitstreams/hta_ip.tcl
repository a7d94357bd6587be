# bitstreams/hta_ip.tcl - package the HTA RTL (hw/rtl) as a Vivado IP, shared
# by the Alveo flow (alveo/package_xo.tcl turns the IP into a Vitis .xo) and
# the Zynq flow (zynq/hta_bd.tcl places the IP in a block design).
#
# Sourcing this file only defines procedures; nothing runs. Everything the IP
# needs to know about the kernel (name, VLNV, argument registers) is read from
# the kernel.xml that tools/gen/hta_gen generates from hw/config/regmap.cfg,
# so no offset is written here. hta_read_kernel_xml is plain Tcl (the test
# tests/bitstreams/test_flows.sh runs it under tclsh); hta_package_ip needs
# Vivado's ipx:: commands.

# Read the attributes of the kernel.xml that hta_gen writes (our own format,
# one element per tag; attribute values never contain quotes). Returns a dict:
#   name    kernel name (the RTL top module)
#   vlnv    vendor:library:name:version
#   version the register map version (the vlnv's major version)
#   width   M_AXI_GMEM data width in bits
#   args    list of dicts {name id offset size pointer}
proc hta_read_kernel_xml {path} {
  set f [open $path r]
  set text [read $f]
  close $f
  if {![regexp {<kernel\s([^>]*)>} $text -> kattrs]} {
    error "$path: no <kernel ...> element"
  }
  set kernel [dict create]
  foreach key {name vlnv} {
    if {![regexp "(?:^|\\s)$key=\"(\[^\"\]*)\"" $kattrs -> value]} {
      error "$path: <kernel> has no $key attribute"
    }
    dict set kernel $key $value
  }
  set parts [split [dict get $kernel vlnv] :]
  if {[llength $parts] != 4 || ![regexp {^([0-9]+)\.[0-9]+$} [lindex $parts 3] -> major]} {
    error "$path: vlnv \"[dict get $kernel vlnv]\" is not vendor:library:name:MAJOR.MINOR"
  }
  dict set kernel version $major
  set width ""
  foreach port [regexp -all -inline {<port\s[^>]*>} $text] {
    if {[regexp {name="M_AXI_GMEM"} $port] && [regexp {dataWidth="([0-9]+)"} $port -> w]} {
      set width $w
    }
  }
  if {$width eq ""} {
    error "$path: no M_AXI_GMEM port with a dataWidth"
  }
  dict set kernel width $width
  set args {}
  foreach tag [regexp -all -inline {<arg\s[^>]*>} $text] {
    set arg [dict create]
    foreach key {name id offset size addressQualifier} {
      if {![regexp "(?:^|\\s)$key=\"(\[^\"\]*)\"" $tag -> value]} {
        error "$path: an <arg> has no $key attribute: $tag"
      }
      dict set arg $key $value
    }
    dict set arg pointer [expr {[dict get $arg addressQualifier] == 1}]
    dict unset arg addressQualifier
    lappend args $arg
  }
  if {[llength $args] == 0} {
    error "$path: no <arg> elements"
  }
  dict set kernel args $args
  return $kernel
}

# Package the RTL as an IP under ip_dir (a component.xml and the sources).
# rtl_files must list the packages first (hw/hw.mk's order). part is the FPGA
# the temporary project is created for; the IP itself is not tied to it.
proc hta_package_ip {rtl_files ip_dir work_dir part kernel} {
  lassign [split [dict get $kernel vlnv] :] vendor library name version
  create_project -force hta_ip_pack [file join $work_dir ip_pack] -part $part
  add_files -norecurse $rtl_files
  set_property top $name [current_fileset]
  update_compile_order -fileset sources_1

  ipx::package_project -root_dir $ip_dir -vendor $vendor -library $library \
    -taxonomy /KernelIP -import_files -set_current true
  set core [ipx::current_core]
  set_property name $name $core
  set_property version $version $core
  set_property display_name "HTA hybrid ternary NN accelerator" $core
  set_property description "HTA kernel, register map version [dict get $kernel version]" $core
  set_property core_revision 1 $core

  # The bus width is fixed by the configuration the packages were generated
  # from; a user parameter would only let a block design contradict them.
  foreach up [ipx::get_user_parameters -of_objects $core] {
    ipx::remove_user_parameter [get_property NAME $up] $core
  }

  # The port names follow Vivado's conventions (ap_clk, ap_rst_n,
  # s_axi_control_*, m_axi_gmem_*), so the packager infers both AXI
  # interfaces, the clock and the reset; these lines make the association
  # explicit and add the interrupt if it was not inferred.
  ipx::associate_bus_interfaces -busif m_axi_gmem -clock ap_clk $core
  ipx::associate_bus_interfaces -busif s_axi_control -clock ap_clk $core
  if {[llength [ipx::get_bus_interfaces -quiet interrupt -of_objects $core]] == 0} {
    ipx::infer_bus_interface interrupt xilinx.com:signal:interrupt_rtl:1.0 $core
  }
  set irq [ipx::get_bus_interfaces interrupt -of_objects $core]
  set sens [ipx::get_bus_parameters -quiet SENSITIVITY -of_objects $irq]
  if {$sens eq ""} {
    set sens [ipx::add_bus_parameter SENSITIVITY $irq]
  }
  set_property value LEVEL_HIGH $sens

  # The control registers Vitis needs to know: the kernel arguments, at the
  # offsets of the register map (read from kernel.xml).
  # (the packager may already have made the map and block: reuse them)
  set mem_map [ipx::get_memory_maps -quiet s_axi_control -of_objects $core]
  if {$mem_map eq ""} {
    set mem_map [ipx::add_memory_map s_axi_control $core]
  }
  set block [ipx::get_address_blocks -quiet reg0 -of_objects $mem_map]
  if {$block eq ""} {
    set block [ipx::add_address_block reg0 $mem_map]
  }
  set_property range 4096 $block
  foreach arg [dict get $kernel args] {
    set reg [ipx::add_register -quiet [dict get $arg name] $block]
    set_property address_offset [dict get $arg offset] $reg
    set_property size [expr {[dict get $arg size] * 8}] $reg
    if {[dict get $arg pointer]} {
      set param [ipx::add_register_parameter -quiet ASSOCIATED_BUSIF $reg]
      set_property value m_axi_gmem $param
    }
  }
  set_property slave_memory_map_ref s_axi_control \
    [ipx::get_bus_interfaces s_axi_control -of_objects $core]

  set_property sdx_kernel true $core
  set_property sdx_kernel_type rtl $core
  set_property supported_families {} $core
  set_property auto_family_support_level level_2 $core
  ipx::create_xgui_files $core
  ipx::update_checksums $core
  ipx::check_integrity -kernel $core
  ipx::save_core $core
  close_project -delete
}

# The RTL files in the order both tools need (generated packages, the other
# packages, the modules), from the generated folder gen_rtl (hta_gen --out
# DIR writes DIR/hw/rtl) and the hand-written rtl_dir.
proc hta_rtl_files {gen_rtl rtl_dir} {
  set generated {hta_cfg_pkg.sv hta_regs_pkg.sv}
  set files {}
  foreach g $generated {
    set path [file join $gen_rtl $g]
    if {![file exists $path]} {
      error "$path is missing: run tools/gen/hta_gen --cfg CFG --out DIR first"
    }
    lappend files $path
  }
  foreach path [lsort [glob -directory $rtl_dir *_pkg.sv]] {
    if {[lsearch -exact $generated [file tail $path]] < 0} {
      lappend files $path
    }
  }
  foreach path [lsort [glob -directory $rtl_dir *.sv]] {
    if {![string match *_pkg.sv $path]} {
      lappend files $path
    }
  }
  return $files
}
