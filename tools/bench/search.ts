// Benchmark: the lab's searches, in process, with the shipped predictor and the analytic efficiency model.
// Lab figures (EfficientML Lab 3 on a GPU notebook): evolutionary search 253 s (12.6 s a generation),
// random search of 300 subnets 66 s. A plain single-threaded Python version of the same analytic search
// takes about 0.5 s (issue 2). Goals: each evolutionary search < 100 ms here.
import { loadPredictor } from '../../src/predict/load-model.ts';
import { Rng } from '../../src/search/rng.ts';
import { evolutionSearch, LAB_EVOLUTION_DEFAULTS } from '../../src/search/evolution.ts';
import { randomSearch } from '../../src/search/random-search.ts';
import { analyticMeasure } from '../../src/search/measure.ts';

const model = loadPredictor();
const runs = [
  { name: 'evolution 50 x 20, <= 60 M MACs, <= 250 KB', lab: 253, budget: { millionMACs: 60, KBPeakMemory: 250 } },
  { name: 'evolution 50 x 20, <= 30 M MACs, <= 200 KB', lab: 253, budget: { millionMACs: 30, KBPeakMemory: 200 } },
];
// Warm up the JIT once, as a long-lived process would be.
evolutionSearch(model, analyticMeasure, runs[0].budget, new Rng(99), { ...LAB_EVOLUTION_DEFAULTS, population: 50, generations: 20 });

for (const r of runs) {
  const t0 = performance.now();
  const res = evolutionSearch(model, analyticMeasure, r.budget, new Rng(1), { ...LAB_EVOLUTION_DEFAULTS, population: 50, generations: 20 });
  const ms = performance.now() - t0;
  console.log(
    `${r.name}: ${ms.toFixed(1)} ms, best ${(res.best.accuracy * 100).toFixed(2)}% ` +
      `(${res.best.figures.millionMACs} M, ${res.best.figures.KBPeakMemory} KB); lab ${r.lab} s -> ${Math.round((r.lab * 1000) / ms)}x`,
  );
}
{
  const t0 = performance.now();
  const res = randomSearch(model, analyticMeasure, { millionMACs: 60, KBPeakMemory: 250 }, new Rng(1), { samples: 300 });
  const ms = performance.now() - t0;
  console.log(`random 300, <= 60 M MACs, <= 250 KB: ${ms.toFixed(1)} ms, best ${(res.best.accuracy * 100).toFixed(2)}%; lab 66 s -> ${Math.round(66000 / ms)}x`);
}
