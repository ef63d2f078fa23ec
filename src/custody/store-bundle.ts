import { createPublicKey } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Db } from '../db/db.js';
import type { Checkpoint } from '../db/repositories/checkpoints-repository.js';
import { CheckpointsRepository } from '../db/repositories/checkpoints-repository.js';
import { CustodyRepository } from '../db/repositories/custody-repository.js';
import type { Finding } from '../db/repositories/verifications-repository.js';
import { newCursor, type CustodyEvent } from '../domain/custody-chain.js';
import { walkBatch } from './chain-walk.js';
import { CheckpointChainChecker } from './checkpoint-chain.js';
import { parseWitness, witnessKey } from './checkpoint-witness.js';
import { keyIdOf } from './signing-key.js';

/**
 * A store-wide custody bundle: the whole chain as JSON lines, every checkpoint, their witnesses and the public key,
 * in a directory anyone can verify with no service and no database (scripts/verify-custody.ts --offline). Written
 * and read as streams: memory grows with the number of checkpoints and media, never with the number of events.
 */
export const BUNDLE_FILES = {
  chain: 'chain.jsonl',
  checkpoints: 'checkpoints.jsonl',
  witnesses: 'witnesses',
  publicKey: 'public-key.pem',
  readme: 'README.txt',
} as const;

const PAGE = 5000;

async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

async function closeStream(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'finish');
}

export async function exportBundle(deps: { db: Db; store: ObjectStore; publicKeyPem: string }, dir: string): Promise<{ events: number; checkpoints: number; witnesses: number }> {
  await mkdir(path.join(dir, BUNDLE_FILES.witnesses), { recursive: true });
  const custody = new CustodyRepository(deps.db);
  const chain = createWriteStream(path.join(dir, BUNDLE_FILES.chain), { flags: 'wx' });
  let events = 0;
  for (let after = 0; ; ) {
    const page = await custody.page(after, PAGE);
    if (page.length === 0) break;
    for (const e of page) await writeLine(chain, JSON.stringify(e));
    events += page.length;
    after = page[page.length - 1]!.seq;
  }
  await closeStream(chain);

  const repo = new CheckpointsRepository(deps.db);
  const cps = createWriteStream(path.join(dir, BUNDLE_FILES.checkpoints), { flags: 'wx' });
  let checkpoints = 0;
  let witnesses = 0;
  for (let afterId = 0; ; ) {
    const page = await repo.againstChain(afterId, 1000);
    if (page.length === 0) break;
    for (const { chainHash: _omit, ...c } of page) {
      await writeLine(cps, JSON.stringify(c));
      checkpoints++;
      if (c.number === null) continue;
      const w = await readObject(deps.store, witnessKey(c.number));
      if (w) {
        await writeFile(path.join(dir, BUNDLE_FILES.witnesses, path.basename(witnessKey(c.number))), w, { flag: 'wx' });
        witnesses++;
      }
    }
    afterId = page[page.length - 1]!.id;
  }
  await closeStream(cps);
  await writeFile(path.join(dir, BUNDLE_FILES.publicKey), deps.publicKeyPem, { flag: 'wx' });
  await writeFile(path.join(dir, BUNDLE_FILES.readme), bundleReadme(keyIdOf(createPublicKey(deps.publicKeyPem)), events, checkpoints), { flag: 'wx' });
  return { events, checkpoints, witnesses };
}

async function readObject(store: ObjectStore, key: string): Promise<Buffer | null> {
  try {
    const chunks: Buffer[] = [];
    for await (const c of await store.get(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return null;
    throw err;
  }
}

function bundleReadme(keyId: string, events: number, checkpoints: number): string {
  return `证据保管链全库导出
====================
本目录包含完整的证据保管链（${BUNDLE_FILES.chain}，每行一条事件，共 ${events} 条）、全部签名检查点（${BUNDLE_FILES.checkpoints}，共 ${checkpoints} 个）、
检查点在对象存储中的见证文件（${BUNDLE_FILES.witnesses}/）和签名公钥（${BUNDLE_FILES.publicKey}）。
离线核验（无需服务、无需数据库）：
  npx tsx scripts/verify-custody.ts --offline <本目录> --key ${keyId}
--key 必须是从可信渠道（而非本目录）得到的公钥指纹；与本目录中的公钥不一致即判定为不可信。

Store-wide custody export
=========================
This directory holds the whole custody chain (${BUNDLE_FILES.chain}, one event per line, ${events} events), every signed
checkpoint (${BUNDLE_FILES.checkpoints}, ${checkpoints}), the checkpoints' witness objects from the object store
(${BUNDLE_FILES.witnesses}/) and the signing public key (${BUNDLE_FILES.publicKey}).
Verify it offline (no service, no database):
  npx tsx scripts/verify-custody.ts --offline <this directory> --key ${keyId}
--key must be the key fingerprint obtained through a trusted channel, not from this directory; a public key here
that does not match it is reported and nothing in the directory is trusted.
`;
}

export interface BundleResult {
  keyId: string;
  events: number;
  checkpoints: number;
  findings: Finding[];
}

/** Accepts 'sha256:<hex>' (as the export package and the API print it) or the bare hex. */
export function normaliseFingerprint(f: string): string {
  const hex = f.trim().toLowerCase().replace(/^sha256:/, '');
  return `sha256:${hex}`;
}

/**
 * Verifies a bundle directory against a trusted key fingerprint: the public key, the whole chain (streamed), every
 * checkpoint with its chain link and witness, and witnesses with no checkpoint. `onFinding` is told as they appear.
 */
export async function verifyBundle(dir: string, trustedFingerprint: string, onFinding: (f: Finding) => void = () => undefined): Promise<BundleResult> {
  const findings: Finding[] = [];
  const found = (fs: Finding[]) => {
    for (const f of fs) {
      findings.push(f);
      onFinding(f);
    }
  };
  const pem = await readFile(path.join(dir, BUNDLE_FILES.publicKey), 'utf8');
  const publicKey = createPublicKey(pem);
  const keyId = keyIdOf(publicKey);
  const trusted = normaliseFingerprint(trustedFingerprint);
  if (keyId !== trusted) {
    found([{ kind: 'checkpoint', reason: 'key-not-trusted', message: `the bundle's public key is ${keyId}, not the trusted ${trusted}: nothing it signed can be trusted` }]);
  }

  // The seqs the checkpoints (and witnesses) signed, so the chain pass can remember the hash at just those.
  const wanted = new Map<number, string | null>();
  for await (const c of jsonLines<Checkpoint>(path.join(dir, BUNDLE_FILES.checkpoints))) wanted.set(c.seq, null);
  const witnessFiles = (await readdir(path.join(dir, BUNDLE_FILES.witnesses)).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  for (const f of witnessFiles) {
    const w = parseWitness(await readFile(path.join(dir, BUNDLE_FILES.witnesses, f)));
    if (w) wanted.set(w.seq, null);
  }

  const cursor = newCursor();
  let events = 0;
  let batch: CustodyEvent[] = [];
  let prev: CustodyEvent | undefined;
  const flush = () => {
    found(walkBatch(batch, cursor, prev));
    prev = batch[batch.length - 1];
    batch = [];
  };
  for await (const e of jsonLines<CustodyEvent>(path.join(dir, BUNDLE_FILES.chain), (line, n) => found([{ kind: 'chain', reason: 'unreadable-line', message: `line ${n} of ${BUNDLE_FILES.chain} is not an event: ${line.slice(0, 80)}` }]))) {
    if (wanted.has(e.seq)) wanted.set(e.seq, e.hash);
    batch.push(e);
    events++;
    if (batch.length >= 1000) flush();
  }
  if (batch.length) flush();

  const checker = new CheckpointChainChecker(publicKey, trusted);
  const witnessOfNumber = async (n: number) => readFile(path.join(dir, BUNDLE_FILES.witnesses, path.basename(witnessKey(n)))).catch(() => null);
  let checkpoints = 0;
  for await (const c of jsonLines<Checkpoint>(path.join(dir, BUNDLE_FILES.checkpoints))) {
    const witness = c.number === null ? null : await witnessOfNumber(c.number);
    const gaps = new Map<number, Buffer | null>();
    if (c.number !== null) for (let n = checker.nextNumber; n < c.number && n < checker.nextNumber + 1000; n++) gaps.set(n, await witnessOfNumber(n));
    found(checker.check(c, wanted.get(c.seq) ?? null, witness, (n) => gaps.get(n) ?? null));
    checkpoints++;
  }
  for (let n = checker.nextNumber; ; n++) {
    const w = await witnessOfNumber(n);
    if (!w) break;
    const seq = parseWitness(w)?.seq;
    found(checker.orphanWitness(n, w, seq === undefined ? undefined : (wanted.get(seq) ?? null)));
  }
  return { keyId, events, checkpoints, findings };
}

async function* jsonLines<T>(file: string, onBad: (line: string, n: number) => void = () => undefined): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(file, { highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as T;
    } catch {
      onBad(line, n);
    }
  }
}
