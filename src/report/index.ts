export * from './memory-report.ts';
export * from './memory-chart.ts';
export * from './render-html.ts';
export * from './picture.ts';
export * from './worst-examples.ts';
export * from './accuracy-report.ts';
