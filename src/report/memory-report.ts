// What the HTML report shows: a plain value the planner's side fills in (no IR or plan types here,
// so the report depends on nothing but this shape).

export interface LiveTensor {
  name: string;
  bytes: number;
}

export interface ReportLayer {
  name: string;
  op: string;
  /** Tensors held in SRAM while this op runs (its inputs, outputs and anything kept for later). */
  liveTensors: LiveTensor[];
  inShape?: readonly number[];
  outShape?: readonly number[];
  macs?: number;
  scratchBytes?: number;
  weightBytes?: number;
  /** All constants of the op in flash: weights, bias, requantization parameters. */
  flashBytes?: number;
  arenaOffset?: number;
  /** Runs once per patch (the patch stage). */
  patched?: boolean;
}

export interface ReportFlash {
  total: number;
  weights?: number;
  bias?: number;
  quantParams?: number;
  code?: number;
  patchTables?: number;
  /** True while `code` is an estimate (no linked ELF measured yet). */
  codeIsEstimate?: boolean;
}

export interface ReportSram {
  total: number;
  arena?: number;
  lowerBound?: number;
  scratch?: number;
  io?: number;
  stack?: number;
  runtime?: number;
  /** The placement strategy that produced the arena. */
  strategy?: string;
}

export interface ReportPatch {
  n: number;
  splitLayer: string;
  extraMacsPercent: number;
  /** The arena the same network needs layer by layer. */
  layerByLayerArena: number;
}

/** One inference measured in the emulator (`mcu-nas run`), merged into the compile report. */
export interface ReportMeasured {
  emulator: string;
  machine: string | null;
  instructions: number;
  cycles: number | null;
  latencyMs: number | null;
  clockHz: number;
  sramUsedBytes: number;
  flashUsedBytes: number;
  outputsMatch: boolean;
  /** Index-aligned with `layers`. */
  perOp: { instructions: number; cycles: number | null }[];
}

export interface MemoryReport {
  board: string;
  model: string;
  macs: number;
  params: number;
  flash: ReportFlash;
  sram: ReportSram;
  /** The SRAM budget drawn across the chart (bytes). */
  limitBytes: number;
  /** The board's flash (bytes), when known. */
  flashLimitBytes?: number;
  patch?: ReportPatch | null;
  measured?: ReportMeasured | null;
  layers: ReportLayer[];
}
