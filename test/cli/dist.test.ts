// The compiled dist/ (what bin/mcu-nas.js runs) mirrors src/ at the same depth (tsconfig.build.json:
// rootDir src, outDir dist), so a path a module takes from its own file must go up to the repository
// root ('../../templates', '../../src/schedule/code-size.json'): a path beside the file would name a file
// that exists under src/ only, and dist/ would silently run without it.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../helpers/shared.ts';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

it('tsconfig.build.json compiles src/ to dist/ at the same depth', () => {
  const text = fs.readFileSync(path.join(REPO, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const o = JSON.parse(text).compilerOptions;
  expect([o.rootDir, o.outDir]).toEqual(['src', 'dist']);
});

it('every path taken from a module file goes through the repository root, and names something that exists', () => {
  const found: string[] = [];
  for (const file of sources(path.join(REPO, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:dirname\(fileURLToPath\(import\.meta\.url\)\),\s*|new URL\()'([^']+)'/g)) {
      const rel = m[1];
      found.push(`${path.relative(REPO, file)}: ${rel}`);
      expect(rel === '../..' || rel.startsWith('../../'), `${path.relative(REPO, file)}: '${rel}' is beside the file, not found from dist/`).toBe(true);
      expect(fs.existsSync(path.resolve(path.dirname(file), rel)), `${path.relative(REPO, file)}: '${rel}'`).toBe(true);
    }
  }
  expect(found.length).toBeGreaterThan(5);
});
