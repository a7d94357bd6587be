# host/host.mk - libhta: its layers (host/src/*/, docs/architecture.md
# "libhta"), their build flags, the static, sanitizer and shared libraries,
# hta.pc, and `make install` of the library, its headers and hta.pc.
# Included by the top Makefile after mk/common.mk, which provides CFLAGS,
# SAN_CFLAGS, the generic build/obj and build/san object rules.
#
#   build/libhta.a       every host/src/*.c and host/src/*/*.c
#   build/san/libhta.a   the same built with the sanitizers (for san tests)
#   build/libhta.so.*    the shared library (exports the public API only)

HOST_SRCS     := $(wildcard host/src/*.c host/src/*/*.c)
HOST_OBJS     := $(HOST_SRCS:%.c=$(BUILD)/obj/%.o)
HOST_SAN_OBJS := $(HOST_SRCS:%.c=$(BUILD)/san/%.o)
HOST_PIC_OBJS := $(HOST_SRCS:%.c=$(BUILD)/pic/%.o)
LIBHTA        := $(BUILD)/libhta.a
LIBHTA_SAN    := $(BUILD)/san/libhta.a

# Internal headers are found from every layer (and by the tests of internal
# parts: test_engine_driver, the usb link tests) through these.
HOST_INTERNAL_CPPFLAGS := $(patsubst %/,-I%,$(sort host/src/ $(dir $(wildcard host/src/*/*.h))))
HOST_ALL_OBJS := $(HOST_OBJS) $(HOST_SAN_OBJS) $(HOST_PIC_OBJS)
$(HOST_ALL_OBJS): CPPFLAGS += $(HOST_INTERNAL_CPPFLAGS)

# Objects of one source in the three flavours.
host_objs = $(foreach f,obj san pic,$(addprefix $(BUILD)/$(f)/host/src/,$(1:=.o)))

# The transports. usb (libusb-1.0) and xrt (XRT's libxrt_coreutil) are loaded
# when the first such device opens (transport/dynlib.c), so programs link
# neither; only their headers are needed here. The sim device includes the
# model's C API (sim/include/hta_sim.h) and loads each configuration's model
# at run time (transport/simlib.c), from this build tree or the install
# libdir. XRT's headers include "xrt.h" and "experimental/..." from
# /usr/include/xrt.
PREFIX  ?= /usr/local
DESTDIR ?=
DEPS_PKGS += libusb-1.0-0-dev pkgconf libxrt-dev uuid-dev
HOST_USB_CPPFLAGS := $(or $(shell pkg-config --cflags libusb-1.0 2>/dev/null),-I/usr/include/libusb-1.0)
$(call host_objs,transport/backend_usb): CPPFLAGS += $(HOST_USB_CPPFLAGS)
$(call host_objs,transport/backend_xrt): CPPFLAGS += -I/usr/include/xrt
$(call host_objs,transport/backend_sim transport/transport_sim transport/simlib): \
  CPPFLAGS += -Isim/include
$(call host_objs,transport/simlib): \
  CPPFLAGS += -DHTA_SIM_BUILD_DIR='"$(CURDIR)/$(BUILD)/sim"' -DHTA_SIM_LIBDIR='"$(PREFIX)/lib/hta"'
LDLIBS += -ldl -lpthread

$(LIBHTA): $(HOST_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBHTA_SAN): $(HOST_SAN_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

ALL_TARGETS += $(LIBHTA)

# ---- the shared library ----
# build/libhta.so.$(HTA_SO_VERSION), soname libhta.so.$(HTA_SO_MAJOR), from
# position-independent objects. Its exported symbols are exactly the
# functions declared in host/include/ (a version script generated from the
# headers: nothing internal leaks, and a new API function is exported by
# declaring it); it depends on libc, libdl and libpthread only.
HTA_SO_MAJOR   := 0
HTA_SO_VERSION := $(HTA_SO_MAJOR).1.0
LIBHTA_SO      := $(BUILD)/libhta.so.$(HTA_SO_VERSION)
HOST_API_HDRS  := $(filter-out host/include/hta_simlib.h,$(wildcard host/include/*.h))

$(BUILD)/pic/%.o: %.c | $(GEN_FILES)
	$(call msg,CC-PIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=default $(DEPFLAGS) -c $< -o $@
-include $(shell find $(BUILD)/pic -name '*.d' 2>/dev/null)

$(BUILD)/libhta.map: $(HOST_API_HDRS) host/host.mk
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo 'HTA_$(HTA_SO_MAJOR) {'; echo '  global:'; \
	  sed -n 's/^[a-z_][a-z0-9_ *]* \**\(hta_[a-z0-9_]*\)(.*/    \1;/p' $(HOST_API_HDRS) | sort -u; \
	  echo '  local: *;'; echo '};'; } > $@

$(LIBHTA_SO): $(HOST_PIC_OBJS) $(BUILD)/libhta.map
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libhta.so.$(HTA_SO_MAJOR) \
	  -Wl,--version-script=$(BUILD)/libhta.map -Wl,--no-undefined \
	  $(HOST_PIC_OBJS) -o $@ -ldl -lpthread -lm
	$(Q)ln -sf libhta.so.$(HTA_SO_VERSION) $(BUILD)/libhta.so.$(HTA_SO_MAJOR)
	$(Q)ln -sf libhta.so.$(HTA_SO_MAJOR) $(BUILD)/libhta.so

ALL_TARGETS += $(LIBHTA_SO)

# ---- hta.pc and make install (the library's part; sim/sim.mk installs the
# models, tools/hta/hta.mk the CLI, python/python.mk the package) ----
HTA_PUBLIC_HEADERS := $(filter-out host/include/hta_simlib.h host/include/hta_simprog.h, \
                        $(wildcard host/include/*.h))
HTA_PC := $(BUILD)/hta.pc

# hta.pc is regenerated whenever PREFIX changes (the stamp holds it).
$(BUILD)/.hta_prefix: FORCE_PREFIX
	@mkdir -p $(@D)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
.PHONY: FORCE_PREFIX

$(HTA_PC): hta.pc.in $(BUILD)/.hta_prefix
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n \
	  's/^#define HTA_VERSION_STRING "\(.*\)"/\1/p' host/include/hta.h)|g' $< > $@

.PHONY: install install-libhta
install: install-libhta ## install libhta, headers, hta.pc, the sim models, hta, the Python package (PREFIX, DESTDIR)
install-libhta: $(LIBHTA) $(LIBHTA_SO) $(HTA_PC)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX) (libhta))
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/hta
	$(Q)install -m 644 $(LIBHTA) $(DESTDIR)$(PREFIX)/lib/libhta.a
	$(Q)install -m 755 $(LIBHTA_SO) $(DESTDIR)$(PREFIX)/lib/
	$(Q)ln -sf libhta.so.$(HTA_SO_VERSION) $(DESTDIR)$(PREFIX)/lib/libhta.so.$(HTA_SO_MAJOR)
	$(Q)ln -sf libhta.so.$(HTA_SO_MAJOR) $(DESTDIR)$(PREFIX)/lib/libhta.so
	$(Q)install -m 644 $(HTA_PUBLIC_HEADERS) sim/include/hta_sim.h $(DESTDIR)$(PREFIX)/include/hta/
	$(Q)install -m 644 $(HTA_PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/hta.pc
