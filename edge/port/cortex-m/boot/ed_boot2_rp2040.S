/*
 * ed_boot2_rp2040: the RP2040's second-stage boot block (256 bytes at the start of flash; the host appends the
 * CRC-32/MPEG-2 of the first 252 that the boot ROM checks before running it).
 *
 * The ROM copies this block to SRAM (0x20041F00) and runs it with the flash not yet memory-mapped. It sets the SSI
 * up so every bus read of 0x1000_0000.. becomes a plain 03h serial read (8 instruction bits, 24 address bits, 32
 * data bits: slow, but any SPI NOR flash answers it), then enters the firmware through its vector table right after
 * this block. Entered from the ROM, lr is 0; called as a function (lr != 0), it returns instead.
 * Register offsets and fields from the RP2040 datasheet, 4.10 (SSI): CTRLR0 +0x00 (DFS_32 20:16, TMOD 9:8),
 * CTRLR1 +0x04, SSIENR +0x08, BAUDR +0x14, SPI_CTRLR0 +0xF4 (XIP_CMD 31:24, INST_L 9:8, ADDR_L 5:2).
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .equ SSI_BASE, 0x18000000
    .equ SSI_SPI_CTRLR0, SSI_BASE + 0xF4
    .equ CTRLR0_READ32_EEPROM, (31 << 16) | (3 << 8)          /* 32-bit frames, EEPROM read: send, then receive */
    .equ SPI_CTRLR0_03H, (0x03 << 24) | (2 << 8) | (6 << 2)  /* command 03h, 8-bit instruction, 24-bit address */
    .equ FIRMWARE_VECTORS, 0x10000100                          /* flash base + this block */
    .equ SCB_VTOR, 0xE000ED08

    .section .text.boot2, "ax"
    .global ed_boot2_entry
    .thumb_func
ed_boot2_entry:
    push {lr}
    ldr r3, =SSI_BASE
    movs r0, #0
    str r0, [r3, #0x08]          /* SSIENR = 0: the configuration registers are writable only while disabled */
    movs r0, #4
    str r0, [r3, #0x14]          /* BAUDR: SCK = clk_sys / 4 */
    ldr r0, =CTRLR0_READ32_EEPROM
    str r0, [r3, #0x00]
    ldr r0, =SPI_CTRLR0_03H
    ldr r1, =SSI_SPI_CTRLR0
    str r0, [r1]
    movs r0, #0
    str r0, [r3, #0x04]          /* CTRLR1: one data frame per bus read */
    movs r0, #1
    str r0, [r3, #0x08]          /* SSIENR = 1: reads of the XIP window now reach the flash */
    pop {r0}
    cmp r0, #0
    beq 1f
    bx r0
1:
    ldr r0, =FIRMWARE_VECTORS
    ldr r1, =SCB_VTOR
    str r0, [r1]
    ldr r1, [r0, #0]
    msr msp, r1
    ldr r1, [r0, #4]
    bx r1
    .ltorg
