/**
 * Verifies the custody chain, every signed checkpoint and every stored original, with the service's own
 * configuration (the same environment variables: DATABASE_URL, DATA_DIR, S3_*, CUSTODY_SIGNING_KEY).
 *
 *   npx tsx scripts/verify-custody.ts [--max-seconds 60] [--fresh] [--batch 5000] [--json]
 *   npx tsx scripts/verify-custody.ts --export DIR            (the whole chain, checkpoints, witnesses, public key)
 *   npx tsx scripts/verify-custody.ts --offline DIR --key sha256:<fingerprint>   (no service, no database)
 *
 * Resumable and time-boxed: progress is saved in PostgreSQL (custody_verifications), so a run stopped by its time
 * budget (or by Ctrl-C, or a crash) continues where it got to the next time this is run. --fresh starts a new run.
 * With the embedded PGlite default, stop the service first: PGlite allows one process at a time.
 *
 * Exit codes: 0 the run completed and found nothing; 1 something was found (the findings are printed);
 * 3 the budget ran out before the run completed and nothing was found so far (run it again to continue);
 * 2 it could not run (configuration, database or storage unreachable).
 */
import { parseArgs } from 'node:util';
import { objectStoreFromConfig } from '../src/runtime/boot.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { loadSigningKey } from '../src/custody/signing-key.js';
import { exportBundle, verifyBundle } from '../src/custody/store-bundle.js';
import { CustodyVerifier } from '../src/custody/verifier.js';
import type { Finding } from '../src/db/repositories/verifications-repository.js';
import { openDb } from '../src/db/open.js';
import type { VerificationRun } from '../src/db/repositories/verifications-repository.js';

function line(run: VerificationRun): string {
  const o = run.originals;
  return (
    `${run.percent.toFixed(1).padStart(5)}%  chain ${run.chain.lastSeq}/${run.chain.total}${run.chain.done ? ' done' : ''}` +
    `  checkpoints ${run.checkpoints.verified}/${run.checkpoints.total}` +
    `  originals ${o.verified}/${o.total} (${(o.bytesVerified / 1e6).toFixed(1)}/${(o.bytesTotal / 1e6).toFixed(1)} MB)` +
    `  findings ${run.findingsCount}`
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'max-seconds': { type: 'string', default: '60' },
      fresh: { type: 'boolean', default: false },
      batch: { type: 'string', default: '5000' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      export: { type: 'string' },
      offline: { type: 'string' },
      key: { type: 'string' },
    },
  });
  if (values.help) {
    console.log('usage: npx tsx scripts/verify-custody.ts [--max-seconds 60] [--fresh] [--batch 5000] [--json]');
    console.log('       npx tsx scripts/verify-custody.ts --export DIR');
    console.log('       npx tsx scripts/verify-custody.ts --offline DIR --key sha256:<fingerprint>');
    return 0;
  }
  if (values.offline) return offline(values.offline, values.key);
  const maxSeconds = Number(values['max-seconds']);
  const batchSize = Number(values.batch);
  if (!(maxSeconds > 0) || !Number.isInteger(batchSize) || batchSize < 1) {
    console.error('--max-seconds must be a positive number and --batch a positive integer');
    return 2;
  }
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.DATABASE_URL, pgliteDir: config.paths.pglite });
  if (values.export) {
    try {
      const key = await loadSigningKey(config);
      const n = await exportBundle({ db, store: await objectStoreFromConfig(config), publicKeyPem: key.publicKeyPem }, values.export);
      console.log(`已导出 ${n.events} 条保管事件、${n.checkpoints} 个检查点、${n.witnesses} 个见证文件到 ${values.export}；公钥指纹 ${key.keyId}`);
      console.log(`Exported ${n.events} custody events, ${n.checkpoints} checkpoints and ${n.witnesses} witnesses to ${values.export}; key fingerprint ${key.keyId}`);
      return 0;
    } finally {
      await db.close();
    }
  }
  try {
    const store = await objectStoreFromConfig(config);
    const key = await loadSigningKey(config);
    const verifier = new CustodyVerifier({ db, store, publicKey: key.publicKey, keyId: key.keyId });
    const { run: start, resumed } = await verifier.startOrResume('cli:verify-custody', values.fresh);
    if (!values.json) {
      console.log(`${resumed ? 'Continuing' : 'Starting'} verification run ${start.id} (budget ${maxSeconds} s; trusted key ${key.keyId})`);
    }
    let lastPrint = 0;
    const run = await verifier.runSlice(start.id, {
      maxSeconds,
      batchSize,
      onProgress: (r) => {
        if (values.json || Date.now() - lastPrint < 1000) return;
        lastPrint = Date.now();
        console.log(line(r));
      },
    });
    if (values.json) {
      console.log(JSON.stringify(run, null, 2));
    } else {
      console.log(line(run));
      for (const f of run.findings) console.log(`FINDING ${f.kind} ${f.reason}${f.seq !== undefined ? ` seq ${f.seq}` : ''}${f.mediaId ? ` media ${f.mediaId}` : ''}: ${f.message}`);
      if (run.findingsCount > run.findings.length) console.log(`... and ${run.findingsCount - run.findings.length} more findings`);
      if (run.status === 'completed') console.log(run.findingsCount === 0 ? `CLEAN: run ${run.id} completed, nothing found` : `TAMPERED: run ${run.id} completed with ${run.findingsCount} finding(s)`);
      else console.log(`PAUSED: run ${run.id} is ${run.percent}% done; run this again to continue`);
    }
    if (run.findingsCount > 0) return 1;
    return run.status === 'completed' ? 0 : 3;
  } finally {
    await db.close();
  }
}

/** What each finding means, in Chinese, printed before the English sentence. */
const ZH: Record<string, string> = {
  'key-not-trusted': '公钥与可信指纹不符，目录内签名均不可信',
  'unreadable-line': '保管链文件中有无法读取的行',
  'hash-mismatch': '事件内容被篡改',
  'prev-link-broken': '事件链接断开（前一事件被改动或替换）',
  'media-link-broken': '该视频的事件链断开（其事件被删除、改动或重排）',
  'sequence-gap': '事件序号缺失（事件被删除）或乱序',
  'checkpoint-unknown-key': '检查点由不可信的密钥签名',
  'checkpoint-signature-invalid': '检查点签名无效（检查点被改动）',
  'checkpoint-link-signature-invalid': '检查点链签名无效（编号或前序被改动）',
  'checkpoint-hash-mismatch': '保管链与检查点签名时的内容不一致（保管链被改写）',
  'checkpoint-event-missing': '检查点签名的事件已不存在（事件被删除）',
  'checkpoint-missing': '检查点缺失（检查点被删除）',
  'checkpoint-out-of-order': '检查点顺序错乱',
  'checkpoint-link-broken': '检查点链断开',
  'checkpoint-unchained': '检查点链开始后出现无编号检查点',
  'checkpoint-witness-missing': '检查点缺少对象存储中的见证文件',
  'checkpoint-witness-mismatch': '检查点与其见证文件不一致',
  'checkpoint-witness-forged': '见证文件不是可信密钥签名的（伪造或被改动）',
  'checkpoint-row-missing': '存在见证文件但检查点记录已被删除',
};

function printFinding(f: Finding): void {
  const where = `${f.seq !== undefined ? ` seq ${f.seq}` : ''}${f.mediaId ? ` media ${f.mediaId}` : ''}${f.checkpointId !== undefined ? ` checkpoint ${f.checkpointId}` : ''}`;
  console.log(`发现问题 FINDING ${f.kind} ${f.reason}${where}: ${ZH[f.reason] ?? f.reason} / ${f.message}`);
}

async function offline(dir: string, key: string | undefined): Promise<number> {
  if (!key) {
    console.error('--offline 需要 --key <公钥指纹>（从可信渠道获得）/ --offline needs --key <fingerprint> (obtained through a trusted channel)');
    return 2;
  }
  const r = await verifyBundle(dir, key, printFinding);
  if (r.findings.length === 0) {
    console.log(`核验通过：${r.events} 条事件、${r.checkpoints} 个检查点，全部与可信公钥 ${r.keyId} 相符，未发现问题`);
    console.log(`CLEAN: ${r.events} events and ${r.checkpoints} checkpoints verified against the trusted key ${r.keyId}; nothing found`);
    return 0;
  }
  console.log(`发现 ${r.findings.length} 个问题（${r.events} 条事件、${r.checkpoints} 个检查点）`);
  console.log(`TAMPERED: ${r.findings.length} finding(s) in ${r.events} events and ${r.checkpoints} checkpoints`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `verify-custody: ${(err as Error).message}`);
    process.exit(2);
  },
);
