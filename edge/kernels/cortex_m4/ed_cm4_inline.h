/*
 * ed_cm4_inline.h: the function attributes of the cortex_m4 kernel files (internal).
 * ED_HOT: out of line, and (GCC) built without the pre-allocation scheduler, which hoists loads and spills in the
 * inline-asm loops (up to 13 live registers). ED_INLINE: always inlined.
 */
#ifndef ED_CM4_INLINE_H
#define ED_CM4_INLINE_H

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && !defined(__clang__)
#define ED_HOT __attribute__((noinline, optimize("no-schedule-insns")))
#elif defined(__GNUC__)
#define ED_HOT __attribute__((noinline))
#else
#define ED_HOT
#endif

#if defined(__GNUC__)
#define ED_INLINE static inline __attribute__((always_inline))
#else
#define ED_INLINE static inline
#endif

#endif /* ED_CM4_INLINE_H */
