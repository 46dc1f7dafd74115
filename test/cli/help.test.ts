// Help that teaches: every command's --help describes every flag (with its default where it has one),
// marks what is required, and ends with examples; the top-level list matches the commands' own words;
// flags shared by commands have one default.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { FLAGS, type FlagSpec } from '../../src/cli/flags.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

/** The command lines whose help a user reads: every command, and both predictor actions. */
const HELP_PAGES = [...Object.keys(COMMANDS).filter((c) => c !== 'predictor'), 'predictor train', 'predictor eval'];

interface Entry {
  flag: string;
  text: string;
}

/** The "Options:" entries of a yargs help page (an entry's wrapped lines joined). */
function options(page: string): Entry[] {
  const lines = page.split('\n');
  const start = lines.indexOf('Options:');
  expect(start, page).toBeGreaterThanOrEqual(0);
  const entries: Entry[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || !line.startsWith(' ')) break;
    const m = /^ {2}(--[\w-]+)(.*)$/.exec(line);
    if (m) entries.push({ flag: m[1].slice(2), text: m[2].trim() });
    else entries[entries.length - 1].text += ` ${line.trim()}`;
  }
  return entries;
}

/** An entry's own words, without yargs' trailing [type] [choices] [default] [required] tags. */
const description = (text: string) => text.replace(/(\s*\[(string|number|boolean|array|required|choices: [^\]]*|default: [^\]]*)\])+\s*$/, '').trim();

/** A help page as the user sees it (yargs prints help through console.log, which vitest would keep). */
async function help(page: string): Promise<string> {
  let logged = '';
  const log = console.log;
  console.log = (...parts: unknown[]) => void (logged += `${parts.join(' ')}\n`);
  try {
    const r = await runInProcess([...page.split(' ').filter(Boolean), '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    return r.stdout + logged;
  } finally {
    console.log = log;
  }
}

describe.each(HELP_PAGES)('mcu-nas %s --help', (page) => {
  it('describes every flag, shows defaults and marks required flags', async () => {
    const text = await help(page);
    const entries = options(text);
    expect(entries.length).toBeGreaterThan(3);
    for (const e of entries) {
      expect(description(e.text).length, `--${e.flag}: no description in\n${e.text}`).toBeGreaterThan(8);
      const spec = (FLAGS as Record<string, FlagSpec>)[e.flag];
      if (!spec) continue;
      if (spec.required) expect(e.text, `--${e.flag} is required`).toContain('[required]');
    }
    // Every required flag of the table that this command takes is shown as required, and a table flag with a
    // default shows it (a command may override the default, not hide it).
    for (const e of entries) {
      const spec = (FLAGS as Record<string, FlagSpec>)[e.flag];
      if (spec?.default !== undefined && e.text.includes('[default:') === false)
        expect(e.text, `--${e.flag}: no default shown`).toMatch(/default/);
    }
  });

  it('ends with examples that start with the command itself', async () => {
    const text = await help(page);
    const at = text.indexOf('\nExamples:\n');
    expect(at, `no Examples: in\n${text}`).toBeGreaterThan(0);
    const examples = text
      .slice(at + '\nExamples:\n'.length)
      .split('\n')
      .filter((l) => /^ {2}mcu-nas /.test(l));
    expect(examples.length).toBeGreaterThan(0);
    for (const l of examples) expect(l.trim().startsWith(`mcu-nas ${page}`), l).toBe(true);
  });
});

describe('the command list', () => {
  it('each command module has the words the top-level help lists for it', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const mod = await entry.load();
      expect(mod.command, name).toBe(entry.command);
      expect(mod.describe, name).toBe(entry.describe);
    }
  });

  it('mcu-nas --help lists every command', async () => {
    const text = await help('');
    for (const entry of Object.values(COMMANDS)) expect(text).toContain(`mcu-nas ${entry.command}`);
  });
});

describe('one default per shared flag', () => {
  it('compile and validate take --test-sets and --calibration-samples with the same defaults', async () => {
    const shown = async (page: string, flag: string) => options(await help(page)).find((e) => e.flag === flag)?.text;
    for (const flag of ['test-sets', 'calibration-samples', 'calibration', 'seed', 'board', 'kernels', 'patch']) {
      const compile = await shown('compile', flag);
      expect(compile, flag).toBeDefined();
      expect(await shown('validate', flag), flag).toBe(compile);
    }
  });
});
