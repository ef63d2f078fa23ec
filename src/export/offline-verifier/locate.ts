import path from 'node:path';
import { locateSourceFile } from '../../runtime/source-file.js';

/** Where verify.mjs is, from source or from the compiled build. */
export function offlineVerifierPath(): Promise<string> {
  return locateSourceFile(import.meta.url, path.join('src', 'export', 'offline-verifier', 'verify.mjs'));
}
