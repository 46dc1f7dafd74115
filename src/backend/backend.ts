// What a kernel backend is, as the planner and code generation see it: one object per backend (own.ts,
// cmsis-nn.ts), the way TF Lite Micro keeps kernels/ and kernels/cmsis_nn/ side by side. A kernel call
// is described by the fields the rules read, so this folder imports nothing of the planner's.

export type KernelBackend = 'own' | 'cmsis-nn';

/** The op kinds a plan runs (the planner's steps; every backend has one C call or template per kind). */
export type OpKind =
  | 'conv2d'
  | 'depthwise'
  | 'pointwise'
  | 'fully_connected'
  | 'add'
  | 'mul'
  | 'global_avg_pool'
  | 'avg_pool'
  | 'max_pool'
  | 'pad'
  | 'reshape'
  | 'activation'
  | 'softmax'
  | 'concat';

/** One kernel call: its kind and window geometry. */
export interface KernelCall {
  readonly name: string;
  readonly kind: OpKind;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: { readonly top: number; readonly left: number; readonly bottom: number; readonly right: number };
  /** Spacing of the taps [H, W]; absent = [1, 1]. */
  readonly dilation?: readonly [number, number];
  /** int8 weight elements and int32 bias elements (one per output channel of a conv or fully connected layer). */
  readonly weights: number;
  readonly biases: number;
}

/** The core features a backend's C picks its paths by. */
export interface CoreFeatures {
  /** The DSP extension (ARMv7E-M: SXTB16, SMLAD). */
  readonly dsp: boolean;
  /** Helium (MVE, Cortex-M55). */
  readonly mve?: boolean;
}

export interface BackendDescription {
  readonly name: KernelBackend;
  /** How generated code names it in comments. */
  readonly label: string;
  /** Its op templates: templates/model/<templates>/<op template>.hbs. */
  readonly templates: string;
  /** Depthwise weights in flash: chw = [C][KH][KW] as the IR holds them (own kernels), hwc = [KH][KW][C] (CMSIS-NN). */
  readonly depthwiseLayout: 'chw' | 'hwc';
  /**
   * Fully connected weights in groups of four rows (one load per four rows' next word) with the input
   * offset folded into the bias, where the layer allows it (codegen/op-values.ts fcRows4Layout).
   */
  readonly fcRows4: boolean;
  /**
   * Whether a depthwise convolution may write its output over its input (a channel multiplier of 1 and an
   * input no later op reads; the rule in schedule/inplace.ts).
   */
  readonly inPlaceDepthwise: boolean;
  /** Why this backend cannot run the call, or null: asked at plan time, so an unsupported op stops before any code is written. */
  unsupported(call: KernelCall): string | null;
  /**
   * Scratch bytes the kernel asks for while it runs (placed in the arena for that op only).
   * @param inH, inW spatial side of the input the kernel reads (a tile's read window in patch mode)
   * @param cin input channels
   */
  scratchBytes(call: KernelCall, inH: number, inW: number, cin: number, core: CoreFeatures): number;
  /** The own kernel C files (of firmware/kernels/own/) each op template calls; only these are compiled. */
  readonly ownSources: Readonly<Record<string, readonly string[]>>;
  /** Own kernel files compiled whatever the ops (the tables a fused activation reads). */
  readonly alwaysOwnSources: readonly string[];
  /** A library outside the project (files relative to its Source/ folder), per op template. */
  readonly library?: {
    readonly sources: Readonly<Record<string, readonly string[]>>;
    /** Files only a Helium (MVE) build reaches: compiled when the checkout has them. */
    readonly mveSources: Readonly<Record<string, readonly string[]>>;
  };
}
