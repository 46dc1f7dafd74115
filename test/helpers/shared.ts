// Locates ../shared (spec and real data) for tests and benchmarks: $MCU_NAS_SHARED when set, else the
// folder beside the repository.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const isShared = (dir: string) => fs.existsSync(path.join(dir, 'DESIGN.md'));

/**
 * Last resort, one machine's fixed path: CI's clean clone may live elsewhere on this machine, with no
 * ../shared beside it and no MCU_NAS_SHARED set. Kept until CI sets MCU_NAS_SHARED; not a place to look
 * first, and no other code may name it.
 */
const THIS_MACHINE_FALLBACK = '/work/shared';

function findShared(): string {
  const env = process.env.MCU_NAS_SHARED;
  if (env) {
    if (isShared(env)) return env;
    throw new Error(`MCU_NAS_SHARED=${env} is not the shared folder (no DESIGN.md there)`);
  }
  const beside = path.join(REPO, '../shared');
  if (isShared(beside)) return beside;
  if (isShared(THIS_MACHINE_FALLBACK)) return THIS_MACHINE_FALLBACK;
  throw new Error(`cannot find the shared folder: none beside the repository (${beside}); set MCU_NAS_SHARED`);
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
