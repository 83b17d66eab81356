/*
 * ed_cortex_m: the ARMv7-M system registers the port touches. Their addresses are fixed by the architecture, so
 * they live here and not in the board file.
 */
#ifndef ED_CORTEX_M_H
#define ED_CORTEX_M_H

#include <stdint.h>

#define ED_REG(addr) (*(volatile uint32_t *)(addr))

#define ED_SCB_AIRCR ED_REG(0xE000ED0Cu)
/* Armv7-M and Armv8-M Mainline have the configurable fault status registers, SHCSR's fault enables, VTOR, the
 * divide trap and (optionally) the PMSAv7 MPU; Armv6-M (Cortex-M0/M0+) has none of them to rely on. */
#if defined(__ARM_ARCH_6M__)
#define ED_ARMV7M_SYSTEM 0
#else
#define ED_ARMV7M_SYSTEM 1
#endif

#define ED_SCB_VTOR ED_REG(0xE000ED08u)
#define ED_SCB_SCR ED_REG(0xE000ED10u)
#define ED_SCB_CCR ED_REG(0xE000ED14u)
#define ED_SCB_SHCSR ED_REG(0xE000ED24u)
#define ED_SCB_CFSR ED_REG(0xE000ED28u)
#define ED_SCB_HFSR ED_REG(0xE000ED2Cu)
#define ED_SCB_MMFAR ED_REG(0xE000ED34u)
#define ED_SCB_BFAR ED_REG(0xE000ED38u)
#define ED_SCB_CPACR ED_REG(0xE000ED88u)
#define ED_MPU_TYPE ED_REG(0xE000ED90u)
#define ED_MPU_CTRL ED_REG(0xE000ED94u)
#define ED_MPU_RNR ED_REG(0xE000ED98u)
#define ED_MPU_RBAR ED_REG(0xE000ED9Cu)
#define ED_MPU_RASR ED_REG(0xE000EDA0u)
#define ED_NVIC_ISER(n) ED_REG(0xE000E100u + 4u * (n))
#define ED_NVIC_ICPR(n) ED_REG(0xE000E280u + 4u * (n))

#define ED_AIRCR_SYSRESETREQ (0x05FA0000u | (1u << 2))
#define ED_CCR_DIV_0_TRP (1u << 4)
#define ED_SHCSR_FAULTS_ENABLE ((1u << 16) | (1u << 17) | (1u << 18)) /* MemManage, BusFault, UsageFault */
#define ED_CPACR_CP10_CP11 (0xFu << 20)
#define ED_HFSR_FORCED (1u << 30)
#define ED_CFSR_MSTKERR (1u << 4)
#define ED_CFSR_STKERR (1u << 12)
#define ED_MPU_CTRL_ENABLE ((1u << 2) | (1u << 0)) /* PRIVDEFENA: default map outside our regions; ENABLE */
#define ED_MPU_RASR_GUARD ((1u << 28) | (0u << 24) | (7u << 1) | 1u) /* XN, no access, 2^(7+1) = 256 B, on */
#define ED_MPU_RBAR_V8_RO_XN ((2u << 1) | 1u) /* Armv8-M: AP = read-only privileged, XN */
#define ED_STACK_GUARD 256u

static inline void ed_barrier(void) { __asm__ volatile("dsb\n\tisb" ::: "memory"); }

#endif /* ED_CORTEX_M_H */
