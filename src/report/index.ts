export * from './memory-report.ts';
export * from './memory-chart.ts';
export * from './render-html.ts';
