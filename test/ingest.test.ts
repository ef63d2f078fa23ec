import { createHash } from 'node:crypto';
import { mkdtemp, readdir, stat, writeFile, readFile, truncate, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { getReceipt, sha256OfFile, uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { createUpload, headUpload, patchUpload } from './helpers/tus-raw.js';

let dir: string;
let clip: string;
let clipSha: string;
let clipSize: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'evm-ingest-'));
  clip = path.join(dir, 'BWC-0001_013579_20261123083000.mp4');
  await generateClip({ path: clip, seconds: 8, width: 1280, height: 720, videoBitrate: '8M', label: 'BWC-0001 013579' });
  clipSha = await sha256OfFile(clip);
  clipSize = (await stat(clip)).size;
}, 120_000);

const meta = (extra: Record<string, string> = {}) => ({
  filename: 'BWC-0001_013579_20261123083000.mp4',
  sha256: clipSha,
  deviceSerial: 'BWC-0001',
  officerId: '013579',
  recordedAt: '2026-11-23T08:30:00+08:00',
  recordedEnd: '2026-11-23T08:30:08+08:00',
  ...extra,
});

async function downloadSha(h: Harness, token: string, mediaId: string): Promise<string> {
  const res = await fetch(`${h.baseUrl}/api/v1/media/${mediaId}/original`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
}

async function countFiles(root: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) if (e.isFile() && !e.parentPath.includes('.tmp')) n++;
  return n;
}

for (const variant of [
  { db: 'pglite', store: 'local' },
  { db: 'postgres', store: 's3' },
] as const) {
  describe(`dock ingest on ${variant.db} + ${variant.store} storage`, () => {
    let h: Harness;
    let dock: { id: string; token: string; serial: string };

    beforeAll(async () => {
      h = await startHarness(variant);
      dock = await startDock();
    });
    afterAll(async () => h?.stop());
    const startDock = () => h.registerDevice('dock');

    it('uploads a clip with a tus client and returns a verified receipt; the original reads back byte-identical', async () => {
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta({ flags: 'important' }) });
      const receipt = await waitForReceipt(h.baseUrl, dock.token, url);
      expect(receipt).toMatchObject({ verified: true, sha256: clipSha });
      expect(['verified', 'processing', 'ready']).toContain(receipt.state);
      expect(await downloadSha(h, dock.token, receipt.mediaId!)).toBe(clipSha);

      const media = (await (await fetch(`${h.baseUrl}/api/v1/media/${receipt.mediaId}`, { headers: { Authorization: `Bearer ${dock.token}` } })).json()) as Record<string, unknown> & { custody: Array<{ type: string; prevHash: string; hash: string }> };
      expect(media).toMatchObject({ id: receipt.mediaId, sha256: clipSha, sizeBytes: clipSize, deviceSerial: 'BWC-0001', officerId: '013579', recordedAt: '2026-11-23T00:30:00.000Z', flags: ['important'] });
      const ingestEvents = media.custody.map((e) => e.type).filter((t) => !t.startsWith('derivative.'));
      expect(ingestEvents).toEqual(['upload.started', 'media.received', 'media.stored', 'media.verified', 'media.downloaded']);
      for (let i = 1; i < media.custody.length; i++) expect(media.custody[i]!.prevHash).not.toBe(media.custody[i - 1]!.prevHash);
    });

    it('serves the original with HTTP Range (206)', async () => {
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta() });
      const { mediaId } = await waitForReceipt(h.baseUrl, dock.token, url);
      const res = await fetch(`${h.baseUrl}/api/v1/media/${mediaId}/original`, { headers: { Authorization: `Bearer ${dock.token}`, Range: 'bytes=100-199' } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes 100-199/${clipSize}`);
      const part = Buffer.from(await res.arrayBuffer());
      expect(part.equals((await readFile(clip)).subarray(100, 200))).toBe(true);
      const bad = await fetch(`${h.baseUrl}/api/v1/media/${mediaId}/original`, { headers: { Authorization: `Bearer ${dock.token}`, Range: `bytes=${clipSize + 10}-` } });
      expect(bad.status).toBe(416);
    });

    it('resumes after the connection is cut halfway, and the result is byte-identical', async () => {
      const other = path.join(dir, `cut-${variant.db}.mp4`);
      await writeFile(other, Buffer.concat([await readFile(clip), Buffer.from(`cut-${variant.db}`)]));
      const sha = await sha256OfFile(other);
      const size = (await stat(other)).size;
      const created = await createUpload(h.baseUrl, dock.token, size, meta({ sha256: sha }));
      expect(created.status).toBe(201);
      const first = await patchUpload(created.location!, dock.token, other, 0, size, Math.floor(size / 2));
      expect(first.cut).toBe(true);
      const { offset } = await headUpload(created.location!, dock.token);
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThan(size);
      expect((await getReceipt(h.baseUrl, dock.token, created.location!)).verified).toBe(false);
      const rest = await patchUpload(created.location!, dock.token, other, offset!, size);
      expect(rest.status).toBe(204);
      const receipt = await waitForReceipt(h.baseUrl, dock.token, created.location!);
      expect(receipt).toMatchObject({ verified: true, sha256: sha });
      expect(await downloadSha(h, dock.token, receipt.mediaId!)).toBe(sha);
    });

    it('resumes at the right offset after a server restart (cut, restart, resume)', async () => {
      const other = path.join(dir, `restart-${variant.db}.mp4`);
      await writeFile(other, Buffer.concat([await readFile(clip), Buffer.from(`restart-${variant.db}`)]));
      const sha = await sha256OfFile(other);
      const size = (await stat(other)).size;
      const created = await createUpload(h.baseUrl, dock.token, size, meta({ sha256: sha }));
      const third = Math.floor(size / 3);
      expect((await patchUpload(created.location!, dock.token, other, 0, third)).status).toBe(204);
      await patchUpload(created.location!, dock.token, other, third, size, third); // cut in the second third
      await h.restart();
      const location = created.location!.replace(/127\.0\.0\.1:\d+/, new URL(h.baseUrl).host);
      const { offset } = await headUpload(location, dock.token);
      expect(offset).toBeGreaterThanOrEqual(third);
      expect(offset).toBeLessThan(size);
      expect((await patchUpload(location, dock.token, other, offset!, size)).status).toBe(204);
      const receipt = await waitForReceipt(h.baseUrl, dock.token, location);
      expect(receipt).toMatchObject({ verified: true, sha256: sha });
      expect(await downloadSha(h, dock.token, receipt.mediaId!)).toBe(sha);
    });

    it('rejects a wrong declared hash with a stable code, keeps the bytes and never says verified', async () => {
      const wrong = 'ab'.repeat(32);
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta({ sha256: wrong }) });
      const receipt = await waitForReceipt(h.baseUrl, dock.token, url);
      expect(receipt).toMatchObject({ state: 'rejected', verified: false, errorCode: 'EVM_HASH_MISMATCH' });
      const kept = await h.services.store.head(`originals/${clipSha.slice(0, 2)}/${clipSha.slice(2, 4)}/${clipSha}`);
      expect(kept?.sizeBytes).toBe(clipSize);
      const media = (await (await fetch(`${h.baseUrl}/api/v1/media/${receipt.mediaId}`, { headers: { Authorization: `Bearer ${h.adminToken}` } })).json()) as { custody: Array<{ type: string }>; sha256Declared: string };
      expect(media.sha256Declared).toBe(wrong);
      expect(media.custody.map((e) => e.type)).toContain('media.rejected');
      expect(media.custody.map((e) => e.type)).not.toContain('media.verified');
    });

    it('resolves a duplicate upload to the existing media: no second object, no second record', async () => {
      const other = path.join(dir, `dup-${variant.db}.mp4`);
      await writeFile(other, Buffer.concat([await readFile(clip), Buffer.from(`dup-${variant.db}`)]));
      const sha = await sha256OfFile(other);
      const first = await waitForReceipt(h.baseUrl, dock.token, await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: other, metadata: meta({ sha256: sha }) }));
      const objectsBefore = variant.store === 'local' ? await countFiles(path.join(h.dataDir, 'objects', 'originals')) : null;
      const second = await waitForReceipt(h.baseUrl, dock.token, await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: other, metadata: meta({ sha256: sha }) }));
      expect(second.mediaId).toBe(first.mediaId);
      expect(second.verified).toBe(true);
      const rows = await h.services.db.query<{ n: number }>('select count(*)::int as n from media where sha256 = $1', [sha]);
      expect(rows[0]!.n).toBe(1);
      if (objectsBefore !== null) expect(await countFiles(path.join(h.dataDir, 'objects', 'originals'))).toBe(objectsBefore);
      const events = await h.services.db.query<{ type: string }>('select type from custody_events where media_id = $1 order by seq', [first.mediaId]);
      expect(events.map((e) => e.type)).toContain('media.duplicate');
    });

    it('refuses missing and wrong tokens (401) and hides one dock\'s uploads from another (404)', async () => {
      expect((await createUpload(h.baseUrl, null, 10, meta())).status).toBe(401);
      expect((await createUpload(h.baseUrl, 'evd_not-a-real-token', 10, meta())).status).toBe(401);
      const created = await createUpload(h.baseUrl, dock.token, clipSize, meta());
      const intruder = await h.registerDevice('dock');
      expect((await headUpload(created.location!, intruder.token)).status).toBe(404);
      expect((await patchUpload(created.location!, intruder.token, clip, 0, 16)).status).toBe(404);
      expect((await headUpload(created.location!, null)).status).toBe(401);
      const receipt = await fetch(`${created.location}/receipt`, { headers: { Authorization: `Bearer ${intruder.token}` } });
      expect(receipt.status).toBe(404);
    });

    it('leaves a truncated upload incomplete: never verified, no media', async () => {
      const created = await createUpload(h.baseUrl, dock.token, clipSize, meta({ sha256: 'cd'.repeat(32) }));
      await patchUpload(created.location!, dock.token, clip, 0, Math.floor(clipSize / 2));
      const receipt = await getReceipt(h.baseUrl, dock.token, created.location!);
      expect(receipt).toMatchObject({ state: 'uploading', verified: false, mediaId: null });
      const rows = await h.services.db.query<{ n: number }>(`select count(*)::int as n from media where sha256_declared = $1`, ['cd'.repeat(32)]);
      expect(rows[0]!.n).toBe(0);
    });
  });
}

describe('bad input gets a clear error with a stable code', () => {
  let h: Harness;
  let dock: { token: string };
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_UPLOAD_BYTES: String(64 * 1024 * 1024), MAX_METADATA_BYTES: '1024' } });
    dock = await h.registerDevice('dock');
  });
  afterAll(async () => h?.stop());

  const code = async (res: { status: number; body: string }) => ({ status: res.status, code: (JSON.parse(res.body) as { code: string }).code });

  it('missing sha256 → 400 EVM_MISSING_SHA256', async () => {
    const { sha256: _omit, ...rest } = meta();
    expect(await code(await createUpload(h.baseUrl, dock.token, 10, rest))).toEqual({ status: 400, code: 'EVM_MISSING_SHA256' });
  });

  it('malformed sha256 or timestamps → 400 EVM_BAD_METADATA naming the field', async () => {
    const res = await createUpload(h.baseUrl, dock.token, 10, meta({ sha256: 'xyz' }));
    expect(await code(res)).toEqual({ status: 400, code: 'EVM_BAD_METADATA' });
    expect(res.body).toContain('sha256');
    const res2 = await createUpload(h.baseUrl, dock.token, 10, meta({ recordedAt: 'yesterday' }));
    expect(res2.body).toContain('recordedAt');
  });

  it('oversized metadata → 400 EVM_METADATA_TOO_LARGE', async () => {
    expect(await code(await createUpload(h.baseUrl, dock.token, 10, meta({ note: 'x'.repeat(2000) })))).toEqual({ status: 400, code: 'EVM_METADATA_TOO_LARGE' });
  });

  it('Upload-Length over the maximum → 413 EVM_UPLOAD_TOO_LARGE', async () => {
    expect(await code(await createUpload(h.baseUrl, dock.token, 65 * 1024 * 1024, meta()))).toEqual({ status: 413, code: 'EVM_UPLOAD_TOO_LARGE' });
  });

  it('the admin cannot upload footage as if it were a dock (403)', async () => {
    expect((await createUpload(h.baseUrl, h.adminToken, 10, meta())).status).toBe(403);
  });

  it('a hostile filename is stored safely and never used as a path', async () => {
    const hostile = '../../../etc/passwd\u0000<script>.mp4';
    const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta({ filename: hostile }) });
    const receipt = await waitForReceipt(h.baseUrl, dock.token, url);
    expect(receipt.verified).toBe(true);
    const res = await fetch(`${h.baseUrl}/api/v1/media/${receipt.mediaId}`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    const media = (await res.json()) as { filename: string };
    expect(media.filename).toBe('passwd_script_.mp4');
    const dl = await fetch(`${h.baseUrl}/api/v1/media/${receipt.mediaId}/original`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    expect(dl.headers.get('content-disposition')).toContain("filename*=UTF-8''passwd_script_.mp4");
    await dl.arrayBuffer();
  });

  it('an unknown device registration field or bad kind → 400 EVM_VALIDATION; duplicate serial → 409', async () => {
    const post = (body: unknown) =>
      fetch(`${h.baseUrl}/api/v1/devices`, { method: 'POST', headers: { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ kind: 'drone', serial: 'X1', name: 'x' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('EVM_VALIDATION');
    expect((await post({ kind: 'dock', serial: 'SAME-1', name: 'a' })).status).toBe(201);
    const dup = await post({ kind: 'dock', serial: 'SAME-1', name: 'b' });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { code: string }).code).toBe('EVM_DUPLICATE_SERIAL');
    const noAuth = await fetch(`${h.baseUrl}/api/v1/devices`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(noAuth.status).toBe(401);
  });

  it('serves an OpenAPI document describing the routes', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/devices', '/api/v1/uploads', '/api/v1/uploads/{uploadId}/receipt', '/api/v1/media/{id}', '/api/v1/media/{id}/original', '/api/v1/disposals', '/api/v1/holds', '/api/v1/interrogation-sessions/{id}/recording']));
    // The whole document is valid OpenAPI 3.1, so generators and gateways can read it.
    const result = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors)?.slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('storage full', () => {
  it('answers 507 EVM_STORAGE_FULL before accepting bytes, and deletes nothing', async () => {
    const h = await startHarness({ env: { STORAGE_MIN_FREE_BYTES: String(2 ** 52) } });
    try {
      const dock = await h.registerDevice('dock');
      const res = await createUpload(h.baseUrl, dock.token, clipSize, meta());
      expect(res.status).toBe(507);
      expect((JSON.parse(res.body) as { code: string }).code).toBe('EVM_STORAGE_FULL');
    } finally {
      await h.stop();
    }
  });
});

describe('verification reads back from storage', () => {
  it('rejects an original whose stored bytes were damaged after ingest (a 200 from the store proves nothing)', async () => {
    const h = await startHarness({ workers: false });
    try {
      const dock = await h.registerDevice('dock');
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta() });
      const stored = await getReceipt(h.baseUrl, dock.token, url);
      expect(stored).toMatchObject({ state: 'stored', verified: false });
      // Damage the stored object behind the service's back: same size, one byte flipped.
      const objectPath = path.join(h.dataDir, 'objects', 'originals', clipSha.slice(0, 2), clipSha.slice(2, 4), clipSha);
      const damaged = path.join(dir, 'damaged.bin');
      await copyFile(objectPath, damaged);
      const bytes = await readFile(damaged);
      bytes[1000] = bytes[1000]! ^ 0xff;
      await writeFile(objectPath, bytes);
      await h.startWorkers();
      const receipt = await waitForReceipt(h.baseUrl, dock.token, url);
      expect(receipt).toMatchObject({ state: 'rejected', verified: false, errorCode: 'EVM_HASH_MISMATCH' });
    } finally {
      await h.stop();
    }
  });

  it('a receipt asked with waitMs is answered when verification ends, not at the next poll; and no later than waitMs', async () => {
    const h = await startHarness({ workers: false });
    try {
      const dock = await h.registerDevice('dock');
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta() });
      // Nothing verifies: the wait runs out and says so (stored, not verified) after about waitMs.
      let t0 = performance.now();
      const pending = await getReceipt(h.baseUrl, dock.token, url, 1_500);
      const waited = performance.now() - t0;
      expect(pending).toMatchObject({ state: 'stored', verified: false });
      expect(waited).toBeGreaterThanOrEqual(1_400);
      expect(waited).toBeLessThan(5_000);

      // A long wait is answered as soon as the worker verifies, far inside the 20 s asked for.
      t0 = performance.now();
      const answer = getReceipt(h.baseUrl, dock.token, url, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      await h.startWorkers();
      const verified = await answer;
      expect(verified).toMatchObject({ verified: true, sha256: clipSha });
      expect(performance.now() - t0).toBeLessThan(15_000);

      // A wait longer than the server allows is refused with a code, not held.
      const res = await fetch(`${h.baseUrl}/api/v1/uploads/${url.split('/').pop()}/receipt?waitMs=600000`, { headers: { Authorization: `Bearer ${dock.token}` } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('EVM_VALIDATION');
    } finally {
      await h.stop();
    }
  });

  it('a server shutting down answers the receipts waiting on it at once instead of holding its close', async () => {
    const h = await startHarness({ workers: false });
    let stopped = false;
    try {
      const dock = await h.registerDevice('dock');
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta() });
      const waiting = getReceipt(h.baseUrl, dock.token, url, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      await h.stop();
      stopped = true;
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(await waiting).toMatchObject({ state: 'stored', verified: false });
    } finally {
      if (!stopped) await h.stop();
    }
  });

  it('a crash between store and enqueue is repaired by the reconciler from PostgreSQL', async () => {
    const h = await startHarness({ workers: false });
    try {
      const dock = await h.registerDevice('dock');
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: meta() });
      // Redis forgets everything (flush), as after a crash without persistence.
      await h.services.queues.queue('verify').obliterate({ force: true });
      await h.startWorkers();
      const receipt = await waitForReceipt(h.baseUrl, dock.token, url, 20_000);
      expect(receipt.verified).toBe(true);
    } finally {
      await h.stop();
    }
  });
});

describe('a file truncated on disk', () => {
  it('keeps an incomplete spool incomplete across restarts', async () => {
    const h = await startHarness();
    try {
      const dock = await h.registerDevice('dock');
      const created = await createUpload(h.baseUrl, dock.token, clipSize, meta());
      await patchUpload(created.location!, dock.token, clip, 0, 1000);
      const spool = path.join(h.dataDir, 'uploads', created.location!.split('/').pop()!);
      await truncate(spool, 500);
      await h.restart();
      const location = created.location!.replace(/127\.0\.0\.1:\d+/, new URL(h.baseUrl).host);
      expect((await headUpload(location, dock.token)).offset).toBe(500);
      expect((await getReceipt(h.baseUrl, dock.token, location)).verified).toBe(false);
    } finally {
      await h.stop();
    }
  });
});
