# hw/synth/cell_counts.awk - a Yosys `stat` log (synth_xilinx -family xcup)
# reduced to one line of cell counts, summed over the modules of the last
# statistics printed: "LUT FF CARRY SRL DSP RAMB36 RAMB18 URAM".
#   LUT    LUT1..LUT6, LUT6_2 (one LUT) and INV (a LUT1 on the device)
#   FF     FDRE/FDSE/FDCE/FDPE (and _1) and LDCE/LDPE latches
#   CARRY  CARRY4 and CARRY8
#   SRL    distributed RAM and shift registers (RAM32M16.., SRL16E, SRLC32E)
# Used by synth.sh, pe_resources.sh, drain_resources.sh and part_resources.sh.
/Printing statistics\./ { delete cnt }
/^=== .* ===$/          { incells = 0; delete cnt }
/Number of cells:/      { incells = 1; next }
incells && NF == 2 && $2 ~ /^[0-9]+$/ { cnt[$1] += $2; next }
incells && NF == 0      { incells = 0 }
END {
  for (c in cnt) {
    if (c ~ /^LUT[1-6](_2)?$/ || c == "INV")            r[1] += cnt[c]
    else if (c ~ /^FD[RSCP]E(_1)?$/ || c ~ /^LD[CP]E$/) r[2] += cnt[c]
    else if (c ~ /^CARRY(4|8)$/)                       r[3] += cnt[c]
    else if (c ~ /^(RAM(32|64|128|256)|SRL)/)          r[4] += cnt[c]
    else if (c == "DSP48E2")                           r[5] += cnt[c]
    else if (c == "RAMB36E2")                          r[6] += cnt[c]
    else if (c == "RAMB18E2")                          r[7] += cnt[c]
    else if (c == "URAM288")                           r[8] += cnt[c]
  }
  for (i = 1; i <= 8; i++) printf "%d%s", r[i], (i < 8 ? " " : "\n")
}
