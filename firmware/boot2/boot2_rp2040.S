/*
 * RP2040 boot stage 2 (mcu-nas's own), for any 25-series SPI flash that reads with the plain 03h command
 * (the Pico's W25Q16JV, W25Q080 and the like). RP2040 datasheet §2.8.1: the boot ROM copies the first
 * 256 bytes of flash to SRAM at 0x20041F00, checks the CRC32 in its last 4 bytes and calls it; this code
 * sets the XIP SSI (§4.10, DW_apb_ssi) up for execute-in-place and enters the application through its
 * vector table at 0x10000100.
 *
 * SSI set-up, with the SSI off while it is changed (SSIENR = 0):
 *   BAUDR       = 4: SCK = clk_sys / 4 (31.25 MHz once clk_sys runs at 125 MHz; 03h reads go to 50 MHz)
 *   CTRLR0      = TMOD 3 (EEPROM read: command + address out, then data in), DFS_32 31 (32-bit frames),
 *                 SPI_FRF 0 (standard one-bit SPI)
 *   CTRLR1      = 0: one data frame per transfer (the XIP block asks for what it needs)
 *   SPI_CTRLR0  = XIP_CMD 0x03, INST_L 2 (8-bit command), ADDR_L 6 (24-bit address), no wait cycles,
 *                 TRANS_TYPE 0 (command and address one-bit)
 * Then SSIENR = 1, and the flash is readable at 0x10000000.
 *
 * Exit: called by the boot ROM, lr is 0 (pushed at entry), so enter the application: VTOR = 0x10000100,
 * MSP and the reset handler from its first two words. Called as a function (a debugger, a re-init), return.
 * The build pads this to 252 bytes and appends the CRC (src/codegen/boot2.ts); tools/boot2.ts re-assembles it.
 */
  .syntax unified
  .cpu cortex-m0plus
  .thumb

  .equ XIP_SSI_BASE, 0x18000000
  .equ SSI_CTRLR0, 0x00
  .equ SSI_CTRLR1, 0x04
  .equ SSI_SSIENR, 0x08
  .equ SSI_BAUDR, 0x14
  .equ SSI_SPI_CTRLR0, 0xF4
  .equ CLOCK_DIVIDER, 4
  .equ CTRLR0_XIP, (3 << 8) | (31 << 16)
  .equ SPI_CTRLR0_XIP, (0x03 << 24) | (2 << 8) | (6 << 2)
  .equ APP_VECTORS, 0x10000100
  .equ M0PLUS_VTOR, 0xE000ED08

  .section .text
  .global mcunas_boot2_entry
  .type mcunas_boot2_entry, %function
  .thumb_func
mcunas_boot2_entry:
  push {lr}
  ldr r3, =XIP_SSI_BASE
  movs r0, #0
  str r0, [r3, #SSI_SSIENR]
  movs r0, #CLOCK_DIVIDER
  str r0, [r3, #SSI_BAUDR]
  ldr r0, =CTRLR0_XIP
  str r0, [r3, #SSI_CTRLR0]
  movs r0, #0
  str r0, [r3, #SSI_CTRLR1]
  ldr r0, =SPI_CTRLR0_XIP
  ldr r1, =XIP_SSI_BASE + SSI_SPI_CTRLR0
  str r0, [r1]
  movs r0, #1
  str r0, [r3, #SSI_SSIENR]
  pop {r0}
  cmp r0, #0
  beq enter_application
  bx r0
enter_application:
  ldr r0, =APP_VECTORS
  ldr r1, =M0PLUS_VTOR
  str r0, [r1]
  ldmia r0!, {r1, r2}
  msr msp, r1
  bx r2
  .ltorg
