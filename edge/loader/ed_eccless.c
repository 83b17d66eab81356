/*
 * ed_eccless: the public API of eccless.h over the model loader (ed_model.h). eccless_load puts the model handle
 * first in the caller's arena and lets the loader plan everything else after it; the protocol firmware keeps its
 * handle itself and calls ed_eccless_load_args (ed_eccless.h).
 */
#include <stdint.h>
#include <string.h>

#include "ed_eccless.h"

#define ECCLESS_HANDLE_SIZE ((sizeof(struct eccless_model) + 15u) & ~(size_t)15u)

eccless_status_t eccless_load(const eccless_config_t *config, eccless_model_t **model, uint32_t *detail)
{
    uint32_t scratch = 0;
    uint32_t *why = detail ? detail : &scratch;
    ed_load_args_t args;
    eccless_model_t *m;
    eccless_status_t st;
    *why = 0;
    if (config == NULL || model == NULL || config->image == NULL || config->arena == NULL) {
        *why = 1u;
        return ECCLESS_ERR_ARG;
    }
    *model = NULL;
    if (((uintptr_t)config->arena & 7u) != 0u) {
        *why = 2u;
        return ECCLESS_ERR_ARG;
    }
    if (config->arena_size < ECCLESS_HANDLE_SIZE) {
        *why = (uint32_t)ECCLESS_HANDLE_SIZE;
        return ECCLESS_ERR_ARENA;
    }
    m = (eccless_model_t *)config->arena;
    memset(m, 0, sizeof *m);
    memset(&args, 0, sizeof args);
    args.image = config->image;
    args.image_size = config->image_size;
    args.arena = (uint8_t *)config->arena + ECCLESS_HANDLE_SIZE;
    args.arena_size = config->arena_size - ECCLESS_HANDLE_SIZE;
    if (config->flags & ~(ECCLESS_DECODE_ON_THE_FLY | ECCLESS_WEIGHTS_IN_FLASH | ECCLESS_WEIGHTS_AUTO)) {
        *why = config->flags;
        return ECCLESS_ERR_ARG;
    }
    args.flags = ((config->flags & ECCLESS_DECODE_ON_THE_FLY) ? ED_MODEL_ON_THE_FLY : 0u) |
                 ((config->flags & ECCLESS_WEIGHTS_IN_FLASH) ? ED_MODEL_WEIGHTS_FLASH : 0u) |
                 ((config->flags & ECCLESS_WEIGHTS_AUTO) ? ED_MODEL_WEIGHTS_AUTO : 0u);
    args.board = config->board;
    st = ed_eccless_load_args(m, &args, why);
    if (st == ECCLESS_OK) {
        *model = m;
    } else if (st == ECCLESS_ERR_ARENA) {
        *why += (uint32_t)ECCLESS_HANDLE_SIZE;
    }
    return st;
}

eccless_status_t ed_eccless_load_args(eccless_model_t *model, const ed_load_args_t *args, uint32_t *detail)
{
    switch (ed_model_load(&model->md, args, detail)) {
    case ED_LOAD_OK:
        return ECCLESS_OK;
    case ED_LOAD_IMAGE:
        return ECCLESS_ERR_IMAGE;
    case ED_LOAD_UNSUPPORTED:
        return ECCLESS_ERR_UNSUPPORTED;
    case ED_LOAD_ARENA:
        return ECCLESS_ERR_ARENA;
    default:
        return ECCLESS_ERR_ARG;
    }
}

eccless_status_t eccless_invoke(eccless_model_t *model, const int8_t *input, const int8_t **logits,
                                uint16_t *label, uint32_t *detail)
{
    const int8_t *out;
    uint32_t scratch = 0;
    uint32_t *why = detail ? detail : &scratch;
    *why = 0;
    if (model == NULL || input == NULL || !model->md.loaded) {
        *why = 1u;
        return ECCLESS_ERR_ARG;
    }
    if (ed_model_infer(&model->md, input, &out, why) != 0) {
        return ECCLESS_ERR_KERNEL;
    }
    if (logits) {
        *logits = out;
    }
    if (label) {
        *label = ed_argmax_s8(out, model->md.num_classes);
    }
    return ECCLESS_OK;
}

uint32_t eccless_input_size(const eccless_model_t *model) { return model ? model->md.input_size : 0u; }

uint16_t eccless_num_classes(const eccless_model_t *model) { return model ? model->md.num_classes : 0u; }

void eccless_counts(const eccless_model_t *model, eccless_counts_t *counts)
{
    if (counts == NULL) {
        return;
    }
    memset(counts, 0, sizeof *counts);
    if (model == NULL) {
        return;
    }
    counts->params = model->md.params;
    counts->zeroed_parity = model->md.zeroed_parity;
    counts->zeroed_range = model->md.zeroed_range;
    counts->ecc_corrected = model->md.ecc_corrected;
    counts->arena_used = model->md.arena_used + ECCLESS_HANDLE_SIZE;
    counts->weights_in_flash = (model->md.flags & ED_MODEL_WEIGHTS_FLASH) ? 1u : 0u;
}

uint32_t eccless_test_count(const eccless_model_t *model) { return model ? model->md.test_count : 0u; }

eccless_status_t eccless_test_sample(const eccless_model_t *model, uint32_t index, const int8_t **input,
                                     uint8_t *label)
{
    if (model == NULL || input == NULL || label == NULL) {
        return ECCLESS_ERR_ARG;
    }
    if (index >= model->md.test_count) {
        return ECCLESS_ERR_RANGE;
    }
    *input = model->md.test_x + (size_t)index * model->md.input_size;
    *label = model->md.test_y[index];
    return ECCLESS_OK;
}
