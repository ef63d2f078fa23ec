import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a plain-JavaScript file of the source tree (`relative` to the repository, e.g. src/db/x/y.mjs) is: beside
 * the calling module (`moduleUrl`, its import.meta.url) when running from source (tsx, vitest), or in the source
 * tree next to dist/ when running the compiled build (tsc does not copy .mjs files).
 */
export async function locateSourceFile(moduleUrl: string, relative: string): Promise<string> {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const candidates = [path.join(here, path.basename(relative))];
  for (let dir = here, i = 0; i < 6; i++, dir = path.dirname(dir)) candidates.push(path.join(dir, relative));
  for (const c of candidates) {
    if (await access(c).then(() => true, () => false)) return c;
  }
  throw new Error(`${path.basename(relative)} not found (looked for ${candidates.join(', ')})`);
}
