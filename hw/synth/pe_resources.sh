#!/usr/bin/env bash
# hw/synth/pe_resources.sh OUTDIR - the v2 processing elements' marginal cost
# (docs/resources.md, "v2 processing elements"): synthesizes hta_pe_synth
# (arrays of hta_pe_int8 and hta_pe_tern, hw/synth/hta_pe_synth.sv) at three
# sizes with Yosys synth_xilinx -family xcup and takes the cost of one INT8
# MAC and of one ternary MAC from the differences:
#   base   Pix 4, MacCo 2, AddCo 2
#   +int8  Pix 4, MacCo 4, AddCo 2   (128 more INT8 MACs: 4 pixels x 2 x Ci 16)
#   +tern  Pix 4, MacCo 2, AddCo 4   (128 more ternary MACs)
# Yosys 0.23 packs nothing into DSP48E2s beyond the multiply (not the P
# register, not the post-adder: its xilinx_dsp pass does so for DSP48E1 only),
# so the INT8 chains' P registers and post-adders land in fabric. Each run
# also counts those cells (the flip-flops driving a chain's p_q, the carry
# cells driving them and the LUTs driving the carries), i.e. what the DSP48E2
# would absorb, and likewise the packing's 9-bit subtraction in front of the
# DSPs' A port (LUTs and carries driving A), which is the DSP48E2 pre-adder's
# job (A = w_hi * 2^18, D = w_lo); the table gives the INT8 cost with and
# without them.
# (synth_xilinx keeps the hierarchy: the counts are those of the one
# hta_pe_int8 module, times its Pix x MacCo/2 instances.)
# Writes OUTDIR/pe_resources.md. LUT_PER_DSP (default 141) as resources.sh.
set -euo pipefail
out=$1
here=$(dirname "$0")
rtl=$here/../rtl
rate=${LUT_PER_DSP:-141}
top=hta_pe_synth
mkdir -p "$out"

# run NAME PIX MACCO ADDCO:
#   "LUT FF CARRY DSP chainLUT chainFF chainCARRY preLUT preCARRY"
run() {
  local dir=$out/$1 log
  mkdir -p "$dir"
  log=$dir/yosys.log
  yosys -p "read_verilog -sv $rtl/hta_pe_int8.sv $rtl/hta_pe_tern.sv $here/$top.sv;
    chparam -set Pix $2 -set MacCo $3 -set AddCo $4 $top;
    synth_xilinx -top $top -family xcup; stat;
    select -set ff w:*gen_chain*p_q* %ci1:+FDRE[Q] t:FDRE %i;
    select -set cy @ff %ci1:+FDRE[D] %ci1 t:CARRY4 t:CARRY8 %u %i;
    select -set lut @cy %ci1:+CARRY4[S,DI] %ci1 t:LUT* %i;
    select -count @lut; select -count @ff; select -count @cy;
    select -set pcy t:DSP48E2 %ci1:+DSP48E2[A] %ci1 t:CARRY4 t:CARRY8 %u %i;
    select -set plut t:DSP48E2 %ci1:+DSP48E2[A] %ci1 t:LUT* %i @pcy %ci1:+CARRY4[S,DI] %ci1 t:LUT* %i %u;
    select -count @plut; select -count @pcy" >"$log" 2>&1 || {
    echo "pe_resources: yosys failed, see $log" >&2
    return 1
  }
  awk -v npe=$(($2 * $3 / 2)) '
    /Printing statistics\./ { delete cnt }
    /^=== .* ===$/          { incells = 0; delete cnt }
    /Number of cells:/      { incells = 1; next }
    incells && NF == 2 && $2 ~ /^[0-9]+$/ { cnt[$1] += $2; next }
    incells && NF == 0      { incells = 0 }
    /^[0-9]+ objects\.$/    { sel[++n] = $1 }
    END {
      for (c in cnt) {
        if (c ~ /^LUT[1-6](_2)?$/ || c == "INV")            r["LUT"] += cnt[c]
        else if (c ~ /^FD[RSCP]E(_1)?$/ || c ~ /^LD[CP]E$/) r["FF"] += cnt[c]
        else if (c ~ /^CARRY(4|8)$/)                       r["CARRY"] += cnt[c]
        else if (c ~ /^(RAM(32|64|128|256)|SRL)/)          r["SRL"] += cnt[c]
        else if (c == "DSP48E2")                           r["DSP"] += cnt[c]
      }
      # SRLs are LUTs used as shift registers (the input skew): counted as LUTs.
      print r["LUT"] + r["SRL"], r["FF"] + 0, r["CARRY"] + 0, r["DSP"] + 0, \
        sel[1] * npe, sel[2] * npe, sel[3] * npe, sel[4] * npe, sel[5] * npe
    }' "$log"
}

echo "  SWEEP   $top (3 sizes, LUT_PER_DSP=$rate)"
read -r bl bf bc bd bxl bxf bxc bpl bpc <<<"$(run base 4 2 2)"
read -r ml mf mc md mxl mxf mxc mpl mpc <<<"$(run int8 4 4 2)"
read -r al af ac ad _ _ _ _ _ <<<"$(run tern 4 2 4)"
if [[ -z ${bpc:-} || -z ${mpc:-} || -z ${ad:-} ]]; then
  echo "pe_resources: a synthesis failed (logs in $out/*/yosys.log)" >&2
  exit 1
fi

awk -v rate="$rate" \
  -v bl="$bl" -v bf="$bf" -v bc="$bc" -v bd="$bd" -v bxl="$bxl" -v bxf="$bxf" -v bxc="$bxc" \
  -v ml="$ml" -v mf="$mf" -v mc="$mc" -v md="$md" -v mxl="$mxl" -v mxf="$mxf" -v mxc="$mxc" \
  -v bpl="$bpl" -v bpc="$bpc" -v mpl="$mpl" -v mpc="$mpc" \
  -v al="$al" -v af="$af" -v ac="$ac" -v ad="$ad" 'BEGIN {
  n = 128
  print "| array (Ci 16) | Pix | MacCo | AddCo | LUT | FF | CARRY | DSP48E2 | of which chain P regs + post-adders (LUT / FF / CARRY) | of which packing pre-adds (LUT / CARRY) |"
  print "|---|---|---|---|---|---|---|---|---|---|"
  printf "| base | 4 | 2 | 2 | %d | %d | %d | %d | %d / %d / %d | %d / %d |\n", bl, bf, bc, bd, bxl, bxf, bxc, bpl, bpc
  printf "| + INT8 | 4 | 4 | 2 | %d | %d | %d | %d | %d / %d / %d | %d / %d |\n", ml, mf, mc, md, mxl, mxf, mxc, mpl, mpc
  printf "| + ternary | 4 | 2 | 4 | %d | %d | %d | %d | (as base) | (as base) |\n", al, af, ac, ad
  il = (ml - bl) / n; iff = (mf - bf) / n; ic = (mc - bc) / n; id = (md - bd) / n
  xl = ((ml - mxl) - (bl - bxl)) / n; xf = ((mf - mxf) - (bf - bxf)) / n
  xc = ((mc - mxc) - (bc - bxc)) / n
  pl = ((ml - mxl - mpl) - (bl - bxl - bpl)) / n; pc = ((mc - mxc - mpc) - (bc - bxc - bpc)) / n
  tl = (al - bl) / n; tf = (af - bf) / n; tc = (ac - bc) / n
  print ""
  print "Marginal cost of one MAC (differences of 128 MACs):"
  print ""
  printf "| MAC | LUT | FF | CARRY | DSP48E2 | LUT + %d x DSP |\n", rate
  print "|---|---|---|---|---|---|"
  printf "| INT8, as Yosys 0.23 maps it (chains in fabric) | %.1f | %.1f | %.2f | %.3f | %.1f |\n", il, iff, ic, id, il + id * rate
  printf "| INT8, chains in the DSP48E2s (P reg + post-adder) | %.1f | %.1f | %.2f | %.3f | %.1f |\n", xl, xf, xc, id, xl + id * rate
  printf "| INT8, chains and packing in the DSP48E2s (+ pre-adder) | %.1f | %.1f | %.2f | %.3f | %.1f |\n", pl, xf, pc, id, pl + id * rate
  printf "| ternary | %.1f | %.1f | %.2f | 0 | %.1f |\n", tl, tf, tc, tl
  print ""
  printf "R (ternary MACs per INT8 MAC of equal area, %d LUTs per DSP48E2): %.2f with chains and\n", rate, (pl + id * rate) / tl
  printf "packing in the DSPs, %.2f with the chains only, %.2f as Yosys 0.23 maps them; counting\n", (xl + id * rate) / tl, (il + id * rate) / tl
  printf "LUTs only (DSPs free): %.2f, %.2f and %.2f.\n", pl / tl, xl / tl, il / tl
}' >"$out/pe_resources.md"
cat "$out/pe_resources.md"
