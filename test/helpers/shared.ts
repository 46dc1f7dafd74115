// Locates ../shared (spec and real data) for tests and benchmarks: $MCU_NAS_SHARED, else the folder
// beside the repository, else /work/shared (where CI's clean clone may live elsewhere on this machine).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function findShared(): string {
  const candidates = [process.env.MCU_NAS_SHARED, path.join(REPO, '../shared'), '/work/shared'];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'DESIGN.md'))) return c;
  throw new Error(`cannot find the shared folder (tried ${candidates.filter(Boolean).join(', ')}); set MCU_NAS_SHARED`);
}

export const SHARED = findShared();
export const sharedPath = (...p: string[]) => path.join(SHARED, ...p);

export interface LabVector {
  kind: string;
  config: import('../../src/space/config.ts').ArchConfig;
  macs: number;
  peak_bytes: number;
  params: number;
  million_macs: number;
  kb_peak: number;
  macs_thop_legacy: number;
  macs_pure: number;
  encoding: number[];
}

export function labVectors(): LabVector[] {
  return JSON.parse(fs.readFileSync(sharedPath('data/mcunet-vectors.json'), 'utf8')).vectors;
}
