/*
 * ed_eccless: the handle behind eccless.h and what the protocol firmware needs beyond that header. The firmware is
 * one user of the library: it loads through ed_eccless_load_args (the function eccless_load wraps) with the
 * loader's full arguments -- INJECT's armed channels, a clock for the decode pass, a handle it keeps in .bss --
 * runs inferences with eccless_invoke, and reads the loader's model behind the handle for what only a test
 * harness asks (per-layer counts, DIGEST, BENCH).
 */
#ifndef ED_ECCLESS_H
#define ED_ECCLESS_H

#include <stdint.h>

#include "eccless.h"
#include "ed_model.h"

struct eccless_model {
    ed_model_t md;
};

/* ed_model_load into `model` with `args`; eccless statuses, *detail as eccless_load's. */
eccless_status_t ed_eccless_load_args(eccless_model_t *model, const ed_load_args_t *args, uint32_t *detail);

static inline ed_model_t *ed_eccless_model(eccless_model_t *model) { return &model->md; }

#endif /* ED_ECCLESS_H */
