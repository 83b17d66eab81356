/*
 * eccless.h: the embeddable loader, the one header an application includes.
 *
 * A model image (packed by `eccless pack`) sits in flash, read as raw bits with ECC off. eccless_load parses it
 * (a voted superblock, BCH-repaired metadata), decodes every weight through its binary representation, zeroes the
 * values its detection rule flags (parity, range), and plans all buffers inside one arena the caller owns: no
 * malloc, no globals, no board code. eccless_invoke then runs one inference; eccless_counts says what the load
 * pass found. Every function returns a status; a damaged or hostile image gives a status and a detail, never a
 * fault.
 *
 *     static uint8_t arena[48 * 1024] __attribute__((aligned(8)));
 *     eccless_config_t cfg = {image_in_flash, image_size, arena, sizeof arena, NULL, 0};
 *     eccless_model_t *model;
 *     uint32_t detail;
 *     if (eccless_load(&cfg, &model, &detail) != ECCLESS_OK) { ... detail says why ... }
 *     uint16_t label;
 *     eccless_invoke(model, input, NULL, &label, &detail);   // eccless_input_size(model) int8 values
 *
 * Build: link the static library of edge/ for your CPU class (edge/CMakeLists.txt, or edge/sources.mk with Make;
 * examples/classify/ does both for two CPUs).
 */
#ifndef ECCLESS_H
#define ECCLESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ECCLESS_OK = 0,
    ECCLESS_ERR_IMAGE = 1,       /* the image is damaged beyond repair; detail: (record << 8) | reason (docs/FORMAT.md) */
    ECCLESS_ERR_UNSUPPORTED = 2, /* a valid image this build cannot run; detail: its number format */
    ECCLESS_ERR_ARENA = 3,       /* the arena is too small; detail: bytes needed (at least) */
    ECCLESS_ERR_ARG = 4,         /* detail 1: a NULL argument, 2: the arena not 8-byte aligned, else the unknown flags */
    ECCLESS_ERR_KERNEL = 5,      /* a kernel refused a shape; detail: (op << 8) | kernel status */
    ECCLESS_ERR_RANGE = 6        /* a test sample index past the stored set; detail: the count */
} eccless_status_t;

#define ECCLESS_DECODE_ON_THE_FLY 1u /* keep no decoded weights: decode each layer when it runs (less RAM) */
#define ECCLESS_WEIGHTS_IN_FLASH 2u  /* run from flash: the weights stay in the image and take no RAM; fully
                                      * connected layers of byte words are read in place, others a tile at a time */
#define ECCLESS_WEIGHTS_AUTO 4u      /* weights decoded into RAM when the model fits the arena that way, else as
                                      * ECCLESS_WEIGHTS_IN_FLASH */

typedef struct {
    const uint8_t *image; /* the image in flash (or any memory), as raw bits */
    size_t image_size;    /* bytes readable from `image` (the image region) */
    void *arena;          /* caller-owned, 8-byte aligned; holds the model handle and every buffer */
    size_t arena_size;
    const char *board;    /* refuse an image packed for another board; NULL: accept any */
    uint32_t flags;       /* ECCLESS_DECODE_ON_THE_FLY, ECCLESS_WEIGHTS_* */
} eccless_config_t;

typedef struct {
    uint32_t params;          /* weights and biases decoded */
    uint32_t zeroed_parity;   /* values zeroed because their parity bit disagreed */
    uint32_t zeroed_range;    /* values zeroed because they fell outside their channel's range */
    uint32_t ecc_corrected;   /* bits the metadata's BCH code repaired */
    size_t arena_used;        /* bytes of the arena the model uses */
    uint32_t weights_in_flash; /* 1 when the weights run from flash (ECCLESS_WEIGHTS_IN_FLASH, or AUTO chose it) */
} eccless_counts_t;

typedef struct eccless_model eccless_model_t; /* lives in the arena */

/* Load the image: on ECCLESS_OK *model is ready. *detail (may be NULL) explains a failure. */
eccless_status_t eccless_load(const eccless_config_t *config, eccless_model_t **model, uint32_t *detail);

/* One inference on eccless_input_size(model) int8 inputs. logits (may be NULL) points at the last layer's
 * eccless_num_classes(model) outputs; *label (may be NULL) is the first largest of them; *detail (may be NULL)
 * explains a failure. */
eccless_status_t eccless_invoke(eccless_model_t *model, const int8_t *input, const int8_t **logits,
                                uint16_t *label, uint32_t *detail);

uint32_t eccless_input_size(const eccless_model_t *model);
uint16_t eccless_num_classes(const eccless_model_t *model);
void eccless_counts(const eccless_model_t *model, eccless_counts_t *counts);

/* The test samples packed into the image (`eccless pack --testset N`), read in place. */
uint32_t eccless_test_count(const eccless_model_t *model);
eccless_status_t eccless_test_sample(const eccless_model_t *model, uint32_t index, const int8_t **input,
                                     uint8_t *label);

#ifdef __cplusplus
}
#endif

#endif /* ECCLESS_H */
