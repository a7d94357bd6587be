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
