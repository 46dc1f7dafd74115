// Finding the external tools: arm-none-eabi-gcc (with newlib), qemu-system-arm, and Renode's test
// runner where someone installed it. A missing tool is the user's environment, not a bug: it is an
// InputError that says which Debian packages provide it.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';

export const APT_INSTALL = 'apt-get install --no-install-recommends';
export const GCC_PACKAGES = 'gcc-arm-none-eabi libnewlib-arm-none-eabi';
export const QEMU_PACKAGE = 'qemu-system-arm';

export interface ArmToolchain {
  gcc: string;
  objcopy: string;
}

/** An executable file named `name` on PATH (or the path itself if it contains a slash), else undefined. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = name.includes('/') ? [name] : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, name));
  for (const file of candidates) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * arm-none-eabi-gcc and objcopy. MCUNAS_ARM_PREFIX overrides the prefix (e.g. "/opt/arm/bin/arm-none-eabi-").
 */
export function findArmToolchain(env: NodeJS.ProcessEnv = process.env): ArmToolchain {
  const prefix = env.MCUNAS_ARM_PREFIX || 'arm-none-eabi-';
  const gcc = findExecutable(`${prefix}gcc`, env);
  const objcopy = findExecutable(`${prefix}objcopy`, env);
  if (gcc === undefined || objcopy === undefined)
    throw new InputError(
      `${prefix}gcc not found (searched PATH${env.MCUNAS_ARM_PREFIX ? ' with MCUNAS_ARM_PREFIX' : ''}); install it: ${APT_INSTALL} ${GCC_PACKAGES}`,
    );
  return { gcc, objcopy };
}

/** qemu-system-arm; MCUNAS_QEMU names another binary. */
export function findQemu(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.MCUNAS_QEMU || 'qemu-system-arm';
  const qemu = findExecutable(name, env);
  if (qemu === undefined) throw new InputError(`${name} not found on PATH; install it: ${APT_INSTALL} ${QEMU_PACKAGE}`);
  return qemu;
}

/** Renode's robot runner, if installed (Renode is not packaged for Debian: nothing here needs it). */
export function findRenodeTest(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findExecutable(env.MCUNAS_RENODE_TEST || 'renode-test', env);
}

/** Whether firmware can be built and run here (tests use it to decide, never to pretend). */
export function haveBuildAndQemu(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    findArmToolchain(env);
    findQemu(env);
    return true;
  } catch {
    return false;
  }
}
