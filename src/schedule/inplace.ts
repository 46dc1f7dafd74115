// Which ops may write their output over one of their inputs. These are rules the C kernels must follow;
// code generation relies on them, since the planner gives such tensors the same arena offset.
//
// In-place depthwise convolution (own kernels only; TinyEngine does the same):
//   The output tensor starts at the input tensor's offset. The kernel runs one channel at a time:
//   1. copy channel c's whole input plane (H x W bytes, NHWC-strided) into a scratch buffer;
//   2. compute channel c's output plane from the scratch copy only, writing element (y, x, c) to
//      out[(y * Wo + x) * C + c].
//   Every byte written in step 2 lies at an offset congruent to c modulo C, i.e. in a channel-c slot of
//   the input, whose values are already saved in the scratch copy. So no input of another channel is
//   clobbered, for any stride: with stride 2 the (smaller) output fills the head of the buffer, and the
//   tail (input pixels Ho*Wo and beyond) is dead once the last channel is done. Cost: one plane of
//   scratch (depthwise scratch, scratch.ts) instead of a second full-size tensor.
//   It needs a channel multiplier of 1 (Cout = Cin) and an input no later op reads.
//   Whether a backend's depthwise kernel keeps this rule is its description's inPlaceDepthwise
//   (src/backend: CMSIS-NN's read all channels of a window at once, so their output gets its own buffer).
//
// Element-wise ops (activations, add, SE's channel multiply) read element i of each input before they
// write element i of the output, so the output may take an input's buffer when shapes (hence offsets)
// are the same. The SE gate, a [1,1,1,C] vector broadcast over the map, is never overwritten.
// Reshape is a view: same bytes, nothing moves.
import { backendOf, type KernelBackend } from '../backend/index.ts';
import type { Step, StepGraph } from './steps.ts';

export function inPlaceInputs(g: StepGraph, s: Step, backend: KernelBackend): number[] {
  const outBytes = g.tensors[s.output].bytes;
  switch (s.kind) {
    case 'depthwise':
      return backendOf(backend).inPlaceDepthwise ? [s.inputs[0]] : [];
    case 'activation':
      return [s.inputs[0]];
    case 'add':
    case 'mul':
      return s.inputs.filter((t) => g.tensors[t].bytes === outBytes);
    default:
      return [];
  }
}
