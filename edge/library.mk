# library.mk: the eccless loader as a static library with plain Make, for one CPU class.
#
#   ECCLESS_VARIANT := reference                       # cortex_m4 | reference (edge/sources.mk)
#   ECCLESS_ARCH := -mcpu=cortex-m0 -mthumb            # your core's flags; the library is built with them
#   ECCLESS_BUILD := build/eccless                     # where objects and libeccless.a go
#   include path/to/edge/library.mk
#   app.elf: main.o $(ECCLESS_LIB)                     # and CFLAGS += $(ECCLESS_LIBRARY_INCLUDES)
#
# The source lists are edge/sources.mk, generated from host/eccless/firmware/manifest.py.

include $(dir $(lastword $(MAKEFILE_LIST)))sources.mk

ECCLESS_CC ?= arm-none-eabi-gcc
ECCLESS_AR ?= arm-none-eabi-ar
ECCLESS_BUILD ?= build/eccless
ECCLESS_LIB := $(ECCLESS_BUILD)/libeccless.a
ECCLESS_OBJS := $(patsubst $(ECCLESS_EDGE)/%.c,$(ECCLESS_BUILD)/obj/%.o,$(ECCLESS_LIBRARY_SRCS))

$(ECCLESS_BUILD)/obj/%.o: $(ECCLESS_EDGE)/%.c
	@mkdir -p $(dir $@)
	$(ECCLESS_CC) $(ECCLESS_ARCH) $(ECCLESS_CFLAGS) -O2 -ffreestanding -ffunction-sections -fdata-sections \
	    $(ECCLESS_LIBRARY_INCLUDES) -MMD -c $< -o $@

$(ECCLESS_LIB): $(ECCLESS_OBJS)
	@rm -f $@
	$(ECCLESS_AR) rcs $@ $^

-include $(ECCLESS_OBJS:.o=.d)
