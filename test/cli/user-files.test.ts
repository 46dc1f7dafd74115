// Issue 9's findings, each reproduced as a user met it and now answered correctly: a user's files are never
// deleted or overwritten, every argument is judged before any work, temporary folders and emulators do not
// outlive the command.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTPUT_MARKER } from '../../src/io/output-folder.ts';
import { smallestArch } from '../../src/space/sample.ts';
import { runCliAsync } from '../helpers/run-cli.ts';
import { errorLines, runInProcess as cli } from '../helpers/run-in-process.ts';
import { REPO } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-user-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const arch = path.join(tmp, 'arch.json');
fs.writeFileSync(arch, JSON.stringify(smallestArch(96)));

/** A folder with the given files; returns its path. */
function folder(name: string, files: Record<string, string>): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text);
  return d;
}
const snapshot = (d: string) => Object.fromEntries(fs.readdirSync(d).sort().map((f) => [f, fs.statSync(path.join(d, f)).isFile() ? fs.readFileSync(path.join(d, f), 'utf8') : '<dir>']));

describe('output folders belong to the tool', () => {
  it("compile --out D where D holds the user's report.json and other files: refused, D untouched", async () => {
    const d = folder('users', { 'report.json': '{"mine": true}', 'notes.txt': 'my notes' });
    const before = snapshot(d);
    const r = await cli(['compile', arch, '--out', d, '--no-build']);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/--out: .*users holds files that mcu-nas did not write/)]);
    expect(snapshot(d)).toEqual(before);
  });

  it('--out . in a git repository with a tracked report.json: refused, the repository intact', async () => {
    const repo = folder('repo', { 'report.json': '{}', 'README.md': 'x' });
    execFileSync('git', ['init', '-q'], { cwd: repo });
    const before = snapshot(repo);
    const r = await cli(['compile', arch, '--out', '.', '--no-build'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(snapshot(repo)).toEqual(before);
    expect(fs.existsSync(path.join(repo, '.git', 'HEAD'))).toBe(true);
  });

  it("--no-build of a model that does not fit, into a folder with the user's report.html: refused before planning", async () => {
    const d = folder('html', { 'report.html': '<p>mine</p>' });
    const boards = folder('tiny-boards', {});
    const board = JSON.parse(fs.readFileSync(path.join(REPO, 'boards/stm32f411.json'), 'utf8'));
    fs.writeFileSync(path.join(boards, 'tiny.json'), JSON.stringify({ ...board, name: 'tiny', sram: [{ ...board.sram[0], size: '16K' }] }));
    const r = await cli(['compile', arch, '--out', d, '--no-build', '--board', 'tiny', '--boards-dir', boards]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringContaining('holds files that mcu-nas did not write')]);
    expect(fs.readFileSync(path.join(d, 'report.html'), 'utf8')).toBe('<p>mine</p>');
    // Into a new folder the same command plans, says it does not fit (exit 1) and writes the tool's report.
    const fresh = path.join(tmp, 'html-fresh');
    const ok = await cli(['compile', arch, '--out', fresh, '--no-build', '--board', 'tiny', '--boards-dir', boards]);
    expect(ok.code, ok.stderr).toBe(1);
    expect(fs.existsSync(path.join(fresh, OUTPUT_MARKER))).toBe(true);
  });

  it('compiling twice into the same folder works; a file the user added there is kept; the marker lists only our files', async () => {
    const d = path.join(tmp, 'twice');
    expect((await cli(['compile', arch, '--out', d, '--no-build'])).code).toBe(0);
    const marker = JSON.parse(fs.readFileSync(path.join(d, OUTPUT_MARKER), 'utf8'));
    expect(marker.files).toContain('report.json');
    fs.writeFileSync(path.join(d, 'my-notes.txt'), 'keep me');
    const r = await cli(['compile', arch, '--out', d, '--no-build', '--seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(d, 'my-notes.txt'), 'utf8')).toBe('keep me');
    expect(JSON.parse(fs.readFileSync(path.join(d, OUTPUT_MARKER), 'utf8')).files).not.toContain('my-notes.txt');
    // No temporary folder is left beside the output.
    expect(fs.readdirSync(tmp).filter((f) => f.includes('mcu-nas-tmp') || f.includes('partial'))).toEqual([]);
  });

  it('--out that is a file: exit 2 naming it, the file untouched', async () => {
    const f = path.join(tmp, 'afile');
    fs.writeFileSync(f, 'data');
    const r = await cli(['compile', arch, '--out', f, '--no-build']);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringContaining('is a file, not a folder')]);
    expect(fs.readFileSync(f, 'utf8')).toBe('data');
  });
});

describe('single output files', () => {
  it("search --out over a user's file needs --force; over its own output it does not", async () => {
    const f = path.join(tmp, 'best.json');
    fs.writeFileSync(f, 'my data');
    const args = ['search', '--population', '10', '--generations', '2', '--out', f];
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringContaining('give --force to replace it')]);
    expect(fs.readFileSync(f, 'utf8')).toBe('my data');
    expect((await cli([...args, '--force'])).code).toBe(0);
    const written = fs.readFileSync(f, 'utf8');
    expect(JSON.parse(written)).toHaveProperty('image_size');
    expect((await cli([...args, '--seed', '5'])).code).toBe(0); // its own file: replaced without --force
  });

  it("export --onnx over a user's file needs --force; over an ONNX model mcu-nas wrote it does not", async () => {
    const f = path.join(tmp, 'model.onnx');
    fs.writeFileSync(f, 'not mine to replace');
    expect((await cli(['export', arch, '--onnx', f])).code).toBe(2);
    expect(fs.readFileSync(f, 'utf8')).toBe('not mine to replace');
    expect((await cli(['export', arch, '--onnx', f, '--force'])).code).toBe(0);
    expect((await cli(['export', arch, '--onnx', f, '--seed', '2'])).code).toBe(0);
  });
});

describe('every argument is judged before any work', () => {
  it.each([
    [['compile', 'ARCH', '--out', 'OUT', '--no-biuld'], /unknown flag --no-biuld \(did you mean --no-build\?\)/],
    [['compile', 'ARCH', '--out', 'OUT', '--bord', 'stm32f746'], /unknown flag --bord \(did you mean --board\?\)/],
    [['search', '--max-mac', '60', '--out', 'OUT'], /unknown flag --max-mac \(did you mean --max-macs\?\)/],
    [['search', '--algo', 'foo', '--out', 'OUT'], /--algo: expected one of evolution, random, got "foo"/],
    [['search', '--population', '1e9', '--out', 'OUT'], /--population: expected an integer from 1 to 100000/],
    [['search', '--generations', '1e9', '--out', 'OUT'], /--generations: expected an integer from 0 to 100000/],
    [['compile', 'ARCH', '--out', 'OUT', '--kernels', 'foo'], /--kernels: expected one of own, cmsis-nn/],
    [['run', 'OUT', '--emulator', 'foo'], /--emulator: expected one of qemu, renode/],
    [['run', 'OUT', '--timeout', '3000000'], /--timeout: expected a number above 0 to 86400/],
  ])('%j: exit 2, one error line, nothing written', async (args, message) => {
    const out = path.join(tmp, `never-${Math.random().toString(36).slice(2)}`);
    const r = await cli(args.map((a) => (a === 'ARCH' ? arch : a === 'OUT' ? out : a)));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(message)]);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('run', () => {
  it('refuses (exit 1) a folder whose plan did not fit its board, unless --allow-misfit', async () => {
    const d = path.join(tmp, 'misfit');
    expect((await cli(['compile', arch, '--out', d, '--no-build'])).code).toBe(0);
    const file = path.join(d, 'report.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), fits: false }));
    const r = await cli(['run', d]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/does not fit .*fits: false.*--allow-misfit/)]);
  });
});

describe('profile --jsonl', () => {
  it('answers line N with line N: a bad or blank line gets {line, error} in its place, the good ones are all written, exit 2 at the end', async () => {
    const good = JSON.stringify(smallestArch(96));
    const f = path.join(tmp, 'batch.jsonl');
    fs.writeFileSync(f, [good, '{"wid": 9}', '', 'not json', good].join('\n') + '\n');
    const r = await cli(['profile', '--jsonl', f]);
    expect(r.code).toBe(2);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ millionMACs: 8.302128 });
    expect(lines[1]).toMatchObject({ line: 2, error: expect.stringContaining('line 2') });
    expect(lines[2]).toMatchObject({ line: 3, error: expect.stringContaining('empty line') });
    expect(lines[3]).toMatchObject({ line: 4, error: expect.stringContaining('not valid JSON') });
    expect(lines[4]).toEqual(lines[0]);
    expect(errorLines(r.stderr)).toEqual([expect.stringContaining('3 of 5 lines')]);
  });
});

describe('nothing outlives the command', () => {
  it('Ctrl-C during a build leaves no temporary folder beside --out or in TMPDIR', async () => {
    const work = fs.mkdtempSync(path.join(tmp, 'sigint-'));
    const tmpdir = path.join(work, 'tmpdir');
    fs.mkdirSync(tmpdir);
    const child = spawn(process.execPath, [path.join(REPO, 'bin/mcu-nas.js'), 'compile', arch, '--out', path.join(work, 'fw')], {
      env: { ...process.env, TMPDIR: tmpdir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Wait until the build has started, then interrupt it.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (stderr.includes('building')) {
          clearInterval(t);
          setTimeout(resolve, 500); // gcc is running by now
        }
      }, 20);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : null))));
    expect(code).toBe(130);
    expect(fs.readdirSync(work).sort()).toEqual(['tmpdir']);
    // None of the tool's temporary folders (mcunas-*, *.mcu-nas-tmp-*) is left. (tsx keeps its compile cache
    // there, and gcc, interrupted mid-file, may leave its own cc*.s: neither is the tool's.)
    expect(fs.readdirSync(tmpdir).filter((f) => /mcunas|mcu-nas|partial/.test(f))).toEqual([]);
  });

  it('an emulator started through dieWithParent dies when its parent is killed with SIGKILL', async () => {
    // A node parent starts a long sleep the way runQemu starts QEMU, prints its pid, and is killed.
    const script = `
      import { spawn } from 'node:child_process';
      const { dieWithParent } = await import(${JSON.stringify(path.join(REPO, 'src/emu/die-with-parent.ts'))});
      const [file, args] = dieWithParent('sleep', ['60']);
      const c = spawn(file, args, { stdio: 'ignore' });
      console.log(c.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim()))));
    const alive = (p: number) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 50));
      gone = !alive(pid);
    }
    expect(gone).toBe(true);
  });

  it('run --help is still the help (the flag table also writes the help text)', async () => {
    const r = await runCliAsync(['search', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--population .*evolution: population size .*integer 1\.\.100000/s);
    expect(r.stdout).toMatch(/Examples:/);
  });
});
