/**
 * Verifies the custody chain, every signed checkpoint and every stored original, with the service's own
 * configuration (the same environment variables: DATABASE_URL, DATA_DIR, S3_*, CUSTODY_SIGNING_KEY).
 *
 *   npx tsx scripts/verify-custody.ts [--max-seconds 60] [--fresh] [--batch 5000] [--json]
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
import { CustodyVerifier } from '../src/custody/verifier.js';
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
    },
  });
  if (values.help) {
    console.log('usage: npx tsx scripts/verify-custody.ts [--max-seconds 60] [--fresh] [--batch 5000] [--json]');
    return 0;
  }
  const maxSeconds = Number(values['max-seconds']);
  const batchSize = Number(values.batch);
  if (!(maxSeconds > 0) || !Number.isInteger(batchSize) || batchSize < 1) {
    console.error('--max-seconds must be a positive number and --batch a positive integer');
    return 2;
  }
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.DATABASE_URL, pgliteDir: config.paths.pglite });
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

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `verify-custody: ${(err as Error).message}`);
    process.exit(2);
  },
);
