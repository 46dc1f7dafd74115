// Start-up of the command line as a user runs it (bin/mcu-nas.js, a whole process each time): `--help` and a
// 50 x 20 evolution search, against `node -e 0` measured in the same run, interleaved (node, help, search,
// node, ...) so a machine whose speed drifts moves all three alike. Also the same commands from the
// TypeScript sources through tsx (MCU_NAS_SOURCE=1), which is how every command started before dist/.
// Goals (issue 13, an idle 2-core machine): --help <= 0.3 s, the search command <= 0.6 s.
//   node --import tsx tools/bench/startup.ts [runs]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin', 'mcu-nas.js');
const runs = Number(process.argv[2] ?? 9);

// The build bin/mcu-nas.js runs when it is current (tools/setup.mjs makes it so).
const setup = spawnSync(process.execPath, [path.join(repo, 'tools', 'setup.mjs'), '--quiet'], { stdio: 'inherit' });
if (setup.status !== 0) throw new Error('tools/setup.mjs failed');
if (!fs.existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ was not built');

/** Children's user + system seconds so far (Linux /proc: fields 16 and 17, in clock ticks of 1/100 s). */
function childCpu(): number | null {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

interface Command {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  wall: number[];
  cpu: number[];
}

const SEARCH = ['search', '--max-macs', '60', '--max-peak-kb', '250', '--population', '50', '--generations', '20', '--seed', '1', '--json'];
const fromSource = { ...process.env, MCU_NAS_SOURCE: '1' };
// dist/ as built above, even if a file in src/ changed since (a shared working tree).
const fromDist = { ...process.env, MCU_NAS_SOURCE: '0' };
const commands: Command[] = [
  { name: 'node -e 0', args: ['-e', '0'], wall: [], cpu: [] },
  { name: 'mcu-nas --help', args: [bin, '--help'], env: fromDist, wall: [], cpu: [] },
  { name: 'mcu-nas search 50x20 --json', args: [bin, ...SEARCH], env: fromDist, wall: [], cpu: [] },
  { name: 'tsx: mcu-nas --help', args: [bin, '--help'], env: fromSource, wall: [], cpu: [] },
  { name: 'tsx: mcu-nas search 50x20 --json', args: [bin, ...SEARCH], env: fromSource, wall: [], cpu: [] },
];

function once(c: Command): void {
  const cpu0 = childCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args, { env: c.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], cwd: repo });
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = childCpu();
  if (r.status !== 0) throw new Error(`${c.name}: exit ${r.status}: ${String(r.stderr).trim()}`);
  c.wall.push(wall);
  if (cpu0 !== null && cpu1 !== null) c.cpu.push(cpu1 - cpu0);
}

// One warm-up round (file cache, tsx's own cache), then the measured rounds, interleaved.
for (const c of commands) once(c);
for (const c of commands) [c.wall, c.cpu] = [[], []];
for (let i = 0; i < runs; i++) for (const c of commands) once(c);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const node = commands[0];
console.log(`startup: ${runs} interleaved runs each (median, min-max wall; median CPU = user + system; ratio = median of per-round wall ratios to node -e 0)`);
for (const c of commands) {
  const ratio = median(c.wall.map((w, i) => w / node.wall[i]));
  const cpu = c.cpu.length ? `, CPU ${median(c.cpu).toFixed(2)} s` : '';
  console.log(
    `  ${c.name.padEnd(34)} ${median(c.wall).toFixed(3)} s (${Math.min(...c.wall).toFixed(3)}-${Math.max(...c.wall).toFixed(3)})${cpu}${c === node ? '' : `, ${ratio.toFixed(1)}x node -e 0`}`,
  );
}
const [help, search] = [commands[1], commands[2]];
console.log(`  goals: --help ${median(help.wall).toFixed(2)} s (goal 0.3 s), search ${median(search.wall).toFixed(2)} s (goal 0.6 s), on an idle 2-core machine`);
