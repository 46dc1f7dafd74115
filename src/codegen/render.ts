// Rendering the model's C from templates/model/: model.c/model.h/weights.c and one template per op kind
// per backend (templates/model/<backend>/<kind>.hbs, the same file names in each backend folder), with
// the partials they share (templates/model/partials/). An isolated Handlebars environment, HTML escaping
// off (this is C) and strict mode (a missing value is an error, not an empty string).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const MODEL_TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/model');

let env: typeof Handlebars | undefined;
const compiled = new Map<string, HandlebarsTemplateDelegate>();

function environment(): typeof Handlebars {
  if (env) return env;
  env = Handlebars.create();
  const partials = path.join(MODEL_TEMPLATES, 'partials');
  for (const f of fs.readdirSync(partials)) if (f.endsWith('.hbs')) env.registerPartial(f.slice(0, -4), fs.readFileSync(path.join(partials, f), 'utf8'));
  return env;
}

/** Renders templates/model/<name> (e.g. "model.c.hbs", "own/conv.hbs"). */
export function renderModelTemplate(name: string, values: object): string {
  let t = compiled.get(name);
  if (!t) {
    const source = fs.readFileSync(path.join(MODEL_TEMPLATES, name), 'utf8');
    t = environment().compile(source, { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t(values);
}

export function hasModelTemplate(name: string): boolean {
  return fs.existsSync(path.join(MODEL_TEMPLATES, name));
}
