#!/usr/bin/env bash
# hw/synth/pe_resources.sh OUTDIR - the v2 processing elements' marginal cost
# (docs/resources.md, "v2 processing elements"): synthesizes hta_pe_synth
# (arrays of hta_pe_int8 and hta_pe_tern, hw/synth/hta_pe_synth.sv) at three
# sizes with Yosys synth_xilinx -family xcup and takes the cost of one INT8
# MAC and of one ternary MAC from the differences:
#   base   Pix 4, MacCo 2, AddCo 2
#   +int8  Pix 4, MacCo 4, AddCo 2   (128 more INT8 MACs: 4 pixels x 2 x Ci 16)
#   +tern  Pix 4, MacCo 2, AddCo 4   (128 more ternary MACs)
#   model  base and +int8 again with HTA_DSP_MODEL defined: Yosys infers the
#          INT8 chains from hta_dsp48e2_mac2's behavioural model instead of
#          getting the DSP48E2 primitive
# hta_pe_int8's chains are instantiated DSP48E2s (hw/rtl/hta_dsp48e2_mac2.sv):
# Yosys 0.23 packs nothing into a DSP48E2 beyond the multiply when it infers
# (not the P register, not the post-adder or PCIN cascade, not the pre-adder:
# its xilinx_dsp pass does so for DSP48E1 only), which the "model" rows show.
# Its fabric adders are instantiated carry chains too (hta_accum, hta_add3:
# CARRY8, LUT6_2), in both kinds of run. (synth_xilinx keeps the hierarchy:
# stat's "design hierarchy" section counts the cells of all instances, the
# wrappers included; a LUT6_2 counts as one LUT.)
# Writes OUTDIR/pe_resources.md. LUT_PER_DSP (default 141) as resources.sh.
set -euo pipefail
out=$1
here=$(dirname "$0")
rtl=$here/../rtl
rate=${LUT_PER_DSP:-141}
top=hta_pe_synth
mkdir -p "$out"

# run NAME PIX MACCO ADDCO [DEFINE]: "LUT FF CARRY DSP"
run() {
  local dir=$out/$1 log
  mkdir -p "$dir"
  log=$dir/yosys.log
  yosys -p "read_verilog -sv ${5:+-D$5} $rtl/hta_dsp48e2_mac2.sv $rtl/hta_accum.sv $rtl/hta_add3.sv \
      $rtl/hta_pe_int8.sv $rtl/hta_pe_tern.sv $here/$top.sv;
    chparam -set Pix $2 -set MacCo $3 -set AddCo $4 $top;
    synth_xilinx -top $top -family xcup; stat" >"$log" 2>&1 || {
    echo "pe_resources: yosys failed, see $log" >&2
    return 1
  }
  # LUT (SRLs counted as LUTs: the input skew's shift registers), FF, CARRY, DSP
  awk -f "$here/cell_counts.awk" "$log" | awk '{ print $1 + $4, $2, $3, $5 }'
}

echo "  SWEEP   $top (3 sizes + 2 inferred, LUT_PER_DSP=$rate)"
read -r bl bf bc bd <<<"$(run base 4 2 2)"
read -r ml mf mc md <<<"$(run int8 4 4 2)"
read -r al af ac ad <<<"$(run tern 4 2 4)"
read -r vbl vbf vbc vbd <<<"$(run model_base 4 2 2 HTA_DSP_MODEL)"
read -r vml vmf vmc vmd <<<"$(run model_int8 4 4 2 HTA_DSP_MODEL)"
if [[ -z ${bd:-} || -z ${md:-} || -z ${ad:-} || -z ${vbd:-} || -z ${vmd:-} ]]; then
  echo "pe_resources: a synthesis failed (logs in $out/*/yosys.log)" >&2
  exit 1
fi

awk -v rate="$rate" \
  -v bl="$bl" -v bf="$bf" -v bc="$bc" -v bd="$bd" \
  -v ml="$ml" -v mf="$mf" -v mc="$mc" -v md="$md" \
  -v al="$al" -v af="$af" -v ac="$ac" -v ad="$ad" \
  -v vbl="$vbl" -v vbf="$vbf" -v vbc="$vbc" -v vbd="$vbd" \
  -v vml="$vml" -v vmf="$vmf" -v vmc="$vmc" -v vmd="$vmd" 'BEGIN {
  n = 128
  print "| array (Ci 16) | Pix | MacCo | AddCo | LUT | FF | CARRY | DSP48E2 |"
  print "|---|---|---|---|---|---|---|---|"
  printf "| base | 4 | 2 | 2 | %d | %d | %d | %d |\n", bl, bf, bc, bd
  printf "| + INT8 | 4 | 4 | 2 | %d | %d | %d | %d |\n", ml, mf, mc, md
  printf "| + ternary | 4 | 2 | 4 | %d | %d | %d | %d |\n", al, af, ac, ad
  printf "| base, INT8 chains inferred from the model | 4 | 2 | 2 | %d | %d | %d | %d |\n", vbl, vbf, vbc, vbd
  printf "| + INT8, chains inferred from the model | 4 | 4 | 2 | %d | %d | %d | %d |\n", vml, vmf, vmc, vmd
  il = (ml - bl) / n; iff = (mf - bf) / n; ic = (mc - bc) / n; id = (md - bd) / n
  vl = (vml - vbl) / n; vf = (vmf - vbf) / n; vc = (vmc - vbc) / n; vd = (vmd - vbd) / n
  tl = (al - bl) / n; tf = (af - bf) / n; tc = (ac - bc) / n
  print ""
  print "Marginal cost of one MAC (differences of 128 MACs):"
  print ""
  printf "| MAC | LUT | FF | CARRY | DSP48E2 | LUT + %d x DSP |\n", rate
  print "|---|---|---|---|---|---|"
  printf "| INT8, DSP48E2 instantiated (pre-adder, P, cascade in the DSP) | %.1f | %.1f | %.2f | %.3f | %.1f |\n", il, iff, ic, id, il + id * rate
  printf "| INT8, the same model inferred by Yosys 0.23 (multiply only) | %.1f | %.1f | %.2f | %.3f | %.1f |\n", vl, vf, vc, vd, vl + vd * rate
  printf "| ternary | %.1f | %.1f | %.2f | 0 | %.1f |\n", tl, tf, tc, tl
  print ""
  printf "R (ternary MACs per INT8 MAC of equal area, %d LUTs per DSP48E2): %.2f (%.2f if\n", rate, (il + id * rate) / tl, (vl + vd * rate) / tl
  printf "the chains are inferred); counting LUTs only (DSPs free): %.2f (%.2f).\n", il / tl, vl / tl
}' >"$out/pe_resources.md"
cat "$out/pe_resources.md"
