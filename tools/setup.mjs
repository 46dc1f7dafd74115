#!/usr/bin/env node
// Installs what mcu-nas needs on a fresh Debian machine, and nothing when it is already there:
// the npm dependencies (npm ci), the compiled dist/, and, as root, the Arm toolchain and QEMU from Debian's packages.
// `npm test` and `npm run demo` call this first, so the README's two commands work on a fresh clone.
// Node built-ins only: it runs before node_modules exists.
import { execSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const say = (s) => quiet || process.stderr.write(`setup: ${s}\n`);

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// npm dependencies: install when missing or older than the lock file.
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
if (!fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync(lock).mtimeMs) {
  say('installing npm dependencies (npm ci)');
  // onnxruntime-node (optional: the float oracle) would otherwise fetch its CUDA libraries from NuGet on linux-x64.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip' };
  execSync('npm ci --no-audit --no-fund', { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

// The compiled JavaScript that bin/mcu-nas.js runs (dist/, from src/ by tsconfig.build.json): built when
// missing or older than a source file (bin/mcu-nas.js falls back to tsx meanwhile, so a failed build
// costs start-up time, not correctness).
const distMain = path.join(root, 'dist', 'cli', 'main.js');
const buildInfo = path.join(root, 'dist', '.tsbuildinfo');
function newerThan(dir, since) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? newerThan(p, since) : e.name.endsWith('.ts') && fs.statSync(p).mtimeMs > since) return true;
  }
  return false;
}
const distCurrent = fs.existsSync(distMain) && fs.existsSync(buildInfo) && !newerThan(path.join(root, 'src'), fs.statSync(buildInfo).mtimeMs);
if (!distCurrent) {
  say('building dist/ (tsc -p tsconfig.build.json)');
  if (!fs.existsSync(distMain)) fs.rmSync(buildInfo, { force: true }); // an incremental build would skip the missing files
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) say(`the build reported errors (mcu-nas runs from src/ through tsx until it builds):\n${String(r.stdout).trim().split('\n').slice(0, 5).join('\n')}`);
}

// Toolchain and emulator, for building and running firmware.
const apt = [];
if (!has('arm-none-eabi-gcc')) apt.push('gcc-arm-none-eabi', 'libnewlib-arm-none-eabi');
if (!has('qemu-system-arm')) apt.push('qemu-system-arm');
// The host C compiler: host builds of the generated C (tests) and the QEMU cycle plugin.
if (!has('gcc')) apt.push('gcc', 'libc6-dev');
if (apt.length) {
  const cmd = `apt-get install -y --no-install-recommends ${apt.join(' ')}`;
  if (process.getuid?.() === 0 && has('apt-get')) {
    say(`installing ${apt.join(' ')} (Debian packages)`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${cmd} -qq`, { stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    say(`firmware builds need: sudo ${cmd}`);
  }
}

// The cycle model's QEMU plugin (firmware/qemu-plugin/), built with the host C compiler and cached by a
// hash of its source (the same name src/emu/plugin.ts looks for). Without a compiler, runs report
// instructions only; `mcu-nas run` says so.
const pluginSource = path.join(root, 'firmware', 'qemu-plugin', 'mcunas_cycles.c');
if (fs.existsSync(pluginSource)) {
  const hash = createHash('sha256').update(fs.readFileSync(pluginSource)).digest('hex').slice(0, 12);
  const cacheDir = path.join(root, 'node_modules', '.cache', 'mcu-nas');
  const plugin = path.join(cacheDir, `mcunas_cycles-${hash}.so`);
  if (!fs.existsSync(plugin)) {
    const cc = has('gcc') ? 'gcc' : has('cc') ? 'cc' : null;
    if (cc === null) {
      say('no host C compiler: the cycle model is off until gcc is installed (apt-get install gcc)');
    } else {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${plugin}.${process.pid}.tmp`;
      const r = spawnSync(cc, ['-O2', '-fPIC', '-shared', '-Wall', '-o', tmp, pluginSource], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status === 0) {
        fs.renameSync(tmp, plugin);
        say(`built the QEMU cycle plugin (${path.relative(root, plugin)})`);
      } else {
        fs.rmSync(tmp, { force: true });
        say(`the QEMU cycle plugin did not build: ${String(r.stderr).trim().split('\n')[0]}`);
      }
    }
  }
}
