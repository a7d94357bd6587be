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

# The usb backend (backend_usb.c) talks to libusb-1.0: every program that
# links libhta links it too.
DEPS_PKGS += libusb-1.0-0-dev pkgconf
HOST_USB_CPPFLAGS := $(or $(shell pkg-config --cflags libusb-1.0 2>/dev/null),-I/usr/include/libusb-1.0)
$(BUILD)/obj/host/src/backend_usb.o $(BUILD)/san/host/src/backend_usb.o: \
  CPPFLAGS += $(HOST_USB_CPPFLAGS)
LDLIBS += -lusb-1.0

# The sim device loads each configuration's model at run time
# (host/src/simlib.c): it looks in this build tree and the install libdir.
$(BUILD)/obj/host/src/simlib.o $(BUILD)/san/host/src/simlib.o: \
  CPPFLAGS += -DHTA_SIM_BUILD_DIR='"$(CURDIR)/$(BUILD)/sim"' \
              -DHTA_SIM_LIBDIR='"$(or $(PREFIX),/usr/local)/lib/hta"'
LDLIBS += -ldl -lpthread
