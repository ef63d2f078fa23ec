/**
 * Custody chain verification speed, beside this machine's raw SHA-256 speed in the same run.
 *
 *   npm run bench:custody            (BENCH_EVENTS=1000000 by default; BENCH_SKIP_PG=1 for the in-memory part only)
 *
 * 1. Seals BENCH_EVENTS events in memory with sealEvent (pure) and verifies them with verifyEvents: events/s.
 * 2. Raw SHA-256 over buffers the size of an event's canonical JSON: hashes/s, the ceiling for (1).
 * 3. Inserts the same events into a fresh PostgreSQL database (batched multi-row inserts, like the test helpers
 *    create it) and verifies from there: the repository's page() + verifyEvents, and the CustodyVerifier as the
 *    API and the CLI run it (chain, checkpoints, originals).
 * Each verification is also run the way it was before the fast path (json-canonicalize on the whole body, the
 * driver's row objects with a Date per row), on the same events in the same run, so before/after compare directly.
 * Goal: at least 100,000 events/s verified. Writes bench/out/custody-chain-<timestamp>.json.
 */
import { createHash, hash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { canonicalize } from 'json-canonicalize';
import { LocalDiskStore } from '../storage/local-disk-store.js';
import { loadSigningKey } from '../src/custody/signing-key.js';
import { createCheckpoint } from '../src/custody/checkpoints.js';
import { CustodyVerifier } from '../src/custody/verifier.js';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open.js';
import { CustodyRepository, toEvent, type CustodyRow } from '../src/db/repositories/custody-repository.js';
import { GENESIS_HASH, newCursor, sealEvent, verifyEvents, type ChainCursor, type CustodyEvent, type CustodyEventType } from '../src/domain/custody-chain.js';
import { createTempDatabase } from '../test/helpers/postgres.js';

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const MEDIA = Number(process.env.BENCH_MEDIA ?? 1_000);
const PAGE = Number(process.env.BENCH_PAGE ?? 10_000);
const GOAL = 100_000;

const TYPES: CustodyEventType[] = ['media.received', 'media.stored', 'media.verified', 'media.viewed', 'media.downloaded', 'derivative.created'];

/** The bytes of each bench original, so its received/verified events seal the digests the verifier holds it to. */
const originalBytes = (id: string) => Buffer.from(`bench original ${id}`);

function sealed(type: CustodyEventType, mediaId: string): Record<string, unknown> {
  if (type !== 'media.received' && type !== 'media.verified') return {};
  const bytes = originalBytes(mediaId);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length };
}

function makeEvents(n: number, mediaIds: string[]): CustodyEvent[] {
  const events: CustodyEvent[] = new Array(n);
  const heads = new Map<string, string>();
  let prev = GENESIS_HASH;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const mediaId = mediaIds[i % mediaIds.length]!;
    // Every media's first event is its media.received, as ingest writes it (and the verifier requires it).
    const type = i < mediaIds.length ? 'media.received' : TYPES[i % TYPES.length]!;
    const e = sealEvent(
      {
        mediaId,
        uploadId: null,
        type,
        actor: `user:officer${i % 97}`,
        details: { purpose: '案件审查', ip: `10.0.${(i >> 8) & 255}.${i & 255}`, range: null, n: i, ...sealed(type, mediaId) },
      },
      { seq: i + 1, at: new Date(t0 + i * 37).toISOString(), prevHash: prev, mediaPrevHash: heads.get(mediaId) ?? null },
    );
    heads.set(mediaId, e.hash);
    prev = e.hash;
    events[i] = e;
  }
  return events;
}

/** The verification as it was before the fast path: json-canonicalize over the whole body, for the "before" figures. */
function verifyEventsBefore(events: CustodyEvent[], cursor: ChainCursor): boolean {
  for (const e of events) {
    const body = { seq: e.seq, at: e.at, mediaId: e.mediaId, uploadId: e.uploadId, type: e.type, actor: e.actor, details: e.details, prevHash: e.prevHash, mediaPrevHash: e.mediaPrevHash };
    if (e.seq !== cursor.lastSeq + 1 || hash('sha256', canonicalize(body), 'hex') !== e.hash || e.prevHash !== cursor.lastHash) return false;
    if (e.mediaId) {
      if (e.mediaPrevHash !== (cursor.mediaHeads.get(e.mediaId) ?? null)) return false;
      cursor.mediaHeads.set(e.mediaId, e.hash);
    }
    cursor.lastHash = e.hash;
    cursor.lastSeq = e.seq;
  }
  return true;
}

/** A full collection now, so the PostgreSQL runs start from a heap like the CLI's or the job's (no --expose-gc needed). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function rate(count: number, ms: number): number {
  return Math.round(count / (ms / 1000));
}

async function insertEvents(db: Db, events: CustodyEvent[], batch = 10_000): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < events.length; i += batch) {
    const part = events.slice(i, i + batch);
    await db.query(
      `insert into custody_events (seq, media_id, upload_id, type, actor, at, details, prev_hash, media_prev_hash, hash)
       select * from unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[], $8::text[], $9::text[], $10::text[])`,
      [
        part.map((e) => e.seq),
        part.map((e) => e.mediaId),
        part.map((e) => e.uploadId),
        part.map((e) => e.type),
        part.map((e) => e.actor),
        part.map((e) => e.at),
        part.map((e) => JSON.stringify(e.details)),
        part.map((e) => e.prevHash),
        part.map((e) => e.mediaPrevHash),
        part.map((e) => e.hash),
      ],
    );
    if ((i / batch) % 20 === 0) process.stdout.write(`\r  inserted ${i + part.length} / ${events.length}`);
  }
  process.stdout.write('\n');
  return performance.now() - t;
}

async function main() {
  console.log(`custody chain benchmark: ${N.toLocaleString()} events over ${MEDIA} media; ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  const mediaIds = Array.from({ length: MEDIA }, () => randomUUID());

  let t = performance.now();
  let events = makeEvents(N, mediaIds);
  const sealMs = performance.now() - t;
  console.log(`  sealed ${N.toLocaleString()} events in ${(sealMs / 1000).toFixed(2)} s (${rate(N, sealMs).toLocaleString()} events/s)`);

  // Raw SHA-256 over buffers of the same size as an average event's canonical JSON: the ceiling for verification.
  const sample = events.slice(0, 1000).map((e) => {
    const { hash: _h, ...rest } = e;
    return Buffer.from(canonicalize(rest));
  });
  const avgBytes = Math.round(sample.reduce((n, b) => n + b.length, 0) / sample.length);
  const bufs = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(avgBytes, i & 255));
  t = performance.now();
  for (let i = 0; i < N; i++) hash('sha256', bufs[i % 1000]!, 'hex');
  const shaMs = performance.now() - t;
  const shaRate = rate(N, shaMs);
  t = performance.now();
  for (let i = 0; i < N; i++) createHash('sha256').update(bufs[i % 1000]!).digest('hex');
  const shaObjRate = rate(N, performance.now() - t);
  console.log(`  raw SHA-256 of ${avgBytes}-byte buffers: ${shaRate.toLocaleString()} hashes/s one-shot crypto.hash (${shaObjRate.toLocaleString()} with createHash)`);

  // Before: the same walk with json-canonicalize on the whole body.
  t = performance.now();
  const beforeCursor = newCursor();
  for (let i = 0; i < N; i += PAGE) {
    if (!verifyEventsBefore(events.slice(i, i + PAGE), beforeCursor)) throw new Error('unexpected break (before)');
  }
  const pureBeforeRate = rate(N, performance.now() - t);
  console.log(`  before: verifyEvents in memory with json-canonicalize on the whole body: ${pureBeforeRate.toLocaleString()} events/s`);

  // The pure verifier, resumable batches of PAGE with one cursor as the service runs it.
  t = performance.now();
  const cursor = newCursor();
  for (let i = 0; i < N; i += PAGE) {
    const brk = verifyEvents(events.slice(i, i + PAGE), cursor);
    if (brk) throw new Error(`unexpected break ${JSON.stringify(brk)}`);
  }
  const pureMs = performance.now() - t;
  const pureRate = rate(N, pureMs);
  console.log(`  verifyEvents in memory: ${(pureMs / 1000).toFixed(2)} s, ${pureRate.toLocaleString()} events/s (${((pureRate / shaRate) * 100).toFixed(0)}% of raw SHA-256) ${pureRate >= GOAL ? 'OK' : 'BELOW GOAL'} (goal ${GOAL.toLocaleString()})`);

  const result: Record<string, unknown> = {
    at: new Date().toISOString(),
    events: N,
    media: MEDIA,
    machine: { cores: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    eventCanonicalBytes: avgBytes,
    sealEventsPerSec: rate(N, sealMs),
    rawSha256HashesPerSec: shaRate,
    rawSha256CreateHashPerSec: shaObjRate,
    pure: { seconds: pureMs / 1000, eventsPerSec: pureRate, meetsGoal: pureRate >= GOAL, beforeEventsPerSec: pureBeforeRate },
    goalEventsPerSec: GOAL,
  };

  if (!process.env.BENCH_SKIP_PG) {
    const temp = await createTempDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), 'evm-bench-custody-'));
    const db = await openDb({ databaseUrl: temp.url });
    try {
      // Small real originals, so the verifier's run is a clean one end to end.
      const store = new LocalDiskStore({ root: path.join(dir, 'objects') });
      await store.init();
      const deviceId = randomUUID();
      await db.query(`insert into devices (id, kind, serial, name, token_hash) values ($1, 'dock', 'BENCH', 'bench', 'x')`, [deviceId]);
      for (const id of mediaIds) {
        const bytes = originalBytes(id);
        const sha = createHash('sha256').update(bytes).digest('hex');
        await store.put(`originals/${sha}`, Readable.from([bytes]), { sizeBytes: bytes.length });
        await db.query(
          `insert into media (id, state, sha256, sha256_declared, size_bytes, object_key, filename, uploaded_by) values ($1, 'ready', $2, $2, $3, $4, 'bench.mp4', $5)`,
          [id, sha, bytes.length, `originals/${sha}`, deviceId],
        );
      }
      const insertMs = await insertEvents(db, events);
      // The service's verifier never holds the whole chain in memory; a million sealed events alive (or left as
      // garbage) here would make the garbage collections of the PostgreSQL runs below walk them, and measure that.
      events = [];
      collectGarbage();
      console.log(`  inserted into PostgreSQL in ${(insertMs / 1000).toFixed(1)} s (${rate(N, insertMs).toLocaleString()} rows/s)`);
      await db.query('analyze custody_events');

      // Before: the driver's row objects (a Date per row) through toEvent, and json-canonicalize.
      t = performance.now();
      const bc = newCursor();
      for (;;) {
        const rows = await db.query<CustodyRow>('select * from custody_events where seq > $1 order by seq limit $2', [bc.lastSeq, PAGE]);
        if (rows.length === 0) break;
        if (!verifyEventsBefore(rows.map(toEvent), bc)) throw new Error('unexpected break (before, PostgreSQL)');
      }
      const pgBeforeRate = rate(N, performance.now() - t);
      console.log(`  before: select * + toEvent + json-canonicalize from PostgreSQL: ${pgBeforeRate.toLocaleString()} events/s`);

      const repo = new CustodyRepository(db);
      t = performance.now();
      const c = newCursor();
      let readMs = 0;
      for (;;) {
        const r = performance.now();
        const page = await repo.page(c.lastSeq, PAGE);
        readMs += performance.now() - r;
        if (page.length === 0) break;
        const brk = verifyEvents(page, c);
        if (brk) throw new Error(`unexpected break ${JSON.stringify(brk)}`);
      }
      const pgMs = performance.now() - t;
      const pgRate = rate(N, pgMs);
      console.log(`  page() + verifyEvents from PostgreSQL: ${(pgMs / 1000).toFixed(2)} s, ${pgRate.toLocaleString()} events/s (reading ${((readMs / pgMs) * 100).toFixed(0)}% of the time)`);

      // End to end as the API job and the CLI run it: chain, a signed checkpoint, originals (empty objects here).
      const key = await loadSigningKey({ CUSTODY_SIGNING_KEY: undefined, paths: { data: dir } });
      await createCheckpoint(db, store, key, 'bench');
      const verifier = new CustodyVerifier({ db, store, publicKey: key.publicKey, keyId: key.keyId });
      const { run } = await verifier.startOrResume('bench', true);
      t = performance.now();
      let chainMs = 0;
      const done = await verifier.runSlice(run.id, {
        maxSeconds: 3600,
        batchSize: PAGE,
        onProgress: (r) => {
          if (r.chain.done && !chainMs) chainMs = performance.now() - t;
        },
      });
      const fullMs = performance.now() - t;
      const chainFindings = done.findings.length;
      console.log(
        `  CustodyVerifier from PostgreSQL (as the API job and the CLI run it): chain ${(chainMs / 1000).toFixed(2)} s = ${rate(N, chainMs).toLocaleString()} events/s ${rate(N, chainMs) >= GOAL ? 'OK' : 'BELOW GOAL'}; ` +
          `whole run with checkpoints and ${MEDIA} originals ${(fullMs / 1000).toFixed(2)} s; result ${done.result}, findings ${chainFindings}`,
      );
      // The same chain walked in slices of one second, as the API's job does a long run (each slice resumes from the
      // saved progress): what resuming costs, beside the one-slice walk above.
      const { run: sliced } = await verifier.startOrResume('bench', true);
      t = performance.now();
      let slices = 0;
      let slicedChainMs = 0;
      for (let r = sliced; !r.chain.done; slices++) {
        r = await verifier.runSlice(sliced.id, { maxSeconds: 1, batchSize: PAGE });
        if (r.chain.done) slicedChainMs = performance.now() - t;
      }
      console.log(
        `  the same chain in 1 s slices: ${slices} slices, ${(slicedChainMs / 1000).toFixed(2)} s = ${rate(N, slicedChainMs).toLocaleString()} events/s ` +
          `(${((slicedChainMs / chainMs - 1) * 100).toFixed(0)}% over one slice)`,
      );
      result.postgres = {
        slicedChain: { sliceSeconds: 1, slices, chainSeconds: slicedChainMs / 1000, eventsPerSec: rate(N, slicedChainMs) },
        insertSeconds: insertMs / 1000,
        insertRowsPerSec: rate(N, insertMs),
        pageVerify: { seconds: pgMs / 1000, eventsPerSec: pgRate, readShare: readMs / pgMs, meetsGoal: pgRate >= GOAL, beforeEventsPerSec: pgBeforeRate },
        verifier: { chainSeconds: chainMs / 1000, chainEventsPerSec: rate(N, chainMs), meetsGoal: rate(N, chainMs) >= GOAL, runSeconds: fullMs / 1000, status: done.status, result: done.result, findings: chainFindings },
      };
    } finally {
      await db.close();
      await temp.drop();
      await rm(dir, { recursive: true, force: true });
    }
  }

  const outDir = path.join(path.dirname(new URL(import.meta.url).pathname), 'out');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `custody-chain-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
