// Assembles the RP2040 boot stage 2 (firmware/boot2/boot2_rp2040.S) with arm-none-eabi-as and prints
// its bytes; with --write, stores them as BOOT2_CODE in src/codegen/boot2.ts. Re-run after editing the source:
//   npx tsx tools/boot2.ts --write
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The code bytes of the boot2 source, assembled for the Cortex-M0+. */
export function assembleBoot2(): Buffer {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-boot2-'));
  try {
    const obj = path.join(tmp, 'boot2.o');
    const bin = path.join(tmp, 'boot2.bin');
    execFileSync('arm-none-eabi-as', ['-mcpu=cortex-m0plus', '-mthumb', path.join(REPO, 'firmware/boot2/boot2_rp2040.S'), '-o', obj]);
    execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', obj, bin]);
    return fs.readFileSync(bin);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = assembleBoot2();
  console.log(`${code.length} bytes: ${code.toString('hex')}`);
  if (process.argv.includes('--write')) {
    const file = path.join(REPO, 'src/codegen/boot2.ts');
    const text = fs.readFileSync(file, 'utf8').replace(/export const BOOT2_CODE = '[^']*'(\.replace\(\/ \/g, ''\))?;/, `export const BOOT2_CODE = '${code.toString('hex')}';`);
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(REPO, file)}`);
  }
}
