// Progress on stderr (stdout stays for results and --json): stages of a command (compile, build, run,
// verification) and counted work (search generations, verified candidates). On a terminal, counted work
// is a cli-progress bar with its figures; elsewhere (a pipe, a CI log) every stage is one line and a bar
// is its start and end lines, so logs stay short. `--quiet` silences all of it (errors still print).
import { createRequire } from 'node:module';
import { isQuiet, log } from './output.ts';

/** cli-progress (and its string-width) load only when a bar is drawn: a piped or quiet run never pays for them. */
const loadBars = () => createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');

export interface Counter {
  /** `done` of the total so far, with figures to show beside the bar (e.g. {best: '92.1 %'}). */
  update(done: number, figures?: Record<string, string>): void;
  /** Ends the bar; `summary` is printed as the stage's closing line. */
  stop(summary?: string): void;
}

/** One line naming a stage (`compile: generating C ...`). */
export function stage(text: string): void {
  if (!isQuiet()) log(text);
}

/** Whether stderr is a terminal that can redraw a bar (MCU_NAS_PROGRESS=lines forces plain lines). */
export function isInteractive(): boolean {
  return process.stderr.isTTY === true && process.env.MCU_NAS_PROGRESS !== 'lines';
}

/** Counted work: a bar on a terminal, a start line (and the summary at stop) elsewhere. */
export function counter(label: string, total: number): Counter {
  if (isQuiet()) return { update: () => {}, stop: () => {} };
  if (!isInteractive()) {
    log(`${label} ...`);
    return { update: () => {}, stop: (summary) => summary !== undefined && log(summary) };
  }
  let keys: string[] = [];
  const cliProgress = loadBars();
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total}{figures}`, hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { figures: '' });
  return {
    update(done, figures = {}) {
      keys = Object.keys(figures);
      bar.update(done, { figures: keys.length ? `  ${keys.map((k) => `${k} ${figures[k]}`).join(', ')}` : '' });
    },
    stop(summary) {
      bar.stop();
      if (summary !== undefined) log(summary);
    },
  };
}
