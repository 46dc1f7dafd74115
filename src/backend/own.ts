// The project's own kernels (firmware/kernels/own/): every op the int8 lowering produces, in-place depthwise,
// and scratch only where a kernel keeps more than registers: the dense conv's two-column int16 im2col
// (as arm_convolve_s8 with DSP, so both backends cost the same there) and in-place depthwise's one input
// plane (schedule/inplace.ts).
import type { BackendDescription } from './backend.ts';
import { im2colBytes } from './im2col.ts';

export const OWN: BackendDescription = {
  name: 'own',
  label: 'mcu-nas',
  templates: 'own',
  fcRows4: true,
  depthwiseLayout: 'chw',
  inPlaceDepthwise: true,
  unsupported: () => null,
  scratchBytes(call, inH, inW, cin) {
    if (call.kind === 'conv2d') return im2colBytes(call.kernel[0], call.kernel[1], cin);
    if (call.kind === 'depthwise') return inH * inW;
    return 0;
  },
  ownSources: {
    conv: ['conv.c'],
    pointwise: ['pointwise.c'],
    depthwise: ['depthwise.c'],
    fully_connected: ['pointwise.c'],
    add: ['add.c'],
    mul: ['mul.c'],
    pool: ['pool.c'],
    global_avg_pool: ['pool.c'],
    lut: ['lut.c'],
    pad: ['pad.c'],
    softmax: ['softmax.c'],
    concat: ['concat.c'],
    reshape: [],
  },
  alwaysOwnSources: [],
};
