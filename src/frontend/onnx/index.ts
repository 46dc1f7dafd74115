// ONNX in and out: import to the float IR, export a subnet, read model-zoo test data.
export { importOnnx, importOnnxFile, FOLDED_BN_KEY, MIN_OPSET, MAX_OPSET, type OnnxImport, type ImportOptions } from './import.ts';
export { onnxToIr, irToOnnx, type Binding, type Layout } from './layout.ts';
export { readTestData, readTensorFile, type TestSet, type TestTensor } from './test-data.ts';
export { exportOnnx, EXPORT_OPSET, type ExportOptions } from './export.ts';
export { importOnnxQdq, importOnnxQdqFile, isQdqOnnx, type QdqImport } from './qdq-import.ts';
