// TFLite import: a .tflite file to the IR (float Graph or int8 QuantGraph with the model's own quantization).
import path from 'node:path';
import { readBytes } from '../../io/read-input.ts';
import { readTfliteModel } from './schema-reader.ts';
import { tfliteToIr, type TfliteImport, type TfliteImportOptions } from './tflite-to-ir.ts';

export { readTfliteModel } from './schema-reader.ts';
export { tfliteToIr, MAX_ACTIVATION_ELEMENTS, type TfliteImportOptions, type TfliteImport, type FloatImport, type Int8Import, type TfliteBoundary } from './tflite-to-ir.ts';
// TFLite's QUANTIZE / DEQUANTIZE at a graph's boundary, for feeding and reading an imported int8 graph.
export { quantizeLikeTflite, dequantizeLikeTflite } from '../../quant/tflite-int8.ts';
export type { TfliteModel, TfliteTensor, TfliteOperator } from './schema.ts';

/** Parses and maps a model held in memory; `file` names it in error messages and gives the graph its name. */
export function importTflite(bytes: Uint8Array, file: string, options: TfliteImportOptions = {}): TfliteImport {
  const name = path.basename(file).replace(/\.tflite$/i, '');
  return tfliteToIr(readTfliteModel(bytes, file), name, options);
}

/** Reads and maps a .tflite file. */
export function importTfliteFile(file: string, options: TfliteImportOptions = {}): TfliteImport {
  return importTflite(new Uint8Array(readBytes(file)), file, options);
}
