import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { getReceipt, sha256OfFile, uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { ObjectSpool } from '../src/ingest/object-spool.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { createUpload, headUpload, patchUpload } from './helpers/tus-raw.js';

/**
 * Several API replicas of one deployment (PostgreSQL, Redis, s3rver): any replica takes any request of any upload,
 * and a replica dying mid-upload loses nothing; with the spool on a volume they share, and with the spool on the
 * object store, where each replica has a DATA_DIR of its own.
 */

let dir: string;
let clip: string;
let clipSha: string;
let clipSize: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'evm-replicas-'));
  clip = path.join(dir, 'BWC-0007_013579_20261123090000.mp4');
  await generateClip({ path: clip, seconds: 6, width: 1280, height: 720, videoBitrate: '8M', label: 'BWC-0007 013579' });
  clipSha = await sha256OfFile(clip);
  clipSize = (await stat(clip)).size;
}, 120_000);

const meta = () => ({
  filename: 'BWC-0007_013579_20261123090000.mp4',
  sha256: clipSha,
  deviceSerial: 'BWC-0007',
  officerId: '013579',
  recordedAt: '2026-11-23T09:00:00+08:00',
  recordedEnd: '2026-11-23T09:00:06+08:00',
});

const uploadId = (url: string) => new URL(url).pathname.split('/').pop()!;

async function custodyTypes(h: Harness, upload: string): Promise<string[]> {
  const rows = await h.services.db.query<{ type: string }>('select type from custody_events where upload_id = $1 order by seq', [upload]);
  return rows.map((r) => r.type);
}

async function originalSha(h: Harness, token: string, mediaId: string): Promise<string> {
  const res = await fetch(`${h.baseUrl}/api/v1/media/${mediaId}/original`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
}

/** A PATCH whose body is sent in two parts with a pause between: a slow dock holding the upload's write lock. */
function slowPatch(url: string, token: string, file: string, size: number) {
  const req = http.request(url, {
    method: 'PATCH',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(size),
      Authorization: `Bearer ${token}`,
    },
  });
  const status = new Promise<{ status: number; offset: number | null }>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      const offset = res.headers['upload-offset'];
      res.on('end', () => resolve({ status: res.statusCode ?? 0, offset: offset === undefined ? null : Number(offset) }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(size / 2);
  return {
    status,
    async sendFirstHalf() {
      for await (const chunk of createReadStream(file, { start: 0, end: half - 1 })) req.write(chunk);
    },
    async sendRest() {
      for await (const chunk of createReadStream(file, { start: half })) req.write(chunk);
      req.end();
    },
  };
}

/** Waits for the spool to hold more than `bytes` (HEAD would ask the writing request to stop: tus's rule). */
async function spoolSizeAbove(h: Harness, id: string, bytes: number): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const size = await h.services.uploads.getUpload(id).then((u) => u.offset, () => 0);
    if (size > bytes) return size;
    await sleep(10);
  }
  throw new Error(`spool of ${id} stayed at ${bytes} bytes`);
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** An API replica as its own OS process (tsx src/main.ts), so it can be SIGKILLed like a crashing host. */
async function spawnReplica(env: Record<string, string>): Promise<{ baseUrl: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', WORKERS_IN_PROCESS: 'false', DOCK_POLLER: 'false', RECORDER: 'false', DEMO_DOCK: 'false' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`replica exited ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (ok) return { baseUrl, child };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`replica did not start: ${stderr}`);
}

const spools: Array<{ spool: string; env: Record<string, string>; ownDataDir: boolean }> = [
  { spool: 'a shared spool volume', env: {}, ownDataDir: false },
  // Small chunks, so the halves of a PATCH below span several sealed chunks and end inside one.
  { spool: 'the spool on the object store', env: { UPLOAD_SPOOL: 'object-store', UPLOAD_SPOOL_CHUNK_BYTES: String(1024 * 1024) }, ownDataDir: true },
];

describe.each(spools)('upload through several API replicas (PostgreSQL + s3rver + $spool)', ({ env, ownDataDir }) => {
  let a: Harness;
  let b: Harness;
  let dock: { id: string; token: string; serial: string };
  /** A replica's own DATA_DIR where the spool does not need a shared volume. */
  const dataDir = async (): Promise<Record<string, string>> => (ownDataDir ? { DATA_DIR: await mkdtemp(path.join(tmpdir(), 'evm-replica-data-')) } : {});

  beforeAll(async () => {
    a = await startHarness({ db: 'postgres', store: 's3', env: { UPLOAD_LOCK_WAIT_MS: '1000', ...env } });
    b = await startHarness({ share: a, workers: false, env: await dataDir() });
    dock = await a.registerDevice('dock');
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('an upload begun through a replica that is SIGKILLed mid-PATCH is resumed through another: one media, verified, byte-identical', async () => {
    const replica = await spawnReplica({ ...a.env, ...(await dataDir()) });
    try {
      const created = await createUpload(replica.baseUrl, dock.token, clipSize, meta());
      expect(created.status).toBe(201);
      const id = uploadId(created.location!);
      const onB = `${b.baseUrl}/api/v1/uploads/${id}`;
      // The first half of the file through the doomed replica, which is killed while the PATCH is still open.
      const cut = slowPatch(created.location!, dock.token, clip, clipSize);
      cut.status.catch(() => undefined);
      await cut.sendFirstHalf();
      // Without a shared volume, A sees what the doomed replica wrote only through the object store.
      if (ownDataDir) expect(a.services.uploads).toBeInstanceOf(ObjectSpool);
      const ready = (await (await fetch(`${b.baseUrl}/readyz`)).json()) as { uploadSpool: unknown };
      expect(ready.uploadSpool).toMatchObject({ ok: true, kind: ownDataDir ? 'object-store' : 'local' });
      const landed = await spoolSizeAbove(a, id, 0);
      replica.child.kill('SIGKILL');
      expect(await cut.status.catch(() => null)).toBeNull();
      expect(landed).toBeGreaterThan(0);

      // Replica B knows the upload and where it stopped; its receipt agrees (it said offset 0 before).
      const head = await headUpload(onB, dock.token);
      expect(head.status).toBe(200);
      expect(head.offset).toBeGreaterThan(0);
      expect(head.offset).toBeLessThan(clipSize);
      expect((await getReceipt(b.baseUrl, dock.token, onB)) as unknown as { offset: number }).toMatchObject({ offset: head.offset, state: 'uploading' });

      // The dock's tus client resumes against B (the dead replica's lock went with its PostgreSQL session).
      await uploadFile({ baseUrl: b.baseUrl, token: dock.token, path: clip, metadata: meta(), uploadUrl: onB, retryDelays: [200, 500, 1000] });
      const receipt = await waitForReceipt(a.baseUrl, dock.token, onB, 60_000);
      expect(receipt).toMatchObject({ verified: true, sha256: clipSha });
      expect(await originalSha(a, dock.token, receipt.mediaId!)).toBe(clipSha);
      const media = await a.services.db.query<{ sha256: string }>('select sha256 from media where sha256 = $1', [clipSha]);
      expect(media).toHaveLength(1);
      const types = await custodyTypes(a, id);
      expect(types.filter((t) => t === 'media.received')).toHaveLength(1);
      expect(types).not.toContain('media.duplicate');
    } finally {
      replica.child.kill('SIGKILL');
    }
  }, 120_000);

  it('two replicas PATCHing one upload at once: the newer asks the older to stop, is refused with 409/423, and nothing is corrupted', async () => {
    const other = path.join(dir, 'concurrent.mp4');
    const bytes = Buffer.concat([await readFile(clip), Buffer.from('concurrent')]);
    await writeFile(other, bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const created = await createUpload(a.baseUrl, dock.token, bytes.length, { ...meta(), sha256: sha, filename: 'concurrent.mp4' });
    const id = uploadId(created.location!);
    const onA = `${a.baseUrl}/api/v1/uploads/${id}`;
    const onB = `${b.baseUrl}/api/v1/uploads/${id}`;

    const slow = slowPatch(onA, dock.token, other, bytes.length);
    slow.status.catch(() => undefined);
    await slow.sendFirstHalf();
    await spoolSizeAbove(a, id, 0);
    // A holds the lock mid-body; B's PATCH from the same offset must not write beside it.
    const rival = await patchUpload(onB, dock.token, other, 0, bytes.length);
    expect([409, 423]).toContain(rival.status);
    // A's request was asked to stop and did, short of the end (tus answers such a request with the offset it reached).
    await slow.sendRest().catch(() => undefined);
    const stopped = await slow.status.catch(() => null);
    const head = await headUpload(onB, dock.token);
    expect(head.offset).toBe((await a.services.uploads.getUpload(id)).offset);
    expect(head.offset).toBeLessThan(bytes.length);
    if (stopped?.status === 204) expect(stopped.offset).toBe(head.offset);

    // The dock resumes (through either replica) from the offset the spool really holds.
    await uploadFile({ baseUrl: b.baseUrl, token: dock.token, path: other, metadata: { ...meta(), sha256: sha, filename: 'concurrent.mp4' }, uploadUrl: onB, retryDelays: [200, 500, 1000] });
    const receipt = await waitForReceipt(a.baseUrl, dock.token, onA, 60_000);
    expect(receipt).toMatchObject({ verified: true, sha256: sha });
    expect(await originalSha(a, dock.token, receipt.mediaId!)).toBe(sha);
    const types = await custodyTypes(a, id);
    expect(types.filter((t) => t === 'media.received')).toHaveLength(1);
    expect(types).not.toContain('media.duplicate');
  }, 120_000);

  it('the final PATCH and the sweeps of both replicas racing to finish one upload finish it once; a real second delivery is a duplicate', async () => {
    const other = path.join(dir, 'raced.mp4');
    const bytes = Buffer.concat([await readFile(clip), Buffer.from('raced')]);
    await writeFile(other, bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const created = await createUpload(a.baseUrl, dock.token, bytes.length, { ...meta(), sha256: sha, filename: 'raced.mp4' });
    const id = uploadId(created.location!);
    // Every byte lands in the spool without tus's finish hook (a replica that died right after the last write) ...
    await a.services.uploads.write(createReadStream(other), id, 0);
    // ... then every finisher there is goes for it at once: the hook path on both replicas and both sweeps.
    const results = await Promise.all([
      a.services.finisher.finish(id, 10_000),
      b.services.finisher.finish(id, 10_000),
      a.services.finisher.sweep(),
      b.services.finisher.sweep(),
    ]);
    const [fa, fb] = [results[0]!, results[1]!];
    expect(fa.media.id).toBe(fb.media.id);
    expect([fa.outcome, fb.outcome].sort()).toEqual(expect.arrayContaining(['already-finished']));
    let types = await custodyTypes(a, id);
    expect(types.filter((t) => t === 'media.received')).toHaveLength(1);
    expect(types).not.toContain('media.duplicate');

    // The dock sending the same bytes again is a second delivery, and recorded as one.
    const again = await uploadFile({ baseUrl: b.baseUrl, token: dock.token, path: other, metadata: { ...meta(), sha256: sha, filename: 'raced.mp4' } });
    const second = await getReceipt(a.baseUrl, dock.token, again);
    expect(second.mediaId).toBe(fa.media.id);
    expect(await custodyTypes(a, uploadId(again))).toContain('media.duplicate');
    types = await custodyTypes(a, id);
    expect(types).not.toContain('media.duplicate');
  }, 120_000);
});
