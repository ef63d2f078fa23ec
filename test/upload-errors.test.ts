import { randomBytes, createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers/harness.js';
import { createUpload, headUpload } from './helpers/tus-raw.js';

const exec = promisify(execFile);

function meta(bytes: Buffer) {
  return { filename: 'BWC-0001_013579_20261123083000.mp4', sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A raw PATCH; without a length the body goes chunked (the storage guard then has no size to check against). */
function patch(url: string, token: string, body: Buffer, o: { offset?: number; chunked?: boolean; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': String(o.offset ?? 0),
        'Content-Type': 'application/offset+octet-stream',
        ...(o.chunked ? {} : { 'Content-Length': String(body.length) }),
        Authorization: `Bearer ${token}`,
        ...o.headers,
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    // The server may answer and close before the whole body is sent; the answer is what counts.
    req.on('error', (err) => reject(err));
    if (o.chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    } else req.write(body);
    req.end();
  });
}

function expectJsonError(r: { headers: Headers | http.IncomingHttpHeaders; body: string }, code: string) {
  const type = r.headers instanceof Headers ? r.headers.get('content-type') : r.headers['content-type'];
  expect(type).toMatch(/^application\/json/);
  const parsed = JSON.parse(r.body);
  expect(parsed).toMatchObject({ code, message: expect.any(String) });
}

describe('tus upload errors are JSON {code, message} with tus status codes', () => {
  let h: Harness;
  let dock: { token: string };
  beforeAll(async () => {
    h = await startHarness({ workers: false });
    dock = await h.registerDevice('dock');
  });
  afterAll(async () => h?.stop());

  it('answers protocol errors with stable codes, keeping Tus-Resumable and Upload-Offset', async () => {
    const noVersion = await fetch(`${h.baseUrl}/api/v1/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${dock.token}`, 'Upload-Length': '10' } });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers.get('tus-resumable')).toBe('1.0.0');
    expectJsonError({ headers: noVersion.headers, body: await noVersion.text() }, 'EVM_TUS_VERSION_REQUIRED');

    const badHeader = await createUpload(h.baseUrl, dock.token, 10, meta(Buffer.alloc(10)), { 'Upload-Offset': 'minus one' });
    expect(badHeader.status).toBe(400);
    expectJsonError(badHeader, 'EVM_TUS_INVALID_HEADER');

    const unauthenticated = await createUpload(h.baseUrl, null, 10, meta(Buffer.alloc(10)));
    expect(unauthenticated.status).toBe(401);
    expectJsonError(unauthenticated, 'EVM_UNAUTHENTICATED');

    const absent = await patch(`${h.baseUrl}/api/v1/uploads/${'0'.repeat(32)}`, h.adminToken, Buffer.alloc(4));
    expect(absent.status).toBe(404);
    expectJsonError(absent, 'EVM_NOT_FOUND');

    const bytes = randomBytes(1000);
    const created = await createUpload(h.baseUrl, dock.token, bytes.length, meta(bytes));
    expect(created.status).toBe(201);
    const conflict = await patch(created.location!, dock.token, bytes.subarray(500), { offset: 500 });
    expect(conflict.status).toBe(409);
    expectJsonError(conflict, 'EVM_TUS_OFFSET_CONFLICT');
    expect(conflict.headers['tus-resumable']).toBe('1.0.0');

    const wrongType = await patch(created.location!, dock.token, bytes, { headers: { 'Content-Type': 'application/json' } });
    // fastify parses a JSON body before tus sees the request: still a 400 with a code.
    expect(wrongType.status).toBe(400);
    expect(JSON.parse(wrongType.body)).toMatchObject({ code: expect.stringMatching(/^EVM_/), message: expect.any(String) });
    const textType = await patch(created.location!, dock.token, bytes, { headers: { 'Content-Type': 'application/octet-stream' } });
    expect(textType.status).toBe(415);
    expect(JSON.parse(textType.body)).toMatchObject({ code: expect.stringMatching(/^EVM_/), message: expect.any(String) });

    const missingSha = await createUpload(h.baseUrl, dock.token, 10, { filename: 'x.mp4' });
    expect(missingSha.status).toBe(400);
    expectJsonError(missingSha, 'EVM_MISSING_SHA256');
  });
});

describe('a full disk under an upload (a real 4 MiB tmpfs as DATA_DIR)', () => {
  let mountPoint: string;
  let mounted = false;
  let h: Harness | undefined;
  let dock: { token: string };
  beforeAll(async () => {
    mountPoint = await mkdtemp(path.join(tmpdir(), 'evm-full-disk-'));
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    mounted = true;
    await mkdir(path.join(mountPoint, 'data'));
    h = await startHarness({ db: 'postgres', workers: false, env: { DATA_DIR: path.join(mountPoint, 'data'), STORAGE_MIN_FREE_BYTES: '0' } });
    dock = await h.registerDevice('dock');
  });
  afterAll(async () => {
    await h?.stop();
    if (mounted) await exec('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  /** Fills the file system (another writer using the disk) until only about `leave` bytes are free. */
  async function fill(name: string, leave: number): Promise<string> {
    const { stdout } = await exec('df', ['-B1', '--output=avail', mountPoint]);
    const avail = Number(stdout.trim().split('\n').pop());
    const file = path.join(mountPoint, name);
    await writeFile(file, Buffer.alloc(Math.max(0, avail - leave)));
    return file;
  }

  it('refuses a PATCH with 507 EVM_STORAGE_FULL before writing when the disk filled up after creation', async () => {
    const bytes = randomBytes(1024 * 1024);
    const created = await createUpload(h!.baseUrl, dock.token, bytes.length, meta(bytes));
    expect(created.status).toBe(201);
    const filler = await fill('filler-1', 64 * 1024);
    try {
      const refused = await patch(created.location!, dock.token, bytes);
      expect(refused.status).toBe(507);
      expectJsonError(refused, 'EVM_STORAGE_FULL');
      expect((await headUpload(created.location!, dock.token)).offset).toBe(0);
    } finally {
      await unlink(filler);
    }
  });

  it('answers 507 EVM_STORAGE_FULL, not 500, when the disk runs out in the middle of a PATCH (ENOSPC)', async () => {
    const bytes = randomBytes(1024 * 1024);
    const created = await createUpload(h!.baseUrl, dock.token, bytes.length, meta(bytes));
    expect(created.status).toBe(201);
    // Chunked: no length for the guard to check, so the write itself meets the full disk.
    const filler = await fill('filler-2', 256 * 1024);
    try {
      const res = await patch(created.location!, dock.token, bytes, { chunked: true });
      expect(`${res.status} ${res.body}`).toMatch(/^507 /);
      expectJsonError(res, 'EVM_STORAGE_FULL');
    } finally {
      await unlink(filler);
    }
  });
});
