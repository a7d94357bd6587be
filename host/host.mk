# host/host.mk - libhta: the golden model, the compiler (and, later, the
# backends). Included by the top Makefile after mk/common.mk, which provides
# CFLAGS, SAN_CFLAGS, the generic build/obj and build/san object rules.
#
#   build/libhta.a       every host/src/*.c
#   build/san/libhta.a   the same built with the sanitizers (for san tests)

HOST_SRCS     := $(wildcard host/src/*.c)
HOST_OBJS     := $(HOST_SRCS:%.c=$(BUILD)/obj/%.o)
HOST_SAN_OBJS := $(HOST_SRCS:%.c=$(BUILD)/san/%.o)
LIBHTA        := $(BUILD)/libhta.a
LIBHTA_SAN    := $(BUILD)/san/libhta.a

$(LIBHTA): $(HOST_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBHTA_SAN): $(HOST_SAN_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

ALL_TARGETS += $(LIBHTA)

# The usb backend (backend_usb.c) talks to libusb-1.0, and the xrt backend
# to XRT's libxrt_coreutil: both are loaded when the first such device opens
# (dynlib.c), so programs link neither; only their headers are needed here.
DEPS_PKGS += libusb-1.0-0-dev pkgconf
HOST_USB_CPPFLAGS := $(or $(shell pkg-config --cflags libusb-1.0 2>/dev/null),-I/usr/include/libusb-1.0)
$(BUILD)/obj/host/src/backend_usb.o $(BUILD)/san/host/src/backend_usb.o \
$(BUILD)/pic/host/src/backend_usb.o: CPPFLAGS += $(HOST_USB_CPPFLAGS)

# The sim device loads each configuration's model at run time
# (host/src/simlib.c): it looks in this build tree and the install libdir.
$(BUILD)/obj/host/src/simlib.o $(BUILD)/san/host/src/simlib.o $(BUILD)/pic/host/src/simlib.o: \
  CPPFLAGS += -DHTA_SIM_BUILD_DIR='"$(CURDIR)/$(BUILD)/sim"' \
              -DHTA_SIM_LIBDIR='"$(or $(PREFIX),/usr/local)/lib/hta"'
LDLIBS += -ldl -lpthread

# ---- the shared library ----
# build/libhta.so.$(HTA_SO_VERSION), soname libhta.so.$(HTA_SO_MAJOR), from
# position-independent objects. Its exported symbols are exactly the
# functions declared in host/include/ (a version script generated from the
# headers: nothing internal leaks, and a new API function is exported by
# declaring it); it depends on libc, libdl and libpthread only.
HTA_SO_MAJOR   := 0
HTA_SO_VERSION := $(HTA_SO_MAJOR).1.0
LIBHTA_SO      := $(BUILD)/libhta.so.$(HTA_SO_VERSION)
HOST_PIC_OBJS  := $(HOST_SRCS:%.c=$(BUILD)/pic/%.o)
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
