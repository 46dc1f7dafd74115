// The planner's public surface: plan a network on a board (planGraph / planArch), or only check that
// it fits (fitArch, the search loop's fast path). Placement strategies and lifetimes are exported for
// tools and tests that want them on their own.
export { planGraph, planArch, planSteps, fitArch, fitSteps, liveBuffersAt, PlanError } from './plan.ts';
export type { Plan, Fit, PlanOptions, PatchRequest, LayerRow, SramFigures, TensorPlacement, PlacedBuffer, PatchSummary } from './plan.ts';
export { formatPlanTable, misfitReasons } from './plan-table.ts';
export type { PatchGeometry, PatchStageOp, Tile, TileInput, Region } from './patch-plan.ts';
export { cutPoints, patchGeometry, findSplitStep } from './patch-plan.ts';
export { placeBest, greedyBySize, firstFitByLifetime, greedyByLifetimeLength, lowerBound, checkPlacement, DEFAULT_ALIGNMENT } from './placement.ts';
export type { Buffer, Placement, PlacementStrategy } from './placement.ts';
export type { FlashBreakdown } from './flash.ts';
export type { KernelBackend } from '../backend/index.ts';
export { STACK_BYTES, RUNTIME_FIXED_BYTES, RUNTIME_BYTES_PER_OP, RUNTIME_CLOCK_BYTES, runtimeBytes } from './sram-layout.ts';
export { layerInstructions, planInstructions, CALL_COSTS } from './cost.ts';
export type { SramLayout } from './sram-layout.ts';
export { stepsFromArch } from './from-arch.ts';
export { stepsFromIr } from './from-ir.ts';
export type { StepGraph, Step } from './steps.ts';
