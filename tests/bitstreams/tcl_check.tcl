# tests/bitstreams/tcl_check.tcl FILE... - a static check of Vivado Tcl scripts
# under plain tclsh (no Vivado here): nothing in them is executed.
#
# For each file it splits the text into commands the way Tcl does (a command
# ends where `info complete` says it is whole), descends into the braced
# bodies of proc, foreach, if, while, for, switch and catch, and reports:
#   - a command that never ends (unbalanced braces, brackets or quotes)
#   - a command (also one in a [...] substitution) whose name is neither a
#     Tcl built-in, a proc defined in the files given, nor a Vivado command of
#     the list below (so a misspelt command is caught, which `info complete`
#     alone would not)
# Prints "PASS tcl parse FILE" or "FAIL tcl parse FILE: ..." per file, and
# exits 1 if any failed.

# Vivado commands the flows use (UG835). A new one must be added here on
# purpose, after checking its spelling in UG835.
set vivado_commands {
  add_files apply_bd_automation assign_bd_address close_project connect_bd_intf_net
  connect_bd_net create_bd_cell create_bd_design create_project current_fileset
  current_project exclude_bd_addr_seg generate_target get_bd_addr_segs get_bd_addr_spaces
  get_bd_intf_pins get_bd_pins get_board_parts get_files get_property get_runs
  get_timing_paths launch_runs make_wrapper open_run package_xo report_timing_summary
  report_utilization save_bd_design set_property update_compile_order update_ip_catalog
  validate_bd_design wait_on_run write_hw_platform
  ipx::add_address_block ipx::add_bus_parameter ipx::add_memory_map ipx::add_register
  ipx::add_register_parameter ipx::associate_bus_interfaces ipx::check_integrity
  ipx::create_xgui_files ipx::current_core ipx::get_address_blocks ipx::get_bus_interfaces
  ipx::get_bus_parameters ipx::get_memory_maps
  ipx::get_user_parameters ipx::infer_bus_interface ipx::package_project
  ipx::remove_user_parameter ipx::save_core ipx::update_checksums
}

set problems {}

# Commands with script bodies: which words (0-based, after the name) are
# scripts. "last" = the last word; "switch" and "if" are handled apart.
array set body_words {proc last foreach last while last for {0 2 3} catch 0}

proc known {name} {
  global vivado_commands defined
  if {[string index $name 0] in {$ [}} { return 1 }
  if {[llength [info commands ::$name]] > 0} { return 1 }
  if {$name in $vivado_commands || [info exists defined($name)]} { return 1 }
  return 0
}

# Check one script; `line0` is the line of its first character in `file`.
proc check_script {text file line0} {
  global problems body_words
  set cmd ""
  set start $line0
  set line [expr {$line0 - 1}]
  foreach l [split $text \n] {
    incr line
    if {[string trim $cmd] eq ""} {
      set cmd ""
      set start $line
    }
    append cmd $l \n
    if {![info complete $cmd]} { continue }
    set body [string trim $cmd]
    set cmd ""
    if {$body eq "" || [string index $body 0] eq "#"} { continue }
    if {![string is list $body]} { continue }
    set words $body
    set name [lindex $words 0]
    if {![known $name]} {
      lappend problems "$file:$start: unknown command \"$name\""
    }
    # Commands in [...] substitutions (a letter after an unescaped '[';
    # regexp classes like [^>] or [0-9] do not start with one).
    foreach {-> sub} [regexp -all -inline {(?:^|[^\\])\[([A-Za-z_][A-Za-z0-9_:]*)} $body] {
      if {![known $sub]} {
        lappend problems "$file:$start: unknown command \"$sub\" in \[...\]"
      }
    }
    set scripts {}
    if {$name eq "if"} {
      # if cond body ?elseif cond body? ?else body?
      set i 2
      while {$i < [llength $words]} {
        lappend scripts $i
        set next [lindex $words [expr {$i + 1}]]
        if {$next eq "elseif"} { incr i 3 } elseif {$next eq "else"} {
          lappend scripts [expr {$i + 2}]
          break
        } else { break }
      }
    } elseif {$name eq "switch"} {
      set pairs [lindex $words end]
      foreach {pattern script} $pairs {
        if {$script ne "-"} { check_script $script $file $start }
      }
    } elseif {[info exists body_words($name)]} {
      foreach w $body_words($name) {
        lappend scripts [expr {$w eq "last" ? [llength $words] - 1 : $w + 1}]
      }
    }
    foreach i $scripts {
      check_script [lindex $words $i] $file $start
    }
  }
  if {[string trim $cmd] ne ""} {
    lappend problems "$file:$start: command never ends (unbalanced braces, brackets or quotes)"
  }
}

# Procs defined anywhere in the files count as known in all of them.
foreach file $argv {
  set f [open $file r]
  set texts($file) [read $f]
  close $f
  foreach {-> name} [regexp -all -inline -line {^\s*proc\s+(\S+)} $texts($file)] {
    set defined($name) 1
  }
}

set failed 0
foreach file $argv {
  set problems {}
  check_script $texts($file) $file 1
  if {[llength $problems] == 0} {
    puts "PASS tcl parse $file"
  } else {
    puts "FAIL tcl parse $file: [join $problems {; }]"
    set failed 1
  }
}
exit $failed
