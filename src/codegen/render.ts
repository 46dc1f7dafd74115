// Every generated file (model C, runtime glue, linker scripts, Makefile, CMake, Renode scripts, the
// output folder's README, CI workflows) comes from templates/*.hbs, through this one Handlebars
// environment. The templates only place values: TypeScript computes them, and anything that came from
// a user (model and tensor names) is escaped first by escape.ts. HTML escaping is off (this is C, not
// HTML) and strict mode makes a missing value an error instead of an empty string. The model's op
// templates (templates/model/<backend>/<kind>.hbs, the same file names in each backend folder) share
// the partials of templates/model/partials/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');
export const MODEL_TEMPLATES = path.join(TEMPLATES_DIR, 'model');

let env: typeof Handlebars | undefined;
const compiled = new Map<string, HandlebarsTemplateDelegate>();

function environment(): typeof Handlebars {
  if (env) return env;
  env = Handlebars.create();
  const partials = path.join(MODEL_TEMPLATES, 'partials');
  for (const f of fs.readdirSync(partials)) if (f.endsWith('.hbs')) env.registerPartial(f.slice(0, -4), fs.readFileSync(path.join(partials, f), 'utf8'));
  return env;
}

/** Renders templates/<name> (e.g. "main.c.hbs", "model/own/conv.hbs"). */
export function renderTemplate(name: string, values: object): string {
  let t = compiled.get(name);
  if (!t) {
    const source = fs.readFileSync(path.join(TEMPLATES_DIR, name), 'utf8');
    t = environment().compile(source, { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t(values);
}

/** Renders templates/model/<name> (e.g. "model.c.hbs", "own/conv.hbs"). */
export function renderModelTemplate(name: string, values: object): string {
  return renderTemplate(path.posix.join('model', name), values);
}

export function hasModelTemplate(name: string): boolean {
  return fs.existsSync(path.join(MODEL_TEMPLATES, name));
}
