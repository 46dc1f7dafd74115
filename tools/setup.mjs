#!/usr/bin/env node
// Installs what mcu-nas needs on a fresh Debian machine, and nothing when it is already there:
// the npm dependencies (npm ci) and, as root, the Arm toolchain and QEMU from Debian's packages.
// `npm test` and `npm run demo` call this first, so the README's two commands work on a fresh clone.
// Node built-ins only: it runs before node_modules exists.
import { execSync, spawnSync } from 'node:child_process';
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
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

// Toolchain and emulator, for building and running firmware.
const apt = [];
if (!has('arm-none-eabi-gcc')) apt.push('gcc-arm-none-eabi', 'libnewlib-arm-none-eabi');
if (!has('qemu-system-arm')) apt.push('qemu-system-arm');
if (apt.length) {
  const cmd = `apt-get install -y --no-install-recommends ${apt.join(' ')}`;
  if (process.getuid?.() === 0 && has('apt-get')) {
    say(`installing ${apt.join(' ')} (Debian packages)`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${cmd} -qq`, { stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    say(`firmware builds need: sudo ${cmd}`);
  }
}
