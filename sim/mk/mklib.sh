#!/bin/sh
# sim/mk/mklib.sh OUT MDIR MODEL_ARCHIVE OBJ... - one static library holding a
# Verilated model, Verilator's runtime objects (listed by verilated_objs.mk in
# MDIR/htasim-runtime.txt) and the harness objects, so a C program links a
# single archive. Uses an ar MRI script because it can merge archives.
set -e
out=$1 mdir=$2 model=$3
shift 3
rm -f "$out"
{
  echo "create $out"
  echo "addlib $model"
  for o in "$@"; do echo "addmod $o"; done
  for o in $(cat "$mdir/htasim-runtime.txt"); do echo "addmod $mdir/$o"; done
  echo "save"
  echo "end"
} | ar -M
ranlib "$out"
