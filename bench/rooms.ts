/**
 * Interrogation rooms soak: N rooms recorded at once for a short while, each camera a real GStreamer RTSP server
 * (the simulator, with the clock burned in) and each recorder a real ffmpeg, segments through the real ingest
 * path into PostgreSQL and local storage.
 *
 *   npx tsx bench/rooms.ts                          # 8 rooms × 1 camera, 30 s
 *   BENCH_ROOMS=4 BENCH_SECONDS=20 npx tsx bench/rooms.ts
 *
 * Prints, beside this machine's baseline (one bare `ffmpeg -c copy -f null` reading the same stream):
 * - CPU per stream of the recorders (ffmpeg, from /proc), of the camera simulators, and of this process (ingest);
 * - segment ingest latency: from a segment's end (wall clock) to its row in recording_segments;
 * - gaps: the simulators cause none, so any gap is the recorder's (the run fails when there is one).
 * Needs what the tests need: PostgreSQL and Redis on 127.0.0.1, GStreamer's RTSP server. Pipeline workers are off
 * (their transcodes would dominate the figures); ingest still stores and hashes every segment.
 * Writes bench/out/rooms-<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createRecordingSupervisor } from '../devices/recording-supervisor.js';
import { gstreamerRtspAvailable, startRtspCamera, type RtspCamera } from '../devices/simulators/rtsp-camera.js';
import { runFfmpeg } from '../src/media/ffmpeg-process.js';
import { startHarness } from '../test/helpers/harness.js';
import { readCpuSeconds } from './lib/proc.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repo, 'bench', 'out');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const intEnv = (name: string, dflt: number) => {
  const n = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
};
const ROOMS = intEnv('BENCH_ROOMS', 8);
const SECONDS = intEnv('BENCH_SECONDS', 30);
const SEGMENT_SEC = intEnv('BENCH_SEGMENT_SEC', 4);
const CAMERA = { width: 640, height: 360, fps: 15, bitrateKbps: 800 };
const UNIT = '330100000077';

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

async function main() {
  if (!(await gstreamerRtspAvailable())) throw new Error('GStreamer RTSP server not installed: run scripts/install.sh');
  const cameras: RtspCamera[] = [];
  const h = await startHarness({ db: 'postgres', workers: false });
  const supervisor = createRecordingSupervisor(h.services, { tickMs: 250, segmentSec: SEGMENT_SEC, stallSec: 15 });
  try {
    for (let i = 0; i < ROOMS; i++) cameras.push(await startRtspCamera({ ...CAMERA, label: `BENCH ROOM ${i + 1}` }));

    // Baseline: one bare stream copy of the same stream, nothing written.
    let basePid = 0;
    const baseAbort = new AbortController();
    const base = runFfmpeg({
      args: ['-rtsp_transport', 'tcp', '-i', cameras[0]!.url, '-map', '0:v', '-c', 'copy', '-f', 'null', '-'],
      timeoutMs: Infinity,
      signal: baseAbort.signal,
      onSpawn: (pid) => (basePid = pid),
    }).catch(() => undefined);
    await sleep(2000);
    const baseCpu0 = readCpuSeconds(basePid) ?? 0;
    await sleep(10_000);
    const baselineCpuPerStream = ((readCpuSeconds(basePid) ?? 0) - baseCpu0) / 10;
    baseAbort.abort();
    await base;

    // Rooms, cameras, sessions.
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${h.baseUrl}${url}`, { method, headers: { Authorization: `Bearer ${h.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const json = (await res.json()) as any;
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const t0 = Date.now() + 4000;
    await api('POST', '/api/v1/import', {
      units: [{ code: UNIT, name: 'bench' }],
      cases: [{ caseNumber: 'BENCH-ROOMS', kind: 'criminal', unitCode: UNIT }],
      sessions: cameras.map((_, i) => ({ externalId: `BENCH-S-${i}`, caseNumber: 'BENCH-ROOMS', room: `bench-room-${i}`, declaredStart: new Date(t0 + 2000).toISOString(), declaredEnd: new Date(t0 + 2000 + SECONDS * 1000).toISOString() })),
    });
    const sessionIds = new Map((await h.services.db.query<{ id: string; external_id: string }>("select id, external_id from interrogation_sessions where external_id like 'BENCH-S-%'")).map((r) => [r.external_id, r.id]));
    for (const [i, cam] of cameras.entries()) {
      const room = await api('POST', '/api/v1/rooms', { name: `bench-room-${i}` });
      const device = await h.registerDevice('camera', `BENCH-CAM-${i}`);
      await api('POST', `/api/v1/rooms/${room.id}/cameras`, { deviceId: device.id, role: 'frontal', streamUri: cam.url });
    }
    supervisor.start();
    await sleep(Math.max(0, t0 - Date.now()));
    for (const id of sessionIds.values()) await api('POST', `/api/v1/interrogation-sessions/${id}/recording/start`);

    // Sample CPU of recorders (ffmpeg pids change on a restart: per-pid deltas), simulators and this process.
    const lastCpu = new Map<number, number>();
    let recorderCpu = 0;
    const sample = () => {
      for (const r of supervisor.recorders()) {
        if (!r.pid) continue;
        const now = readCpuSeconds(r.pid);
        if (now === null) continue;
        recorderCpu += now - (lastCpu.get(r.pid) ?? now);
        lastCpu.set(r.pid, now);
      }
    };
    await sleep(3000); // connected and recording
    sample();
    const camCpu0 = cameras.reduce((n, c) => n + (readCpuSeconds(c.pid!) ?? 0), 0);
    const self0 = process.cpuUsage();
    const measureStart = Date.now();
    while (Date.now() < t0 + 2000 + SECONDS * 1000 + 1000) {
      await sleep(1000);
      sample();
    }
    const measured = (Date.now() - measureStart) / 1000;
    const camCpu = cameras.reduce((n, c) => n + (readCpuSeconds(c.pid!) ?? 0), 0) - camCpu0;
    const selfUsage = process.cpuUsage(self0);
    for (const id of sessionIds.values()) await api('POST', `/api/v1/interrogation-sessions/${id}/recording/stop`);
    const deadline = Date.now() + 60_000;
    const views: any[] = [];
    for (const id of sessionIds.values()) {
      for (;;) {
        const v = await api('GET', `/api/v1/interrogation-sessions/${id}/recording`);
        if (v.status === 'stopped') {
          views.push(v);
          break;
        }
        if (Date.now() > deadline) throw new Error(`recording ${id} not finalized`);
        await sleep(250);
      }
    }
    const latencies = (
      await h.services.db.query<{ ms: number }>('select extract(epoch from (ingested_at - ended_at)) * 1000 as ms from recording_segments where session_id = any($1::uuid[])', [[...sessionIds.values()]])
    ).map((r) => Number(r.ms));
    const gaps = views.flatMap((v) => v.gaps.map((g: any) => ({ session: v.sessionId, durationSec: g.durationSec, cause: g.cause, startedAt: g.startedAt })));
    const outages = views.flatMap((v) => v.events.filter((e: any) => e.kind === 'outage'));

    const result = {
      at: new Date().toISOString(),
      rooms: ROOMS,
      seconds: SECONDS,
      segmentSec: SEGMENT_SEC,
      camera: CAMERA,
      baseline: { bareCopyCpuPerStream: round(baselineCpuPerStream, 4) },
      recorderCpuPerStream: round(recorderCpu / measured / ROOMS, 4),
      simulatorCpuPerStream: round(camCpu / measured / ROOMS, 4),
      ingestProcessCpu: round((selfUsage.user + selfUsage.system) / 1e6 / measured, 4),
      segments: latencies.length,
      ingestLatencyMs: { p50: round(pct(latencies, 50), 0), p95: round(pct(latencies, 95), 0), max: round(Math.max(...latencies), 0) },
      coverage: views.map((v) => v.coverage),
      gaps,
      outages: outages.length,
    };
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `rooms-${stamp}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2));
    const line = (k: string, v: string, b = '') => console.log(`  ${k.padEnd(38)} ${v.padEnd(14)} ${b}`);
    console.log(`\nInterrogation rooms: ${ROOMS} rooms × 1 camera (${CAMERA.width}x${CAMERA.height}@${CAMERA.fps}, ${CAMERA.bitrateKbps} kbit/s), ${SECONDS} s, ${SEGMENT_SEC} s segments`);
    line('recorder CPU per stream (ffmpeg)', `${(result.recorderCpuPerStream * 100).toFixed(2)} %`, `baseline bare -c copy: ${(baselineCpuPerStream * 100).toFixed(2)} %`);
    line('camera simulator CPU per stream', `${(result.simulatorCpuPerStream * 100).toFixed(1)} %`, '(x264 encode: the camera, not us)');
    line('ingest + API process CPU (all rooms)', `${(result.ingestProcessCpu * 100).toFixed(1)} %`);
    line('segments ingested', String(result.segments));
    line('ingest latency after segment end p50/p95/max', `${result.ingestLatencyMs.p50}/${result.ingestLatencyMs.p95}/${result.ingestLatencyMs.max} ms`, `(a segment closes at the next keyframe after its end)`);
    line('coverage (each room)', result.coverage.map((c) => c.toFixed(3)).join(' '));
    line('gaps the simulator did not cause', String(gaps.length), gaps.length ? 'FAIL' : 'ok');
    console.log(`  written ${path.relative(repo, file)}\n`);
    if (gaps.length) process.exitCode = 1;
  } finally {
    await supervisor.stop();
    await Promise.all(cameras.map((c) => c.close()));
    await h.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
