import os from 'node:os';
import { defineConfig } from 'vitest/config';

// One test file per core. Vitest's own default for `vitest run` is one fewer than the cores, which on a
// 2-core machine runs the files one at a time; much of a firmware test's time is gcc and QEMU in child
// processes, so a file per core keeps both cores busy. MCUNAS_TEST_JOBS overrides (1: one file at a time).
const jobs = Number(process.env.MCUNAS_TEST_JOBS) || (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: jobs, minForks: 1 } },
  },
});
