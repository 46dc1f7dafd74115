// What a model argument is, by its extension (a leaf module: the CLI reads it before loading any frontend).

export type ModelFileKind = 'onnx' | 'tflite' | 'arch';

/** By extension: .onnx and .tflite are model files, anything else an arch config. */
export function modelFileKind(file: string): ModelFileKind {
  const f = file.toLowerCase();
  return f.endsWith('.onnx') ? 'onnx' : f.endsWith('.tflite') ? 'tflite' : 'arch';
}
