# kernels.mk: include from a firmware Makefile to build the int8 kernels (edge/kernels, docs/KERNELS.md).
#
#   ED_KERNELS := cortex_m4          # or reference; anything else stops the build
#   include $(EDGE)/kernels/kernels.mk
#   SRCS += $(ED_KERNELS_SRCS)
#   CFLAGS += $(ED_KERNELS_CFLAGS)
#
# Exactly one variant directory is compiled, plus common/. There is no silent fallback: an unknown name is an
# error, as in TFLite Micro's OPTIMIZED_KERNEL_DIR. host/eccless/device/kernels_host.py picks sources the same way.
# Defines variables only (no targets), so including it never changes the including Makefile's default goal.

ED_KERNELS ?= reference
ED_KERNELS_VARIANTS := reference cortex_m4

# exactly one word, and a known one
ifneq ($(words $(ED_KERNELS))$(filter-out $(ED_KERNELS_VARIANTS),$(ED_KERNELS)),1)
$(error unknown ED_KERNELS '$(ED_KERNELS)': choose one of $(ED_KERNELS_VARIANTS))
endif

ED_KERNELS_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ED_KERNELS_SRCS := $(sort $(wildcard $(ED_KERNELS_DIR)/common/*.c)) \
                   $(sort $(wildcard $(ED_KERNELS_DIR)/$(ED_KERNELS)/*.c))
ED_KERNELS_CFLAGS := -I$(ED_KERNELS_DIR)/include -I$(ED_KERNELS_DIR)/common

