// evaluate's defaults, in a leaf module: the CLI's flag table reads them at start-up without loading the pipeline.

/** Worst-classified images kept (with their pictures) for the report. */
export const DEFAULT_WORST_IMAGES = 12;

/** Which engine computes evaluate's int8 outputs: auto (the host C build where a host gcc exists), or one of the two. */
export const INT8_ENGINES = ['auto', 'host-c', 'interpreter'] as const;
export type Int8EngineChoice = (typeof INT8_ENGINES)[number];
