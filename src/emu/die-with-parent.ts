// Emulator processes die with their parent: started through util-linux's `setpriv --pdeathsig KILL`, the
// kernel kills QEMU when node goes, even by SIGKILL (where no exit handler of ours runs). Without
// setpriv (not Linux), execa's own clean-up on exit is what remains.
import { spawnSync } from 'node:child_process';

let setpriv: string | null | undefined;

function findSetpriv(): string | null {
  if (setpriv !== undefined) return setpriv;
  const r = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
  setpriv = r.status === 0 ? 'setpriv' : null;
  return setpriv;
}

/** The command line that runs `file args` and ends it when this process ends. */
export function dieWithParent(file: string, args: readonly string[]): [string, string[]] {
  const s = findSetpriv();
  return s ? [s, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, [...args]];
}
