import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/** Whether children can be exec'd through util-linux `setpriv --pdeathsig` (Linux with util-linux present). */
export const parentDeathSignalAvailable = process.platform === 'linux' && existsSync(SETPRIV);

/**
 * The command and arguments that run `bin` so the kernel sends it `signal` when this process dies, however it dies
 * (SIGKILL included): `setpriv` execs, so the child keeps its pid. Without setpriv, `bin` as it is.
 */
export function withParentDeathSignal(bin: string, args: string[], signal: 'KILL' | 'TERM'): [string, string[]] {
  return parentDeathSignalAvailable ? [SETPRIV, ['--pdeathsig', signal, '--', bin, ...args]] : [bin, args];
}
