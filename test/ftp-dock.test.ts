import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { startFtpDockSimulator, writeDockClip, type DockClip, type FtpDockSimulator } from '../devices/simulators/ftp-dock-simulator.js';
import { createDockPoller, type DockPoller } from '../devices/dock-poller.js';
import { api, countRows, filesUnder, waitFor } from './helpers/docks.js';
import { startHarness, type Harness } from './helpers/harness.js';

let h: Harness;
let work: string;
let baseClip: string;
const sims: FtpDockSimulator[] = [];
const pollers: DockPoller[] = [];
const credentialsKey = randomBytes(32).toString('hex');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'evm-ftp-test-'));
  baseClip = path.join(work, 'base.mp4');
  const [harness] = await Promise.all([
    // PostgreSQL starts in ~2 s where PGlite takes ~10 s on this machine; the demo (PGlite) covers the embedded engine.
    startHarness({ db: 'postgres', env: { DOCK_CREDENTIALS_KEY: credentialsKey } }),
    generateClip({ path: baseClip, seconds: 2, width: 320, height: 240, fps: 15, label: 'BWC-3301-0007 013579' }),
  ]);
  h = harness;
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await h?.stop();
  await rm(work, { recursive: true, force: true });
});

const startSim = async (o: Parameters<typeof startFtpDockSimulator>[0] = {}) => {
  const sim = await startFtpDockSimulator(o);
  sims.push(sim);
  return sim;
};
const startPoller = () => {
  const p = createDockPoller(h.services, { tickMs: 100, matchEveryMs: 0 }).start();
  pollers.push(p);
  return p;
};
const clip = (sim: FtpDockSimulator, i: number, extra: Partial<Parameters<typeof writeDockClip>[1]> = {}) =>
  writeDockClip(sim.root, {
    camera: 'BWC-3301-0007',
    officer: '013579',
    start: new Date(Date.UTC(2026, 10, 23, 0, 30 + i)),
    seconds: 2,
    seq: i,
    style: i % 2 ? 'officer-at-start-at-serial' : 'serial-officer-start-seq',
    from: baseClip,
    salt: `${randomBytes(8).toString('hex')}-${i}`,
    ...extra,
  });

async function registerFtpSource(sim: FtpDockSimulator, body: Record<string, unknown> = {}) {
  const dock = await h.registerDevice('dock');
  const res = await api(h, 'POST', `/api/v1/docks/${dock.id}/pull-source`, h.adminToken, {
    protocol: 'ftp',
    url: sim.url,
    username: sim.username,
    password: sim.password,
    pollIntervalSec: 0.2,
    stableSec: 0.3,
    ...body,
  });
  expect(res.status, res.text).toBe(201);
  return { dock, source: res.body as { id: string } };
}

const ledger = async (dockId: string) => (await api<Array<{ name: string; status: string; mediaId: string | null; errorCode: string | null }>>(h, 'GET', `/api/v1/docks/${dockId}/pull-source/files?limit=1000`, h.adminToken)).body;

describe('FTP dock adapter', () => {
  it('ingests every file exactly once and releases it only after its original is verified, across a poller restart', async () => {
    const sim = await startSim({ throttleBytesPerSec: 250_000 });
    const clips: DockClip[] = [];
    for (let i = 0; i < 4; i++) clips.push(await clip(sim, i));
    const { dock } = await registerFtpSource(sim);
    const originals = path.join(h.dataDir, 'objects', 'originals');
    const objectsBefore = (await filesUnder(originals)).length;

    // First poller: stopped in the middle of copying the second file.
    const first = startPoller();
    await waitFor(async () => sim.ops.filter((o) => o.op === 'download' && !o.path.endsWith('.json')).length >= 2, 20_000, 'second download');
    await first.stop();
    expect((await ledger(dock.id)).filter((r) => r.status === 'released').length).toBeLessThan(4);

    // A new poller (another owner: a restarted service) finishes the job.
    startPoller();
    const rows = await waitFor(async () => {
      const l = await ledger(dock.id);
      return l.length === 4 && l.every((r) => r.status === 'released') && l;
    }, 40_000, 'all released');

    // Exactly one media row and one stored object per clip.
    expect(await countRows(h, 'select count(*)::int as n from media where uploaded_by = $1', [dock.id])).toBe(4);
    expect((await filesUnder(originals)).length - objectsBefore).toBe(4);
    const media = await h.services.db.query<{ id: string; sha256: string; verified_at: Date; filename: string; device_serial: string; officer_id: string; recorded_at: Date; vendor: Record<string, string> }>(
      'select * from media where uploaded_by = $1',
      [dock.id],
    );
    expect(media.map((m) => m.sha256).sort()).toEqual(clips.map((c) => c.sha256).sort());
    for (const c of clips) {
      const m = media.find((x) => x.sha256 === c.sha256)!;
      expect(m.filename).toBe(c.name);
      // the sidecar's serial wins over the name's BWC33010007
      expect(m.device_serial).toBe('BWC-3301-0007');
      expect(m.officer_id).toBe('013579');
      expect(m.vendor.md5).toBe(c.md5);
      expect(rows.find((r) => r.name === c.name)?.mediaId).toBe(m.id);

      // custody: received once, released once, and the release comes after verification
      const events = await h.services.db.query<{ type: string; seq: number }>('select type, seq from custody_events where media_id = $1 order by seq', [m.id]);
      expect(events.filter((e) => e.type === 'media.received')).toHaveLength(1);
      const released = events.filter((e) => e.type === 'dock.released');
      expect(released).toHaveLength(1);
      expect(released[0]!.seq).toBeGreaterThan(events.find((e) => e.type === 'media.verified')!.seq);

      // on the dock: moved into done/ exactly once, at a time after the verification
      const renames = sim.ops.filter((o) => o.op === 'rename' && o.path === `/${c.name}`);
      expect(renames).toHaveLength(1);
      expect(renames[0]!.to).toBe(`/done/${c.name}`);
      expect(renames[0]!.at).toBeGreaterThanOrEqual(m.verified_at.getTime());
      expect(existsSync(path.join(sim.root, 'done', c.name))).toBe(true);
      expect(existsSync(path.join(sim.root, 'done', `${c.name}.json`))).toBe(true);
    }
    expect((await readdir(sim.root)).filter((n) => !n.startsWith('.'))).toEqual(['done']);
    expect(await filesUnder(h.services.config.paths.dockSpool)).toEqual([]);

    // The listing was the dock's inventory: all four stored.
    const stored = await api<unknown[]>(h, 'GET', `/api/v1/docks/${dock.id}/inventory?status=stored`, h.adminToken);
    expect(stored.body).toHaveLength(4);
    const missing = await api<unknown[]>(h, 'GET', `/api/v1/docks/${dock.id}/inventory?status=missing`, h.adminToken);
    expect(missing.body).toHaveLength(0);
  });

  it('rejects a file whose sidecar declares a wrong hash and never marks it deletable', async () => {
    const sim = await startSim();
    const good = await clip(sim, 10);
    const wrongSha = await clip(sim, 11, { sidecar: { sha256: 'ab'.repeat(32) } });
    const wrongMd5 = await clip(sim, 12, { sidecar: { md5: '0'.repeat(32) } });
    const { dock } = await registerFtpSource(sim);
    startPoller();
    const rows = await waitFor(async () => {
      const l = await ledger(dock.id);
      const by = (n: string) => l.find((r) => r.name === n)?.status;
      return by(good.name) === 'released' && by(wrongSha.name) === 'rejected' && by(wrongMd5.name) === 'rejected' && l;
    }, 30_000, 'settled');
    expect(rows.find((r) => r.name === wrongSha.name)?.errorCode).toBe('EVM_HASH_MISMATCH');
    expect(rows.find((r) => r.name === wrongMd5.name)?.errorCode).toBe('EVM_MD5_MISMATCH');

    // A few more polls change nothing: still on the dock, never renamed, not fetched again.
    const downloads = sim.ops.filter((o) => o.op === 'download').length;
    await new Promise((r) => setTimeout(r, 800));
    expect(sim.ops.filter((o) => o.op === 'download').length).toBe(downloads);
    for (const bad of [wrongSha, wrongMd5]) {
      expect(existsSync(path.join(sim.root, bad.name))).toBe(true);
      expect(sim.ops.some((o) => (o.op === 'rename' || o.op === 'delete') && o.path === `/${bad.name}`)).toBe(false);
      const m = await h.services.db.query<{ state: string; error_code: string }>('select state, error_code from media where sha256 = $1', [bad.sha256]);
      expect(m.map((x) => x.state)).toEqual(['rejected']);
    }
    // Rejected files are not stored: they count as missing in the dock's inventory.
    const missing = await api<Array<{ name: string }>>(h, 'GET', `/api/v1/docks/${dock.id}/inventory?status=missing`, h.adminToken);
    expect(missing.status, missing.text).toBe(200);
    expect(missing.body.map((f) => f.name).sort()).toEqual([wrongSha.name, wrongMd5.name].sort());
  });

  it('acknowledges with a marker file or deletes, as configured per source', async () => {
    const ackSim = await startSim();
    const delSim = await startSim();
    const a = await clip(ackSim, 20);
    const d = await clip(delSim, 21);
    const ackDock = await registerFtpSource(ackSim, { ackMode: 'ack-file' });
    const delDock = await registerFtpSource(delSim, { ackMode: 'delete' });
    startPoller();
    await waitFor(async () => (await ledger(ackDock.dock.id))[0]?.status === 'released' && (await ledger(delDock.dock.id))[0]?.status === 'released', 30_000, 'released');

    const ack = JSON.parse(await readFile(path.join(ackSim.root, `${a.name}.ack`), 'utf8')) as { mediaId: string; sha256: string };
    expect(ack.sha256).toBe(a.sha256);
    expect(existsSync(path.join(ackSim.root, a.name))).toBe(true);
    expect(existsSync(path.join(delSim.root, d.name))).toBe(false);
    expect(existsSync(path.join(delSim.root, `${d.name}.json`))).toBe(false);
    // the acknowledged file stays listed but is not fetched again
    const downloads = ackSim.ops.filter((o) => o.op === 'download' && o.path === `/${a.name}`).length;
    await new Promise((r) => setTimeout(r, 600));
    expect(ackSim.ops.filter((o) => o.op === 'download' && o.path === `/${a.name}`).length).toBe(downloads);
    expect(downloads).toBe(1);
  });

  it('handles hostile file names safely: odd ones are ingested by value, unsafe ones never touched', async () => {
    const sim = await startSim({
      fakeEntries: [
        { name: '../../../../tmp/evm-evil.mp4', sizeBytes: 1234 },
        { name: 'sub/inner.mp4', sizeBytes: 99 },
      ],
    });
    const odd = ["-rf ;'$(touch pwned)'&.mp4", ' leading space.mp4', '执法 记录 01.mp4'];
    const written: DockClip[] = [];
    for (const [i, name] of odd.entries()) written.push(await writeDockClip(sim.root, { camera: 'BWC-9', officer: '000001', start: new Date(), seconds: 2, from: baseClip, salt: `odd-${i}-${randomBytes(4).toString('hex')}`, sidecar: false }, name));
    await writeFile(path.join(sim.root, 'new\nline.mp4'), 'x');
    const { dock } = await registerFtpSource(sim);
    startPoller();
    const rows = await waitFor(async () => {
      const l = await ledger(dock.id);
      return odd.every((n) => l.find((r) => r.name === n)?.status === 'released') && l.filter((r) => r.errorCode === 'EVM_DOCK_UNSAFE_NAME').length >= 2 && l;
    }, 30_000, 'odd names released').catch(async (err) => {
      console.log(JSON.stringify(await ledger(dock.id), null, 1), sim.ops);
      throw err;
    });
    for (const c of written) {
      const m = await h.services.db.query<{ filename: string; original_filename: string }>('select filename, original_filename from media where sha256 = $1', [c.sha256]);
      expect(m[0]!.original_filename).toBe(c.name);
      expect(m[0]!.filename).not.toMatch(/[/\\]/);
      expect(existsSync(path.join(sim.root, 'done', c.name))).toBe(true);
    }
    const unsafe = rows.filter((r) => r.errorCode === 'EVM_DOCK_UNSAFE_NAME').map((r) => r.name).sort();
    expect(unsafe).toEqual(['../../../../tmp/evm-evil.mp4', 'sub/inner.mp4']);
    expect(sim.ops.some((o) => o.path.includes('evm-evil') || o.path.includes('inner'))).toBe(false);
    expect(existsSync('/tmp/evm-evil.mp4')).toBe(false);
    // the newline name never became a fetch: no command injection, no phantom file
    expect(sim.ops.some((o) => o.path.includes('line.mp4'))).toBe(false);
    expect(existsSync(path.join(sim.root, 'new\nline.mp4'))).toBe(true);
    // nothing was executed or written by name
    expect(existsSync(path.join(process.cwd(), 'pwned'))).toBe(false);
    expect(existsSync(path.join(sim.root, 'pwned'))).toBe(false);
    expect(await filesUnder(h.services.config.paths.dockSpool)).toEqual([]);
  });
});

describe('pull-source registration', () => {
  it('stores the password sealed and never returns it', async () => {
    const sim = await startSim();
    const { dock } = await registerFtpSource(sim, { pollIntervalSec: 60 });
    const got = await api(h, 'GET', `/api/v1/docks/${dock.id}/pull-source`, h.adminToken);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ protocol: 'ftp', location: sim.url, username: sim.username, hasPassword: true, ackMode: 'rename', doneDir: 'done' });
    expect(got.text).not.toContain(sim.password);
    expect(got.body).not.toHaveProperty('password');
    expect(got.body).not.toHaveProperty('passwordSealed');
    const [row] = await h.services.db.query<{ password_sealed: string }>('select password_sealed from dock_pull_sources where device_id = $1', [dock.id]);
    expect(row!.password_sealed).toMatch(/^gcm1:/);
    expect(row!.password_sealed).not.toContain(sim.password);

    // replacing keeps the id and, without a password, the stored password
    const again = await api(h, 'POST', `/api/v1/docks/${dock.id}/pull-source`, h.adminToken, { protocol: 'ftp', url: sim.url, username: sim.username, ackMode: 'ack-file' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: got.body.id, hasPassword: true, ackMode: 'ack-file' });
  });

  it('validates what it stores, and only the admin may register', async () => {
    const dock = await h.registerDevice('dock');
    const camera = await h.registerDevice('camera');
    const post = (id: string, body: unknown, token = h.adminToken) => api(h, 'POST', `/api/v1/docks/${id}/pull-source`, token, body);
    const code = async (p: Promise<{ status: number; body: { code: string } }>) => {
      const r = await p;
      return [r.status, r.body.code];
    };
    expect(await code(post(dock.id, { protocol: 'ftp', url: 'ftp://u:p@127.0.0.1:21' }))).toEqual([400, 'EVM_VALIDATION']);
    expect(await code(post(dock.id, { protocol: 'ftp', url: 'ftp://127.0.0.1:21', doneDir: '../../etc' }))).toEqual([400, 'EVM_VALIDATION']);
    expect(await code(post(dock.id, { protocol: 'ftp', url: 'ftp://127.0.0.1:21', doneDir: '.' }))).toEqual([400, 'EVM_VALIDATION']);
    expect(await code(post(dock.id, { protocol: 'folder', path: 'relative/dir' }))).toEqual([400, 'EVM_VALIDATION']);
    expect(await code(post(dock.id, { protocol: 'ftp', url: 'ftp://127.0.0.1:21', patterns: ['no-such-vendor'] }))).toEqual([400, 'EVM_UNKNOWN_FILENAME_PATTERN']);
    expect(await code(post(dock.id, { protocol: 'ftp', url: 'ftp://127.0.0.1:21', ackMode: 'shred' }))).toEqual([400, 'EVM_VALIDATION']);
    expect(await code(post(camera.id, { protocol: 'ftp', url: 'ftp://127.0.0.1:21' }))).toEqual([409, 'EVM_NOT_A_DOCK']);
    expect(await code(post('00000000-0000-4000-8000-000000000000', { protocol: 'ftp', url: 'ftp://127.0.0.1:21' }))).toEqual([404, 'EVM_NOT_FOUND']);
    expect(await code(post(dock.id, { protocol: 'ftp', url: 'ftp://127.0.0.1:21' }, dock.token))).toEqual([403, 'EVM_FORBIDDEN']);
    expect((await api(h, 'POST', `/api/v1/docks/${dock.id}/pull-source`, null, { protocol: 'ftp' })).status).toBe(401);
  });

  it('records a dock it cannot log in to as the source\'s last error', async () => {
    const sim = await startSim();
    const { dock } = await registerFtpSource(sim, { password: 'wrong-password' });
    startPoller();
    const src = await waitFor(async () => {
      const r = await api<{ lastErrorCode: string | null }>(h, 'GET', `/api/v1/docks/${dock.id}/pull-source`, h.adminToken);
      return r.body.lastErrorCode ? r.body : null;
    }, 10_000, 'poll error');
    expect(src.lastErrorCode).toBe('EVM_DOCK_UNREACHABLE');
    const docks = await api<Array<{ id: string; pullSource: { lastErrorCode: string } }>>(h, 'GET', '/api/v1/docks', h.adminToken);
    expect(docks.body.find((d) => d.id === dock.id)?.pullSource.lastErrorCode).toBe('EVM_DOCK_UNREACHABLE');
  });
});
