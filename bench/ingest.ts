/**
 * Ingest benchmark: the real all-in-one service as a child process, docks uploading over tus, timed from the first
 * byte to a verified receipt, with the server's memory sampled from /proc.
 *
 *   npm run bench:ingest                      # 2 GiB single dock, 256 MiB single dock, 8 docks × 256 MiB
 *   BENCH_SIZE_MB=256 BENCH_CONCURRENT_MB=32 npm run bench:ingest   # quick
 *
 * Env (sizes in MiB): BENCH_SIZE_MB (2048), BENCH_SMALL_MB (256), BENCH_CONCURRENT_MB (256), BENCH_DOCKS (8),
 * BENCH_TIMEOUT_S (600), BENCH_RUNNER (dist|tsx; default dist when built), BENCH_CPU_PROF=1 (V8 CPU profiles of
 * the service into bench/out/prof-<ts>/), BENCH_ONLY (comma list of large,small,concurrent), BENCH_KEEP=1 (keep
 * the work directory), BENCH_HASH_MB (512: in-memory bytes per hash in the hash-state section, BENCH_ONLY=hash), BENCH_PG=1 (diagnostic: a temp database on the machine's PostgreSQL, TEST_PG_ADMIN_URL, instead of
 * PGlite), BENCH_RESTART=0 (measure the first boot on the empty DATA_DIR instead of a restart).
 * Linux only (/proc). Writes bench/out/ingest-<timestamp>.json.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { createTempDatabase } from '../test/helpers/postgres.js';
import { MiB, writeRandomFile, type GeneratedFile } from './lib/files.js';
import { measureSpoolCost, type SpoolCost } from './lib/spool-cost.js';
import { measureHashSpeeds, type HashSpeed } from './lib/hash-speed.js';
import { childPids, cmdlineOf, ioDelta, MemSampler, readCpuSeconds, readIo, readMachineCpu, readMem, resetPeak, type IoCounters, type MemSummary } from './lib/proc.js';
import { chooseRunner, startService, tail, type Service } from './lib/service.js';
import { SpoolWatcher } from './lib/spool-watch.js';
import { fmt, mb, mbps, mountOf, table, timeCommand, withTimeout } from './lib/util.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repo, 'bench', 'out');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const workDir = path.join(outDir, `work-${stamp}`);

const intEnv = (name: string, dflt: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
};
const cfg = {
  largeMiB: intEnv('BENCH_SIZE_MB', 2048),
  smallMiB: intEnv('BENCH_SMALL_MB', 256),
  concurrentMiB: intEnv('BENCH_CONCURRENT_MB', 256),
  docks: intEnv('BENCH_DOCKS', 8),
  timeoutS: intEnv('BENCH_TIMEOUT_S', 600),
  cpuProf: process.env.BENCH_CPU_PROF === '1',
  keep: process.env.BENCH_KEEP === '1',
  restart: process.env.BENCH_RESTART !== '0',
  /** Diagnostic: the machine's PostgreSQL (a temp database per scenario) instead of the embedded PGlite. */
  pg: process.env.BENCH_PG === '1',
  only: new Set((process.env.BENCH_ONLY ?? 'hash,spool,large,small,concurrent').split(',').map((s) => s.trim())),
  hashMiB: intEnv('BENCH_HASH_MB', 512),
};

/** Figures from /work/shared/machine-notes.md, printed beside ours. */
const NOTES = { sha256sumMBps: 490, opensslMBps: 1570, diskWriteMBps: 340 };
/** Issue 14's goals: one dock ≥ 0.8 × sha256sum, eight docks ≥ 0.95 × one dock, peak RSS < 200 MB. */
const GOALS = { ratioToSha256sum: 0.8, peakRssMB: 200, concurrentRatio: 0.95 };

const started = performance.now();
const deadline = Date.now() + cfg.timeoutS * 1000;
const remaining = () => deadline - Date.now();
const progress = (msg: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every service started and the work directory go, on success, error, timeout or Ctrl-C.

const liveServices = new Set<Service>();
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const s of liveServices) {
      const r = await s.stop(5_000).catch(() => null);
      if (r?.redisKilled) progress(`killed leftover redis-server of ${s.dataDir}`);
      liveServices.delete(s);
    }
    if (!cfg.keep) rmSync(workDir, { recursive: true, force: true });
    else progress(`kept ${workDir}`);
  })();
  return cleaning;
}
async function abort(why: string, code: number): Promise<never> {
  process.stderr.write(`\n[bench] ABORTED: ${why}\n`);
  await Promise.race([cleanup(), sleep(30_000)]);
  process.exit(code);
}
const watchdog = setTimeout(() => void abort(`the benchmark took more than ${cfg.timeoutS} s (BENCH_TIMEOUT_S)`, 3), cfg.timeoutS * 1000);
process.once('SIGINT', () => void abort('interrupted (SIGINT)', 130));
process.once('SIGTERM', () => void abort('terminated (SIGTERM)', 143));

// ---------------------------------------------------------------------------------------------------------------
// One scenario: a fresh service, N docks uploading N files at once, each polled to a verified receipt.

interface DockTiming {
  file: string;
  bytes: number;
  /** Seconds from the scenario's first byte (t0) until the spool file held every byte (20 ms polling). */
  spoolFullAt: number | null;
  uploadDone: number;
  verified: number;
}

interface ScenarioResult {
  name: string;
  docks: number;
  bytesPerFile: number;
  bytesTotal: number;
  /** t0 → last PATCH answered (every byte received, hashed, stored durably). */
  uploadSeconds: number;
  /** t0 → last receipt verified. */
  endToEndSeconds: number;
  uploadMBps: number;
  endToEndMBps: number;
  phases: { receiveSeconds: number | null; storeSeconds: number | null; verifySeconds: number };
  perDock: DockTiming[];
  memory: {
    idleRssMB: number;
    idleHwmMB: number;
    peakResetOk: boolean;
    /** VmHWM after the run; equals the scenario's peak when peakResetOk. */
    peakHwmMB: number;
    maxSampledRssMB: number;
    increaseOverIdleMB: number;
    samples: number;
    curve: Array<[number, number]>;
    redisPeakRssMB: number | null;
    /** The embedded database's own process (PGlite, src/db/pglite-host), peak RSS during the run. */
    dbPeakRssMB: number | null;
    /** Service and database process together: the sum of their peaks (an upper bound of the pair's peak). */
    serverAndDbPeakMB: number;
  };
  cpu: {
    serverSeconds: number | null;
    serverCores: number | null;
    redisSeconds: number | null;
    /** CPU of the embedded database's process, included in serverSeconds (it ran inside the service before). */
    dbSeconds: number | null;
    benchClientSeconds: number;
    /** Whole machine, all CPUs, over the run (/proc/stat). */
    machineBusySeconds: number | null;
    /** Machine busy time not spent by the service, its redis or this bench: other sessions, plus kernel work (softirq) not charged to a process. */
    otherSeconds: number | null;
  };
  /** The service's /proc/<pid>/io over the run: read/write syscalls cover sockets and files (the upload is read from a socket, written to the spool, read back by verify). */
  serverIo: IoCounters | null;
  service: { pid: number; runner: string; startSeconds: number; stoppedGracefully: boolean; restarted: boolean };
  /** The first boot on the empty DATA_DIR (before the restart that is measured), when BENCH_RESTART is on. */
  firstBoot: { idleRssMB: number; peakHwmMB: number; startSeconds: number; dbRssMB: number | null } | null;
}

async function runScenario(name: string, files: GeneratedFile[]): Promise<ScenarioResult> {
  const dataDir = path.join(workDir, `data-${name}`);
  const tempDb = cfg.pg ? await createTempDatabase({ roles: true }) : null;
  try {
    return await runScenarioOn(name, files, dataDir, tempDb ? { DATABASE_URL: tempDb.appUrl!, DATABASE_MIGRATION_URL: tempDb.ownerUrl! } : {});
  } finally {
    await tempDb?.drop();
  }
}

async function runScenarioOn(name: string, files: GeneratedFile[], dataDir: string, extraEnv: Record<string, string>): Promise<ScenarioResult> {
  const boot = async (n: number) => {
    const bootStart = performance.now();
    const s = await withTimeout(
      startService({
        repo,
        dataDir,
        runner: runnerChoice.runner,
        nodeFlags: cfg.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(outDir, `prof-${stamp}`, `${name}-boot${n}`)}`] : [],
        readyTimeoutMs: Math.min(90_000, remaining()),
        logName: `service-${n}.log`,
        env: extraEnv,
      }),
      remaining(),
      `${name}: service start`,
    );
    liveServices.add(s);
    const secs = (performance.now() - bootStart) / 1000;
    progress(`${name}: service pid ${s.pid} (boot ${n}) ready on ${s.baseUrl} in ${secs.toFixed(1)} s (redis pid ${s.redisPid ?? '?'})`);
    return { svc: s, startSeconds: secs };
  };
  let { svc, startSeconds } = await boot(1);
  let firstBoot: ScenarioResult['firstBoot'] = null;
  let result: ScenarioResult | undefined;
  try {
    // Docks are registered on the first boot; they live in the database, so they survive the restart.
    const docks: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < files.length; i++) docks.push(await svc.registerDock(`BENCH-${name.toUpperCase()}-${i}`));

    if (cfg.restart) {
      // The first boot of an empty DATA_DIR runs PGlite's initdb, whose memory lingers in the process; a deployed
      // service mostly runs after a restart on an existing DATA_DIR. Record the first boot, then measure a restart.
      await sleep(1_000);
      const m = readMem(svc.pid);
      const dbHost = childPids(svc.pid).find((c) => cmdlineOf(c).includes('pglite-host'));
      const dbMem = dbHost ? readMem(dbHost) : null;
      firstBoot = { idleRssMB: m ? mb(m.rssKb) : NaN, peakHwmMB: m ? mb(m.hwmKb) : NaN, startSeconds, dbRssMB: dbMem ? mb(dbMem.rssKb) : null };
      const r = await svc.stop(15_000);
      liveServices.delete(svc);
      if (!r.exitedGracefully) progress(`${name}: first boot did not exit within 15 s of SIGTERM; SIGKILLed`);
      ({ svc, startSeconds } = await boot(2));
    }

    // Idle baseline: after readyz and dock registration, once the process has settled.
    await sleep(1_000);
    const idle = readMem(svc.pid);
    if (!idle) throw new Error(`service died while idle; log: ${tail(svc.logFile)}`);
    const peakResetOk = resetPeak(svc.pid);
    if (svc.redisPid) resetPeak(svc.redisPid);
    const dbPid = childPids(svc.pid).find((c) => cmdlineOf(c).includes('pglite-host')) ?? null;
    if (dbPid) resetPeak(dbPid);
    const dbCpu0 = dbPid ? readCpuSeconds(dbPid) : null;
    const dbSampler = dbPid ? new MemSampler(dbPid, 100) : null;
    const cpu0 = readCpuSeconds(svc.pid);
    const redisCpu0 = svc.redisPid ? readCpuSeconds(svc.redisPid) : null;
    const client0 = process.cpuUsage();
    const io0 = readIo(svc.pid);
    const machine0 = readMachineCpu();
    const sampler = new MemSampler(svc.pid, 100);
    const redisSampler = svc.redisPid ? new MemSampler(svc.redisPid, 100) : null;

    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    const spool = new SpoolWatcher(path.join(dataDir, 'uploads'), files[0]!.bytes, since);
    let perDock: DockTiming[];
    try {
      perDock = await Promise.all(
        files.map(async (f, i) => {
          const url = await withTimeout(
            uploadFile({
              baseUrl: svc.baseUrl,
              token: docks[i]!.token,
              path: f.path,
              // sha256 given, so uploadFile does not hash the file first: the clock measures the transfer only.
              metadata: { filename: path.basename(f.path), sha256: f.sha256 },
              retryDelays: [], // a retried upload would hide a failure and distort the time: fail loudly instead
            }),
            remaining(),
            `${name}: upload of ${path.basename(f.path)}`,
          );
          const uploadDone = since();
          const spoolFullAt = spool.fullAt(url.split('/').pop()!);
          const receipt = await waitForReceipt(svc.baseUrl, docks[i]!.token, url, remaining());
          const verified = since();
          if (!receipt.verified) {
            throw new Error(`${name}: receipt for ${path.basename(f.path)} not verified (state ${receipt.state}, error ${receipt.errorCode ?? '-'}) within the time budget`);
          }
          if (receipt.sha256 !== f.sha256) throw new Error(`${name}: receipt sha256 ${receipt.sha256} ≠ file's ${f.sha256}`);
          return { file: path.basename(f.path), bytes: f.bytes, spoolFullAt, uploadDone, verified };
        }),
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nservice log: ${tail(svc.logFile)}`);
    } finally {
      spool.stop();
    }
    const client = process.cpuUsage(client0);
    const cpu1 = readCpuSeconds(svc.pid);
    const io1 = readIo(svc.pid);
    const machine1 = readMachineCpu();
    const redisCpu1 = svc.redisPid ? readCpuSeconds(svc.redisPid) : null;
    const mem: MemSummary = sampler.stop();
    const redisMem = redisSampler?.stop() ?? null;
    const dbMem = dbSampler?.stop() ?? null;
    const dbCpu1 = dbPid ? readCpuSeconds(dbPid) : null;
    const dbSeconds = dbCpu0 !== null && dbCpu1 !== null ? dbCpu1 - dbCpu0 : null;

    const bytesTotal = files.reduce((s, f) => s + f.bytes, 0);
    const uploadSeconds = Math.max(...perDock.map((d) => d.uploadDone));
    const endToEndSeconds = Math.max(...perDock.map((d) => d.verified));
    const lastBytes = perDock.map((d) => d.spoolFullAt).filter((x): x is number => x !== null);
    const receiveSeconds = lastBytes.length === perDock.length ? Math.max(...lastBytes) : null;
    const peakHwmMB = mb(mem.hwmKb);
    const serverSeconds = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 + (dbSeconds ?? 0) : null;
    const dbPeakRssMB = dbMem ? mb(Math.max(dbMem.hwmKb, dbMem.maxSampledRssKb)) : null;
    result = {
      name,
      docks: files.length,
      bytesPerFile: files[0]!.bytes,
      bytesTotal,
      uploadSeconds,
      endToEndSeconds,
      uploadMBps: mbps(bytesTotal, uploadSeconds),
      endToEndMBps: mbps(bytesTotal, endToEndSeconds),
      phases: {
        receiveSeconds,
        storeSeconds: receiveSeconds === null ? null : uploadSeconds - receiveSeconds,
        verifySeconds: endToEndSeconds - uploadSeconds,
      },
      perDock,
      memory: {
        idleRssMB: mb(idle.rssKb),
        idleHwmMB: mb(idle.hwmKb),
        peakResetOk,
        peakHwmMB,
        maxSampledRssMB: mb(mem.maxSampledRssKb),
        increaseOverIdleMB: Math.max(peakHwmMB, mb(mem.maxSampledRssKb)) - mb(idle.rssKb),
        samples: mem.samples,
        curve: mem.curve,
        redisPeakRssMB: redisMem ? mb(Math.max(redisMem.hwmKb, redisMem.maxSampledRssKb)) : null,
        dbPeakRssMB,
        serverAndDbPeakMB: peakHwmMB + (dbPeakRssMB ?? 0),
      },
      cpu: {
        serverSeconds,
        serverCores: serverSeconds === null ? null : serverSeconds / endToEndSeconds,
        redisSeconds: redisCpu0 !== null && redisCpu1 !== null ? redisCpu1 - redisCpu0 : null,
        dbSeconds,
        benchClientSeconds: (client.user + client.system) / 1e6,
        machineBusySeconds: machine0 && machine1 ? machine1.busySeconds - machine0.busySeconds : null,
        otherSeconds:
          machine0 && machine1 && serverSeconds !== null
            ? machine1.busySeconds - machine0.busySeconds - serverSeconds - ((redisCpu1 ?? 0) - (redisCpu0 ?? 0)) - (client.user + client.system) / 1e6
            : null,
      },
      serverIo: io0 && io1 ? ioDelta(io0, io1) : null,
      service: { pid: svc.pid, runner: svc.runner, startSeconds, stoppedGracefully: false, restarted: cfg.restart },
      firstBoot,
    };
  } finally {
    const r = await svc.stop(15_000);
    if (result) result.service.stoppedGracefully = r.exitedGracefully;
    if (!r.exitedGracefully) progress(`${name}: service did not exit within 15 s of SIGTERM; SIGKILLed`);
    if (r.redisKilled) progress(`${name}: its redis-server was still alive after the service exited; killed`);
    liveServices.delete(svc);
    if (!cfg.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------

const runnerChoice = chooseRunner(repo, process.env.BENCH_RUNNER);

async function main() {
  mkdirSync(workDir, { recursive: true });
  const mount = mountOf(workDir);
  if (mount.fsType === 'tmpfs' || mount.fsType === 'ramfs') throw new Error(`${workDir} is on ${mount.fsType}: the benchmark must write to a real disk`);
  const cpuModel = os.cpus()[0]?.model ?? '?';
  const env = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel,
    memTotalGB: os.totalmem() / 1e9,
    kernel: os.release(),
    runner: runnerChoice.runner,
    runnerNote: runnerChoice.note,
    workDir: path.relative(repo, workDir),
    disk: `${mount.device} (${mount.fsType}) mounted on ${mount.mountPoint}`,
  };
  progress(`node ${env.node}, ${env.cpus} CPUs, runner ${env.runner}: ${env.runnerNote}`);
  progress(`work dir ${env.workDir} on ${env.disk}`);

  const results: ScenarioResult[] = [];
  const gen: Record<string, { MiB: number; seconds: number; MBps: number }> = {};
  let baseline: { sha256sumCold: number; sha256sumWarm: number; sha256sumMBps: number; opensslSeconds: number | null; opensslMBps: number | null; fileBytes: number } | null = null;

  // 0. Could the receive-time hash state move between replicas? hash-wasm can save it; Node's crypto cannot.
  let hashSpeeds: HashSpeed[] = [];
  if (cfg.only.has('hash')) {
    progress(`hash state: node crypto vs hash-wasm over ${cfg.hashMiB} MiB in memory`);
    hashSpeeds = await measureHashSpeeds(cfg.hashMiB);
  }

  // 0b. The object-store spool's hot-path cost against the local spool (issue 15's design), in this process.
  let spoolCosts: SpoolCost[] = [];
  if (cfg.only.has('spool')) {
    progress(`spool cost: local vs object-store spool over ${cfg.hashMiB * 4} MiB`);
    spoolCosts = await measureSpoolCost(cfg.hashMiB * 4);
  }

  // 1. Large file: generate, baseline, single dock.
  if (cfg.only.has('large')) {
    progress(`generating ${cfg.largeMiB} MiB of random bytes`);
    const large = await withTimeout(writeRandomFile(path.join(workDir, 'large.bin'), cfg.largeMiB * MiB), remaining(), 'generate large file');
    gen.large = { MiB: cfg.largeMiB, seconds: large.seconds, MBps: mbps(large.bytes, large.seconds) };

    progress('baseline: sha256sum ×2, openssl dgst -sha256');
    const cold = await timeCommand('sha256sum', [large.path], remaining());
    const warm = await timeCommand('sha256sum', [large.path], remaining());
    if (!warm.stdout.startsWith(large.sha256)) throw new Error(`sha256sum disagrees with the generator: ${warm.stdout} vs ${large.sha256}`);
    let openssl: { seconds: number } | null = null;
    try {
      openssl = await timeCommand('openssl', ['dgst', '-sha256', large.path], remaining());
    } catch (err) {
      progress(`openssl not usable: ${(err as Error).message}`);
    }
    baseline = {
      fileBytes: large.bytes,
      sha256sumCold: cold.seconds,
      sha256sumWarm: warm.seconds,
      sha256sumMBps: mbps(large.bytes, warm.seconds),
      opensslSeconds: openssl?.seconds ?? null,
      opensslMBps: openssl ? mbps(large.bytes, openssl.seconds) : null,
    };

    progress(`single dock: ${cfg.largeMiB} MiB`);
    results.push(await runScenario('large', [large]));
    rmSync(large.path, { force: true });
  }

  // 2. Small file, same path through a fresh service: memory must not grow with file size.
  if (cfg.only.has('small')) {
    progress(`single dock: ${cfg.smallMiB} MiB`);
    const small = await withTimeout(writeRandomFile(path.join(workDir, 'small.bin'), cfg.smallMiB * MiB), remaining(), 'generate small file');
    gen.small = { MiB: cfg.smallMiB, seconds: small.seconds, MBps: mbps(small.bytes, small.seconds) };
    results.push(await runScenario('small', [small]));
    rmSync(small.path, { force: true });
  }

  // 3. N docks at once, N different files.
  if (cfg.only.has('concurrent')) {
    progress(`generating ${cfg.docks} × ${cfg.concurrentMiB} MiB`);
    const files: GeneratedFile[] = [];
    const genStart = performance.now();
    for (let i = 0; i < cfg.docks; i++) {
      files.push(await withTimeout(writeRandomFile(path.join(workDir, `dock-${i}.bin`), cfg.concurrentMiB * MiB), remaining(), 'generate concurrent files'));
    }
    const genSeconds = (performance.now() - genStart) / 1000;
    gen.concurrent = { MiB: cfg.docks * cfg.concurrentMiB, seconds: genSeconds, MBps: mbps(cfg.docks * cfg.concurrentMiB * MiB, genSeconds) };
    progress(`${cfg.docks} docks at once: ${cfg.docks} × ${cfg.concurrentMiB} MiB`);
    results.push(await runScenario('concurrent', files));
    for (const f of files) rmSync(f.path, { force: true });
  }

  report(env, baseline, gen, results, hashSpeeds, spoolCosts);
}

// ---------------------------------------------------------------------------------------------------------------

function report(
  env: Record<string, unknown>,
  baseline: { sha256sumCold: number; sha256sumWarm: number; sha256sumMBps: number; opensslSeconds: number | null; opensslMBps: number | null; fileBytes: number } | null,
  gen: Record<string, { MiB: number; seconds: number; MBps: number }>,
  results: ScenarioResult[],
  hashSpeeds: HashSpeed[],
  spoolCosts: SpoolCost[],
) {
  const by = (n: string) => results.find((r) => r.name === n);
  const large = by('large');
  const small = by('small');
  const conc = by('concurrent');
  const shaMBps = baseline?.sha256sumMBps ?? null;
  const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'MET' : 'MISSED');
  const out: string[] = [];
  const p = (s = '') => out.push(s);

  p();
  p(`INGEST BENCHMARK  ${new Date().toISOString()}`);
  p(`  node ${env.node} · ${env.cpus} CPUs (${env.cpuModel}) · ${fmt(env.memTotalGB as number, 1)} GB RAM · Linux ${env.kernel}`);
  p(`  service: ${env.runnerNote}; all-in-one main (API + workers), ${cfg.pg ? 'PostgreSQL server (BENCH_PG=1 diagnostic, not the default)' : 'embedded PGlite'}, private redis-server, local disk store`);
  p(`  data on ${env.disk}; files: incompressible random bytes; SHA-256 only (no SM3 declared)`);
  p(
    cfg.restart
      ? '  each scenario: fresh DATA_DIR, first boot (PGlite initdb), docks registered, service restarted, then measured'
      : '  each scenario: fresh DATA_DIR, measured on its first boot (includes PGlite initdb leftovers in RSS)',
  );
  p(`  MB = 10^6 bytes, MB/s = 10^6 bytes per second; file sizes in MiB (2^20 bytes). Machine-notes figures in [brackets].`);

  p();
  p('BASELINES (this run)');
  const bl: string[][] = [];
  if (baseline) {
    const f = `${fmt(baseline.fileBytes / MiB)} MiB`;
    bl.push([`sha256sum ${f}, 1st run`, `${fmt(baseline.sha256sumCold, 2)} s`, `${fmt(mbps(baseline.fileBytes, baseline.sha256sumCold))} MB/s`, '']);
    bl.push([`sha256sum ${f}, 2nd run (warm cache) = reference`, `${fmt(baseline.sha256sumWarm, 2)} s`, `${fmt(baseline.sha256sumMBps)} MB/s`, `[~${NOTES.sha256sumMBps} MB/s]`]);
    bl.push([`openssl dgst -sha256 ${f} (context)`, `${fmt(baseline.opensslSeconds, 2)} s`, `${fmt(baseline.opensslMBps)} MB/s`, `[~${fmt(NOTES.opensslMBps)} MB/s]`]);
  }
  for (const [k, g] of Object.entries(gen)) {
    bl.push([`generate+write+fsync ${fmt(g.MiB)} MiB (${k})`, `${fmt(g.seconds, 2)} s`, `${fmt(g.MBps)} MB/s`, `[disk ~${NOTES.diskWriteMBps} MB/s]`]);
  }
  p(table(['what', 'time', 'rate', 'notes'], bl));

  const singleRows = (r: ScenarioResult): string[][] => {
    const ratio = shaMBps ? r.endToEndMBps / shaMBps : null;
    return [
      ['upload (tus, whole file in 1 PATCH; t0 → PATCH answered)', `${fmt(r.uploadSeconds, 2)} s`, `${fmt(r.uploadMBps)} MB/s`, ''],
      ['  receive + hash + spool write (t0 → spool file full)', `${fmt(r.phases.receiveSeconds, 2)} s`, `${fmt(r.phases.receiveSeconds ? mbps(r.bytesTotal, r.phases.receiveSeconds) : null)} MB/s`, `[disk ~${NOTES.diskWriteMBps} MB/s]`],
      ['  store (spool full → PATCH answered: fsync, link, db, enqueue)', `${fmt(r.phases.storeSeconds, 2)} s`, '', ''],
      ['  verify (PATCH answered → receipt verified: queue, read back, hash)', `${fmt(r.phases.verifySeconds, 2)} s`, '', ''],
      ['first byte → verified receipt', `${fmt(r.endToEndSeconds, 2)} s`, `${fmt(r.endToEndMBps)} MB/s`, ''],
      [
        `  ratio to sha256sum (goal ≥ ${GOALS.ratioToSha256sum})`,
        fmt(ratio, 2),
        `vs ${fmt(shaMBps)} MB/s`,
        verdict(ratio === null ? null : ratio >= GOALS.ratioToSha256sum),
      ],
      ['server peak RSS, VmHWM (goal < 200 MB)', `${fmt(r.memory.peakHwmMB)} MB`, '', verdict(r.memory.peakHwmMB < GOALS.peakRssMB)],
      ['server max VmRSS of 100 ms samples', `${fmt(r.memory.maxSampledRssMB)} MB`, `${r.memory.samples} samples`, ''],
      ['server idle RSS after readyz', `${fmt(r.memory.idleRssMB)} MB`, r.service.restarted ? 'restarted service' : 'first boot', ''],
      ...(r.firstBoot ? [['  (first boot on the empty DATA_DIR, idle RSS / VmHWM)', `${fmt(r.firstBoot.idleRssMB)} MB`, `${fmt(r.firstBoot.peakHwmMB)} MB`, `database process ${fmt(r.firstBoot.dbRssMB)} MB`]] : []),
      ['  + its database process (PGlite) peak RSS; both together', `${fmt(r.memory.dbPeakRssMB)} MB`, `${fmt(r.memory.serverAndDbPeakMB)} MB`, ''],
      ['server CPU during run (user+sys, with its database process)', `${fmt(r.cpu.serverSeconds, 1)} s`, `${fmt(r.cpu.serverCores, 2)} cores avg`, `of ${env.cpus}; database ${fmt(r.cpu.dbSeconds, 2)} s`],
      ['redis-server CPU / peak RSS', `${fmt(r.cpu.redisSeconds, 2)} s`, `${fmt(r.memory.redisPeakRssMB)} MB`, ''],
      ['bench process CPU (tus client + polling)', `${fmt(r.cpu.benchClientSeconds, 1)} s`, '', ''],
      ...ioRows(r),
    ];
  };

  function ioRows(r: ScenarioResult): string[][] {
    const io = r.serverIo;
    if (!io) return [];
    return [
      [
        'server syscalls: write-type (socket + spool) / read-type',
        `${fmt(io.syscw)} / ${fmt(io.syscr)}`,
        `avg ${fmt(io.wchar / Math.max(io.syscw, 1) / 1024, 1)} / ${fmt(io.rchar / Math.max(io.syscr, 1) / 1024, 1)} KiB`,
        '',
      ],
      [
        'machine CPU busy / of it other than service+redis+bench',
        `${fmt(r.cpu.machineBusySeconds === null ? null : r.cpu.machineBusySeconds / r.endToEndSeconds, 2)} cores`,
        `${fmt(r.cpu.otherSeconds === null ? null : r.cpu.otherSeconds / r.endToEndSeconds, 2)} cores other`,
        r.cpu.otherSeconds !== null && r.cpu.otherSeconds / r.endToEndSeconds > 0.25 ? 'NOISY: machine not quiet' : '',
      ],
      ['server CPU per GB ingested', `${fmt(r.cpu.serverSeconds === null ? null : r.cpu.serverSeconds / (r.bytesTotal / 1e9), 2)} s/GB`, '', ''],
    ];
  }

  if (large) {
    p();
    p(`SINGLE DOCK, ${fmt(large.bytesPerFile / MiB)} MiB`);
    p(table(['metric', 'value', 'rate / ref', 'goal'], singleRows(large)));
  }
  if (small) {
    p();
    p(`SINGLE DOCK, ${fmt(small.bytesPerFile / MiB)} MiB`);
    p(table(['metric', 'value', 'rate / ref', 'goal'], singleRows(small)));
  }

  p();
  p(
    `SERVER MEMORY vs FILE SIZE (fresh DATA_DIR + service per row${cfg.restart ? ', measured after one restart' : ''}; VmHWM reset after the idle reading, so peak = this run only)`,
  );
  p(
    table(
      ['run', 'bytes in', '1st-boot idle', 'idle RSS', 'peak VmHWM', 'max sampled RSS', 'increase over idle', 'goal peak < 200 MB'],
      results.map((r) => [
        r.docks === 1 ? `1 dock × ${fmt(r.bytesPerFile / MiB)} MiB` : `${r.docks} docks × ${fmt(r.bytesPerFile / MiB)} MiB`,
        `${fmt(r.bytesTotal / 1e6)} MB`,
        r.firstBoot ? `${fmt(r.firstBoot.idleRssMB)} MB` : '–',
        `${fmt(r.memory.idleRssMB)} MB`,
        `${fmt(r.memory.peakHwmMB)} MB${r.memory.peakResetOk ? '' : ' (not reset)'}`,
        `${fmt(r.memory.maxSampledRssMB)} MB`,
        `${fmt(r.memory.increaseOverIdleMB)} MB`,
        verdict(r.memory.peakHwmMB < GOALS.peakRssMB),
      ]),
    ),
  );
  if (large && small) {
    const growth = large.memory.increaseOverIdleMB - small.memory.increaseOverIdleMB;
    p(
      `  RSS increase over idle: ${fmt(large.memory.increaseOverIdleMB)} MB for ${fmt(large.bytesPerFile / MiB)} MiB vs ${fmt(small.memory.increaseOverIdleMB)} MB for ${fmt(small.bytesPerFile / MiB)} MiB ` +
        `(file ${fmt(large.bytesPerFile / small.bytesPerFile, 0)}× larger, difference ${fmt(growth)} MB: ${growth < 25 ? 'under 25 MB, memory does not grow with file size' : '25 MB or more, memory GROWS with file size'})`,
    );
  }

  if (conc) {
    const singleRef = large ?? small;
    const ratio = singleRef ? conc.endToEndMBps / singleRef.endToEndMBps : null;
    const e2e = conc.perDock.map((d) => d.verified);
    p();
    p(`${conc.docks} DOCKS AT ONCE, ${conc.docks} × ${fmt(conc.bytesPerFile / MiB)} MiB (different files, different docks)`);
    p(
      table(
        ['metric', 'value', 'rate / ref', 'goal'],
        [
          ['all uploads answered (t0 → last PATCH answered)', `${fmt(conc.uploadSeconds, 2)} s`, `${fmt(conc.uploadMBps)} MB/s`, ''],
          ['  receive + hash + spool write (t0 → last spool file full)', `${fmt(conc.phases.receiveSeconds, 2)} s`, `${fmt(conc.phases.receiveSeconds ? mbps(conc.bytesTotal, conc.phases.receiveSeconds) : null)} MB/s`, ''],
          ['first byte → all verified (aggregate)', `${fmt(conc.endToEndSeconds, 2)} s`, `${fmt(conc.endToEndMBps)} MB/s`, ''],
          [
            `  ratio to single dock (${singleRef ? `${fmt(singleRef.endToEndMBps)} MB/s at ${fmt(singleRef.bytesPerFile / MiB)} MiB` : 'n/a'}; goal ≥ ${GOALS.concurrentRatio})`,
            fmt(ratio, 2),
            '',
            verdict(ratio === null ? null : ratio >= GOALS.concurrentRatio),
          ],
          ['  ratio to sha256sum', fmt(shaMBps ? conc.endToEndMBps / shaMBps : null, 2), `vs ${fmt(shaMBps)} MB/s`, ''],
          ['fastest / slowest dock, first byte → verified', `${fmt(Math.min(...e2e), 2)} / ${fmt(Math.max(...e2e), 2)} s`, '', ''],
          ['server peak RSS, VmHWM (goal < 200 MB)', `${fmt(conc.memory.peakHwmMB)} MB`, `idle ${fmt(conc.memory.idleRssMB)} MB`, verdict(conc.memory.peakHwmMB < GOALS.peakRssMB)],
          ['  + its database process (PGlite) peak RSS; both together', `${fmt(conc.memory.dbPeakRssMB)} MB`, `${fmt(conc.memory.serverAndDbPeakMB)} MB`, ''],
          ['server CPU during run (user+sys, with its database process)', `${fmt(conc.cpu.serverSeconds, 1)} s`, `${fmt(conc.cpu.serverCores, 2)} cores avg`, `of ${env.cpus}; database ${fmt(conc.cpu.dbSeconds, 2)} s`],
          ['redis-server CPU / peak RSS', `${fmt(conc.cpu.redisSeconds, 2)} s`, `${fmt(conc.memory.redisPeakRssMB)} MB`, ''],
          ['bench process CPU (tus clients + polling)', `${fmt(conc.cpu.benchClientSeconds, 1)} s`, '', ''],
          ...ioRows(conc),
        ],
      ),
    );
    p(
      table(
        ['dock', 'spool full', 'PATCH answered', 'verified'],
        conc.perDock.map((d) => [d.file, `${fmt(d.spoolFullAt, 2)} s`, `${fmt(d.uploadDone, 2)} s`, `${fmt(d.verified, 2)} s`]),
      ),
    );
  }

  if (hashSpeeds.length) {
    p();
    p(`HASH STATE (${cfg.hashMiB} MiB in memory, 1 MiB chunks; machine notes: node sha256 ~1,450, sm3 ~440 MB/s)`);
    p(
      table(
        ['hash', 'node crypto', 'hash-wasm', 'hash-wasm, state saved+loaded each MiB', 'state', 'save+load'],
        hashSpeeds.map((h) => [h.algorithm, `${fmt(h.nodeCryptoMBps, 0)} MB/s`, `${fmt(h.hashWasmMBps, 0)} MB/s`, `${fmt(h.hashWasmSaveLoadMBps, 0)} MB/s`, `${h.stateBytes} B`, `${fmt(h.saveLoadMicros, 0)} µs`]),
      ),
    );
  }

  if (spoolCosts.length) {
    p();
    p(`UPLOAD SPOOL HOT PATH (${cfg.hashMiB * 4} MiB written then digested, in this process; the object store is the local disk here)`);
    p(table(['spool', 'write + digests', 'CPU per GB'], spoolCosts.map((c) => [c.spool, `${fmt(c.MBps, 0)} MB/s`, `${fmt(c.cpuSecondsPerGB, 2)} s/GB`])));
  }

  const jsonPath = path.join(outDir, `ingest-${stamp}.json`);
  p();
  p(`JSON: ${path.relative(repo, jsonPath)}   (total bench time ${fmt((performance.now() - started) / 1000, 0)} s)`);
  process.stdout.write(`${out.join('\n')}\n`);
  writeFileSync(
    jsonPath,
    `${JSON.stringify({ timestamp: new Date().toISOString(), config: { ...cfg, only: [...cfg.only] }, environment: env, machineNotes: NOTES, goals: GOALS, baseline, generation: gen, scenarios: results, hashSpeeds, spoolCosts, units: { MB: 1e6, MiB: MiB } }, null, 2)}\n`,
  );
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanup();
  })
  .catch(async (err: unknown) => {
    clearTimeout(watchdog);
    await abort(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
  });
