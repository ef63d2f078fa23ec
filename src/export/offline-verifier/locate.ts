import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RELATIVE = path.join('src', 'export', 'offline-verifier', 'verify.mjs');

/**
 * Where verify.mjs is: beside this module when running from source (tsx, vitest), or in the source tree next to
 * dist/ when running the compiled build (tsc does not copy .mjs files).
 */
export async function offlineVerifierPath(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'verify.mjs')];
  for (let dir = here, i = 0; i < 6; i++, dir = path.dirname(dir)) candidates.push(path.join(dir, RELATIVE));
  for (const c of candidates) {
    try {
      await access(c);
      return c;
    } catch {
      // try the next place
    }
  }
  throw new Error(`offline verifier not found (looked for ${candidates.join(', ')})`);
}
