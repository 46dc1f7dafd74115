// evaluate's defaults, in a leaf module: the CLI's flag table reads them at start-up without loading the pipeline.

/** Worst-classified images kept (with their pictures) for the report. */
export const DEFAULT_WORST_IMAGES = 12;
