# sim/sim.mk - the Verilator simulation behind sim/include/hta_sim.h.
#
# Included by the top Makefile (after mk/common.mk and hw/hw.mk, run from the
# repository root); also works alone: `make -f sim/sim.mk sim-selftest`.
# sim/README.md says what the models do.
#
# Provides
#   SIM_SO_<name>     build/sim/<name>/libhtasim_<name>.so: the C API over
#                     hw/rtl's hta_top built from hw/config/<name>.cfg, for
#                     every configuration; libhta's sim device loads it at run
#                     time (host/include/hta_simlib.h). `make sim CFG=<name>`
#                     builds one; `make all` the default (small) and tiny.
#   SIM_LIB_<name>    the same model as a static library libhtasim_<name>.a,
#                     for programs that link one configuration (RTL tests)
#   SIM_LIB           SIM_LIB_small (sim/emu, sim/usb: they stay on the default)
#   SIM_CFGS_BUILT    the configurations `make all` builds models of
#   SIM_CPPFLAGS      include path of hta_sim.h
#   SIM_LDLIBS        what a C program links after SIM_LIB:
#                       $(CC) prog.o $(SIM_LIB) $(SIM_LDLIBS) -o prog
#   SIM_SELFTEST_LIB  the same API over sim/selftest's DUT
# Appends to ALL_TARGETS, TEST_BINS and BENCH_CMDS.
# Knobs: TRACE=1 (every simulation writes an FST waveform, see README),
#        SIM_THREADS (verilator --threads), SIM_SELFTEST_BUS_BITS, V=1.

# Standalone use: what mk/common.mk would have set.
BUILD ?= build
ifndef msg
  Q   := $(if $(filter 1,$(V)),,@)
  msg  = $(if $(filter 1,$(V)),@true,@printf '  %-7s %s\n' '$(1)' '$(2)')
endif

SIM_BUILD     := $(BUILD)/sim
SIM_VERILATOR ?= verilator
SIM_VROOT     := $(shell $(SIM_VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)
SIM_THREADS   ?= 1
SIM_SELFTEST_BUS_BITS ?= 128

# Debian packages the simulation needs (make deps; zlib for FST traces).
DEPS_PKGS += verilator g++ zlib1g-dev

SIM_CPPFLAGS := -Isim/include
SIM_LDLIBS   := -lstdc++ -lz -lpthread -lm
SIM_CFG_DEFAULT  := $(or $(HTA_CFG_DEFAULT),small)
SIM_CFGS         := $(or $(HTA_CFGS),small)
SIM_CFGS_BUILT   := $(SIM_CFG_DEFAULT) tiny
SIM_LIB          := $(SIM_BUILD)/$(SIM_CFG_DEFAULT)/libhtasim_$(SIM_CFG_DEFAULT).a
SIM_SELFTEST_LIB := $(SIM_BUILD)/libhtasim_selftest.a

# TRACE=1: the harness traces every simulation to the file HTA_SIM_TRACE
# names (%p = program name; later simulations of one process add .2, .3...).
ifeq ($(TRACE),1)
  $(shell mkdir -p $(SIM_BUILD)/waves)
  export HTA_SIM_TRACE ?= $(CURDIR)/$(SIM_BUILD)/waves/%p.fst
endif

# Harness C++. hta_regs.h (host/include, generated) gives CTRL's offset.
SIM_CXX      ?= g++
SIM_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -MMD -MP -fPIC \
                -Isim/include -Isim/src -Ihost/include \
                -isystem $(SIM_VROOT)/include -isystem $(SIM_VROOT)/include/vltstd

# Verilator. Assertions stay on (--assert); state that is not reset starts
# random (--x-initial unique, seeded, see README) so missing resets show.
# FST support is always compiled in: measured, it costs no speed until a trace
# is opened (README), so one flavour of each library serves both uses.
# -CFLAGS -O2 would not do: verilated.mk appends OPT_FAST (-Os) after it, so
# the optimisation level goes to the generated makefile as OPT_* instead.
# VL_USER_*: the harness replaces vl_stop/vl_finish/vl_fatal, which would end
# the host program; vl_print.h sends Verilator's printing to stderr through it.
# --expand-limit 1024: Verilator expands operations on vectors of up to this
# many 32-bit words into one statement per word; above its default (64 words,
# 2048 bits) it builds a vector that many slices drive (hta_v2_core's acc and
# add_res, Pix x AddCo x 32 bits) by concatenating one slice at a time, each
# step copying the whole vector: quadratic in Pix x AddCo, 28% of v2small's
# time; the former v2zcu104 (15,360 bits; now zcu104, resized) runs 2.2-2.5x faster without them. README, "Speed".
SIM_VFLAGS := --cc -O3 --assert --x-assign fast --x-initial unique --trace-fst \
              --expand-limit 1024 --threads $(SIM_THREADS) -CFLAGS -fPIC \
              -CFLAGS "-DVL_USER_STOP -DVL_USER_FINISH -DVL_USER_FATAL" \
              -CFLAGS "-include $(CURDIR)/sim/src/vl_print.h"
SIM_VMAKEFLAGS := OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2
SIM_MK := sim/sim.mk sim/mk/verilated_objs.mk sim/mk/mklib.sh sim/src/vl_print.h
# -fPIC everywhere (above): the same objects make the static library and the
# shared object of a configuration.

# The real design, in hw/hw.mk's order when that is loaded (packages first).
SIM_RTL_FILES := $(or $(RTL_FILES),hw/rtl/hta_cfg_pkg.sv hw/rtl/hta_regs_pkg.sv \
    $(sort $(filter-out hw/rtl/hta_cfg_pkg.sv hw/rtl/hta_regs_pkg.sv,$(wildcard hw/rtl/*_pkg.sv))) \
    $(sort $(filter-out %_pkg.sv,$(wildcard hw/rtl/*.sv))))
SIM_RTL_VLT   := $(wildcard hw/lint/*.vlt)
SIM_RTL_DEPS  := $(SIM_RTL_FILES) $(SIM_RTL_VLT) $(wildcard hw/rtl/*.svh)

$(SIM_BUILD)/axi_mem.o: sim/src/axi_mem.cpp $(SIM_MK)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SIM_CXX) $(SIM_CXXFLAGS) -c $< -o $@
-include $(SIM_BUILD)/axi_mem.d

# $(call sim_model,DIR,TOP,SOURCES,DEPS,VERILATOR_FLAGS,LIB[,HARNESS_FLAGS])
# Verilates TOP into $(SIM_BUILD)/DIR, compiles hta_sim.cpp against it and
# packs model, Verilator runtime and harness into LIB. Generated files
# (hta_cfg_pkg.sv, hta_regs.h) are made first when the top Makefile knows them.
define sim_model
$(SIM_BUILD)/$(1)/.verilated: $(4) $(SIM_MK) | $(GEN_FILES)
	$$(call msg,VERILATE,$(2) -> $$(@D))
	$(Q)mkdir -p $$(@D)
	$(Q)$(SIM_VERILATOR) $(SIM_VFLAGS) $(5) --Mdir $$(@D) --top-module $(2) $(3)
	$(Q)$$(MAKE) -s -C $$(@D) -f V$(2).mk -f $(CURDIR)/sim/mk/verilated_objs.mk \
	  $(SIM_VMAKEFLAGS) htasim-objs >/dev/null
	$(Q)touch $$@

$(SIM_BUILD)/$(1)/hta_sim.o: sim/src/hta_sim.cpp $(SIM_BUILD)/$(1)/.verilated $(SIM_MK)
	$$(call msg,CXX,$$@)
	$(Q)$(SIM_CXX) $(SIM_CXXFLAGS) -I$(SIM_BUILD)/$(1) -DHTA_SIM_TOP=V$(2) \
	  -DHTA_SIM_TOP_HEADER='"V$(2).h"' -DHTA_SIM_HAVE_TRACE=1 $(7) -c $$< -o $$@
-include $(SIM_BUILD)/$(1)/hta_sim.d

$(6): $(SIM_BUILD)/$(1)/.verilated $(SIM_BUILD)/$(1)/hta_sim.o $(SIM_BUILD)/axi_mem.o
	$$(call msg,AR,$$@)
	$(Q)sim/mk/mklib.sh $$@ $(SIM_BUILD)/$(1) $(SIM_BUILD)/$(1)/V$(2)__ALL.a \
	  $(SIM_BUILD)/$(1)/hta_sim.o $(SIM_BUILD)/axi_mem.o
endef

# The self-test design, at SIM_SELFTEST_BUS_BITS; it must stay lint clean.
SIM_SELFTEST_SRCS := sim/selftest/hta_selftest_top.sv
$(eval $(call sim_model,selftest,hta_selftest_top,$(SIM_SELFTEST_SRCS),$(SIM_SELFTEST_SRCS),\
  -Wall -GBusBits=$(SIM_SELFTEST_BUS_BITS),$(SIM_SELFTEST_LIB)))

# The real design, once it exists, one model per configuration: hw/rtl with
# hw/rtl/hta_cfg_pkg.sv (the default's package) replaced by
# hw/config/gen/<name>/hta_cfg_pkg.sv. Lint is hw/hw.mk's job (make lint);
# here warnings are shown but do not stop the build. The shared object
# exports only hta_sim_* (sim/mk/htasim.map) and binds its own calls
# (-Bsymbolic): several configurations' models, each with its own Verilator
# runtime, can share a process (host/src/simlib.c).
# $(call sim_cfg_model,NAME)
define sim_cfg_model
SIM_LIB_$(1) := $(SIM_BUILD)/$(1)/libhtasim_$(1).a
SIM_SO_$(1)  := $(SIM_BUILD)/$(1)/libhtasim_$(1).so
$$(eval $$(call sim_model,$(1),hta_top,$(SIM_RTL_VLT) \
  $(patsubst hw/rtl/hta_cfg_pkg.sv,hw/config/gen/$(1)/hta_cfg_pkg.sv,$(SIM_RTL_FILES)),\
  $(SIM_RTL_DEPS) hw/config/gen/$(1)/hta_cfg_pkg.sv,-Wno-fatal -Ihw/rtl,\
  $(SIM_BUILD)/$(1)/libhtasim_$(1).a,-DHTA_SIM_CFG_NAME='"$(1)"'))
$(SIM_BUILD)/$(1)/libhtasim_$(1).so: $(SIM_BUILD)/$(1)/.verilated $(SIM_BUILD)/$(1)/hta_sim.o \
                                     $(SIM_BUILD)/axi_mem.o sim/mk/htasim.map
	$$(call msg,LD,$$@)
	$(Q)$(SIM_CXX) -shared -o $$@ $(SIM_BUILD)/$(1)/hta_sim.o $(SIM_BUILD)/axi_mem.o \
	  $(SIM_BUILD)/$(1)/Vhta_top__ALL.a \
	  $$$$(sed 's|[^ ][^ ]*|$(SIM_BUILD)/$(1)/&|g' $(SIM_BUILD)/$(1)/htasim-runtime.txt) \
	  -Wl,--version-script=sim/mk/htasim.map -Wl,-Bsymbolic -Wl,--no-undefined \
	  -lz -lpthread
endef

$(foreach c,$(SIM_CFGS),$(eval $(call sim_cfg_model,$(c))))
SIM_SOS_BUILT := $(foreach c,$(SIM_CFGS_BUILT),$(SIM_SO_$(c)))
ALL_TARGETS += $(SIM_LIB) $(SIM_SOS_BUILT)
# libhta's sim device loads these at run time: every test that opens a sim
# device (the API, CLI, XRT and USB tests) needs them built first.
test-bins: $(SIM_SOS_BUILT)

# make sim CFG=NAME: the model of one configuration (default: small).
CFG ?= $(SIM_CFG_DEFAULT)
.PHONY: sim
sim: ## build the simulation model of a configuration: make sim CFG=NAME (default small)
	$(Q)if [[ -z '$(filter $(SIM_CFGS),$(CFG))' || '$(words $(CFG))' != 1 ]]; then \
	  echo "sim: unknown CFG '$(CFG)' (configurations: $(SIM_CFGS))" >&2; exit 1; fi
	$(Q)$(MAKE) $(SIM_BUILD)/$(CFG)/libhtasim_$(CFG).so
	@echo "sim: $(SIM_BUILD)/$(CFG)/libhtasim_$(CFG).so"

# The models' part of `make install` (host/host.mk): where libhta's sim
# device looks for them (PREFIX/lib/hta).
.PHONY: install-sim
install: install-sim
install-sim: $(SIM_SOS_BUILT)
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/hta
	$(Q)install -m 755 $(SIM_BUILD)/*/libhtasim_*.so $(DESTDIR)$(PREFIX)/lib/hta/

# Self-test and speed benchmark programs.
SIM_SELFTEST_BIN := $(SIM_BUILD)/test_sim_selftest
SIM_BENCH_BIN    := $(SIM_BUILD)/bench_sim_selftest
$(SIM_SELFTEST_BIN) $(SIM_BENCH_BIN): $(SIM_BUILD)/%: sim/selftest/%.c sim/include/hta_sim.h \
                                      $(SIM_SELFTEST_LIB)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SIM_CPPFLAGS) $< $(SIM_SELFTEST_LIB) $(SIM_LDLIBS) -o $@

ALL_TARGETS += $(SIM_SELFTEST_BIN) $(SIM_BENCH_BIN)
TEST_BINS   += $(SIM_SELFTEST_BIN)
BENCH_CMDS  += $(SIM_BENCH_BIN) ;

.PHONY: sim-selftest sim-selftest-widths
sim-selftest: $(SIM_SELFTEST_BIN) ## run the simulation harness self-test
	$(SIM_SELFTEST_BIN)

# The harness follows the bus width of the top; this proves it at others.
sim-selftest-widths: ## the harness self-test at BusBits 32, 64, 256, 512
	$(Q)for w in 32 64 256 512; do \
	  echo "== BusBits $$w"; \
	  $(MAKE) -f sim/sim.mk BUILD=$(BUILD)/sim/w$$w SIM_SELFTEST_BUS_BITS=$$w \
	    CFLAGS="$(CFLAGS)" sim-selftest || exit 1; \
	done
