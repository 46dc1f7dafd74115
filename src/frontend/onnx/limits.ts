// Bounds on what an ONNX file may ask us to allocate. A model for a microcontroller is far below all of
// them; a file above them is malformed or hostile, and is refused before any buffer is made.

/** Largest rank of any tensor (ONNX allows more; no layer of ours needs more than 4). */
export const MAX_RANK = 8;
/** Largest single dimension. */
export const MAX_DIM = 1 << 24;
/** Most elements in one tensor (constant or activation): 64 MiB of float32. */
export const MAX_TENSOR_ELEMENTS = 1 << 24;
/** Most elements of all constants together (weights, folded shapes): 256 MiB of float32. */
export const MAX_TOTAL_CONSTANT_ELEMENTS = 1 << 26;
/** Most nodes in a graph. */
export const MAX_NODES = 100_000;
/** Largest model file read at all. */
export const MAX_MODEL_BYTES = 1 << 30;
