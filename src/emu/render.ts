// Every generated file (C, linker script, Makefile, Renode scripts) comes from templates/*.hbs. The
// templates only place values: TypeScript computes them, and anything that came from a user (model
// and tensor names) is escaped first by src/codegen/escape.ts. HTML escaping is off (this is not
// HTML) and strict mode makes a missing value an error instead of an empty string.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

const compiled = new Map<string, HandlebarsTemplateDelegate>();

export function renderTemplate(name: string, values: object): string {
  let template = compiled.get(name);
  if (template === undefined) {
    const source = fs.readFileSync(path.join(TEMPLATES_DIR, name), 'utf8');
    template = Handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(values);
}

/** 0x-prefixed, upper-case, 8 digits: how addresses read in datasheets and linker scripts. */
export function hex32(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** "320 KB" / "1 MB" / "84.5 KB" (1 KB = 1024 B), for comments and messages. */
export function kb(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  const k = bytes / 1024;
  return `${Number.isInteger(k) ? k : k.toFixed(1)} KB`;
}
