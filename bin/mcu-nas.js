#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`; `prepare` builds it on npm ci/install, and
// tools/setup.mjs rebuilds it when it is stale). From a checkout whose dist/ is missing or older than a
// file in src/ (or with MCU_NAS_SOURCE=1), it runs the TypeScript sources through tsx instead: a slower
// start, always in step with src/. MCU_NAS_SOURCE=0 runs dist/ even when it is older than src/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'cli', 'main.js');
const stamp = path.join(root, 'dist', '.tsbuildinfo');

/** True when some TypeScript file under `dir` changed after `since` (ms); data files are read from src/ itself. */
function changedSince(dir, since) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? changedSince(p, since) : e.name.endsWith('.ts') && fs.statSync(p).mtimeMs > since) return true;
  }
  return false;
}

function distIsCurrent() {
  if (process.env.MCU_NAS_SOURCE === '1') return false;
  if (process.env.MCU_NAS_SOURCE === '0') return fs.existsSync(built); // dist/ as it is (benchmarks)
  try {
    fs.accessSync(built);
    return !changedSince(path.join(root, 'src'), fs.statSync(stamp).mtimeMs);
  } catch {
    return false;
  }
}

let main;
if (distIsCurrent()) ({ main } = await import('../dist/cli/main.js'));
else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('error: dist/ is missing or older than src/, and tsx (a dev dependency) is not installed: run npm run build\n');
    process.exit(2);
  }
  tsx.register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
