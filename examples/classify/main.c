/*
 * classify: an application that embeds eccless. It loads the model image in flash into its own arena, classifies
 * every test sample packed into the image, and reports the accuracy and what detection zeroed -- the whole job of
 * a user's firmware, with eccless.h as its only view of the loader.
 *
 * The board part (vector table, semihosting output) is in startup.c; a real application would print over its UART.
 */
#include <stddef.h>
#include <stdint.h>

#include "eccless.h"

void example_print(const char *text); /* startup.c */

extern const uint8_t example_image[];     /* link.ld: the image region in flash */
extern const uint8_t example_image_end[];

static uint8_t arena[40 * 1024] __attribute__((aligned(8)));

static char *put_text(char *p, const char *s)
{
    while (*s) {
        *p++ = *s++;
    }
    return p;
}

static char *put_uint(char *p, uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n) {
        *p++ = digits[--n];
    }
    return p;
}

int main(void)
{
    /* weights in RAM when they fit the arena, else left in flash */
    const eccless_config_t config = {example_image, (size_t)(example_image_end - example_image), arena, sizeof arena,
                                     NULL, ECCLESS_WEIGHTS_AUTO};
    eccless_model_t *model;
    eccless_counts_t counts;
    uint32_t detail = 0, i, correct = 0;
    char line[160], *p = line;
    eccless_status_t st = eccless_load(&config, &model, &detail);
    if (st != ECCLESS_OK) {
        p = put_uint(put_text(p, "classify: load failed, status "), (uint32_t)st);
        p = put_uint(put_text(p, " detail "), detail);
        *put_text(p, "\n") = '\0';
        example_print(line);
        return 1;
    }
    for (i = 0; i < eccless_test_count(model); i++) {
        const int8_t *x;
        uint8_t y;
        uint16_t label;
        if (eccless_test_sample(model, i, &x, &y) != ECCLESS_OK ||
            eccless_invoke(model, x, NULL, &label, &detail) != ECCLESS_OK) {
            example_print("classify: inference failed\n");
            return 2;
        }
        correct += label == y;
    }
    eccless_counts(model, &counts);
    p = put_uint(put_text(p, "classify: correct "), correct);
    p = put_uint(put_text(p, " of "), eccless_test_count(model));
    p = put_uint(put_text(p, ", params "), counts.params);
    p = put_uint(put_text(p, ", zeroed parity "), counts.zeroed_parity);
    p = put_uint(put_text(p, " range "), counts.zeroed_range);
    p = put_uint(put_text(p, ", arena "), (uint32_t)counts.arena_used);
    *put_text(p, " B\n") = '\0';
    example_print(line);
    return 0;
}
