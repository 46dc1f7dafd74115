/*
 * The test-vector blob: test inputs and expected outputs in one block of bytes, built by mcu-nas
 * (src/codegen/test-vectors.ts) and never part of the board's firmware image. The emulator link has it
 * as the array mcunas_test_blob (test_vectors.c, section .mcunas_test, outside the board's flash); a
 * test bench that runs the board link (firmware.resc on Renode) loads vectors.bin into memory the
 * board does not have and writes its address into mcunas_vectors_at, the word after the vector table.
 *
 * Layout, little-endian 32-bit words:
 *   header  magic MCUNAS_VECTORS_MAGIC, set count, input bytes, output bytes (0: no set has one)
 *   per set flags (bit 0: an expected output follows), the input, then the expected output if any;
 *           each of the two padded with zero bytes to a multiple of 4
 */
#ifndef MCUNAS_TEST_VECTORS_H
#define MCUNAS_TEST_VECTORS_H

#include <stdint.h>

#define MCUNAS_VECTORS_MAGIC 0x5643554Du /* "MUCV" */
#define MCUNAS_VECTORS_HAS_EXPECTED 1u

typedef struct {
  uint32_t magic;
  uint32_t set_count;
  uint32_t input_bytes;
  uint32_t output_bytes;
} mcunas_vectors_header;

/* Bytes a block of n bytes takes in the blob. */
#define MCUNAS_VECTORS_PADDED(n) (((uint32_t)(n) + 3u) & ~3u)

#endif
