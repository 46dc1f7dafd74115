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
  arenaOffset?: number;
}

export interface MemoryReport {
  board: string;
  model: string;
  macs: number;
  params: number;
  flash: { total: number; weights?: number; bias?: number; quantParams?: number; code?: number };
  sram: { total: number; arena?: number; lowerBound?: number; scratch?: number; io?: number; stack?: number };
  /** The SRAM budget drawn across the chart (bytes). */
  limitBytes: number;
  layers: ReportLayer[];
}
