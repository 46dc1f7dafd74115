/*
 * mcu-nas instruction-mix plugin for QEMU 7.2 (TCG plugin API version 1). Counts, per executed guest
 * instruction, a class decoded from its Thumb-2 encoding (the instruction bytes QEMU hands the plugin),
 * memory accesses by region, and the few dynamic events a cycle model needs (taken branches, loads that
 * pipeline behind a load, greedy dual-issue pairs, flash line misses, conditional-branch mispredicts
 * of a 2-bit-counter predictor, register-dependency stalls). The TypeScript side (src/emu/cycle-model.ts) turns the
 * counts into cycles with a per-core table; this file only counts.
 *
 * Per-op split: the firmware's MCUNAS_OP_BEGIN(i) stores the SysTick time into mcunas_op_started and
 * MCUNAS_OP_END(i) stores into mcunas_op_ticks[i] (firmware/mcunas_model.h). SysTick samples time at
 * its loads of SYST_CVR, so the plugin snapshots its counters at every CVR load and attributes to op i
 * what lies between the CVR load before the BEGIN store and the CVR load before the END store: the same
 * window SysTick measures. A test set's window runs from main()'s CVR load before the first op to the
 * CVR load after the last one.
 *
 * Arguments (-plugin mcunas_cycles.so,key=value,...; values take no commas):
 *   out=FILE            where the counts go (text, read by src/emu/plugin.ts)
 *   ops=ADDR:N          address of mcunas_op_ticks (N uint32 entries)
 *   begin=ADDR          address of mcunas_op_started
 *   flash=BASE:SIZE     code/constant memory; tcm=BASE:SIZE and sram=BASE:SIZE may repeat
 *   icache=BYTES:LINE:WAYS[:READ]   line model of the flash instruction path (ART or L1 I-cache)
 *   dcache=BYTES:LINE:WAYS[:READ]   line model of the data path for flash (and SRAM when dcache_sram=1)
 *                       READ: bytes one memory read brings (default LINE); a line of LINE bytes is then
 *                       filled READ bytes at a time, each unread part a miss of its own
 *   dcache_sram=0|1
 *   debug=1             marker events and undecoded or oddly sized instructions on stderr
 *   insns=FILE          each translated instruction's address, length and static class (for tests)
 *
 * The API declarations below are our own, written from QEMU's documented plugin API (docs/devel/
 * tcg-plugins.rst, include/qemu/qemu-plugin.h of 7.2); the functions are exported by the QEMU binary.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU plugin API, version 1 (QEMU 7.2) ---- */
typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void *qemu_plugin_insn_haddr(const struct qemu_plugin_insn *insn);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* ---- classes (names printed in the output header; keep in step with the core tables) ---- */
enum cls {
  C_ALU, C_ALU_SHIFT, C_DSP, C_MUL, C_MAC, C_DSP_MAC, C_MUL_LONG, C_DIV,
  C_LOAD_BYTE, C_LOAD_HALF, C_LOAD_WORD, C_LOAD_PIPELINED, C_LOAD_DOUBLE,
  C_STORE_BYTE, C_STORE_HALF, C_STORE_WORD, C_STORE_DOUBLE,
  C_LOAD_MULTIPLE, C_STORE_MULTIPLE,
  C_BRANCH, C_BRANCH_INDIRECT, C_BRANCH_COND_TAKEN, C_BRANCH_NOT_TAKEN, C_TABLE_BRANCH,
  C_IT, C_FP, C_FP_MAC, C_FP_DIV, C_FP_MEM, C_VECTOR, C_SYSTEM, C_OTHER, N_CLASS
};
static const char *class_names[N_CLASS] = {
  "alu", "alu_shift", "dsp", "mul", "mac", "dsp_mac", "mul_long", "div",
  "load_byte", "load_half", "load_word", "load_pipelined", "load_double",
  "store_byte", "store_half", "store_word", "store_double",
  "load_multiple", "store_multiple",
  "branch", "branch_indirect", "branch_cond_taken", "branch_not_taken", "table_branch",
  "it", "fp", "fp_mac", "fp_div", "fp_mem", "vector", "system", "other"};

/* Per-instruction side numbers: register totals of LDM/STM and their ceil(N/2) (M7 issue). */
enum aux { A_LDM_REGS, A_LDM_PAIRS, A_STM_REGS, A_STM_PAIRS, N_AUX };
static const char *aux_names[N_AUX] = {"ldm_regs", "ldm_pairs", "stm_regs", "stm_pairs"};

/* Events that cost cycles but are no instructions. */
enum stall {
  S_PC_LOAD, S_IFETCH_MISS_BRANCH, S_IFETCH_MISS_SEQ, S_DFLASH_MISS, S_DSRAM_MISS, S_MISPREDICT,
  S_LOAD_USE, S_MUL_USE, S_AGU_DEPENDENCY, N_STALL
};
/* load_use: the next instruction reads a byte/halfword load's result, or a multiply reads any load's;
 * mul_use: the next instruction reads a multiply's result other than as its accumulator;
 * agu_dependency: a load/store address register written by the data-processing instruction just before. */
static const char *stall_names[N_STALL] = {"pc_load", "ifetch_miss_branch", "ifetch_miss_seq", "dflash_miss", "dsram_miss", "mispredict",
                                           "load_use", "mul_use", "agu_dependency"};

enum region { R_FLASH, R_TCM, R_SRAM, R_OTHER, N_REGION };
static const char *region_names[N_REGION] = {"flash", "tcm", "sram", "other"};

/* Static kind of a branch, for the taken/not-taken split. */
enum bkind { B_NONE, B_UNCOND, B_INDIRECT, B_COND, B_TABLE };

typedef struct {
  uint64_t cls[N_CLASS];
  uint64_t paired[N_CLASS];
  uint64_t aux[N_AUX];
  uint64_t stall[N_STALL];
  uint64_t mem[N_REGION][2]; /* [region][0 load, 1 store] */
} counters;

typedef struct {
  uint32_t pc;
  uint8_t size;
  uint8_t cls;    /* static class; branches and loads are refined when the next instruction runs */
  uint8_t bkind;
  uint8_t rt, rn, rm; /* registers of single loads/stores (0xff: none) */
  uint8_t regs;   /* LDM/STM register count */
  uint8_t pc_load;
  uint8_t backward; /* conditional branch with a negative offset */
  uint8_t acc;      /* accumulator register of a multiply-accumulate (NOREG: none) */
  uint16_t src, dst; /* core registers read and written (r0-r15 as bits) */
  uint16_t addr;     /* registers a load/store forms its address from */
} insn_info;

#define NOREG 0xff

static uint32_t popcount16(uint32_t v) { return (uint32_t)__builtin_popcount(v & 0xffffu); }


#define R(n) ((uint16_t)(1u << ((n) & 15)))

/* Core registers read and written, for the dependency rules (dual issue, load-use, address generation). */
static void regs16(uint32_t h, insn_info *d) {
  uint32_t top5 = h >> 11, lo = h & 7, mid = (h >> 3) & 7, hi8 = (h >> 8) & 7;
  if (top5 <= 2) { d->dst = R(lo); d->src = R(mid); return; }
  if (top5 == 3) { d->dst = R(lo); d->src = R(mid) | ((h & 0x400) ? 0 : R((h >> 6) & 7)); return; }
  if (top5 == 4) { d->dst = R(hi8); return; }
  if (top5 == 5) { d->src = R(hi8); return; }
  if (top5 <= 7) { d->dst = d->src = R(hi8); return; }
  if ((h & 0xfc00) == 0x4000) {
    uint32_t op = (h >> 6) & 0xf;
    d->src = R(lo) | R(mid);
    if (op != 8 && op != 0xa && op != 0xb) d->dst = R(lo);
    return;
  }
  if ((h & 0xfc00) == 0x4400) {
    uint32_t rdn = ((h >> 4) & 8) | lo, rm = (h >> 3) & 0xf, op = (h >> 8) & 3;
    if (op == 0) { d->src = R(rdn) | R(rm); d->dst = R(rdn); }
    else if (op == 1) d->src = R(rdn) | R(rm);
    else if (op == 2) { d->src = R(rm); d->dst = R(rdn); }
    else { d->src = R(rm); if (h & 0x80) d->dst = R(14); }
    return;
  }
  if (d->rt != NOREG || d->rn != NOREG) {                     /* single loads and stores */
    bool load = d->cls >= C_LOAD_BYTE && d->cls <= C_LOAD_DOUBLE;
    d->addr = (d->rn != NOREG ? R(d->rn) : 0) | (d->rm != NOREG ? R(d->rm) : 0);
    d->src = d->addr | (load ? 0 : R(d->rt));
    d->dst = load ? R(d->rt) : 0;
    return;
  }
  if ((h & 0xf000) == 0xa000) { d->dst = R(hi8); d->src = (h & 0x800) ? R(13) : 0; return; }
  if ((h & 0xff00) == 0xb000) { d->src = d->dst = R(13); return; }
  if ((h & 0xf500) == 0xb100) { d->src = R(lo); return; }
  if ((h & 0xff00) == 0xb200 || (h & 0xff00) == 0xba00) { d->dst = R(lo); d->src = R(mid); return; }
  if ((h & 0xfe00) == 0xb400) { d->src = (uint16_t)((h & 0xff) | ((h & 0x100) ? R(14) : 0) | R(13)); d->dst = R(13); d->addr = R(13); return; }
  if ((h & 0xfe00) == 0xbc00) { d->dst = (uint16_t)((h & 0xff) | ((h & 0x100) ? R(15) : 0) | R(13)); d->src = R(13); d->addr = R(13); return; }
  if ((h & 0xf000) == 0xc000) {
    d->addr = R(hi8);
    if (h & 0x800) { d->dst = (uint16_t)((h & 0xff) | R(hi8)); d->src = R(hi8); }
    else { d->src = (uint16_t)((h & 0xff) | R(hi8)); d->dst = R(hi8); }
    return;
  }
}

static void regs32(uint32_t h1, uint32_t h2, insn_info *d) {
  uint32_t rn = h1 & 0xf, rd = (h2 >> 8) & 0xf, rm = h2 & 0xf, rt = h2 >> 12;
  if (d->cls == C_LOAD_MULTIPLE || d->cls == C_STORE_MULTIPLE) {
    d->addr = R(rn);
    if (d->cls == C_LOAD_MULTIPLE) { d->dst = (uint16_t)h2; d->src = R(rn); }
    else d->src = (uint16_t)(h2 | R(rn));
    if (h1 & 0x20) d->dst |= R(rn);
    return;
  }
  if (d->cls == C_LOAD_DOUBLE || d->cls == C_STORE_DOUBLE) {
    d->addr = R(rn);
    if (d->cls == C_LOAD_DOUBLE) { d->dst = R(rt) | R(rd); d->src = R(rn); }
    else d->src = R(rt) | R(rd) | R(rn);
    if (h1 & 0x20) d->dst |= R(rn);
    return;
  }
  if ((h1 & 0xfe00) == 0xf800) {                              /* load/store single */
    bool load = h1 & 0x10;
    d->addr = R(rn) | (d->rm != NOREG ? R(d->rm) : 0);
    d->src = d->addr | (load ? 0 : R(rt));
    d->dst = load ? R(rt) : 0;
    if (!(h1 & 0x80) && (h2 & 0x0800) && (h2 & 0x0100)) d->dst |= R(rn); /* pre/post-indexed writeback */
    return;
  }
  if ((h1 & 0xfe00) == 0xea00 || (h1 & 0xff00) == 0xfa00) {   /* shifted register, register-controlled ops */
    d->src = (rn != 15 ? R(rn) : 0) | R(rm);
    if (rd != 15) d->dst = R(rd);
    return;
  }
  if (h1 >= 0xf000 && h1 < 0xf800 && !(h2 & 0x8000)) {         /* immediate forms */
    bool plain = h1 & 0x0200;
    if (plain && (h1 & 0xfbf0) == 0xf240) { d->dst = R(rd); return; }            /* MOVW */
    if (plain && (h1 & 0xfbf0) == 0xf2c0) { d->dst = d->src = R(rd); return; }   /* MOVT */
    d->src = rn != 15 ? R(rn) : 0;
    if (rd != 15) d->dst = R(rd);
    return;
  }
  if ((h1 & 0xff80) == 0xfb00) {                              /* multiply (-accumulate) */
    d->src = R(rn) | R(rm);
    if (rt != 15) { d->src |= R(rt); d->acc = (uint8_t)rt; }
    d->dst = R(rd);
    return;
  }
  if ((h1 & 0xff80) == 0xfb80) {                              /* long multiply, divide */
    uint32_t op1 = (h1 >> 4) & 7;
    d->src = R(rn) | R(rm);
    if (d->cls == C_DIV) { d->dst = R(rd); return; }
    d->dst = R(rt) | R(rd);
    if (op1 >= 4) d->src |= R(rt) | R(rd);                   /* SMLAL, UMLAL, SMLALD, UMAAL */
    return;
  }
  if (d->cls == C_BRANCH && (h2 & 0x4000)) d->dst = R(14);     /* BL */
  if (d->cls == C_TABLE_BRANCH) d->src = R(rn) | R(rm);
}

static void decode16(uint32_t h, insn_info *d) {
  uint32_t top5 = h >> 11;
  d->cls = C_ALU;
  if (top5 <= 2) { d->cls = C_ALU_SHIFT; return; }          /* LSL/LSR/ASR immediate */
  if (top5 <= 7) return;                                      /* add/sub, mov/cmp/add/sub imm8 */
  if ((h & 0xfc00) == 0x4000) {                               /* data processing, registers */
    uint32_t op = (h >> 6) & 0xf;
    if (op == 0xd) d->cls = C_MUL;
    else if (op == 2 || op == 3 || op == 4 || op == 7) d->cls = C_ALU_SHIFT;
    return;
  }
  if ((h & 0xfc00) == 0x4400) {                               /* hi-register ops, BX/BLX */
    if ((h & 0xff00) == 0x4700) { d->cls = C_BRANCH_INDIRECT; d->bkind = B_INDIRECT; return; }
    uint32_t rd = ((h >> 4) & 8) | (h & 7);
    if (rd == 15 && (h & 0xff00) != 0x4500) { d->cls = C_BRANCH_INDIRECT; d->bkind = B_INDIRECT; }
    return;
  }
  if ((h & 0xf800) == 0x4800) { d->cls = C_LOAD_WORD; d->rt = (h >> 8) & 7; d->rn = 15; return; }
  if ((h & 0xf000) == 0x5000) {                               /* load/store, register offset */
    static const uint8_t k[8] = {C_STORE_WORD, C_STORE_HALF, C_STORE_BYTE, C_LOAD_BYTE, C_LOAD_WORD, C_LOAD_HALF, C_LOAD_BYTE, C_LOAD_HALF};
    d->cls = k[(h >> 9) & 7]; d->rt = h & 7; d->rn = (h >> 3) & 7; d->rm = (h >> 6) & 7; return;
  }
  if ((h & 0xe000) == 0x6000) {                               /* LDR/STR(B) immediate */
    bool load = h & 0x0800, byte = h & 0x1000;
    d->cls = byte ? (load ? C_LOAD_BYTE : C_STORE_BYTE) : (load ? C_LOAD_WORD : C_STORE_WORD);
    d->rt = h & 7; d->rn = (h >> 3) & 7; return;
  }
  if ((h & 0xf000) == 0x8000) { d->cls = (h & 0x0800) ? C_LOAD_HALF : C_STORE_HALF; d->rt = h & 7; d->rn = (h >> 3) & 7; return; }
  if ((h & 0xf000) == 0x9000) { d->cls = (h & 0x0800) ? C_LOAD_WORD : C_STORE_WORD; d->rt = (h >> 8) & 7; d->rn = 13; return; }
  if ((h & 0xf000) == 0xa000) return;                         /* ADR, ADD SP */
  if ((h & 0xf000) == 0xb000) {                               /* miscellaneous */
    if ((h & 0xf500) == 0xb100) { d->cls = C_BRANCH_COND_TAKEN; d->bkind = B_COND; return; } /* CBZ/CBNZ */
    if ((h & 0xff00) == 0xb200 || (h & 0xff00) == 0xba00) { d->cls = C_ALU_SHIFT; return; } /* extend, REV */
    if ((h & 0xfe00) == 0xb400) { d->cls = C_STORE_MULTIPLE; d->regs = popcount16(h & 0x1ff); return; } /* PUSH */
    if ((h & 0xfe00) == 0xbc00) {                             /* POP */
      d->cls = C_LOAD_MULTIPLE; d->regs = popcount16(h & 0x1ff);
      if (h & 0x100) { d->pc_load = 1; d->bkind = B_INDIRECT; }
      return;
    }
    if ((h & 0xff00) == 0xbf00) { d->cls = (h & 0xf) ? C_IT : (((h >> 4) & 0xf) == 0 ? C_ALU : C_SYSTEM); return; }
    if ((h & 0xff00) == 0xbe00 || (h & 0xffe8) == 0xb660) { d->cls = C_SYSTEM; return; } /* BKPT, CPS */
    return;
  }
  if ((h & 0xf000) == 0xc000) { d->cls = (h & 0x0800) ? C_LOAD_MULTIPLE : C_STORE_MULTIPLE; d->regs = popcount16(h & 0xff); return; }
  if ((h & 0xf000) == 0xd000) {
    if (((h >> 8) & 0xf) >= 0xe) { d->cls = C_SYSTEM; return; } /* UDF, SVC */
    d->cls = C_BRANCH_COND_TAKEN; d->bkind = B_COND; d->backward = (h & 0x80) != 0; return;
  }
  if ((h & 0xf800) == 0xe000) { d->cls = C_BRANCH; d->bkind = B_UNCOND; return; }
  d->cls = C_OTHER;
}

static void decode32(uint32_t h1, uint32_t h2, insn_info *d) {
  d->cls = C_OTHER;
  if (h1 < 0xf000) {                                          /* op1 = 01 */
    if ((h1 & 0xfe40) == 0xe800) {                            /* LDM/STM */
      bool load = h1 & 0x10;
      d->cls = load ? C_LOAD_MULTIPLE : C_STORE_MULTIPLE; d->regs = popcount16(h2);
      if (load && (h2 & 0x8000)) { d->pc_load = 1; d->bkind = B_INDIRECT; }
      return;
    }
    if ((h1 & 0xfe40) == 0xe840) {                            /* dual, exclusive, table branch */
      if ((h1 & 0xfff0) == 0xe8d0 && (h2 & 0xffe0) == 0xf000) { d->cls = C_TABLE_BRANCH; d->bkind = B_TABLE; return; }
      bool pw = (h1 & 0x0120) != 0;
      if (!pw && ((h1 & 0xffe0) == 0xe840 || (h1 & 0xffe0) == 0xe8c0)) { d->cls = C_SYSTEM; return; } /* exclusives */
      d->cls = (h1 & 0x10) ? C_LOAD_DOUBLE : C_STORE_DOUBLE; return;
    }
    if ((h1 & 0xfe00) == 0xea00) {                            /* data processing, shifted register */
      if ((h1 & 0xfff0) == 0xeac0) { d->cls = C_DSP; return; } /* PKHBT/PKHTB */
      uint32_t amount = (((h2 >> 12) & 7) << 2) | ((h2 >> 6) & 3), type = (h2 >> 4) & 3;
      d->cls = (amount == 0 && type == 0) ? C_ALU : C_ALU_SHIFT; return;
    }
    uint32_t cp = (h2 >> 8) & 0xf;
    bool vfp = cp == 10 || cp == 11;
    if ((h1 & 0xfe00) == 0xec00) { d->cls = vfp ? C_FP_MEM : C_VECTOR; return; }
    if ((h1 & 0xff00) == 0xee00) {
      if (!vfp) { d->cls = C_VECTOR; return; }
      if (h2 & 0x10) { d->cls = C_FP; return; }               /* VMOV/VMRS between core and FP */
      uint32_t opc = h1 & 0xffb0;
      if (opc == 0xee80 && (h2 & 0x0e50) == 0x0a00) { d->cls = C_FP_DIV; return; }
      if ((h1 & 0xffbf) == 0xeeb1 && (h2 & 0x0ed0) == 0x0ac0) { d->cls = C_FP_DIV; return; } /* VSQRT */
      if (opc == 0xee00 || opc == 0xee10 || opc == 0xee90 || opc == 0xeea0) { d->cls = C_FP_MAC; return; }
      d->cls = C_FP; return;
    }
    d->cls = C_VECTOR; return;
  }
  if (h1 < 0xf800) {                                          /* op1 = 10 */
    if (h2 & 0x8000) {                                        /* branches, misc control */
      uint32_t k = h2 & 0x5000;
      if (k == 0x0000) {
        if (((h1 >> 7) & 7) == 7) { d->cls = C_SYSTEM; return; } /* MSR, MRS, hints, barriers */
        d->cls = C_BRANCH_COND_TAKEN; d->bkind = B_COND; d->backward = (h1 & 0x400) != 0; return;
      }
      d->cls = C_BRANCH; d->bkind = B_UNCOND; return;        /* B.W, BL */
    }
    if ((h1 & 0x0200) && ((h1 >> 4) & 0x1f) >= 0x10) {       /* saturate, bitfield */
      uint32_t op = (h1 >> 4) & 0x1f;
      d->cls = (op == 0x12 || op == 0x1a) && ((h2 & 0x70c0) == 0) ? C_DSP : C_ALU_SHIFT; return;
    }
    d->cls = C_ALU; return;                                   /* modified / plain immediate */
  }
  if ((h1 & 0xfe00) == 0xf800) {                              /* load/store single */
    uint32_t size = (h1 >> 5) & 3, rt = h2 >> 12;
    bool load = h1 & 0x10;
    d->rt = rt; d->rn = h1 & 0xf;
    if (!(h1 & 0x80) && (h2 & 0x0fc0) == 0 && d->rn != 15) d->rm = h2 & 0xf;
    if (load && rt == 15) {
      if (size == 2) { d->cls = C_LOAD_WORD; d->pc_load = 1; d->bkind = B_INDIRECT; }
      else d->cls = C_ALU;                                    /* PLD/PLI: a hint */
      return;
    }
    static const uint8_t ld[4] = {C_LOAD_BYTE, C_LOAD_HALF, C_LOAD_WORD, C_OTHER};
    static const uint8_t st[4] = {C_STORE_BYTE, C_STORE_HALF, C_STORE_WORD, C_OTHER};
    d->cls = load ? ld[size] : st[size];
    return;
  }
  if ((h1 & 0xff80) == 0xfa00) {                              /* shift by register, extend */
    if (!(h2 & 0x80)) { d->cls = C_ALU_SHIFT; return; }
    uint32_t op = (h1 >> 4) & 7;
    d->cls = (op == 2 || op == 3) ? C_DSP : C_ALU_SHIFT; return; /* xxTB16 are SIMD */
  }
  if ((h1 & 0xff80) == 0xfa80) {                              /* parallel add/sub, misc */
    if ((h2 & 0xc0) == 0x80) {
      uint32_t op = (h1 >> 4) & 7;
      d->cls = (op == 1 || op == 3) ? C_ALU_SHIFT : C_DSP; return; /* REV/RBIT, CLZ vs QADD, SEL */
    }
    d->cls = C_DSP; return;
  }
  if ((h1 & 0xff80) == 0xfb00) {                              /* multiply, multiply-accumulate */
    uint32_t op1 = (h1 >> 4) & 7, op2 = (h2 >> 4) & 3, ra = h2 >> 12;
    if (op1 == 0) d->cls = (op2 == 0 && ra == 15) ? C_MUL : C_MAC;
    else if (op1 == 7) d->cls = C_DSP;                        /* USAD8/USADA8 */
    else d->cls = C_DSP_MAC;
    return;
  }
  if ((h1 & 0xff80) == 0xfb80) {                              /* long multiply, divide */
    uint32_t op1 = (h1 >> 4) & 7, op2 = (h2 >> 4) & 0xf;
    d->cls = ((op1 == 1 || op1 == 3) && op2 == 0xf) ? C_DIV : C_MUL_LONG; return;
  }
  d->cls = C_VECTOR;                                          /* 0xfc00..: coprocessor, MVE */
}

/* ---- memory regions ---- */
#define MAX_RANGES 16
typedef struct { uint64_t base, end; uint8_t region; } range;
static range ranges[MAX_RANGES];
static int n_ranges;

static int region_of(uint64_t a) {
  for (int i = 0; i < n_ranges; i++)
    if (a >= ranges[i].base && a < ranges[i].end) return ranges[i].region;
  return R_OTHER;
}

/* ---- line caches: set-associative, LRU, each line filled in reads of read_bytes ----
 * A line holds line_bytes / read_bytes parts, each with a valid bit: the ST ART in dual-bank mode keeps
 * rows of 4 x 64 bits but reads the flash 64 bits at a time, so a part not yet read misses even when its
 * row is present (read_bytes == line_bytes is a plain line cache). */
typedef struct { uint32_t line_bytes, read_bytes, sets, ways; uint64_t *tags, *ages, tick; uint32_t *parts; } line_cache;
static line_cache icache, dcache;
static bool dcache_sram;

static void cache_init(line_cache *c, uint32_t bytes, uint32_t line, uint32_t ways, uint32_t read) {
  if (!bytes || !line || !ways || bytes < line * ways || !read || line % read || line / read > 32) return;
  c->line_bytes = line; c->read_bytes = read; c->ways = ways; c->sets = bytes / line / ways;
  c->tags = calloc((size_t)c->sets * ways, sizeof *c->tags);
  c->ages = calloc((size_t)c->sets * ways, sizeof *c->ages);
  c->parts = calloc((size_t)c->sets * ways, sizeof *c->parts);
  for (size_t i = 0; i < (size_t)c->sets * ways; i++) c->tags[i] = UINT64_MAX;
}

/* The unit a new fetch is counted in: one memory read. */
static uint32_t read_unit(const line_cache *c) { return c->read_bytes ? c->read_bytes : c->line_bytes ? c->line_bytes : 16; }

/* True on a miss (the part at addr is then read in). Without a cache every access misses. */
static bool cache_miss(line_cache *c, uint64_t addr) {
  if (!c->tags) return true;
  uint64_t line = addr / c->line_bytes;
  uint32_t bit = 1u << ((addr % c->line_bytes) / c->read_bytes);
  size_t base = (size_t)(line % c->sets) * c->ways;
  uint64_t *t = c->tags + base, *g = c->ages + base;
  uint32_t *p = c->parts + base;
  uint32_t victim = 0;
  c->tick++;
  for (uint32_t w = 0; w < c->ways; w++) {
    if (t[w] == line) {
      g[w] = c->tick;
      if (p[w] & bit) return false;
      p[w] |= bit;
      return true;
    }
    if (g[w] < g[victim]) victim = w;
  }
  t[victim] = line; g[victim] = c->tick; p[victim] = bit;
  return true;
}

/* ---- counting state ---- */
static counters cur, last_read, op_begin_snap;
static counters read_ring[2]; /* the last two CVR-load snapshots: a set starts at the one before the first BEGIN */
static int reads;
static bool any_read;
static uint64_t ops_addr, begin_addr;
static uint32_t n_ops;
#define SYST_CVR 0xE000E018u

#define MAX_SETS 64
typedef struct { counters total; counters *ops; bool has_total; } set_counts;
static set_counts sets[MAX_SETS];
static int n_sets = -1;          /* index of the current set; -1 before the first */
static bool op_open, set_has_end, set_started, after_end_valid;
static counters after_end;
static FILE *out;
static char *out_path;

static const insn_info *prev;     /* the last instruction whose callback ran */
static bool prev_can_lead;         /* it issued first in a cycle and may take a partner (dual issue) */
static uint8_t prev_final_cls = C_OTHER;
static uint64_t last_fetch_unit = UINT64_MAX;

static bool is_single_load(int c) { return c == C_LOAD_BYTE || c == C_LOAD_HALF || c == C_LOAD_WORD || c == C_LOAD_PIPELINED; }
static bool is_single_store(int c) { return c == C_STORE_BYTE || c == C_STORE_HALF || c == C_STORE_WORD; }

/*
 * Cortex-M7 greedy dual issue (../shared/spec/cycles.md §1.5, measured rules): may `younger` issue in the
 * same cycle as `older`? Register dependencies are not tracked (a documented optimism of the model).
 */
static bool m7_pairs(int older, int younger) {
  bool ld_o = is_single_load(older), ld_y = is_single_load(younger);
  bool st_o = is_single_store(older), st_y = is_single_store(younger);
  bool mul_o = older >= C_MUL && older <= C_DIV, mul_y = younger >= C_MUL && younger <= C_DIV;
  bool multi = older == C_LOAD_MULTIPLE || older == C_STORE_MULTIPLE || older == C_LOAD_DOUBLE || older == C_STORE_DOUBLE ||
               younger == C_LOAD_MULTIPLE || younger == C_STORE_MULTIPLE || younger == C_LOAD_DOUBLE || younger == C_STORE_DOUBLE;
  bool fp_o = older >= C_FP && older <= C_FP_DIV, fp_y = younger >= C_FP && younger <= C_FP_DIV;
  if (multi || older == C_DIV || younger == C_DIV || older >= C_SYSTEM || younger >= C_SYSTEM) return false;
  if (older == C_BRANCH_INDIRECT || older == C_TABLE_BRANCH || younger == C_TABLE_BRANCH) return false;
  if (older == C_BRANCH_NOT_TAKEN || older == C_IT) return true;
  if (older == C_BRANCH || older == C_BRANCH_COND_TAKEN) return younger != C_BRANCH && younger < C_BRANCH;
  if (younger >= C_BRANCH && younger <= C_BRANCH_NOT_TAKEN) return !mul_o;
  if (ld_o && ld_y) return false;            /* only to different DTCM banks: not tracked, count as no */
  if (st_o && st_y) return false;            /* one store port */
  if (mul_o && (mul_y || st_y)) return false;
  if (fp_o && fp_y) return false;
  if (older == C_ALU_SHIFT && younger == C_ALU_SHIFT) return false;
  if ((older == C_DSP || older == C_ALU_SHIFT) && (younger == C_DSP)) return false;
  if (older == C_ALU && (younger == C_DSP)) return false; /* the DSP op must be the older */
  return true;
}

#define PREDICTOR_ENTRIES 256
static uint8_t predictor[PREDICTOR_ENTRIES];

/* Rt of the last retired instruction when it was a single load (load-to-load pipelining), else NOREG. */
static uint8_t prev_load_rt = NOREG;
static uint16_t prev_dst;        /* registers the last retired instruction wrote */
static int insn_region = -1;     /* region of the data access of the instruction being retired (-1: none) */
static int prev_load_region = -1;
static bool prev_narrow_load;    /* it was a byte/halfword load (pipelined or not) */
static bool prev_alu_op;         /* it was a data-processing instruction */

/* Finishes the previous instruction now that the next PC is known. */
static void retire_prev(uint32_t next_pc) {
  const insn_info *p = prev;
  int c = p->cls;
  bool taken = next_pc != p->pc + p->size;
  if (p->pc_load) {
    if (taken) cur.stall[S_PC_LOAD]++;
  } else if (p->bkind == B_COND) {
    c = taken ? C_BRANCH_COND_TAKEN : C_BRANCH_NOT_TAKEN;
    /* Dynamic prediction: 2-bit counters by PC (a stand-in for the M7's branch target cache), starting
     * from backward-taken / forward-not-taken. Cores without prediction cost mispredicts at 0. */
    uint8_t *ctr = &predictor[(p->pc >> 1) & (PREDICTOR_ENTRIES - 1)];
    if (*ctr == 0xff) *ctr = p->backward ? 2 : 1;
    if (taken != (*ctr >= 2)) cur.stall[S_MISPREDICT]++;
    if (taken && *ctr < 3) (*ctr)++;
    if (!taken && *ctr > 0) (*ctr)--;
  } else if (p->bkind != B_NONE && p->bkind != B_TABLE && !taken) {
    c = C_BRANCH_NOT_TAKEN; /* an unconditional branch skipped inside an IT block */
  } else if (is_single_load(c) && prev_load_rt != NOREG && p->rn != prev_load_rt && p->rm != prev_load_rt &&
             insn_region == prev_load_region) {
    /* M3/M4 TRM §3.3.2: a load after a load whose address does not use its result costs a cycle less;
     * measured on STM32F1/F4 only when both go to the same memory (jnk0le/random pipeline cycle test). */
    c = C_LOAD_PIPELINED;
  }
  cur.cls[c]++;
  /* Result latencies: what the previous instruction wrote and this one reads. */
  uint16_t dep = (uint16_t)(p->src & prev_dst);
  bool is_mul = c >= C_MUL && c <= C_MUL_LONG;
  if (dep) {
    bool prev_load = is_single_load(prev_final_cls) || prev_final_cls == C_LOAD_DOUBLE || prev_final_cls == C_LOAD_MULTIPLE;
    bool prev_narrow = prev_final_cls == C_LOAD_BYTE || prev_final_cls == C_LOAD_HALF ||
                       (prev_final_cls == C_LOAD_PIPELINED && prev_narrow_load);
    bool prev_mul = prev_final_cls >= C_MUL && prev_final_cls <= C_MUL_LONG;
    if (prev_load && (prev_narrow || is_mul)) cur.stall[S_LOAD_USE]++;
    if (prev_mul && (p->acc == NOREG || (dep & (uint16_t)~R(p->acc)))) cur.stall[S_MUL_USE]++;
    if ((p->addr & prev_dst) && prev_alu_op) cur.stall[S_AGU_DEPENDENCY]++;
  }
  if (c == C_LOAD_MULTIPLE) { cur.aux[A_LDM_REGS] += p->regs; cur.aux[A_LDM_PAIRS] += (p->regs + 1u) / 2u; }
  if (c == C_STORE_MULTIPLE) { cur.aux[A_STM_REGS] += p->regs; cur.aux[A_STM_PAIRS] += (p->regs + 1u) / 2u; }
  if (prev_can_lead && !dep && m7_pairs(prev_final_cls, c)) {
    cur.paired[c]++;
    prev_can_lead = false;
  } else {
    prev_can_lead = true;
  }
  prev_final_cls = (uint8_t)c;
  prev_load_rt = is_single_load(c) ? p->rt : NOREG;
  prev_load_region = insn_region;
  insn_region = -1;
  prev_narrow_load = p->cls == C_LOAD_BYTE || p->cls == C_LOAD_HALF;
  prev_alu_op = c == C_ALU || c == C_ALU_SHIFT || c == C_DSP;
  prev_dst = p->dst;
}

static void on_insn(unsigned int vcpu, void *udata) {
  const insn_info *d = udata;
  (void)vcpu;
  if (prev) {
    /* Under -icount an instruction that touches a device mid-block runs again at the head of a fresh
     * block (QEMU's I/O recompile); icount counts it once, so do we. A branch to itself is real. */
    if (d->pc == prev->pc && prev->bkind == B_NONE) { prev = d; return; }
    retire_prev(d->pc);
  }
  /* Instruction fetch from flash: a new line misses unless the line model holds it. */
  if (region_of(d->pc) == R_FLASH) {
    uint64_t unit = d->pc / read_unit(&icache);
    if (unit != last_fetch_unit) {
      bool seq = prev && unit == last_fetch_unit + 1 && d->pc == prev->pc + prev->size;
      if (cache_miss(&icache, d->pc)) cur.stall[seq ? S_IFETCH_MISS_SEQ : S_IFETCH_MISS_BRANCH]++;
      last_fetch_unit = unit;
    }
  }
  prev = d;
}

static bool debug;
static FILE *insns_out;
static void begin_set(void) {
  if (debug) fprintf(stderr, "mcunas_cycles: set %d starts\n", n_sets + 1);
  if (n_sets + 1 >= MAX_SETS) return;
  n_sets++;
  sets[n_sets].ops = calloc(n_ops ? n_ops : 1, sizeof(counters));
  set_has_end = false;
  set_started = false;
  after_end_valid = false;
  reads = 0;
}

static void sub(counters *r, const counters *a, const counters *b) {
  const uint64_t *pa = (const uint64_t *)a, *pb = (const uint64_t *)b;
  uint64_t *pr = (uint64_t *)r;
  for (size_t i = 0; i < sizeof(counters) / 8; i++) pr[i] += pa[i] - pb[i];
}

static counters set_start_snap;

/* The set's window ends at the last CVR load after its last op (main()'s reading after the run). */
static void close_set(void) {
  if (n_sets >= 0 && n_sets < MAX_SETS && set_has_end && after_end_valid && !sets[n_sets].has_total) {
    sub(&sets[n_sets].total, &after_end, &set_start_snap);
    sets[n_sets].has_total = true;
  }
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata) {
  const insn_info *d = udata;
  bool store = qemu_plugin_mem_is_store(info);
  int r = region_of(vaddr);
  (void)vcpu;
  (void)d;
  cur.mem[r][store]++;
  insn_region = r;
  if (r == R_FLASH && !store) {
    if (cache_miss(&dcache, vaddr)) cur.stall[S_DFLASH_MISS]++;
  } else if (r == R_SRAM && dcache_sram && dcache.tags) {
    if (cache_miss(&dcache, vaddr)) cur.stall[S_DSRAM_MISS]++;
  }
  if (!store && vaddr == SYST_CVR) {
    /* Counters up to (not including) this instruction: prev is this instruction, not yet retired. */
    read_ring[1] = read_ring[0];
    read_ring[0] = cur;
    last_read = cur;
    reads++;
    any_read = true;
    if (!op_open && set_has_end) { after_end = cur; after_end_valid = true; }
    return;
  }
  /* Before the first SysTick reading the start-up code is clearing .bss, markers included. */
  if (!store || !ops_addr || !any_read) return;
  if (vaddr >= begin_addr && vaddr < begin_addr + 8) {
    if (debug) fprintf(stderr, "mcunas_cycles: begin at pc %x\n", d->pc);
    if (n_sets < 0) begin_set();
    if (!set_started) { set_start_snap = read_ring[1]; set_started = true; }
    op_begin_snap = last_read;
    op_open = true;
    after_end_valid = false;
    return;
  }
  if (vaddr >= ops_addr && vaddr < ops_addr + 4ull * n_ops) {
    uint32_t i = (uint32_t)((vaddr - ops_addr) / 4);
    if (debug) fprintf(stderr, "mcunas_cycles: store op %u at pc %x open=%d\n", i, d->pc, op_open);
    if (op_open) {
      if (n_sets >= 0 && n_sets < MAX_SETS) sub(&sets[n_sets].ops[i], &last_read, &op_begin_snap);
      op_open = false;
      set_has_end = true;
      after_end_valid = false;
    } else if (n_sets < 0 || set_has_end) {
      /* main() clears the per-op ticks before each set: the previous set is over. */
      close_set();
      begin_set();
    }
  }
}

static void print_block(const char *head, const counters *c) {
  fprintf(out, "%s", head);
  for (int i = 0; i < N_CLASS; i++) fprintf(out, " %llu", (unsigned long long)c->cls[i]);
  for (int i = 0; i < N_CLASS; i++) fprintf(out, " %llu", (unsigned long long)c->paired[i]);
  for (int i = 0; i < N_AUX; i++) fprintf(out, " %llu", (unsigned long long)c->aux[i]);
  for (int i = 0; i < N_STALL; i++) fprintf(out, " %llu", (unsigned long long)c->stall[i]);
  for (int i = 0; i < N_REGION; i++) fprintf(out, " %llu %llu", (unsigned long long)c->mem[i][0], (unsigned long long)c->mem[i][1]);
  fprintf(out, "\n");
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata) {
  (void)id;
  (void)udata;
  close_set();
  if (insns_out) fclose(insns_out);
  out = fopen(out_path, "w");
  if (!out) return;
  fprintf(out, "mcunas-cycles 1\nclasses");
  for (int i = 0; i < N_CLASS; i++) fprintf(out, " %s", class_names[i]);
  fprintf(out, "\npaired");
  for (int i = 0; i < N_CLASS; i++) fprintf(out, " %s", class_names[i]);
  fprintf(out, "\naux");
  for (int i = 0; i < N_AUX; i++) fprintf(out, " %s", aux_names[i]);
  fprintf(out, "\nstalls");
  for (int i = 0; i < N_STALL; i++) fprintf(out, " %s", stall_names[i]);
  fprintf(out, "\nregions");
  for (int i = 0; i < N_REGION; i++) fprintf(out, " %s", region_names[i]);
  fprintf(out, "\n");
  char head[64];
  for (int s = 0; s <= n_sets && s < MAX_SETS; s++) {
    if (sets[s].has_total) {
      snprintf(head, sizeof head, "set %d total", s);
      print_block(head, &sets[s].total);
    }
    for (uint32_t i = 0; i < n_ops; i++) {
      snprintf(head, sizeof head, "set %d op %u", s, i);
      print_block(head, &sets[s].ops[i]);
    }
  }
  if (prev) retire_prev(prev->pc + prev->size); /* the last instruction, for the whole-run count */
  print_block("run", &cur);
  fclose(out);
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  size_t n = qemu_plugin_tb_n_insns(tb);
  (void)id;
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    const uint8_t *data = qemu_plugin_insn_data(insn);
    size_t have = qemu_plugin_insn_size(insn);
    uint8_t b[4] = {data[0], data[1], 0, 0};
    /* The length comes from the first halfword: QEMU 7.2 can hand a plugin a 16-bit instruction with the
     * next halfword appended (its page-end look-ahead) or a 32-bit one cut to 2 bytes. */
    uint32_t h1 = (uint32_t)b[0] | ((uint32_t)b[1] << 8);
    size_t size = (h1 >> 11) >= 0x1d ? 4 : 2;
    if (size == 4) {
      const uint8_t *host = have >= 4 ? data : qemu_plugin_insn_haddr(insn);
      if (host) { b[2] = host[2]; b[3] = host[3]; }
    }
    insn_info *d = calloc(1, sizeof *d);
    d->pc = (uint32_t)qemu_plugin_insn_vaddr(insn);
    d->size = (uint8_t)size;
    d->rt = d->rn = d->rm = d->acc = NOREG;
    if (size == 4) {
      uint32_t h2 = (uint32_t)b[2] | ((uint32_t)b[3] << 8);
      decode32(h1, h2, d);
      regs32(h1, h2, d);
    } else {
      decode16(h1, d);
      regs16(h1, d);
    }
    if (debug && (d->cls == C_VECTOR || d->cls == C_OTHER || have != size))
      fprintf(stderr, "mcunas_cycles: %s at %x (%zu bytes given): %02x%02x %02x%02x\n", class_names[d->cls], d->pc, have, b[1], b[0], b[3], b[2]);
    if (insns_out) fprintf(insns_out, "%x %zu %s\n", d->pc, size, class_names[d->cls]);
    qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, d);
    qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, d);
  }
}

static bool parse_pair(const char *v, uint64_t *a, uint64_t *b) {
  char *end;
  *a = strtoull(v, &end, 0);
  if (*end != ':') return false;
  *b = strtoull(end + 1, &end, 0);
  return *end == 0;
}

static bool parse_cache(const char *v, line_cache *c) {
  unsigned long long bytes, line, ways, read = 0;
  int n = sscanf(v, "%llu:%llu:%llu:%llu", &bytes, &line, &ways, &read);
  if (n < 3) return false;
  if (n == 3) read = line;
  if (bytes == 0) { c->line_bytes = (uint32_t)line; c->read_bytes = (uint32_t)read; return line > 0 && read > 0; } /* no cache: fetch unit only */
  cache_init(c, (uint32_t)bytes, (uint32_t)line, (uint32_t)ways, (uint32_t)read);
  return c->tags != NULL;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    if (!eq) { fprintf(stderr, "mcunas_cycles: argument without '=': %s\n", argv[i]); return -1; }
    size_t k = (size_t)(eq - argv[i]);
    const char *v = eq + 1;
    uint64_t a = 0, b = 0;
    bool ok = true;
    if (k == 3 && !strncmp(argv[i], "out", k)) out_path = strdup(v);
    else if (k == 3 && !strncmp(argv[i], "ops", k)) { ok = parse_pair(v, &a, &b); ops_addr = a; n_ops = (uint32_t)b; }
    else if (k == 5 && !strncmp(argv[i], "begin", k)) begin_addr = strtoull(v, NULL, 0);
    else if ((k == 5 && !strncmp(argv[i], "flash", k)) || (k == 3 && !strncmp(argv[i], "tcm", k)) || (k == 4 && !strncmp(argv[i], "sram", k))) {
      ok = parse_pair(v, &a, &b) && n_ranges < MAX_RANGES;
      if (ok) ranges[n_ranges++] = (range){a, a + b, (uint8_t)(argv[i][0] == 'f' ? R_FLASH : argv[i][0] == 't' ? R_TCM : R_SRAM)};
    } else if (k == 6 && !strncmp(argv[i], "icache", k)) ok = parse_cache(v, &icache);
    else if (k == 6 && !strncmp(argv[i], "dcache", k)) ok = parse_cache(v, &dcache);
    else if (k == 11 && !strncmp(argv[i], "dcache_sram", k)) dcache_sram = v[0] == '1';
    else if (k == 5 && !strncmp(argv[i], "debug", k)) debug = v[0] == '1';
    else if (k == 5 && !strncmp(argv[i], "insns", k)) ok = (insns_out = fopen(v, "w")) != NULL;
    else ok = false;
    if (!ok) { fprintf(stderr, "mcunas_cycles: bad argument %s\n", argv[i]); return -1; }
  }
  if (!out_path) { fprintf(stderr, "mcunas_cycles: out=FILE is required\n"); return -1; }
  memset(predictor, 0xff, sizeof predictor);
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
  qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
  return 0;
}
