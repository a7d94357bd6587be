# mk/deps.mk - `make deps`: the Debian packages the project needs.
#
# CI starts from a Debian 12 machine with only gcc, make and git, so every
# tool the build or the tests use must be listed here. Fragments append what
# they need:   DEPS_PKGS += libfoo-dev
#
#   verilator, g++, make, zlib1g-dev  RTL lint and simulation (Verilator builds C++)
#   yosys                              synthesis for resource counts
#   libxrt-dev                         XRT backend of the host library
#   libusb-1.0-0-dev                   USB backend of the host library
#   gnuplot-nox                        benchmark plots
# and from fragments, e.g. clang + libclang-rt-14-dev (libFuzzer) in tests/fuzz/fuzz.mk.
DEPS_PKGS := verilator yosys g++ make zlib1g-dev libxrt-dev libusb-1.0-0-dev gnuplot-nox

.PHONY: deps
deps: ## install missing Debian packages (apt-get; root)
	$(Q)bash mk/deps.sh $(sort $(DEPS_PKGS))
