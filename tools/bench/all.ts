// Runs every benchmark script in this folder, one after another, in separate processes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const f of fs.readdirSync(dir).sort()) {
  if (!f.endsWith('.ts') || f === 'all.ts') continue;
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n== ${f}`);
  spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, f)], { stdio: 'inherit' });
}
