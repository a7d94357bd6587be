#!/usr/bin/env bash
# tests/bitstreams/test_flows.sh - checks the vendor flows in bitstreams/ as
# far as they go without AMD's tools (none are installed here):
#   - kernel.xml agrees with host/include/hta_regs.h and hta_cfg_pkg.sv (names,
#     ids, offsets, sizes, ports, bus width, register map version)
#   - the Tcl that reads kernel.xml (bitstreams/hta_ip.tcl) gets the same
#   - every flow stops with a message naming the missing tools, non-zero
#   - unknown platforms, targets and boards are refused with the known list
#   - the v++ link configuration of every card maps exactly the pointer
#     arguments to the card's memory
#   - each board's configuration generates consistently; the KV260 one lints
#   - the Vivado Tcl files parse (tests/bitstreams/tcl_check.tcl), and that
#     check does catch a broken file
# Prints PASS/FAIL per check and "N passed, N failed"; run by `make test`.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# --- kernel.xml against the C headers (python3's XML parser) -------------------
# check_xml NAME KERNEL_XML CFG_PACKAGE (the hta_cfg_pkg.sv of its configuration)
check_xml() {
  local out
  if out=$(python3 - "$2" host/include/hta_regs.h "$3" hw/rtl/hta_top.sv <<'EOF' 2>&1
import re, sys
import xml.etree.ElementTree as ET
xml_path, regs_h, cfg_pkg, top_sv = sys.argv[1:5]
defs = {}
for m in re.finditer(r'^#define (HTA_\w+)\s+(0x[0-9A-Fa-f]+|[0-9]+)u?\b', open(regs_h).read(),
                     re.M):
    defs[m.group(1)] = int(m.group(2), 0)
for m in re.finditer(r'^\s*localparam int (\w+)\s*=\s*([0-9]+);', open(cfg_pkg).read(), re.M):
    defs[m.group(1)] = int(m.group(2))
problems = []
def need(cond, text):
    if not cond:
        problems.append(text)
root = ET.parse(xml_path).getroot()
k = root.find('kernel')
need(root.tag == 'root' and k is not None, 'no <root><kernel>')
need(k.get('name') == 'hta_top', 'kernel name %r' % k.get('name'))
need(re.search(r'^\s*module hta_top\b', open(top_sv).read(), re.M), 'no module hta_top')
need(k.get('language') == 'ip_c' and k.get('hwControlProtocol') == 'ap_ctrl_hs',
     'language/protocol')
need(k.get('interrupt') == 'true', 'interrupt')
vlnv = k.get('vlnv', '').split(':')
need(len(vlnv) == 4 and vlnv[2] == 'hta_top' and
     vlnv[3] == '%d.0' % defs['HTA_REGMAP_VERSION'], 'vlnv %r' % k.get('vlnv'))
ports = {p.get('name'): p for p in k.findall('ports/port')}
need(set(ports) == {'S_AXI_CONTROL', 'M_AXI_GMEM'}, 'ports %r' % sorted(ports))
need(ports['S_AXI_CONTROL'].get('mode') == 'slave' and
     int(ports['S_AXI_CONTROL'].get('range'), 16) == 0x1000, 'control port')
need(ports['M_AXI_GMEM'].get('mode') == 'master' and
     int(ports['M_AXI_GMEM'].get('dataWidth')) == defs['BusBits'],
     'gmem dataWidth %r vs BusBits %r' % (ports['M_AXI_GMEM'].get('dataWidth'),
                                          defs['BusBits']))
args = k.findall('args/arg')
need(len(args) == 4, '%d args' % len(args))
for i, a in enumerate(args):
    name = a.get('name')
    reg = 'HTA_REG_' + name.upper()
    lo = defs.get(reg + '_LO', defs.get(reg))
    size = int(a.get('size'), 16)
    need(int(a.get('id')) == i, '%s id %s' % (name, a.get('id')))
    need(lo is not None and int(a.get('offset'), 16) == lo,
         '%s offset %s vs %s' % (name, a.get('offset'), lo))
    need(size in (4, 8) and int(a.get('hostSize'), 16) == size, '%s size' % name)
    if size == 8:
        need(defs.get(reg + '_HI') == lo + 4, '%s: no %s_HI at offset+4' % (name, reg))
    ptr = a.get('addressQualifier') == '1'
    need(a.get('addressQualifier') in ('0', '1'), '%s addressQualifier' % name)
    need(a.get('port') == ('M_AXI_GMEM' if ptr else 'S_AXI_CONTROL'), '%s port' % name)
    need(not ptr or size == 8, '%s: pointer of %d bytes' % (name, size))
need([a.get('name') for a in args] == ['prog', 'prog_size', 'data', 'data_size'],
     'arg names %r' % [a.get('name') for a in args])
if problems:
    print('; '.join(problems))
    sys.exit(1)
EOF
  ); then ok "$1"; else bad "$1: $out"; fi
}
check_xml "kernel.xml matches hta_regs.h and hta_cfg_pkg.sv" bitstreams/alveo/kernel.xml \
  hw/rtl/hta_cfg_pkg.sv

# The Tcl reader (what package_xo.tcl and hta_bd.tcl use), run by tclsh.
tcl_args=$(tclsh <<'EOF' 2>&1
source bitstreams/hta_ip.tcl
set k [hta_read_kernel_xml bitstreams/alveo/kernel.xml]
puts -nonewline "[dict get $k name] [dict get $k version] [dict get $k width]"
foreach a [dict get $k args] {
  puts -nonewline " [dict get $a name]:[dict get $a id]:[format %d [dict get $a offset]]"
  puts -nonewline ":[format %d [dict get $a size]]:[dict get $a pointer]"
}
EOF
)
# hta_regs.h value of a #define (hex with a u suffix, or decimal)
define() { awk -v n="$1" '$1 == "#define" && $2 == n { sub(/u$/, "", $3); print $3 }' "$2"; }
# a parameter of a configuration's package (localparam int NAME = VALUE;)
pkgparam() { awk -v n="$1" '$1 == "localparam" && $3 == n { sub(/;$/, "", $5); print $5 }' "$2"; }
want="hta_top $(define HTA_REGMAP_VERSION host/include/hta_regs.h)"
want+=" $(pkgparam BusBits hw/rtl/hta_cfg_pkg.sv)"
id=0
for a in PROG:1 PROG_SIZE:0 DATA:1 DATA_SIZE:0; do
  name=${a%:*} ptr=${a#*:}
  off=$(define "HTA_REG_${name}_LO" host/include/hta_regs.h)
  want+=" ${name,,}:$id:$((off)):8:$ptr"
  id=$((id + 1))
done
if [[ $tcl_args == "$want" ]]; then
  ok "hta_ip.tcl reads kernel.xml as hta_regs.h says"
else
  bad "hta_ip.tcl reads kernel.xml: got '$tcl_args', want '$want'"
fi

# --- no vendor tools: each flow stops and says what is missing ------------------
# PATH without any AMD install (they live under /tools/Xilinx or /opt/Xilinx).
novendor=(env -u XILINX_VITIS -u XILINX_VIVADO -u XILINX_XRT PATH=/usr/bin:/bin)
if "${novendor[@]}" bash -c 'command -v vivado || command -v v++' >/dev/null; then
  echo "test_flows: vivado or v++ is in /usr/bin: cannot test the no-tools stop here"
  have_vendor=1
else
  have_vendor=0
fi
# stops NAME WANT-STATUS-NONZERO MAKE-ARGS... ; expected text in $expect (array)
stops() {
  local name=$1
  shift
  local out status missing=()
  out=$("${novendor[@]}" make -s -C bitstreams/"$@" OUT_ROOT="$tmp/out" 2>&1)
  status=$?
  for e in "${expect[@]}"; do [[ $out == *"$e"* ]] || missing+=("'$e'"); done
  if [[ $status -ne 0 && ${#missing[@]} -eq 0 ]]; then
    ok "$name"
  else
    bad "$name: status $status, message lacks ${missing[*]}: $out"
  fi
}
if [[ $have_vendor == 0 ]]; then
  expect=("v++ (not on PATH)" "vivado (not on PATH)" "XILINX_VITIS (environment variable"
          "settings64.sh" "bitstreams/README.md")
  stops "alveo xclbin hw without Vitis stops" alveo xclbin TARGET=hw PLATFORM=u50
  stops "alveo xo without Vitis stops" alveo xo PLATFORM=u200
  expect+=("emconfigutil (not on PATH)")
  stops "alveo xclbin hw_emu without Vitis stops" alveo xclbin TARGET=hw_emu \
    PLATFORM=xilinx_u280_gen3x16_xdma_1_202211_1
  expect=("vivado (not on PATH)" "XILINX_VIVADO (environment variable" "settings64.sh"
          "Board files")
  stops "zynq xsa kv260 without Vivado stops" zynq xsa BOARD=kv260
  stops "zynq xsa zcu104 without Vivado stops" zynq xsa BOARD=zcu104
  if [[ ! -e $tmp/out ]]; then
    ok "nothing built before the tool check"
  else
    bad "nothing built before the tool check: $(find "$tmp/out" | head -5)"
  fi
fi

# --- bad arguments are refused, with the known ones listed -------------------------
all_platforms=(xilinx_u50_gen3x16_xdma_5_202210_1 xilinx_u55c_gen3x16_xdma_3_202210_1
               xilinx_u200_gen3x16_xdma_2_202110_1 xilinx_u250_gen3x16_xdma_4_1_202210_1
               xilinx_u280_gen3x16_xdma_1_202211_1)
expect=("unknown PLATFORM 'u999'" "${all_platforms[@]}")
stops "unknown platform refused, known ones listed" alveo xclbin TARGET=hw PLATFORM=u999
expect=("PLATFORM is not set" "${all_platforms[@]}")
stops "missing platform refused" alveo xclbin TARGET=hw
expect=("TARGET 'sw_emu' is not hw or hw_emu")
stops "sw_emu target refused" alveo xclbin TARGET=sw_emu PLATFORM=u50
expect=("unknown BOARD 'zcu102'" "zcu104 kv260")
stops "unknown board refused" zynq xsa BOARD=zcu102
expect=("CFG 'no/such.cfg' does not exist")
stops "missing configuration refused" zynq gen BOARD=kv260 CFG=no/such.cfg
expect=("CFG 'nosuch' does not exist" "hw/config/nosuch.cfg")
stops "unknown configuration name refused" alveo link-cfg PLATFORM=u50 CFG=nosuch
expect=("memory bank 'DDR0'")
stops "malformed memory bank refused" alveo link-cfg PLATFORM=u50 MEM=DDR0

# --- link configuration per card (needs no vendor tool) ----------------------------
pointers=$(python3 -c '
import sys, xml.etree.ElementTree as ET
k = ET.parse(sys.argv[1]).getroot().find("kernel")
print(" ".join(a.get("name") for a in k.findall("args/arg") if a.get("addressQualifier") == "1"))
' bitstreams/alveo/kernel.xml)
for card_mem in u50:HBM u55c:HBM u200:DDR u250:DDR u280:HBM; do
  card=${card_mem%%:*} kind=${card_mem#*:}
  cfg=$tmp/out/$card/hw/link.cfg
  if ! out=$(make -s -C bitstreams/alveo link-cfg PLATFORM="$card" OUT_ROOT="$tmp/out" 2>&1); then
    bad "link.cfg $card: make failed: $out"
    continue
  fi
  got=$(grep '^sp=' "$cfg" | tr '\n' ' ')
  want=""
  bank=1
  [[ $kind == HBM ]] && bank=0
  for p in $pointers; do want+="sp=hta_top_1.$p:$kind[$bank] "; done
  if [[ -n $pointers && $got == "$want" ]] && grep -qx 'nk=hta_top:1:hta_top_1' "$cfg" &&
     grep -qx 'freqHz=300000000:hta_top_1' "$cfg"; then
    ok "link.cfg $card: pointer args to $kind, 300 MHz"
  else
    bad "link.cfg $card: sp lines '$got' (want '$want'): $(cat "$cfg")"
  fi
done
if make -s -C bitstreams/alveo link-cfg PLATFORM=xilinx_u55c_gen3x16_xdma_3_202210_1 \
     MEM='HBM[2:3]' CLOCK_MHZ=250 OUT_ROOT="$tmp/out2" >/dev/null 2>&1 &&
   grep -qx 'sp=hta_top_1.data:HBM\[2:3\]' "$tmp/out2/u55c/hw/link.cfg" &&
   grep -qx 'freqHz=250000000:hta_top_1' "$tmp/out2/u55c/hw/link.cfg"; then
  ok "link.cfg: full platform name, MEM and CLOCK_MHZ overrides"
else
  bad "link.cfg: full platform name, MEM and CLOCK_MHZ overrides"
fi

# --- board configurations -------------------------------------------------------------
# Each board's configuration (hw/config/<board>.cfg) generates, its
# kernel.xml agrees with its own package, and its bus reaches the 128-bit HP port.
for board in kv260 zcu104; do
  if out=$(make -s -C bitstreams/zynq gen BOARD=$board OUT_ROOT="$tmp/z" 2>&1); then
    g=$tmp/z/$board/gen
    check_xml "zynq $board configuration: kernel.xml matches its package" \
      "$g/bitstreams/alveo/kernel.xml" "$g/hw/rtl/hta_cfg_pkg.sv"
    if cmp -s "$g/hw/rtl/hta_cfg_pkg.sv" hw/config/gen/$board/hta_cfg_pkg.sv; then
      ok "zynq $board: generated from hw/config/$board.cfg"
    else
      bad "zynq $board: its package differs from hw/config/gen/$board/hta_cfg_pkg.sv"
    fi
    bus=$(pkgparam BusBits "$g/hw/rtl/hta_cfg_pkg.sv")
    # HP0 is 128 bits; a wider bus goes through smartconnect_mem's width
    # converter (hta_bd.tcl), which takes up to 1024
    if [[ $bus -le 1024 ]]; then ok "zynq $board: BusBits $bus reaches HP0 (SmartConnect)"; else
      bad "zynq $board: BusBits $bus > 1024"; fi
  else
    bad "zynq $board gen: $out"
  fi
done
# The U50 gets its own configuration (a 256-bit gmem port) unless CFG= says
# otherwise; another card gets the default.
if make -s -C bitstreams/alveo link-cfg PLATFORM=u50 OUT_ROOT="$tmp/a" >/dev/null 2>&1 &&
   make -s -C bitstreams/alveo link-cfg PLATFORM=u200 OUT_ROOT="$tmp/a" >/dev/null 2>&1 &&
   cmp -s "$tmp/a/u50/hw/gen/hw/rtl/hta_cfg_pkg.sv" hw/config/gen/u50/hta_cfg_pkg.sv &&
   cmp -s "$tmp/a/u200/hw/gen/hw/rtl/hta_cfg_pkg.sv" hw/config/gen/small/hta_cfg_pkg.sv &&
   grep -q 'dataWidth="256"' "$tmp/a/u50/hw/gen/bitstreams/alveo/kernel.xml"; then
  ok "alveo: u50 gets hw/config/u50.cfg (256-bit gmem), u200 the default"
else
  bad "alveo: per-card configurations"
fi
# The RTL under the KV260 configuration passes the same lint as the default
# one (make lint), so the smaller sizes break no width or index.
g=$tmp/z/kv260/gen/hw/rtl
rtl=("$g/hta_cfg_pkg.sv" "$g/hta_regs_pkg.sv")
for f in hw/rtl/*_pkg.sv; do
  [[ $f == */hta_cfg_pkg.sv || $f == */hta_regs_pkg.sv ]] || rtl+=("$f")
done
for f in hw/rtl/*.sv; do [[ $f == *_pkg.sv ]] || rtl+=("$f"); done
if out=$(verilator --lint-only -Wall --top-module hta_top hw/lint/hta.vlt "${rtl[@]}" 2>&1); then
  ok "kv260 configuration: RTL lint clean"
else
  bad "kv260 configuration: RTL lint: $(head -c 2000 <<<"$out")"
fi
# Each board names its own configuration (hw/config/<board>.cfg).
boards=$(make -s -C bitstreams/zynq boards 2>&1)
if grep -qx 'kv260 *configuration kv260' <<<"$boards" &&
   grep -qx 'zcu104 *configuration zcu104' <<<"$boards"; then
  ok "each zynq board uses hw/config/<board>.cfg"
else
  bad "zynq boards: $boards"
fi

# --- Tcl files parse, and the parse check catches breakage ----------------------------
tcl_files=(bitstreams/hta_ip.tcl bitstreams/alveo/package_xo.tcl bitstreams/zynq/hta_bd.tcl)
while read -r line; do
  case $line in
    PASS*) ok "${line#PASS }" ;;
    *) bad "${line#FAIL }" ;;
  esac
done < <(tclsh tests/bitstreams/tcl_check.tcl "${tcl_files[@]}" 2>&1)
sed '0,/^  set core \[ipx::current_core\]$/s//  set core [ipx::current_core/' \
  bitstreams/hta_ip.tcl >"$tmp/unbalanced.tcl"
sed '0,/^connect_bd_net /s//conect_bd_net /' bitstreams/zynq/hta_bd.tcl >"$tmp/misspelt.tcl"
sed '0,/\[get_bd_intf_pins /s//[get_bd_intf_pin /' bitstreams/zynq/hta_bd.tcl \
  >"$tmp/misspelt-nested.tcl"
for f in unbalanced misspelt misspelt-nested; do
  if cmp -s "$tmp/$f.tcl" bitstreams/hta_ip.tcl || cmp -s "$tmp/$f.tcl" bitstreams/zynq/hta_bd.tcl
  then
    bad "tcl check catches a $f file: the mutation did not apply"
  elif tclsh tests/bitstreams/tcl_check.tcl bitstreams/hta_ip.tcl "$tmp/$f.tcl" >/dev/null 2>&1
  then
    bad "tcl check catches a $f file: it passed"
  else
    ok "tcl check catches a $f file"
  fi
done

# --- the shell pieces ---------------------------------------------------------------
if bash bitstreams/check_tools.sh alveo HOME bash 2>/dev/null; then
  ok "check_tools.sh accepts what is there"
else
  bad "check_tools.sh refused HOME and bash"
fi
for f in bitstreams/check_tools.sh bitstreams/alveo/link_cfg.sh tests/bitstreams/test_flows.sh; do
  if bash -n "$f" 2>/dev/null; then ok "bash -n $f"; else bad "bash -n $f"; fi
done

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
