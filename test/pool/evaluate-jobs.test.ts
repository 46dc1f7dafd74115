// evaluate's images split across worker threads give the one-thread evaluation exactly: accuracy counts,
// confusion matrices, the first mistakes, the same worst-classified images with the same scores and
// pictures (their selection crosses the shares' borders), in image order.
import { describe, expect, it } from 'vitest';
import { evaluateModel, type EvaluateRequest } from '../../src/pipeline/evaluate.ts';
import { mnist8Request } from '../helpers/mnist8-evaluate.ts';

const request = (jobs: number, stages: string[]): EvaluateRequest =>
  mnist8Request(
    {
      limit: 600,
      jobs,
      // The interpreter scores image by image, so its shares go to the workers (evaluate-engine.test.ts: the host C build).
      int8Engine: 'interpreter',
      // Small shares on purpose: 8 of 75 images, so the merge is exercised, not a thread's start-up cost.
      minImagesPerJob: 50,
    },
    stages,
  );

describe('evaluate --jobs', () => {
  it('2 worker threads give what 1 thread gives, field for field', async () => {
    const [s1, s2]: string[][] = [[], []];
    const one = await evaluateModel(request(1, s1));
    const two = await evaluateModel(request(2, s2));
    expect(s1.some((m) => m.includes('threads'))).toBe(false);
    expect(s2).toContain('scoring 600 images on 2 threads (this one and 1 worker; 8 shares) ...');
    const strip = (e: typeof one) => ({ ...e.summary, seconds: 0 });
    expect(strip(two)).toEqual(strip(one));
    expect(two.pictures).toEqual(one.pictures);
    // Something to compare: images that differ between float and int8 or are misclassified exist here.
    expect(one.summary.images).toBe(600);
    expect(one.summary.worst).toHaveLength(12);
    expect(one.summary.mistakes.int8.length).toBeGreaterThan(0);
    expect(new Set(one.summary.worst.map((w) => Math.floor(w.index / 75))).size).toBeGreaterThan(1);
  }, 600_000);
});
