import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * ADMIN_TOKEN when set; otherwise a random token generated once and kept (mode 0600) under DATA_DIR, so a
 * restart of the embedded default keeps the same token.
 */
export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, 'admin-token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dataDir, { recursive: true });
    const token = `eva_${randomBytes(24).toString('base64url')}`;
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}
