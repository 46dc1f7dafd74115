// The graph IR's public surface. src/ir imports nothing else of ours.
export * from './graph.ts';
export * from './tensors.ts';
export * from './topology.ts';
export * from './shapes.ts';
export * from './validate.ts';
export * from './cost.ts';
export * from './builder.ts';
