/*
 * What a crash prints before the firmware exits with MCUNAS_EXIT_FAULT: the exception, the stacked PC
 * and LR, and on ARMv7-M/ARMv8-M mainline the fault status registers (ARMv6-M has none).
 */
#include <stdint.h>
#include "mcunas_runtime.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

static const char *exception_name(uint32_t n) {
  switch (n) {
    case 2: return "NMI";
    case 3: return "HardFault";
    case 4: return "MemManage";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 7: return "SecureFault";
    case 11: return "SVCall";
    case 12: return "DebugMonitor";
    case 14: return "PendSV";
    default: return n >= 16 ? "IRQ" : "Reserved";
  }
}

static void field(const char *name, uint32_t v) {
  mcunas_print(" ");
  mcunas_print(name);
  mcunas_print("=");
  mcunas_print_hex32(v);
}

void mcunas_fault_report(const uint32_t *frame, uint32_t exception) {
  exception &= 0x1FFu;
  mcunas_print("MCUNAS FAULT ");
  mcunas_print(exception_name(exception));
  field("exception", exception);
  /* Stacked frame: r0 r1 r2 r3 r12 lr pc xpsr. */
  field("pc", frame[6]);
  field("lr", frame[5]);
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2
  field("cfsr", REG(0xE000ED28u));
  field("hfsr", REG(0xE000ED2Cu));
  field("mmfar", REG(0xE000ED34u));
  field("bfar", REG(0xE000ED38u));
#endif
  mcunas_print("\n");
  mcunas_exit(MCUNAS_EXIT_FAULT);
}
