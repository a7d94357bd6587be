# mk/common.mk - settings every fragment shares: build folder, quiet output,
# compiler flags, and generic compile rules. Included first by the top Makefile.

BUILD := build

# Recipes need bash for `set -o pipefail` (Debian's /bin/sh is dash).
SHELL := /bin/bash

# ---------------------------------------------------------------------------
# Quiet by default, V=1 shows every command. Recipes start with $(Q) and print
# a one-line summary with $(call msg,TAG,what); with V=1 the command itself
# is the summary, so msg prints nothing.
V ?= 0
ifeq ($(V),1)
  Q :=
  msg = @true
else
  Q := @
  msg = @printf '  %-7s %s\n' '$(1)' '$(2)'
  MAKEFLAGS += --no-print-directory
endif

# ---------------------------------------------------------------------------
# Compilers and flags. Warnings are errors everywhere: a warning nobody reads
# is a bug nobody fixes.
# CC and CXX keep make's defaults (cc, g++), or whatever the caller sets.
CFLAGS   := -std=c11 -Wall -Wextra -Werror -O2 -g
CXXFLAGS := -std=c++17 -Wall -Wextra -Werror -O2 -g
# Generated headers (hta_hw_config.h, hta_regs.h, hta_prog.h) live in host/include.
CPPFLAGS := -Ihost/include
LDFLAGS  :=
LDLIBS   :=
# -MMD -MP: every object records the headers it read, so editing a header
# (or regenerating hta_regs.h) rebuilds exactly what uses it.
DEPFLAGS := -MMD -MP

# Sanitizer flavour for test builds: add SAN_CFLAGS when compiling (C or C++)
# and SAN_LDFLAGS when linking. -fno-sanitize-recover makes UBSan findings
# fatal, so a test cannot print "0 failed" after undefined behaviour.
SAN_CFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined

# ---------------------------------------------------------------------------
# Generic object rules, for fragments that want them (an explicit rule in a
# fragment always wins over these patterns):
#   build/obj/<path>.o  from <path>.c / <path>.cpp  with the flags above
#   build/san/<path>.o  the same with SAN_CFLAGS added
# Per-target flags work as usual: `build/obj/host/src/%.o: CPPFLAGS += -DX`.
# Objects wait for the generated files (order-only), so a fresh edit of
# hw/config/*.cfg is turned into headers before anything includes them.
$(BUILD)/obj/%.o: %.c | $(GEN_FILES)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cpp | $(GEN_FILES)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c | $(GEN_FILES)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.cpp | $(GEN_FILES)
	$(call msg,CXX-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(SAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

# Header dependencies recorded by -MMD for the objects above (none on a clean
# tree). Only these two folders: other tools (Verilator) write .d files of
# their own, relative to their own folders, which must not leak in here.
-include $(shell find $(BUILD)/obj $(BUILD)/san -name '*.d' 2>/dev/null)

# A newline, for fragments that need to build multi-line text in make.
define newline


endef
