// Quantization and the reference interpreters: float IR -> calibration -> QuantGraph, and the float and
// int8 interpreters (the int8 one is the golden model the C kernels match bit for bit).
export * from './quant-graph.ts';
export * from './fixed-point.ts';
export * from './scales.ts';
export * from './lookup-tables.ts';
export * from './calibrate.ts';
export * from './quantize.ts';
export * from './float-interpreter.ts';
export * from './int8-kernels.ts';
export * from './int8-interpreter.ts';
export * from './agreement.ts';
export * from './finite-values.ts';
