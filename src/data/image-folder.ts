// torchvision's ImageFolder layout: root/<class>/<image>, classes sorted by name (code point order, as
// Python's sorted), images found recursively in sorted order. Only PNG and JPEG are read; other image
// formats are refused by name rather than skipped, and non-image files (README, .DS_Store) are ignored.
// Hidden entries (a leading dot: .git, .ipynb_checkpoints) are skipped.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { readBytes } from '../io/read-input.ts';
import { checkIndex, type Dataset, type InputSpec } from './dataset.ts';
import { decodeImage } from './decode-image.ts';
import { checkPreprocess, toModelInput, type Preprocess } from './preprocess.ts';

const READ = new Set(['.png', '.jpg', '.jpeg']);
const REFUSED = new Set(['.bmp', '.gif', '.webp', '.tif', '.tiff', '.ppm', '.pgm', '.pbm', '.heic', '.avif']);

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listSorted(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort();
  } catch (e) {
    throw new InputError(`${dir}: cannot list the folder (${(e as Error).message})`);
  }
}

/** The image files under a class folder, recursively, in sorted order. */
function imagesUnder(dir: string, out: string[]): void {
  for (const name of listSorted(dir)) {
    const p = path.join(dir, name);
    if (isFolder(p)) {
      imagesUnder(p, out);
      continue;
    }
    const ext = path.extname(name).toLowerCase();
    if (READ.has(ext)) out.push(p);
    else if (REFUSED.has(ext)) throw new InputError(`${p}: ${ext.slice(1).toUpperCase()} images are not read; convert them to PNG or JPEG`);
  }
}

export interface ImageFolderListing {
  readonly classes: string[];
  readonly files: string[];
  readonly labels: number[];
}

/** Lists an ImageFolder tree without decoding anything; every structural problem names its folder. */
export function listImageFolder(root: string): ImageFolderListing {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch {
    throw new InputError(`${root}: no such folder`);
  }
  if (!stat.isDirectory()) throw new InputError(`${root}: not a folder (an image dataset is a folder with one sub-folder per class)`);
  const names = listSorted(root);
  const classes = names.filter((n) => isFolder(path.join(root, n)));
  if (classes.length === 0) {
    const loose = names.filter((n) => READ.has(path.extname(n).toLowerCase())).length;
    const hint = loose > 0 ? `; its ${loose} images must go in one sub-folder per class` : '';
    throw new InputError(`${root}: dataset has 0 images: no class sub-folders${hint}`);
  }
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((cls, label) => {
    const found: string[] = [];
    imagesUnder(path.join(root, cls), found);
    if (found.length === 0) throw new InputError(`${path.join(root, cls)}: class folder "${cls}" has no PNG or JPEG images`);
    for (const f of found) {
      files.push(f);
      labels.push(label);
    }
  });
  return { classes, files, labels };
}

/** An ImageFolder dataset; images are read and decoded when asked for. */
export function openImageFolder(root: string, spec: InputSpec, preprocess: Preprocess): Dataset {
  checkPreprocess(preprocess, spec);
  const { classes, files, labels } = listImageFolder(root);
  return {
    name: root,
    id: path.resolve(root),
    classes,
    size: files.length,
    get(i) {
      checkIndex(this, i);
      const raster = decodeImage(readBytes(files[i], { kind: 'image' }), files[i]);
      return { image: toModelInput(raster, spec, preprocess, 'bilinear'), label: labels[i], source: files[i] };
    },
    labelOf(i) {
      checkIndex(this, i);
      return labels[i];
    },
  };
}
