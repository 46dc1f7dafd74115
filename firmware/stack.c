/*
 * Stack high-water mark by painting: the reset handler fills the stack below its own frame with a
 * pattern; after the run the lowest word that no longer holds it marks the deepest use. The linker
 * script reserves [__stack_bottom, __stack_top) at the bottom of the runtime RAM region, so an
 * overflow runs off the region (a fault on silicon) instead of silently into .data/.bss.
 */
#include <stdint.h>
#include "mcunas_runtime.h"

#define PAINT 0xC5C5C5C5u

extern uint32_t __stack_bottom[], __stack_top[];

/* In assembly: C may read sp before its own prologue pushes (shrink-wrapping), and would then paint
 * over its saved return address. This touches only r0-r2 and nothing above sp. ARMv6-M compatible. */
__attribute__((naked)) void mcunas_stack_paint(void) {
  __asm__ volatile(
      ".syntax unified\n\t" /* GCC passes Thumb-1 inline asm in divided syntax */
      "ldr r0, =__stack_bottom\n\t"
      "ldr r1, =0xC5C5C5C5\n\t"
      "mov r2, sp\n"
      "1:\n\t"
      "cmp r0, r2\n\t"
      "bhs 2f\n\t"
      "str r1, [r0]\n\t"
      "adds r0, #4\n\t"
      "b 1b\n"
      "2:\n\t"
      "bx lr\n\t"
      ".ltorg");
}

uint32_t mcunas_stack_used(void) {
  const uint32_t *p = __stack_bottom;
  while (p < __stack_top && *(const volatile uint32_t *)p == PAINT) p++;
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

uint32_t mcunas_stack_size(void) {
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}
