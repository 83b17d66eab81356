# sources.mk: the C of edge/ for Make users, one list per ISA variant.
# GENERATED from host/eccless/firmware/manifest.py by eccless.firmware.codegen -- do not edit.
#
#   ECCLESS_VARIANT := cortex_m4        # mve | cortex_m4 | armv6m | reference
#   include path/to/edge/sources.mk
#   SRCS += $(ECCLESS_LIBRARY_SRCS)      # the loader library
#   CFLAGS += $(ECCLESS_CFLAGS) $(ECCLESS_LIBRARY_INCLUDES)
#
# An unknown variant stops the build; nothing falls back to another.

ECCLESS_EDGE := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ECCLESS_VARIANTS := mve cortex_m4 armv6m reference
ifneq ($(words $(ECCLESS_VARIANT))$(filter-out $(ECCLESS_VARIANTS),$(ECCLESS_VARIANT)),1)
$(error unknown ECCLESS_VARIANT '$(ECCLESS_VARIANT)': choose one of $(ECCLESS_VARIANTS))
endif
ECCLESS_CFLAGS := -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes

ECCLESS_LIBRARY_SRCS_mve := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/mve/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_mve_support.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_matmul.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_pack.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_widen.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_max_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c
ECCLESS_LIBRARY_INCLUDES_mve := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/mve -I$(ECCLESS_EDGE)/detect/cortex_m4 -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/mve -I$(ECCLESS_EDGE)/kernels/cortex_m4 -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/include
ECCLESS_FIRMWARE_SRCS_mve := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/mve/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/mve/ed_mve_support.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_matmul.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_pack.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_widen.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_max_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c \
    $(ECCLESS_EDGE)/protocol/ed_dispatch.c \
    $(ECCLESS_EDGE)/protocol/ed_frame.c \
    $(ECCLESS_EDGE)/firmware/ed_boot.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_bench.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_classify.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_digest.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_echo.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_eval.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_infer.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_info.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_inject.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_load.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_ping.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_spin.c \
    $(ECCLESS_EDGE)/firmware/ed_main.c \
    $(ECCLESS_EDGE)/firmware/ed_model_state.c \
    $(ECCLESS_EDGE)/firmware/ed_server.c
ECCLESS_FIRMWARE_INCLUDES_mve := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/mve -I$(ECCLESS_EDGE)/detect/cortex_m4 -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/mve -I$(ECCLESS_EDGE)/kernels/cortex_m4 -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/protocol -I$(ECCLESS_EDGE)/firmware -I$(ECCLESS_EDGE)/include

ECCLESS_LIBRARY_SRCS_cortex_m4 := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/cortex_m4/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_matmul.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_pack.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_widen.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_max_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c
ECCLESS_LIBRARY_INCLUDES_cortex_m4 := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/cortex_m4 -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/cortex_m4 -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/include
ECCLESS_FIRMWARE_SRCS_cortex_m4 := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/cortex_m4/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_matmul.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_pack.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_cm4_widen.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/cortex_m4/ed_max_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c \
    $(ECCLESS_EDGE)/protocol/ed_dispatch.c \
    $(ECCLESS_EDGE)/protocol/ed_frame.c \
    $(ECCLESS_EDGE)/firmware/ed_boot.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_bench.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_classify.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_digest.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_echo.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_eval.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_infer.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_info.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_inject.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_load.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_ping.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_spin.c \
    $(ECCLESS_EDGE)/firmware/ed_main.c \
    $(ECCLESS_EDGE)/firmware/ed_model_state.c \
    $(ECCLESS_EDGE)/firmware/ed_server.c
ECCLESS_FIRMWARE_INCLUDES_cortex_m4 := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/cortex_m4 -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/cortex_m4 -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/protocol -I$(ECCLESS_EDGE)/firmware -I$(ECCLESS_EDGE)/include

ECCLESS_LIBRARY_SRCS_armv6m := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/armv6m/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_v6m_support.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_max_pool_s8.c
ECCLESS_LIBRARY_INCLUDES_armv6m := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/armv6m -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/armv6m -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/include
ECCLESS_FIRMWARE_SRCS_armv6m := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/armv6m/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/armv6m/ed_v6m_support.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_max_pool_s8.c \
    $(ECCLESS_EDGE)/protocol/ed_dispatch.c \
    $(ECCLESS_EDGE)/protocol/ed_frame.c \
    $(ECCLESS_EDGE)/firmware/ed_boot.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_bench.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_classify.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_digest.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_echo.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_eval.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_infer.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_info.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_inject.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_load.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_ping.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_spin.c \
    $(ECCLESS_EDGE)/firmware/ed_main.c \
    $(ECCLESS_EDGE)/firmware/ed_model_state.c \
    $(ECCLESS_EDGE)/firmware/ed_server.c
ECCLESS_FIRMWARE_INCLUDES_armv6m := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/armv6m -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/armv6m -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/protocol -I$(ECCLESS_EDGE)/firmware -I$(ECCLESS_EDGE)/include

ECCLESS_LIBRARY_SRCS_reference := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/reference/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_max_pool_s8.c
ECCLESS_LIBRARY_INCLUDES_reference := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/include
ECCLESS_FIRMWARE_SRCS_reference := \
    $(ECCLESS_EDGE)/image/ed_crc32.c \
    $(ECCLESS_EDGE)/image/ed_ecc.c \
    $(ECCLESS_EDGE)/image/ed_ecc_tables.c \
    $(ECCLESS_EDGE)/represent/ed_repr_gray.c \
    $(ECCLESS_EDGE)/represent/ed_repr_hamming.c \
    $(ECCLESS_EDGE)/represent/ed_repr_offset.c \
    $(ECCLESS_EDGE)/represent/ed_repr_optimized.c \
    $(ECCLESS_EDGE)/represent/ed_repr_signmag.c \
    $(ECCLESS_EDGE)/represent/ed_repr_twos.c \
    $(ECCLESS_EDGE)/represent/ed_repr_zigzag.c \
    $(ECCLESS_EDGE)/represent/ed_represent.c \
    $(ECCLESS_EDGE)/detect/ed_detect.c \
    $(ECCLESS_EDGE)/detect/ed_detect_copy.c \
    $(ECCLESS_EDGE)/detect/ed_detect_generic.c \
    $(ECCLESS_EDGE)/detect/ed_detect_lut.c \
    $(ECCLESS_EDGE)/detect/reference/ed_detect_words.c \
    $(ECCLESS_EDGE)/channel/ed_channel.c \
    $(ECCLESS_EDGE)/loader/ed_arena.c \
    $(ECCLESS_EDGE)/loader/ed_decode_pass.c \
    $(ECCLESS_EDGE)/loader/ed_ecc_weights.c \
    $(ECCLESS_EDGE)/loader/ed_eccless.c \
    $(ECCLESS_EDGE)/loader/ed_flash.c \
    $(ECCLESS_EDGE)/loader/ed_infer.c \
    $(ECCLESS_EDGE)/loader/ed_inject.c \
    $(ECCLESS_EDGE)/loader/ed_loader.c \
    $(ECCLESS_EDGE)/loader/ed_loader_graph.c \
    $(ECCLESS_EDGE)/loader/ed_model.c \
    $(ECCLESS_EDGE)/loader/ed_payload.c \
    $(ECCLESS_EDGE)/loader/ed_weight_pack.c \
    $(ECCLESS_EDGE)/kernels/common/ed_kernels_check.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_avg_pool_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_clamp_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_depthwise_conv2d_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_fully_connected_inplace_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_fully_connected_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_hard_swish_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_kernels_variant.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_logistic_s8.c \
    $(ECCLESS_EDGE)/kernels/reference/ed_max_pool_s8.c \
    $(ECCLESS_EDGE)/protocol/ed_dispatch.c \
    $(ECCLESS_EDGE)/protocol/ed_frame.c \
    $(ECCLESS_EDGE)/firmware/ed_boot.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_bench.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_classify.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_digest.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_echo.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_eval.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_infer.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_info.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_inject.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_load.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_ping.c \
    $(ECCLESS_EDGE)/firmware/ed_cmd_spin.c \
    $(ECCLESS_EDGE)/firmware/ed_main.c \
    $(ECCLESS_EDGE)/firmware/ed_model_state.c \
    $(ECCLESS_EDGE)/firmware/ed_server.c
ECCLESS_FIRMWARE_INCLUDES_reference := -I$(ECCLESS_EDGE)/image -I$(ECCLESS_EDGE)/represent -I$(ECCLESS_EDGE)/detect/reference -I$(ECCLESS_EDGE)/detect -I$(ECCLESS_EDGE)/channel -I$(ECCLESS_EDGE)/loader -I$(ECCLESS_EDGE)/kernels/reference -I$(ECCLESS_EDGE)/kernels/include -I$(ECCLESS_EDGE)/kernels/common -I$(ECCLESS_EDGE)/protocol -I$(ECCLESS_EDGE)/firmware -I$(ECCLESS_EDGE)/include

ECCLESS_LIBRARY_SRCS := $(ECCLESS_LIBRARY_SRCS_$(ECCLESS_VARIANT))
ECCLESS_LIBRARY_INCLUDES := $(ECCLESS_LIBRARY_INCLUDES_$(ECCLESS_VARIANT))
ECCLESS_FIRMWARE_SRCS := $(ECCLESS_FIRMWARE_SRCS_$(ECCLESS_VARIANT))
ECCLESS_FIRMWARE_INCLUDES := $(ECCLESS_FIRMWARE_INCLUDES_$(ECCLESS_VARIANT))
