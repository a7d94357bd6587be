# bitstreams/bitstreams.mk - the vendor flows' test (the flows themselves are
# run with make -C bitstreams/alveo or bitstreams/zynq; see bitstreams/README.md).
#
# No AMD tool is installed here or in CI, so the test checks what can be
# checked without them: kernel.xml against the C headers, the clear stop
# without Vitis/Vivado, refused arguments, the generated v++ link configs,
# and a parse of the Vivado Tcl under tclsh (Debian package tcl).

TEST_BINS += tests/bitstreams/test_flows.sh
DEPS_PKGS += tcl python3
test-bins: $(HTA_GEN)
