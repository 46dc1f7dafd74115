// The lab's accuracy dataset (../shared/data/mcunet-acc-dataset/PROVENANCE.md): DIR/src/*.json or
// *.json.gz (or DIR itself holding them), each a JSON array of [config, accuracy_percent] rows, read
// in sorted file-name order. Every row is validated; a bad one names its file and row index.
import fs from 'node:fs';
import path from 'node:path';
import { InputError, show } from '../errors.ts';
import { readJson } from '../io/read-input.ts';
import { parseArchConfig, type ArchConfig } from '../space/config.ts';

export interface AccDataset {
  configs: ArchConfig[];
  /** Top-1 accuracy in percent, as stored in the files. */
  accPercent: Float64Array;
  /** The files read, in order, and the number of rows each gave. */
  files: { file: string; rows: number }[];
}

const DATA_FILE = /\.json(\.gz)?$/;

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The data files of a dataset folder, sorted by name. */
export function datasetFiles(dir: string): string[] {
  if (!isDir(dir)) throw new InputError(`${dir}: no such dataset directory`);
  const folder = isDir(path.join(dir, 'src')) ? path.join(dir, 'src') : dir;
  const names = fs.readdirSync(folder).filter((n) => DATA_FILE.test(n)).sort();
  if (names.length === 0) throw new InputError(`${folder}: no *.json or *.json.gz dataset files`);
  return names.map((n) => path.join(folder, n));
}

export function readAccDataset(dir: string): AccDataset {
  const configs: ArchConfig[] = [];
  const acc: number[] = [];
  const files: AccDataset['files'] = [];
  for (const file of datasetFiles(dir)) {
    const rows = readJson(file);
    if (!Array.isArray(rows)) throw new InputError(`${file}: expected a JSON array of [config, accuracy] rows, got ${show(rows)}`);
    rows.forEach((row: unknown, i) => {
      const where = `${file} row ${i}`;
      if (!Array.isArray(row) || row.length !== 2) throw new InputError(`${where}: expected [config, accuracy_percent], got ${show(row)}`);
      const a = row[1];
      if (typeof a !== 'number' || !Number.isFinite(a) || a < 0 || a > 100)
        throw new InputError(`${where}: accuracy must be a percentage in [0, 100], got ${show(a)}`);
      configs.push(parseArchConfig(row[0], where));
      acc.push(a);
    });
    files.push({ file, rows: rows.length });
  }
  if (configs.length === 0) throw new InputError(`${dir}: the dataset files hold no rows`);
  return { configs, accPercent: Float64Array.from(acc), files };
}
