/* The test sets main.c runs: generated into test_vectors.c (templates/test_vectors.c.hbs). */
#ifndef MCUNAS_TEST_VECTORS_H
#define MCUNAS_TEST_VECTORS_H

#include <stdint.h>

typedef struct {
  const int8_t *input;    /* MCUNAS_MODEL_INPUT_BYTES */
  const int8_t *expected; /* MCUNAS_MODEL_OUTPUT_BYTES, or 0: print the output, do not check it */
} mcunas_test_set;

extern const mcunas_test_set mcunas_test_sets[];
extern const uint32_t mcunas_test_set_count;

#endif
