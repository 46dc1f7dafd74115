/*
 * The seam between a model and the firmware around it. A model is a "model.h" + C files that:
 *
 *   #define MCUNAS_MODEL_INPUT_BYTES  <n>   bytes of the (single) int8 input tensor
 *   #define MCUNAS_MODEL_OUTPUT_BYTES <n>   bytes of the (single) int8 output tensor
 *   #define MCUNAS_MODEL_OP_COUNT     <n>   ops timed with MCUNAS_OP_BEGIN/END, numbered 0..n-1 (>= 1)
 *   int8_t *mcunas_model_input(void);        where the caller writes the input (inside the arena)
 *   const int8_t *mcunas_model_output(void); where the output is after a run
 *   int mcunas_model_run(void);              runs the network once; 0 on success
 *
 * model.h includes this header. The model brackets each op with MCUNAS_OP_BEGIN(i) / MCUNAS_OP_END(i)
 * (an op may run several times, e.g. once per patch: its ticks add up). Outside the firmware build
 * (no MCUNAS_FIRMWARE, e.g. a host build with sanitizers) the macros compile to nothing.
 */
#ifndef MCUNAS_MODEL_SEAM_H
#define MCUNAS_MODEL_SEAM_H

#include <stdint.h>

int8_t *mcunas_model_input(void);
const int8_t *mcunas_model_output(void);
int mcunas_model_run(void);

#if defined(MCUNAS_FIRMWARE)
#include "mcunas_runtime.h"

/* Defined by main.c, sized MCUNAS_MODEL_OP_COUNT. */
extern uint32_t mcunas_op_ticks[];
extern uint64_t mcunas_op_started;

#define MCUNAS_OP_BEGIN(i) (mcunas_op_started = mcunas_counter_now())
#define MCUNAS_OP_END(i) (mcunas_op_ticks[(i)] += (uint32_t)(mcunas_counter_now() - mcunas_op_started))
#else
#define MCUNAS_OP_BEGIN(i) ((void)0)
#define MCUNAS_OP_END(i) ((void)0)
#endif

#endif
