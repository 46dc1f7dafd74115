// One image between the two layouts mcu-nas meets: NCHW (ONNX, onnxruntime) and NHWC (the IR, firmware).

/** [C,H,W] planes -> [H,W,C] interleaved (batch 1 either way). */
export function nchwToNhwc(x: Float32Array, channels: number, height: number, width: number): Float32Array {
  checkLength(x, channels, height, width);
  const plane = height * width;
  const out = new Float32Array(x.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < plane; p++) out[p * channels + c] = x[c * plane + p];
  return out;
}

/** [H,W,C] interleaved -> [C,H,W] planes. */
export function nhwcToNchw(x: Float32Array, channels: number, height: number, width: number): Float32Array {
  checkLength(x, channels, height, width);
  const plane = height * width;
  const out = new Float32Array(x.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < plane; p++) out[c * plane + p] = x[p * channels + c];
  return out;
}

function checkLength(x: Float32Array, c: number, h: number, w: number): void {
  if (x.length !== c * h * w) throw new RangeError(`image of ${x.length} values is not ${c}x${h}x${w}`);
}
