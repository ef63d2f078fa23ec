/**
 * Processing-pipeline benchmark: the real all-in-one service as a child process, clips uploaded by a dock over tus,
 * timed from `media.verified` to `ready`, beside the very same ffmpeg commands run bare on the same file.
 *
 *   npm run bench:pipeline
 *   BENCH_CLIPS=50 BENCH_LONG_S=20 npm run bench:pipeline        # quick
 *
 * What it does, in one run (one service, one fresh DATA_DIR):
 *   1. generates a 60 s 1080p30 H.264/AAC clip at 8 Mbit/s (browser-playable: remux path) and a 60 s 1080p HEVC
 *      clip (forces the ≤720p libx264 transcode; MPEG-2 when the time budget cannot afford libx265), plus one
 *      3 s 640x360 clip copied 200 × with a few unique bytes appended (an MP4 with trailing bytes still probes
 *      clean, and each copy has its own SHA-256, so none is a duplicate);
 *   2. uploads each long clip, times verified → proxy+poster → ready from the custody chain's server timestamps,
 *      and splits the time into queue hops and tool runs by watching the service's ffmpeg/ffprobe children in /proc;
 *   3. runs the exact ffmpeg arguments recorded in the derivatives' provenance bare, on the stored original, with the
 *      service idle; the proxy command also once before the upload, so the bare runs bracket the pipeline in time;
 *   4. uploads the 200 short clips 4 at a time and samples the service's VmRSS every 500 ms until all are ready.
 *
 * Env: BENCH_TIMEOUT_S (720), BENCH_LONG_S (60), BENCH_CLIPS (200), BENCH_CONCURRENCY (4), BENCH_SHORT_S (3),
 * BENCH_REENCODE (auto|hevc|mpeg2; auto = HEVC unless the budget is short), BENCH_ONLY (comma list of
 * remux,transcode,many), BENCH_RUNNER (dist|tsx; default dist when built), BENCH_KEEP=1 (keep the work directory).
 * Linux only (/proc). Writes bench/out/pipeline-<timestamp>.json.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getReceipt, sha256OfFile, uploadFile } from '../devices/tus-dock-client.js';
import { generateClip } from '../devices/simulators/clips.js';
import { planProxy } from '../src/domain/proxy-plan.js';
import { probeMedia } from '../src/media/probe.js';
import { makeThumbnails } from '../src/media/thumbnails.js';
import {
  childPids,
  ChildWatcher,
  MemSampler,
  readCpuSeconds,
  readMachineCpu,
  readMem,
  readReapedChildrenCpuSeconds,
  resetPeak,
  type ChildRun,
} from './lib/proc.js';
import { chooseRunner, startService, tail, type Service } from './lib/service.js';
import { fmt, mb, mountOf, table, timeCommand, withTimeout } from './lib/util.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repo, 'bench', 'out');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const workDir = path.join(outDir, `work-pipeline-${stamp}`);

const intEnv = (name: string, dflt: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
};
const reencodeEnv = process.env.BENCH_REENCODE ?? 'auto';
if (!['auto', 'hevc', 'mpeg2'].includes(reencodeEnv)) throw new Error(`BENCH_REENCODE must be auto, hevc or mpeg2, got ${reencodeEnv}`);
const cfg = {
  timeoutS: intEnv('BENCH_TIMEOUT_S', 720),
  longSeconds: intEnv('BENCH_LONG_S', 60),
  clips: intEnv('BENCH_CLIPS', 200),
  /** Short clips' length. Before 662e9ea a clip under ~5 s (half the sprite interval) got no sprite tile and its
   *  media ended `failed` after 5 thumbnail attempts; 3 s exercises that path. */
  shortSeconds: intEnv('BENCH_SHORT_S', 3),
  concurrency: intEnv('BENCH_CONCURRENCY', 4),
  reencode: reencodeEnv as 'auto' | 'hevc' | 'mpeg2',
  keep: process.env.BENCH_KEEP === '1',
  only: new Set((process.env.BENCH_ONLY ?? 'remux,transcode,many').split(',').map((s) => s.trim())),
};

/** Figures from /work/shared/machine-notes.md (60 s 1080p 8 Mbit/s H.264 clip, 2 shared cores), printed beside ours. */
const NOTES = {
  ffprobeS: 0.1,
  remuxS: 0.15,
  ffmpegStartS: 0.05,
  x264To720Realtime: 4.1,
  thumbsKeyframesS: 1.2,
  /** src/media/thumbnails.ts header: poster run + sprite run + sharp on that clip. */
  thumbsCallS: 0.64,
  sharpWebpPerS: 105,
  bullmqJobsPerS: 6700,
};
const GOALS = { transcodeJobRatio: 1.1, remuxPlayableS: 1.5, memGrowthMB: 30, memGrowthPct: 10 };

const started = performance.now();
const deadline = Date.now() + cfg.timeoutS * 1000;
const remaining = () => deadline - Date.now();
const progress = (msg: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: the service, any ffmpeg this process started, and the work directory go on success, error, timeout or
// Ctrl-C. What was measured so far is still written to the JSON on an abort.

const partial: Record<string, unknown> = {};
let svcRef: Service | null = null;
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    if (svcRef) {
      const r = await svcRef.stop(10_000).catch(() => null);
      if (r?.redisKilled) progress('killed the leftover redis-server of the service');
      if (r && !r.exitedGracefully) progress('the service did not exit within 10 s of SIGTERM; SIGKILLed');
      svcRef = null;
    }
    // Only our own children (a clip generator or a bare ffmpeg still running), by pid.
    for (const pid of childPids(process.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (!cfg.keep) rmSync(workDir, { recursive: true, force: true });
    else progress(`kept ${workDir}`);
  })();
  return cleaning;
}
async function abort(why: string, code: number): Promise<never> {
  process.stderr.write(`\n[bench] ABORTED: ${why}\n`);
  try {
    mkdirSync(outDir, { recursive: true });
    const p = path.join(outDir, `pipeline-${stamp}.json`);
    writeFileSync(p, `${JSON.stringify({ timestamp: new Date().toISOString(), aborted: why, config: { ...cfg, only: [...cfg.only] }, partial }, null, 2)}\n`);
    process.stderr.write(`[bench] partial results: ${path.relative(repo, p)}\n`);
  } catch {
    // nothing more to save
  }
  await Promise.race([cleanup(), sleep(30_000)]);
  process.exit(code);
}
const watchdog = setTimeout(() => void abort(`the benchmark took more than ${cfg.timeoutS} s (BENCH_TIMEOUT_S)`, 3), cfg.timeoutS * 1000);
process.once('SIGINT', () => void abort('interrupted (SIGINT)', 130));
process.once('SIGTERM', () => void abort('terminated (SIGTERM)', 143));

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

interface Clip {
  label: string;
  path: string;
  bytes: number;
  sha256: string;
  seconds: number;
  codec: string;
  width: number;
  height: number;
  generateSeconds: number;
}

interface CustodyEvent {
  seq: number;
  at: string;
  type: string;
  details: Record<string, unknown>;
}
interface Derivative {
  kind: 'proxy' | 'poster' | 'sprite';
  sizeBytes: number;
  createdAt: string;
  operation: { tool: string; mode?: string; reason?: string; args: string[] | string[][] };
}
interface MediaBody {
  id: string;
  state: string;
  sha256: string;
  probe: { container: string; durationSec: number; video?: { codec: string; width: number; height: number } } | null;
  custody: CustodyEvent[];
}

async function api<T>(svc: Service, urlPath: string): Promise<T> {
  const res = await fetch(`${svc.baseUrl}${urlPath}`, { headers: { Authorization: `Bearer ${svc.adminToken}` } });
  if (!res.ok) throw new Error(`GET ${urlPath}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function ffprobeInfo(file: string): Promise<{ codec: string; width: number; height: number; seconds: number; bitRate: number }> {
  const r = await timeCommand('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], 30_000);
  const j = JSON.parse(r.stdout) as { format: { duration: string; bit_rate: string }; streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }> };
  const v = j.streams.find((s) => s.codec_type === 'video');
  return { codec: v?.codec_name ?? '?', width: v?.width ?? 0, height: v?.height ?? 0, seconds: Number(j.format.duration), bitRate: Number(j.format.bit_rate) };
}

const originalPath = (dataDir: string, sha256: string) => path.join(dataDir, 'objects', 'originals', sha256.slice(0, 2), sha256.slice(2, 4), sha256);

type ToolKind = 'ffprobe' | 'read-through' | 'proxy' | 'poster' | 'sprite' | 'version' | 'other';
function kindOf(cmdline: string): ToolKind {
  if (/\bffprobe\b/.test(cmdline)) return cmdline.includes('-version') ? 'version' : 'ffprobe';
  if (cmdline.includes('-version')) return 'version';
  if (cmdline.includes('proxy.mp4')) return 'proxy';
  if (cmdline.includes('poster.png')) return 'poster';
  if (cmdline.includes('tile-%05d.png')) return 'sprite';
  if (/-f null -$/.test(cmdline)) return 'read-through';
  return 'other';
}
const runEnd = (r: ChildRun) => r.ended ?? r.lastSeen;
const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** CPU seconds of every party at one moment, to split a window's machine time and flag a noisy machine. */
interface CpuMark {
  t: number;
  machineBusy: number | null;
  service: number | null;
  serviceChildren: number | null;
  redis: number | null;
  bench: number;
  benchChildren: number | null;
}
function cpuMark(svc: Service | null): CpuMark {
  const u = process.cpuUsage();
  return {
    t: Date.now(),
    machineBusy: readMachineCpu()?.busySeconds ?? null,
    service: svc ? readCpuSeconds(svc.pid) : null,
    serviceChildren: svc ? readReapedChildrenCpuSeconds(svc.pid) : null,
    redis: svc?.redisPid ? readCpuSeconds(svc.redisPid) : null,
    bench: (u.user + u.system) / 1e6,
    benchChildren: readReapedChildrenCpuSeconds(process.pid),
  };
}
interface CpuWindow {
  seconds: number;
  /** Cores busy on average over the window. */
  machineCores: number | null;
  serviceCores: number | null;
  /** ffmpeg/ffprobe the service ran (reaped children). */
  serviceChildrenCores: number | null;
  redisCores: number | null;
  benchCores: number;
  /** Bare ffmpeg runs and clip generation by this process. */
  benchChildrenCores: number | null;
  /** Machine busy time of no process of this benchmark: other sessions on the shared machine. */
  otherCores: number | null;
  serviceCpuSeconds: number | null;
  serviceChildrenCpuSeconds: number | null;
  redisCpuSeconds: number | null;
}
function cpuWindow(a: CpuMark, b: CpuMark): CpuWindow {
  const s = Math.max((b.t - a.t) / 1000, 1e-3);
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
  const machine = d(a.machineBusy, b.machineBusy);
  const service = d(a.service, b.service);
  const children = d(a.serviceChildren, b.serviceChildren);
  const redis = d(a.redis, b.redis);
  const bench = b.bench - a.bench;
  const benchChildren = d(a.benchChildren, b.benchChildren);
  const ours = (service ?? 0) + (children ?? 0) + (redis ?? 0) + bench + (benchChildren ?? 0);
  const per = (x: number | null) => (x === null ? null : x / s);
  return {
    seconds: s,
    machineCores: per(machine),
    serviceCores: per(service),
    serviceChildrenCores: per(children),
    redisCores: per(redis),
    benchCores: bench / s,
    benchChildrenCores: per(benchChildren),
    otherCores: machine === null ? null : Math.max(0, machine - ours) / s,
    serviceCpuSeconds: service,
    serviceChildrenCpuSeconds: children,
    redisCpuSeconds: redis,
  };
}
const noisy = (w: CpuWindow | null | undefined) => (w?.otherCores ?? 0) > 0.25;

// ---------------------------------------------------------------------------------------------------------------
// Bare: the exact recorded ffmpeg arguments, plain ffmpeg, same stored original, service idle.

interface BareRun {
  step: ToolKind;
  /** The command with the original as {original} and outputs as {out}/<name>. */
  command: string;
  seconds: number[];
  /** CPU seconds of each run (this process's reaped children, /proc cutime+cstime). */
  cpuSeconds: number[];
}

function bareArgs(recorded: string[], original: string, outDirFor: string): string[] {
  return recorded.map((a) => {
    if (a === 'file:{original}' || a === '{original}') return `file:${original}`;
    const m = /^file:(.+)$/.exec(a);
    if (!m) return a;
    // {output}, {scratch}/x, or a per-run temp path recorded literally: the same file name in our own directory.
    const name = m[1] === '{output}' ? 'proxy.mp4' : path.basename(m[1]!);
    return `file:${path.join(outDirFor, name)}`;
  });
}

const GLOBAL = ['-hide_banner', '-nostdin', '-nostats'];

async function timeBare(step: ToolKind, cmd: string, args: string[], reps: number, outFor: string, original: string): Promise<BareRun> {
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  for (let i = 0; i < reps; i++) {
    rmSync(outFor, { recursive: true, force: true });
    mkdirSync(outFor, { recursive: true });
    const c0 = readReapedChildrenCpuSeconds(process.pid) ?? NaN;
    seconds.push((await timeCommand(cmd, args, Math.max(remaining(), 1_000))).seconds);
    cpuSeconds.push((readReapedChildrenCpuSeconds(process.pid) ?? NaN) - c0);
  }
  rmSync(outFor, { recursive: true, force: true });
  const command = [cmd, ...args].join(' ').replaceAll(original, '{original}').replaceAll(outFor, '{out}');
  return { step, command, seconds, cpuSeconds };
}

interface BareSet {
  runs: BareRun[];
  /** Sum of one run of each step (the fastest where repeated: noise only ever slows a run down). */
  sumSeconds: number;
  byStep: Partial<Record<ToolKind, number>>;
  /** makeThumbnails() called in this process: both ffmpeg runs + sharp WebP, no queue or database. */
  libraryThumbnailsSeconds: number | null;
  /** probeMedia() called in this process: ffprobe + read-through + parsing. */
  libraryProbeSeconds: number | null;
  cpu: CpuWindow;
}

/** A bare proxy run made before the upload, so the bare runs bracket the pipeline's in time (noise drifts). */
interface PreRun {
  /** The arguments in provenance form ({original}, {output}), to check against what the worker recorded. */
  recorded: string[];
  seconds: number;
  cpuSeconds: number;
}

/** The proxy command the worker will run (same planProxy, same probe), run bare on the clip before it is uploaded. */
async function preBareProxy(label: string, clip: Clip): Promise<PreRun> {
  const out = path.join(workDir, `bare-${label}-pre`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const plan = planProxy(await probeMedia(clip.path), { burnClock: null });
  const output = path.join(out, 'proxy.mp4');
  const args = plan.args(clip.path, output);
  const c0 = readReapedChildrenCpuSeconds(process.pid) ?? NaN;
  const { seconds } = await timeCommand('ffmpeg', [...GLOBAL, ...args], Math.max(remaining(), 1_000));
  const cpuSeconds = (readReapedChildrenCpuSeconds(process.pid) ?? NaN) - c0;
  rmSync(out, { recursive: true, force: true });
  return { recorded: args.map((a) => a.replace(clip.path, '{original}').replace(output, '{output}')), seconds, cpuSeconds };
}

async function runBareSet(
  label: string,
  original: string,
  derivs: Derivative[],
  proxyReps: number,
  durationSec: number,
  library: boolean,
  pre: PreRun | null = null,
): Promise<BareSet> {
  const out = path.join(workDir, `bare-${label}`);
  const m0 = cpuMark(svcRef);
  const runs: BareRun[] = [];
  runs.push(await timeBare('ffprobe', 'ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', `file:${original}`], 1, out, original));
  runs.push(await timeBare('read-through', 'ffmpeg', [...GLOBAL, '-v', 'error', '-i', `file:${original}`, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'], 1, out, original));
  const proxy = derivs.find((d) => d.kind === 'proxy');
  if (!proxy) throw new Error(`${label}: no proxy derivative`);
  const proxyRun = await timeBare('proxy', 'ffmpeg', [...GLOBAL, ...bareArgs(proxy.operation.args as string[], original, out)], proxyReps, out, original);
  if (pre) {
    proxyRun.seconds.unshift(pre.seconds);
    proxyRun.cpuSeconds.unshift(pre.cpuSeconds);
  }
  runs.push(proxyRun);
  const thumbs = (derivs.find((d) => d.kind === 'sprite')?.operation.args ?? []) as string[][];
  for (const recorded of thumbs) {
    const args = bareArgs(recorded, original, out);
    runs.push(await timeBare(kindOf(args.join(' ')), 'ffmpeg', [...GLOBAL, ...args], 1, out, original));
  }
  let libraryThumbnailsSeconds: number | null = null;
  let libraryProbeSeconds: number | null = null;
  if (library) {
    let t = performance.now();
    await probeMedia(original);
    libraryProbeSeconds = (performance.now() - t) / 1000;
    mkdirSync(out, { recursive: true });
    t = performance.now();
    await makeThumbnails(original, out, { durationSec, intervalSec: 10 });
    libraryThumbnailsSeconds = (performance.now() - t) / 1000;
    rmSync(out, { recursive: true, force: true });
  }
  const byStep: Partial<Record<ToolKind, number>> = {};
  for (const r of runs) byStep[r.step] = (byStep[r.step] ?? 0) + Math.min(...r.seconds);
  return { runs, sumSeconds: sum(Object.values(byStep)), byStep, libraryThumbnailsSeconds, libraryProbeSeconds, cpu: cpuWindow(m0, cpuMark(svcRef)) };
}

// ---------------------------------------------------------------------------------------------------------------
// One long clip through the pipeline

interface Segment {
  what: string;
  /** ms after media.verified (server clock). */
  fromMs: number;
  ms: number;
  kind: 'queue/db' | 'tool' | 'store' | 'poll';
  /** CPU seconds of the tool run (from /proc), for tool segments. */
  cpuSeconds?: number;
}

interface LongResult {
  label: string;
  clip: Omit<Clip, 'path'>;
  mediaId: string;
  proxyMode: string;
  proxyReason: string;
  uploadSeconds: number;
  uploadDoneToVerifiedMs: number;
  /** Client poll (receipt at 20 ms) saw the state leave 'stored' / become 'ready'; ms after media.verified. */
  clientVerifiedMs: number | null;
  clientReadyMs: number;
  /** Server timestamps (custody `at`), ms after media.verified. */
  proxyCreatedMs: number;
  posterCreatedMs: number;
  spriteCreatedMs: number;
  playableMs: number;
  /** Per the brief: proxy derivative.created − the custody event before it (media.verified: probe has no event). */
  proxyJobCustodyMs: number;
  previousEventType: string;
  /** Proxy stage alone: end of the probe's read-through → proxy derivative.created (process watch + custody). */
  proxyStageMs: number | null;
  /** The proxy ffmpeg process inside the service. */
  proxyFfmpegMs: number | null;
  proxyFfmpegCpuSeconds: number | null;
  segments: Segment[];
  tools: Array<{ kind: ToolKind; startMs: number; ms: number; cpuSeconds: number; cmdline: string }>;
  polls: number;
  cpu: CpuWindow;
  /** While the proxy ffmpeg ran (polls at 250 ms): serviceCores is the node process alone, beside ffmpeg. */
  duringProxyFfmpeg: CpuWindow | null;
  bare: BareSet;
}

async function pollUntilReady(
  svc: Service,
  token: string,
  url: string,
  sha256: string,
  watcher: ChildWatcher,
  budgetMs: number,
): Promise<{ mediaId: string; verifiedAt: number | null; readyAt: number; polls: number; duringTranscode: CpuWindow | null }> {
  const until = Date.now() + budgetMs;
  let verifiedAt: number | null = null;
  let polls = 0;
  let tx0: CpuMark | null = null;
  let duringTranscode: CpuWindow | null = null;
  let reported = 0;
  for (;;) {
    const r = await getReceipt(svc.baseUrl, token, url);
    const t = Date.now();
    polls++;
    if (r.state === 'rejected' || r.state === 'failed') {
      const lines = failedJobLines(svc, r.mediaId ?? '?');
      throw new Error(`media ${r.mediaId} ended ${r.state} (${r.errorCode ?? '-'}) after ${lines.length} failed job attempt(s):\n    ${lines.join('\n    ')}`);
    }
    // Say so as soon as a job attempt fails (BullMQ retries 5 × with backoff before the media is marked failed).
    if (r.mediaId && polls % 50 === 0) {
      const lines = failedJobLines(svc, r.mediaId);
      if (lines.length > reported) progress(`job attempt failed (${lines.length}): ${lines.at(-1)}`);
      reported = lines.length;
    }
    if (verifiedAt === null && r.verified) verifiedAt = t;
    if (r.state === 'ready' && r.mediaId) return { mediaId: r.mediaId, verifiedAt, readyAt: t, polls, duringTranscode };
    if (Date.now() > until) throw new Error(`not ready in time (state ${r.state}); service log: ${tail(svc.logFile)}`);
    // 20 ms, except while this media's transcode runs: nothing timed can happen then, and the polls would take CPU
    // from libx264 (see the poll-cost row).
    const transcoding = watcher.running().some((c) => c.cmdline.includes(sha256) && kindOf(c.cmdline) === 'proxy');
    // Who else used the CPU while the proxy ffmpeg ran (to tell contention from extra work), to within one poll.
    if (transcoding && !tx0) tx0 = cpuMark(svc);
    if (!transcoding && tx0 && !duringTranscode) duringTranscode = cpuWindow(tx0, cpuMark(svc));
    await sleep(transcoding ? 250 : 20);
  }
}

/** The service's 'job failed' log lines about one media: queue, attempt, error. */
function failedJobLines(svc: Service, mediaId: string): string[] {
  let text = '';
  try {
    text = readFileSync(svc.logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.includes(mediaId) && l.includes('"job failed"'))
    .map((l) => {
      try {
        const j = JSON.parse(l) as { queue?: string; attempt?: number; err?: string; time?: number };
        return `${new Date(j.time ?? 0).toISOString().slice(11, 23)} ${j.queue} attempt ${j.attempt}: ${j.err}`;
      } catch {
        return l.slice(0, 200);
      }
    });
}

async function runLong(label: string, clip: Clip, svc: Service, dock: { token: string }, watcher: ChildWatcher, proxyReps: number): Promise<LongResult> {
  progress(`${label}: bare proxy run before the upload`);
  const pre = await preBareProxy(label, clip);
  progress(`${label}: uploading ${path.basename(clip.path)} (${fmt(clip.bytes / 1e6, 1)} MB)`);
  const m0 = cpuMark(svc);
  const t0 = Date.now();
  const url = await withTimeout(
    uploadFile({ baseUrl: svc.baseUrl, token: dock.token, path: clip.path, metadata: { filename: path.basename(clip.path), sha256: clip.sha256 }, retryDelays: [] }),
    remaining(),
    `${label}: upload`,
  );
  const uploadDone = Date.now();
  const polled = await pollUntilReady(svc, dock.token, url, clip.sha256, watcher, remaining());
  const m1 = cpuMark(svc);
  const media = await api<MediaBody>(svc, `/api/v1/media/${polled.mediaId}`);
  const derivs = await api<Derivative[]>(svc, `/api/v1/media/${polled.mediaId}/derivatives`);

  const at = (e: CustodyEvent | undefined) => (e ? Date.parse(e.at) : NaN);
  const verifiedEv = media.custody.find((e) => e.type === 'media.verified');
  if (!verifiedEv) throw new Error(`${label}: no media.verified event`);
  const V = at(verifiedEv);
  const created = (kind: string) => media.custody.find((e) => e.type === 'derivative.created' && e.details.kind === kind);
  const proxyEv = created('proxy');
  const posterEv = created('poster');
  const spriteEv = created('sprite');
  if (!proxyEv || !posterEv || !spriteEv) throw new Error(`${label}: derivative events missing`);
  const before = [...media.custody].filter((e) => e.seq < proxyEv.seq).pop()!;
  const rel = (t: number) => t - V;

  // Tool runs of this media, in the order they started.
  const tools = watcher
    .runs()
    .filter((r) => r.cmdline.includes(clip.sha256) && r.firstSeen >= t0)
    .sort((a, b) => a.firstSeen - b.firstSeen)
    .map((r) => ({ kind: kindOf(r.cmdline), startMs: rel(r.firstSeen), ms: runEnd(r) - r.firstSeen, cpuSeconds: r.cpuSeconds, cmdline: r.cmdline }));
  const tool = (k: ToolKind) => tools.filter((x) => x.kind === k);
  const ffprobe = tool('ffprobe')[0];
  const readThrough = tool('read-through')[0];
  const proxyRun = tool('proxy')[0];
  const posterRuns = tool('poster');
  const spriteRun = tool('sprite')[0];

  const segments: Segment[] = [];
  let cursor = 0;
  const gap = (what: string, toMs: number | undefined, kind: Segment['kind']) => {
    if (toMs === undefined || !Number.isFinite(toMs)) return;
    segments.push({ what, fromMs: cursor, ms: toMs - cursor, kind });
    cursor = toMs;
  };
  const run = (what: string, r: { startMs: number; ms: number; cpuSeconds: number } | undefined) => {
    if (!r) return;
    segments.push({ what, fromMs: r.startMs, ms: r.ms, kind: 'tool', cpuSeconds: r.cpuSeconds });
    cursor = r.startMs + r.ms;
  };
  gap('verified → probe job starts ffprobe (enqueue, BullMQ pickup, markProcessing)', ffprobe?.startMs, 'queue/db');
  run('  ffprobe -show_format -show_streams', ffprobe);
  gap('  parse JSON → read-through starts', readThrough?.startMs, 'queue/db');
  run('  ffmpeg read-through (-c copy -f null)', readThrough);
  gap('probe done → proxy ffmpeg starts (saveProbe, advance, enqueue, pickup)', proxyRun?.startMs, 'queue/db');
  run(`  ffmpeg proxy (${derivs.find((d) => d.kind === 'proxy')?.operation.mode ?? '?'})`, proxyRun);
  gap('proxy ffmpeg exits → proxy derivative.created (hash, link+fsync, db+custody)', rel(at(proxyEv)), 'store');
  gap('proxy created → poster ffmpeg starts (advance, enqueue, pickup)', posterRuns[0]?.startMs, 'queue/db');
  for (const [i, p] of posterRuns.entries()) {
    if (i > 0) gap('  poster fallback', p.startMs, 'queue/db');
    run('  ffmpeg poster (keyframe, -skip_frame nokey)', p);
  }
  gap('  poster exits → sprite starts', spriteRun?.startMs, 'queue/db');
  run('  ffmpeg sprite tiles (keyframes, fps, tpad)', spriteRun);
  gap('sprite exits → poster derivative.created (sharp WebP ×2, hash, link+fsync, db)', rel(at(posterEv)), 'store');
  gap('poster created → sprite derivative.created (hash, link+fsync, db)', rel(at(spriteEv)), 'store');
  gap('sprite created → state ready seen (advance, markReady, ≤20 ms poll)', rel(polled.readyAt), 'poll');

  progress(`${label}: ready ${fmt(rel(polled.readyAt) / 1000, 2)} s after verified; running the same commands bare`);
  const proxyDeriv = derivs.find((d) => d.kind === 'proxy')!;
  const preValid = JSON.stringify(pre.recorded) === JSON.stringify(proxyDeriv.operation.args);
  if (!preValid) progress(`${label}: the recorded proxy arguments differ from planProxy's; the bare run before the upload is left out`);
  const bare = await runBareSet(label, originalPath(svc.dataDir, clip.sha256), derivs, proxyReps, media.probe?.durationSec ?? clip.seconds, true, preValid ? pre : null);
  const { path: _p, ...clipInfo } = clip;
  return {
    label,
    clip: clipInfo,
    mediaId: polled.mediaId,
    proxyMode: proxyDeriv.operation.mode ?? '?',
    proxyReason: proxyDeriv.operation.reason ?? '',
    uploadSeconds: (uploadDone - t0) / 1000,
    uploadDoneToVerifiedMs: V - uploadDone,
    clientVerifiedMs: polled.verifiedAt === null ? null : rel(polled.verifiedAt),
    clientReadyMs: rel(polled.readyAt),
    proxyCreatedMs: rel(at(proxyEv)),
    posterCreatedMs: rel(at(posterEv)),
    spriteCreatedMs: rel(at(spriteEv)),
    playableMs: Math.max(rel(at(proxyEv)), rel(at(posterEv))),
    proxyJobCustodyMs: at(proxyEv) - at(before),
    previousEventType: before.type,
    proxyStageMs: readThrough ? rel(at(proxyEv)) - (readThrough.startMs + readThrough.ms) : null,
    proxyFfmpegMs: proxyRun?.ms ?? null,
    proxyFfmpegCpuSeconds: proxyRun?.cpuSeconds ?? null,
    segments,
    tools,
    polls: polled.polls,
    cpu: cpuWindow(m0, m1),
    duringProxyFfmpeg: polled.duringTranscode,
    bare,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Many short clips: memory and throughput

interface Tick {
  t: number;
  ready: number;
  rssKb: number;
  heapUsedMB: number | null;
  redisRssKb: number | null;
}
interface Milestone {
  clips: number;
  atSeconds: number;
  rssMB: number;
  /** Median VmRSS of the 10 samples (5 s) up to the milestone: less at the mercy of one GC. */
  rssMedian5sMB: number;
  heapUsedMB: number | null;
  redisRssMB: number | null;
}
interface ManyResult {
  clips: number;
  concurrency: number;
  clipBytes: number;
  uploadSeconds: number;
  allReadySeconds: number;
  clipsPerMin: number;
  /** 20th → last ready: the steady processing rate, without ramp-up. */
  steadyClipsPerMin: number;
  idleRssMB: number;
  milestones: Milestone[];
  settledRssMB: number;
  peakHwmMB: number;
  growth100to200MB: number | null;
  growth100to200Pct: number | null;
  /** Least-squares slope of VmRSS against clips ready, over the second half, MB per 100 clips. */
  slopeMBper100: number | null;
  heapGrowth100to200MB: number | null;
  tools: Array<{ kind: ToolKind; runs: number; medianMs: number; cpuSecondsPerClip: number }>;
  perClip: { serviceCpuS: number | null; ffmpegCpuS: number | null; redisCpuS: number | null; wallS: number };
  cpu: CpuWindow;
  bare: BareSet | null;
  curve: Array<[number, number, number]>;
}

async function readMetrics(svc: Service): Promise<{ ready: number; failed: number; heapUsedMB: number | null }> {
  const res = await fetch(`${svc.baseUrl}/metrics`);
  const text = await res.text();
  const n = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  const heap = /^evm_process_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1];
  return {
    ready: n(/^evm_media_files\{state="ready"\} (\d+)/m),
    failed: n(/^evm_media_files\{state="failed"\} (\d+)/m) + n(/^evm_media_files\{state="rejected"\} (\d+)/m),
    heapUsedMB: heap ? Number(heap) / 1e6 : null,
  };
}

async function runMany(files: Array<{ path: string; sha256: string }>, svc: Service, dock: { token: string }, watcher: ChildWatcher): Promise<ManyResult> {
  await sleep(1_000);
  const idle = readMem(svc.pid);
  if (!idle) throw new Error('service died');
  resetPeak(svc.pid);
  const base = await readMetrics(svc);
  const sampler = new MemSampler(svc.pid, 500);
  const m0 = cpuMark(svc);
  const t0 = Date.now();
  const ticks: Tick[] = [];
  const urls: string[] = [];
  let next = 0;
  let uploadError: Error | null = null;
  let uploadsDoneAt = 0;
  const uploader = async () => {
    while (next < files.length && !uploadError) {
      const i = next++;
      const f = files[i]!;
      urls[i] = await uploadFile({ baseUrl: svc.baseUrl, token: dock.token, path: f.path, metadata: { filename: path.basename(f.path), sha256: f.sha256 }, retryDelays: [] });
    }
  };
  const uploading = Promise.all(Array.from({ length: cfg.concurrency }, uploader)).then(
    () => void (uploadsDoneAt = Date.now()),
    (err: Error) => void (uploadError = err),
  );

  const targets = [...new Set([20, Math.round(files.length / 2), files.length])].filter((x) => x <= files.length).sort((x, y) => x - y);
  const hit = new Map<number, number>(); // target → tick index
  let lastLog = 0;
  for (;;) {
    const m = await readMetrics(svc);
    const mem = readMem(svc.pid);
    const redis = svc.redisPid ? readMem(svc.redisPid) : null;
    if (!mem) throw new Error(`service died; log: ${tail(svc.logFile)}`);
    const ready = m.ready - base.ready;
    ticks.push({ t: Date.now(), ready, rssKb: mem.rssKb, heapUsedMB: m.heapUsedMB, redisRssKb: redis?.rssKb ?? null });
    for (const k of targets) if (ready >= k && !hit.has(k)) hit.set(k, ticks.length - 1);
    if (uploadError) throw new Error(`upload failed: ${(uploadError as Error).message}`);
    if (m.failed > base.failed) throw new Error(`${m.failed - base.failed} media failed or rejected; log: ${tail(svc.logFile)}`);
    if (ready >= files.length) break;
    if (remaining() < 0) throw new Error(`only ${ready}/${files.length} ready in time`);
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      progress(`many: ${urls.filter(Boolean).length}/${files.length} uploaded, ${ready} ready, RSS ${fmt(mb(mem.rssKb))} MB`);
    }
    await sleep(500);
  }
  const allReady = Date.now();
  await uploading;
  const m1 = cpuMark(svc);
  // Settled: the service idle for 3 s after the last clip.
  await sleep(3_000);
  const settled = readMem(svc.pid);
  const mem = sampler.stop();

  const milestones: Milestone[] = targets.map((k) => {
    const i = hit.get(k)!;
    const window = ticks.slice(Math.max(0, i - 9), i + 1);
    const tk = ticks[i]!;
    return {
      clips: k,
      atSeconds: (tk.t - t0) / 1000,
      rssMB: mb(tk.rssKb),
      rssMedian5sMB: mb(median(window.map((w) => w.rssKb))),
      heapUsedMB: tk.heapUsedMB,
      redisRssMB: tk.redisRssKb === null ? null : mb(tk.redisRssKb),
    };
  });
  const half = milestones.find((x) => x.clips === Math.round(files.length / 2));
  const full = milestones.find((x) => x.clips === files.length);
  const second = ticks.filter((x) => x.ready >= files.length / 2);
  let slope: number | null = null;
  if (second.length >= 4) {
    const xs = second.map((x) => x.ready);
    const ys = second.map((x) => mb(x.rssKb));
    const mx = sum(xs) / xs.length;
    const my = sum(ys) / ys.length;
    const den = sum(xs.map((x) => (x - mx) ** 2));
    slope = den > 0 ? (sum(xs.map((x, i) => (x - mx) * (ys[i]! - my))) / den) * 100 : null;
  }
  const cpu = cpuWindow(m0, m1);
  const runs = watcher.runs().filter((r) => r.firstSeen >= t0 && r.firstSeen <= allReady);
  const kinds: ToolKind[] = ['ffprobe', 'read-through', 'proxy', 'poster', 'sprite', 'version', 'other'];
  const tools = kinds
    .map((kind) => {
      const rs = runs.filter((r) => kindOf(r.cmdline) === kind);
      return { kind, runs: rs.length, medianMs: median(rs.map((r) => runEnd(r) - r.firstSeen)), cpuSecondsPerClip: sum(rs.map((r) => r.cpuSeconds)) / files.length };
    })
    .filter((x) => x.runs > 0);

  // Bare commands of one of these clips (they are all the same picture).
  let bare: BareSet | null = null;
  const firstId = (await getReceipt(svc.baseUrl, dock.token, urls[0]!)).mediaId;
  if (firstId) {
    const derivs = await api<Derivative[]>(svc, `/api/v1/media/${firstId}/derivatives`);
    bare = await runBareSet('short', originalPath(svc.dataDir, files[0]!.sha256), derivs, 3, cfg.shortSeconds, true);
  }
  const readyOf = (k: number) => ticks[hit.get(k)!]!.t;
  const secs = (allReady - t0) / 1000;
  return {
    clips: files.length,
    concurrency: cfg.concurrency,
    clipBytes: statSync(files[0]!.path).size,
    uploadSeconds: ((uploadsDoneAt || allReady) - t0) / 1000,
    allReadySeconds: secs,
    clipsPerMin: (files.length / secs) * 60,
    steadyClipsPerMin: files.length > 20 ? ((files.length - 20) / ((allReady - readyOf(20)) / 1000)) * 60 : NaN,
    idleRssMB: mb(idle.rssKb),
    milestones,
    settledRssMB: settled ? mb(settled.rssKb) : NaN,
    peakHwmMB: mb(Math.max(mem.hwmKb, mem.maxSampledRssKb)),
    growth100to200MB: half && full ? full.rssMedian5sMB - half.rssMedian5sMB : null,
    growth100to200Pct: half && full ? ((full.rssMedian5sMB - half.rssMedian5sMB) / half.rssMedian5sMB) * 100 : null,
    slopeMBper100: slope,
    heapGrowth100to200MB: half?.heapUsedMB != null && full?.heapUsedMB != null ? full.heapUsedMB - half.heapUsedMB : null,
    tools,
    perClip: {
      serviceCpuS: cpu.serviceCpuSeconds === null ? null : cpu.serviceCpuSeconds / files.length,
      ffmpegCpuS: cpu.serviceChildrenCpuSeconds === null ? null : cpu.serviceChildrenCpuSeconds / files.length,
      redisCpuS: cpu.redisCpuSeconds === null ? null : cpu.redisCpuSeconds / files.length,
      wallS: secs / files.length,
    },
    cpu,
    bare,
    curve: ticks.filter((_, i) => i % Math.max(1, Math.ceil(ticks.length / 300)) === 0).map((x) => [Math.round(x.t - t0), x.ready, x.rssKb]),
  };
}

// ---------------------------------------------------------------------------------------------------------------

const runnerChoice = chooseRunner(repo, process.env.BENCH_RUNNER);

async function makeClip(label: string, file: string, o: Parameters<typeof generateClip>[0]): Promise<Clip> {
  const t = performance.now();
  await withTimeout(generateClip({ ...o, path: file }), remaining(), `generate ${label}`);
  const generateSeconds = (performance.now() - t) / 1000;
  const info = await ffprobeInfo(file);
  const clip = { label, path: file, bytes: statSync(file).size, sha256: await sha256OfFile(file), seconds: info.seconds, codec: info.codec, width: info.width, height: info.height, generateSeconds };
  progress(`${label}: ${info.codec} ${info.width}x${info.height} ${fmt(info.seconds, 1)} s, ${fmt(info.bitRate / 1e6, 1)} Mbit/s, generated in ${fmt(generateSeconds, 1)} s`);
  return clip;
}

async function main() {
  mkdirSync(workDir, { recursive: true });
  const mount = mountOf(workDir);
  if (mount.fsType === 'tmpfs' || mount.fsType === 'ramfs') throw new Error(`${workDir} is on ${mount.fsType}: the benchmark must write to a real disk`);
  const ffmpegVersion = (await timeCommand('ffmpeg', ['-version'], 10_000)).stdout.split('\n')[0]!.trim();
  // The service runs from dist built from this working tree: say which commit and how much of the server is uncommitted.
  const git = async (args: string[]) => (await timeCommand('git', ['-C', repo, ...args], 10_000).catch(() => ({ stdout: '?' }))).stdout.trim();
  const gitHead = await git(['rev-parse', '--short', 'HEAD']);
  const uncommitted = (await git(['status', '--porcelain', '--', 'src', 'workers', 'storage'])).split('\n').filter(Boolean).length;
  const env = {
    ffmpegVersion,
    git: `HEAD ${gitHead}, ${uncommitted} uncommitted file(s) under src/ workers/ storage/ built into dist`,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memTotalGB: os.totalmem() / 1e9,
    kernel: os.release(),
    loadAvgAtStart: os.loadavg(),
    runner: runnerChoice.runner,
    runnerNote: runnerChoice.note,
    workDir: path.relative(repo, workDir),
    disk: `${mount.device} (${mount.fsType}) mounted on ${mount.mountPoint}`,
  };
  partial.environment = env;
  progress(`${ffmpegVersion}; node ${env.node}; ${env.cpus} CPUs; load ${env.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  progress(`runner ${env.runner}: ${env.runnerNote}`);

  // 1. Clips.
  const clipsDir = path.join(workDir, 'clips');
  mkdirSync(clipsDir, { recursive: true });
  const genM0 = cpuMark(null);
  const L = cfg.longSeconds;
  let remuxClip: Clip | null = null;
  let transcodeClip: Clip | null = null;
  let reencodeNote = '';
  if (cfg.only.has('remux') || cfg.only.has('transcode')) {
    remuxClip = await makeClip('remux clip', path.join(clipsDir, 'h264-1080p30.mp4'), { path: '', seconds: L, width: 1920, height: 1080, fps: 30, videoBitrate: '8M', label: 'BENCH H264' });
  }
  if (cfg.only.has('transcode')) {
    // libx265 ultrafast encodes 1080p at ~0.7 × realtime here (10 s took 14 s beside ~5 s for libx264 veryfast).
    const hevcEstimate = (remuxClip?.generateSeconds ?? L * 0.55) * 2.8;
    const reserve = 330_000; // the rest of the run, measured at ~4–5 min
    let codec: 'libx265' | 'mpeg2video' = 'libx265';
    if (cfg.reencode === 'mpeg2') {
      codec = 'mpeg2video';
      reencodeNote = 'MPEG-2 forced by BENCH_REENCODE=mpeg2';
    } else if (cfg.reencode === 'auto' && remaining() - hevcEstimate * 1000 < reserve) {
      codec = 'mpeg2video';
      reencodeNote = `MPEG-2 instead of HEVC: libx265 would take ~${fmt(hevcEstimate)} s here and leave less than ${reserve / 1000} s of the budget`;
    } else {
      reencodeNote = `HEVC (libx265 ultrafast, hvc1) at 8 Mbit/s${cfg.reencode === 'hevc' ? ', forced' : ''}: what newer body-cams record; not browser-playable, so the proxy is transcoded`;
    }
    progress(`re-encode clip: ${reencodeNote}`);
    transcodeClip = await makeClip('re-encode clip', path.join(clipsDir, codec === 'libx265' ? 'hevc-1080p30.mp4' : 'mpeg2-1080p30.mp4'), {
      path: '',
      seconds: L,
      width: 1920,
      height: 1080,
      fps: 30,
      videoCodec: codec,
      videoBitrate: '8M',
      label: 'BENCH REENCODE',
    });
  }
  const shortClip = await makeClip('short clip', path.join(clipsDir, 'short-640x360.mp4'), { path: '', seconds: cfg.shortSeconds, width: 640, height: 360, fps: 30, label: 'BENCH SHORT' });
  const many: Array<{ path: string; sha256: string }> = [];
  if (cfg.only.has('many')) {
    for (let i = 0; i < cfg.clips; i++) {
      const p = path.join(clipsDir, `short-${String(i).padStart(4, '0')}.mp4`);
      copyFileSync(shortClip.path, p);
      appendFileSync(p, `\nEVM-BENCH ${stamp} #${i}\n`); // trailing bytes after the MP4 boxes: still a clean probe
      many.push({ path: p, sha256: await sha256OfFile(p) });
    }
    const check = await probeMedia(many[0]!.path);
    progress(`${cfg.clips} short clips made (trailing bytes; probe: ${check.container}, ${fmt(check.durationSec, 1)} s, no damage reported)`);
  }
  const generation = cpuWindow(genM0, cpuMark(null));

  // 2. The service.
  const dataDir = path.join(workDir, 'data');
  const bootStart = performance.now();
  const svc = await withTimeout(
    startService({ repo, dataDir, runner: runnerChoice.runner, readyTimeoutMs: Math.min(90_000, remaining()) }),
    remaining(),
    'service start',
  );
  svcRef = svc;
  const bootSeconds = (performance.now() - bootStart) / 1000;
  progress(`service pid ${svc.pid} ready on ${svc.baseUrl} in ${fmt(bootSeconds, 1)} s (redis pid ${svc.redisPid ?? '?'})`);
  const watcher = new ChildWatcher(svc.pid, Date.now, 10);
  const dock = await svc.registerDock('BENCH-PIPELINE-DOCK');

  // Warm-up: the first clip after boot pays for tool-version probes, sharp/libvips start-up and cold code paths.
  const w0 = Date.now();
  const wUrl = await uploadFile({ baseUrl: svc.baseUrl, token: dock.token, path: shortClip.path, metadata: { filename: 'warmup.mp4', sha256: shortClip.sha256 }, retryDelays: [] });
  const wPoll = await pollUntilReady(svc, dock.token, wUrl, shortClip.sha256, watcher, remaining());
  const wMedia = await api<MediaBody>(svc, `/api/v1/media/${wPoll.mediaId}`);
  const wV = Date.parse(wMedia.custody.find((e) => e.type === 'media.verified')!.at);
  const warmup = { uploadToReadyS: (wPoll.readyAt - w0) / 1000, verifiedToReadyS: (wPoll.readyAt - wV) / 1000 };
  progress(`warm-up clip (${cfg.shortSeconds} s 640x360): verified → ready ${fmt(warmup.verifiedToReadyS, 2)} s`);

  // Cost of polling, measured on the idle service: service CPU per request.
  const pollCost = async (fn: () => Promise<unknown>) => {
    const n = 50;
    const c0 = readCpuSeconds(svc.pid);
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    const wallMs = (performance.now() - t) / n;
    const c1 = readCpuSeconds(svc.pid);
    const cpuMs = c0 !== null && c1 !== null ? ((c1 - c0) * 1000) / n : null;
    return { wallMs, cpuMs, coreShareAt20ms: cpuMs === null ? null : cpuMs / (20 + wallMs) };
  };
  const polling = {
    receipt: await pollCost(() => getReceipt(svc.baseUrl, dock.token, wUrl)),
    media: await pollCost(() => api(svc, `/api/v1/media/${wPoll.mediaId}`)),
  };
  partial.setup = { bootSeconds, warmup, polling, generation };

  // 3. Long clips.
  let remux: LongResult | null = null;
  let transcode: LongResult | null = null;
  // A clip the service fails on is a finding, not a reason to skip the rest: it is reported and the run goes on.
  const failures: Record<string, string> = {};
  const attempt = async (label: string, clip: Clip): Promise<LongResult | null> => {
    try {
      return await runLong(label, clip, svc, dock, watcher, 1);
    } catch (err) {
      failures[label] = (err as Error).message;
      progress(`${label}: FAILED: ${(err as Error).message}`);
      partial.failures = failures;
      return null;
    }
  };
  if (remuxClip && cfg.only.has('remux')) {
    remux = await attempt('remux', remuxClip);
    partial.remux = remux;
  }
  if (transcodeClip) {
    transcode = await attempt('transcode', transcodeClip);
    partial.transcode = transcode;
  }

  // 4. Many short clips.
  let manyResult: ManyResult | null = null;
  if (many.length) {
    progress(`many: ${many.length} clips, ${cfg.concurrency} uploads at a time`);
    manyResult = await runMany(many, svc, dock, watcher);
    partial.many = manyResult;
  }
  watcher.stop();
  const serviceLogTail = tail(svc.logFile, 1_500);
  const stopped = await svc.stop(15_000);
  svcRef = null;
  report(env, { remuxClip, transcodeClip, shortClip, reencodeNote }, { bootSeconds, warmup, polling, generation, stoppedGracefully: stopped.exitedGracefully, serviceLogTail, failures }, remux, transcode, manyResult);
}

// ---------------------------------------------------------------------------------------------------------------

function report(
  env: Record<string, unknown> & { ffmpegVersion: string; cpus: number },
  clips: { remuxClip: Clip | null; transcodeClip: Clip | null; shortClip: Clip; reencodeNote: string },
  setup: {
    bootSeconds: number;
    warmup: { uploadToReadyS: number; verifiedToReadyS: number };
    polling: Record<'receipt' | 'media', { wallMs: number; cpuMs: number | null; coreShareAt20ms: number | null }>;
    generation: CpuWindow;
    stoppedGracefully: boolean;
    serviceLogTail: string;
    failures: Record<string, string>;
  },
  remux: LongResult | null,
  transcode: LongResult | null,
  many: ManyResult | null,
) {
  const out: string[] = [];
  const p = (s = '') => out.push(s);
  const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'MET' : 'MISSED');
  const s = (ms: number | null | undefined, d = 2) => (ms === null || ms === undefined ? '–' : `${fmt(ms / 1000, d)} s`);
  const noise = (w: CpuWindow | null | undefined) =>
    w ? `machine ${fmt(w.machineCores, 2)} cores busy, ${fmt(w.otherCores, 2)} not ours${noisy(w) ? ' NOISY' : ''}` : '';

  p();
  p(`PIPELINE BENCHMARK  ${new Date().toISOString()}`);
  p(`  ${env.ffmpegVersion}`);
  p(`  node ${env.node} · ${env.cpus} CPUs (${env.cpuModel}) · ${fmt(env.memTotalGB as number, 1)} GB RAM · Linux ${env.kernel} · load at start ${(env.loadAvgAtStart as number[]).map((x) => x.toFixed(2)).join(' ')}`);
  p(`  service: ${env.runnerNote}; all-in-one (API + workers in one process), embedded PGlite, private redis-server, local disk store;`);
  p(`  code: ${env.git as string}`);
  p(`  one service for the whole run, on its first boot of an empty DATA_DIR (its RSS includes PGlite's initdb, as bench:ingest notes)`);
  p(`  default concurrency: verify 2, probe 2, proxy 1, thumbnails 2; data on ${env.disk}`);
  p(`  machine-notes figures in [brackets]; "not ours" = machine CPU used by no process of this benchmark (other sessions)`);

  p();
  p('CLIPS');
  const clipRow = (c: Clip | null, use: string) =>
    c ? [use, `${c.codec} ${c.width}x${c.height}`, `${fmt(c.seconds, 1)} s`, `${fmt(c.bytes / 1e6, 1)} MB`, `${fmt((c.bytes * 8) / c.seconds / 1e6, 1)} Mbit/s`, `${fmt(c.generateSeconds, 1)} s`] : null;
  p(
    table(
      ['clip', 'video', 'length', 'size', 'rate', 'generated in'],
      [
        clipRow(clips.remuxClip, 'remux path (browser-playable)'),
        clipRow(clips.transcodeClip, 're-encode path'),
        clipRow(clips.shortClip, `short, ×${many?.clips ?? 0} with unique trailing bytes`),
      ].filter((r): r is string[] => r !== null),
    ),
  );
  if (clips.reencodeNote) p(`  re-encode clip: ${clips.reencodeNote}`);
  p(`  service boot ${fmt(setup.bootSeconds, 1)} s; warm-up clip (first after boot, ${cfg.shortSeconds} s 640x360): verified → ready ${fmt(setup.warmup.verifiedToReadyS, 2)} s`);
  p(
    `  poll cost on the idle service: receipt ${fmt(setup.polling.receipt.wallMs, 1)} ms / ${fmt(setup.polling.receipt.cpuMs, 1)} ms CPU per request ` +
      `(${fmt((setup.polling.receipt.coreShareAt20ms ?? NaN) * 100, 0)}% of a core at 20 ms); GET /media/{id} ${fmt(setup.polling.media.wallMs, 1)} ms / ${fmt(setup.polling.media.cpuMs, 1)} ms CPU ` +
      `(${fmt((setup.polling.media.coreShareAt20ms ?? NaN) * 100, 0)}%). So the bench polls the receipt at 20 ms (250 ms while a transcode runs) and reads custody once at the end.`,
  );

  const longSection = (r: LongResult, title: string) => {
    const b = r.bare;
    p();
    p(`${title}: ${r.clip.codec} ${r.clip.width}x${r.clip.height} ${fmt(r.clip.seconds, 0)} s → proxy ${r.proxyMode}`);
    p(`  plan: ${r.proxyReason}`);
    p(`  upload ${fmt(r.uploadSeconds, 2)} s; last PATCH answered → media.verified ${s(r.uploadDoneToVerifiedMs)}; client saw verified ${s(r.clientVerifiedMs)} after the server's event`);
    p(`  timeline after media.verified (server clock: custody 'at' + the service's ffmpeg/ffprobe children seen in /proc every 10 ms)`);
    const bareFor = (what: string): string => {
      if (what.includes('ffprobe -show')) return s((b.byStep.ffprobe ?? NaN) * 1000);
      if (what.includes('read-through')) return s((b.byStep['read-through'] ?? NaN) * 1000);
      if (what.includes('ffmpeg proxy')) return s((b.byStep.proxy ?? NaN) * 1000);
      if (what.includes('ffmpeg poster')) return s((b.byStep.poster ?? NaN) * 1000);
      if (what.includes('sprite tiles')) return s((b.byStep.sprite ?? NaN) * 1000);
      return '';
    };
    const noteFor = (what: string): string => {
      if (what.includes('ffprobe -show')) return `[${NOTES.ffprobeS} s]`;
      if (what.includes('read-through')) return '[probe.ts: 0.09 s]';
      if (what.includes('ffmpeg proxy')) return r.proxyMode === 'remux' ? `[${NOTES.remuxS} s]` : `[${fmt(r.clip.seconds / NOTES.x264To720Realtime, 1)} s at ${NOTES.x264To720Realtime}× from H.264]`;
      if (what.includes('ffmpeg poster')) return '[0.16 s]';
      if (what.includes('sprite tiles')) return '[0.41 s]';
      if (what.includes('sharp')) return '[sharp 0.07 s]';
      return '';
    };
    p(
      table(
        ['step', 'at', 'took', 'CPU', 'bare', 'baseline'],
        [
          ...r.segments.map((g) => [g.what, s(g.fromMs), s(g.ms), g.cpuSeconds === undefined ? '' : `${fmt(g.cpuSeconds, 2)} s`, bareFor(g.what), noteFor(g.what)]),
          ['verified → ready', '', s(r.clientReadyMs), '', `${fmt(b.sumSeconds, 2)} s (sum)`, ''],
        ],
        [0],
      ),
    );
    const tools = sum(r.segments.filter((g) => g.kind === 'tool').map((g) => g.ms));
    const queue = sum(r.segments.filter((g) => g.kind === 'queue/db').map((g) => g.ms));
    const store = sum(r.segments.filter((g) => g.kind === 'store').map((g) => g.ms));
    p(
      `  where the time went: tool runs ${s(tools)} (${fmt((tools / r.clientReadyMs) * 100, 0)}%), queue hops + db ${s(queue)} (${fmt((queue / r.clientReadyMs) * 100, 0)}%), ` +
        `storing derivatives incl. sharp ${s(store)} (${fmt((store / r.clientReadyMs) * 100, 0)}%); ${r.polls} receipt polls; ${noise(r.cpu)}; ` +
        `this bench (tus client, polls, /proc watcher) ${fmt(r.cpu.benchCores, 2)} cores`,
    );
    p(
      `  library calls in the bench process (no queue, no db): probeMedia ${fmt(b.libraryProbeSeconds, 2)} s, makeThumbnails ${fmt(b.libraryThumbnailsSeconds, 2)} s ` +
        `[${NOTES.thumbsCallS} s on the H.264 clip]; bare runs: ${noise(b.cpu)}`,
    );
  };

  const bareTable = () => {
    const sets = [
      remux ? { name: 'remux clip', set: remux.bare } : null,
      transcode ? { name: 're-encode clip', set: transcode.bare } : null,
      many?.bare ? { name: 'short clip', set: many.bare } : null,
    ].filter((x): x is { name: string; set: BareSet } => x !== null);
    if (!sets.length) return;
    p();
    p('BARE FFMPEG (exact recorded arguments, plain ffmpeg, same stored original, service idle; seconds per run)');
    p('  long clips: the proxy command also ran once before the upload (planProxy on the same bytes, checked equal to the provenance)');
    const steps: Array<[ToolKind, string, string]> = [
      ['ffprobe', 'ffprobe -show_format -show_streams (probe step 1)', `[${NOTES.ffprobeS} s]`],
      ['read-through', 'ffmpeg -c copy -f null (probe step 2)', '[0.09 s]'],
      ['proxy', 'proxy: remux / transcode (before upload / after)', `[remux ${NOTES.remuxS} s; x264 720p ${NOTES.x264To720Realtime}× rt]`],
      ['poster', 'poster (keyframe → PNG)', '[0.16 s]'],
      ['sprite', 'sprite tiles (keyframes → PNGs)', '[0.41 s]'],
    ];
    p(
      table(
        ['command', ...sets.map((x) => x.name), 'baseline'],
        [
          ...steps.map(([k, label, note]) => [
            label,
            ...sets.map((x) => {
              const rs = x.set.runs.filter((r) => r.step === k);
              const runs = rs.flatMap((r) => r.seconds);
              const cpu = rs.flatMap((r) => r.cpuSeconds);
              if (!runs.length) return '–';
              // Transcodes: the cores each run got, so a run starved by other sessions shows.
              if (k === 'proxy' && Math.max(...runs) > 2) return runs.map((v, i) => `${fmt(v, 2)} @${fmt((cpu[i] ?? NaN) / v, 2)}c`).join(' / ');
              return runs.map((v) => fmt(v, 2)).join(' / ');
            }),
            note,
          ]),
          ['sum of bare commands (fastest run where repeated)', ...sets.map((x) => `${fmt(x.set.sumSeconds, 2)} s`), `[every ffmpeg start ~${NOTES.ffmpegStartS} s]`],
        ],
      ),
    );
    const t = transcode?.bare.runs.find((r) => r.step === 'proxy');
    if (t) p(`  transcode command: ${t.command}`);
    const th = transcode?.bare.runs.filter((r) => r.step === 'poster' || r.step === 'sprite') ?? [];
    for (const r of th) p(`  ${r.step} command: ${r.command}`);
  };

  bareTable();
  if (remux) longSection(remux, 'REMUX PATH');
  if (transcode) longSection(transcode, 'RE-ENCODE PATH');
  for (const [label, why] of Object.entries(setup.failures)) {
    p();
    p(`${label.toUpperCase()} PATH FAILED IN THE SERVICE (no timings):`);
    for (const l of why.split('\n')) p(`  ${l.trim()}`);
  }

  p();
  p('GOALS');
  const rows: string[][] = [];
  if (remux) {
    rows.push([
      `remux: verified → playable (proxy + poster derivative.created)`,
      s(remux.playableMs),
      `bare remux ${fmt(remux.bare.byStep.proxy, 2)} s + poster ${fmt(remux.bare.byStep.poster, 2)} s`,
      `≤ ${GOALS.remuxPlayableS} s`,
      verdict(remux.playableMs <= GOALS.remuxPlayableS * 1000),
    ]);
    rows.push([`  remux: verified → proxy derivative.created`, s(remux.proxyCreatedMs), `bare probe+remux ${fmt((remux.bare.byStep.ffprobe ?? 0) + (remux.bare.byStep['read-through'] ?? 0) + (remux.bare.byStep.proxy ?? 0), 2)} s`, '', '']);
    rows.push([`  remux: verified → ready`, s(remux.clientReadyMs), `sum bare ${fmt(remux.bare.sumSeconds, 2)} s`, '', `× ${fmt(remux.clientReadyMs / 1000 / remux.bare.sumSeconds, 2)}`]);
  }
  if (transcode) {
    const bt = transcode.bare.byStep.proxy ?? NaN;
    const tRuns = transcode.bare.runs.find((r) => r.step === 'proxy')?.seconds ?? [];
    const bareCpu = transcode.bare.runs.find((r) => r.step === 'proxy')?.cpuSeconds ?? [];
    const probeBare = (transcode.bare.byStep.ffprobe ?? 0) + (transcode.bare.byStep['read-through'] ?? 0);
    const a = transcode.proxyJobCustodyMs / 1000 / bt;
    rows.push([
      `transcode: proxy job per custody (proxy created − ${transcode.previousEventType}; includes probe)`,
      s(transcode.proxyJobCustodyMs),
      `bare transcode ${fmt(bt, 2)} s (fastest of before / after: ${tRuns.map((x) => fmt(x, 2)).join(' / ')})`,
      `≤ ${GOALS.transcodeJobRatio} ×`,
      `× ${fmt(a, 3)} ${verdict(a <= GOALS.transcodeJobRatio)}`,
    ]);
    rows.push([`  same scope: vs bare probe + read-through + transcode`, '', `${fmt(bt + probeBare, 2)} s`, '', `× ${fmt(transcode.proxyJobCustodyMs / 1000 / (bt + probeBare), 3)}`]);
    if (transcode.proxyStageMs !== null) {
      const b2 = transcode.proxyStageMs / 1000 / bt;
      rows.push([`  proxy stage alone (probe's read-through exits → proxy created)`, s(transcode.proxyStageMs), `bare transcode ${fmt(bt, 2)} s`, `≤ ${GOALS.transcodeJobRatio} ×`, `× ${fmt(b2, 3)} ${verdict(b2 <= GOALS.transcodeJobRatio)}`]);
    }
    if (transcode.proxyFfmpegMs !== null) {
      rows.push([
        `  the proxy ffmpeg process inside the service`,
        s(transcode.proxyFfmpegMs),
        `CPU ${fmt(transcode.proxyFfmpegCpuSeconds, 1)} s = ${fmt((transcode.proxyFfmpegCpuSeconds ?? NaN) / (transcode.proxyFfmpegMs / 1000), 2)} cores; bare ${bareCpu.map((c, i) => `${fmt(c, 1)} s = ${fmt(c / (tRuns[i] ?? NaN), 2)}`).join(' / ')} cores`,
        '',
        `× ${fmt(transcode.proxyFfmpegMs / 1000 / bt, 3)}`,
      ]);
    }
    const d = transcode.duringProxyFfmpeg;
    if (d) {
      rows.push([
        `    CPU beside it: service node / bench / other sessions`,
        '',
        `${fmt(d.serviceCores, 2)} / ${fmt(d.benchCores, 2)} / ${fmt(d.otherCores, 2)} cores`,
        '',
        noisy(d) ? 'NOISY' : '',
      ]);
    }
    rows.push([`  transcode speed (bare)`, `${fmt(transcode.clip.seconds / bt, 2)} × realtime`, `[${NOTES.x264To720Realtime}× from 1080p H.264]`, '', '']);
    rows.push([`transcode: verified → playable (proxy + poster)`, s(transcode.playableMs), '', '', '']);
    rows.push([`transcode: verified → ready`, s(transcode.clientReadyMs), `sum bare ${fmt(transcode.bare.sumSeconds, 2)} s`, '', `× ${fmt(transcode.clientReadyMs / 1000 / transcode.bare.sumSeconds, 3)}`]);
  }
  if (many) {
    const ok = many.growth100to200MB === null ? null : many.growth100to200MB < GOALS.memGrowthMB || (many.growth100to200Pct ?? Infinity) < GOALS.memGrowthPct;
    rows.push([
      `${many.clips} clips: RSS growth ${Math.round(many.clips / 2)} → ${many.clips} ready (5 s medians)`,
      `${fmt(many.growth100to200MB, 1)} MB`,
      `${fmt(many.growth100to200Pct, 1)}%; slope ${fmt(many.slopeMBper100, 1)} MB/100 clips`,
      `< ${GOALS.memGrowthMB} MB or < ${GOALS.memGrowthPct}%`,
      verdict(ok),
    ]);
  }
  for (const label of Object.keys(setup.failures)) rows.push([`${label}: media did not become ready (see above)`, '–', '', '', 'MISSED']);
  p(table(['goal', 'pipeline', 'beside it', 'goal', 'result'], rows));

  if (many) {
    p();
    p(`${many.clips} SHORT CLIPS (${cfg.shortSeconds} s 640x360 H.264/AAC, ${fmt(many.clipBytes / 1e3)} kB each; ${many.concurrency} tus uploads at a time; remux path)`);
    p(
      table(
        ['when', 'at', 'VmRSS', '5 s median', 'JS heap used', 'redis RSS'],
        [
          ['idle before', '', `${fmt(many.idleRssMB)} MB`, '', '', ''],
          ...many.milestones.map((m) => [`${m.clips} ready`, `${fmt(m.atSeconds, 1)} s`, `${fmt(m.rssMB)} MB`, `${fmt(m.rssMedian5sMB)} MB`, `${fmt(m.heapUsedMB)} MB`, `${fmt(m.redisRssMB)} MB`]),
          ['3 s after the last', '', `${fmt(many.settledRssMB)} MB`, '', '', ''],
          ['peak (VmHWM over the phase)', '', `${fmt(many.peakHwmMB)} MB`, '', '', ''],
        ],
      ),
    );
    p(
      table(
        ['throughput', 'value', 'beside it'],
        [
          ['all uploaded (tus)', `${fmt(many.uploadSeconds, 1)} s`, ''],
          [`first upload → all ${many.clips} ready`, `${fmt(many.allReadySeconds, 1)} s`, `${fmt(many.clipsPerMin, 0)} clips/min`],
          ['steady rate (20th → last ready)', `${fmt(many.steadyClipsPerMin, 0)} clips/min`, many.bare ? `bare commands of one clip: ${fmt(many.bare.sumSeconds, 2)} s → ${fmt(60 / many.bare.sumSeconds, 0)}/min one at a time` : ''],
          ['wall per clip', `${fmt(many.perClip.wallS * 1000, 0)} ms`, ''],
          ['CPU per clip: service (node) / ffmpeg+ffprobe / redis', `${fmt((many.perClip.serviceCpuS ?? NaN) * 1000, 0)} / ${fmt((many.perClip.ffmpegCpuS ?? NaN) * 1000, 0)} / ${fmt((many.perClip.redisCpuS ?? NaN) * 1000, 0)} ms`, noise(many.cpu)],
        ],
      ),
    );
    p(
      table(
        ['tool runs in the service', 'runs', 'median wall', 'CPU per clip'],
        many.tools.map((t) => [t.kind, fmt(t.runs), `${fmt(t.medianMs, 0)} ms`, `${fmt(t.cpuSecondsPerClip * 1000, 0)} ms`]),
      ),
    );
  }

  p();
  p(`  clip generation: ${noise(setup.generation)}; service stopped gracefully: ${setup.stoppedGracefully ? 'yes' : 'NO (SIGKILL)'}`);
  const jsonPath = path.join(outDir, `pipeline-${stamp}.json`);
  p(`JSON: ${path.relative(repo, jsonPath)}   (total bench time ${fmt((performance.now() - started) / 1000, 0)} s)`);
  process.stdout.write(`${out.join('\n')}\n`);
  writeFileSync(
    jsonPath,
    `${JSON.stringify(
      {
        timestamp: new Date().toISOString(),
        config: { ...cfg, only: [...cfg.only] },
        environment: env,
        machineNotes: NOTES,
        goals: GOALS,
        clips: { ...clips, remuxClip: clips.remuxClip && { ...clips.remuxClip, path: path.basename(clips.remuxClip.path) }, transcodeClip: clips.transcodeClip && { ...clips.transcodeClip, path: path.basename(clips.transcodeClip.path) }, shortClip: { ...clips.shortClip, path: path.basename(clips.shortClip.path) } },
        setup,
        remux,
        transcode,
        many,
      },
      null,
      2,
    )}\n`,
  );
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanup();
    if (existsSync(workDir) && !cfg.keep) progress(`could not remove ${workDir}`);
  })
  .catch(async (err: unknown) => {
    clearTimeout(watchdog);
    await abort(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
  });
