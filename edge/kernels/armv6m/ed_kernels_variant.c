/* ed_kernels_variant.c: names the kernel implementation linked into this build. */
#include "ed_kernels.h"

const char *ed_kernels_variant(void)
{
    return "armv6m";
}
