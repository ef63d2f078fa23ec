/**
 * A session recorded by the platform yields one joined recording per camera (real GStreamer RTSP cameras behind
 * ONVIF simulators, real ffmpeg recorder and joiner, real ingest pipeline, PostgreSQL and Redis), a PiP review proxy
 * made from the two joins, and a case review that asks for the joined recordings, not the segments.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingSupervisor, type RecordingSupervisor } from '../devices/recording-supervisor.js';
import { startOnvifSimulator, type OnvifSimulator } from '../devices/simulators/onvif-simulator.js';
import { startRtspCamera, type RtspCamera } from '../devices/simulators/rtsp-camera.js';
import { probeMedia } from '../src/media/probe.js';
import { handlers } from '../workers/handlers.js';
import { reconcile } from '../workers/reconciler.js';
import { apiOf, createPeople, reportWatchedWhole } from './helpers/case-fixtures.js';
import { waitFor } from './helpers/docks.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT = '330100000019';
const OFFICER = '024681';
const CASE = 'IRJ-2026-0001';
const SECONDS = 10;
const iso = (ms: number) => new Date(ms).toISOString();

describe('joined recordings, picture-in-picture and case review of a platform recording', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let supervisor: RecordingSupervisor;
  let tokens: Record<string, string>;
  let sessionId = '';
  let caseId = '';
  const cams: Array<{ rtsp: RtspCamera; onvif: OnvifSimulator; deviceId: string; role: 'overview' | 'frontal' }> = [];
  let view: any;

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres' });
    api = apiOf(h);
    const t0 = Date.now() + 4000;
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [{ code: UNIT, name: '刑侦二队' }],
        officers: [{ number: OFFICER, name: '李四', unitCode: UNIT }],
        cases: [{ caseNumber: CASE, kind: 'criminal', title: '诈骗案', unitCode: UNIT }],
        persons: [{ externalId: 'P-J1', caseNumber: CASE, name: '王某' }],
        sessions: [{ externalId: 'IRJ-S1', caseNumber: CASE, suspectExternalId: 'P-J1', room: '讯问室J', interrogators: [OFFICER], declaredStart: iso(t0 + 1000), declaredEnd: iso(t0 + 1000 + SECONDS * 1000) }],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    sessionId = (await h.services.db.query<{ id: string }>(`select id from interrogation_sessions where external_id = 'IRJ-S1'`))[0]!.id;
    caseId = (await h.services.db.query<{ id: string }>('select id from cases where case_number = $1', [CASE]))[0]!.id;
    const room = await api(h.adminToken, '/api/v1/rooms', { body: { name: '讯问室J', unitCode: UNIT } });
    expect(room.status).toBe(201);
    for (const role of ['overview', 'frontal'] as const) {
      const serial = `IRJ-${role}-${randomBytes(3).toString('hex')}`;
      const rtsp = await startRtspCamera({ label: `J ${role}`, width: 320, height: 240, fps: 10, keyint: 10, audio: role === 'overview' });
      const onvif = await startOnvifSimulator({ streamUri: () => rtsp.url, serialNumber: serial, username: 'onvif', password: 'pw' });
      const device = await h.registerDevice('camera', serial);
      const attached = await api(h.adminToken, `/api/v1/rooms/${room.body.id}/cameras`, { body: { deviceId: device.id, role, onvifUrl: onvif.url, username: 'onvif', password: 'pw' } });
      expect(attached.status, JSON.stringify(attached.body)).toBe(201);
      cams.push({ rtsp, onvif, deviceId: device.id, role });
    }
    ({ tokens } = await createPeople(h, [
      { username: 'j-officer', role: 'officer', unitCode: UNIT, officerNumber: OFFICER },
      { username: 'j-reviewer', role: 'reviewer', unitCode: UNIT },
    ]));
    supervisor = createRecordingSupervisor(h.services, { tickMs: 200, segmentSec: 4, stallSec: 7 }).start();
    await new Promise((r) => setTimeout(r, Math.max(0, t0 - Date.now())));
    const start = await api(tokens['j-officer']!, `/api/v1/interrogation-sessions/${sessionId}/recording/start`, { method: 'POST' });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 2000 + SECONDS * 1000 - Date.now())));
    const stop = await api(tokens['j-officer']!, `/api/v1/interrogation-sessions/${sessionId}/recording/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
  }, 120_000);

  afterAll(async () => {
    await supervisor?.stop();
    await Promise.all(cams.flatMap((c) => [c.rtsp.close(), c.onvif.close()]));
    await h?.stop();
  });

  it('review completion waits while the recording runs or its joins are not made, and never asks for segments', async () => {
    // Straight after the stop: the recording is still finishing or the joins are still being made.
    const early = await api(tokens['j-reviewer']!, `/api/v1/cases/${caseId}/review`);
    expect(early.status).toBe(200);
    const kinds = new Set(early.body.pending.map((p: { kind: string }) => p.kind));
    expect([...kinds].every((k) => k === 'recording-in-progress' || k === 'recording-not-joined' || k === 'recording-not-reviewed')).toBe(true);
    expect(early.body.canComplete).toBe(false);
  });

  it('yields exactly one joined recording per camera, verified, as long as its segments, linked to the session', async () => {
    view = await waitFor(async () => {
      const r = await api(h.adminToken, `/api/v1/interrogation-sessions/${sessionId}/recording`);
      return r.body.status === 'stopped' && r.body.joined?.length === 2 && r.body.joined.every((j: { state: string }) => j.state === 'ready') && r.body;
    }, 90_000, 'both cameras joined and ready');
    const rows = await h.services.db.query<{ device_id: string; media_id: string }>('select device_id, media_id from recording_joins where session_id = $1', [sessionId]);
    expect(rows).toHaveLength(2);
    for (const cam of cams) {
      const j = view.joined.find((x: { deviceId: string }) => x.deviceId === cam.deviceId);
      expect(j.role).toBe(cam.role);
      const segs = view.segments.filter((s: { deviceId: string }) => s.deviceId === cam.deviceId);
      expect(j.segments).toBe(segs.length);
      expect(j.derivedFrom.map((d: { sha256: string }) => d.sha256)).toEqual(segs.map((s: { sha256: string }) => s.sha256));
      expect(j.wallStart).toBe(segs[0].startedAt);
      expect(j.offsets[0].mediaOffsetSec).toBe(0);
      expect(j.operation.args).toEqual(expect.arrayContaining(['-c', 'copy', '+faststart']));
      expect(j.operation.tools.ffmpeg).toBeTruthy();
      // the joined media: verified (read back, hash matched), probed; duration ≈ sum of its segments' durations
      const [m] = await h.services.db.query<{ verified_at: Date | null; duration_sec: number; recorded_at: Date; sha256: string; object_key: string }>(
        'select verified_at, duration_sec, recorded_at, sha256, object_key from media where id = $1',
        [j.mediaId],
      );
      expect(m!.verified_at).not.toBeNull();
      const segDur = (await h.services.db.query<{ d: number }>('select sum(duration_sec)::float as d from media where id = any($1::uuid[])', [segs.map((s: { mediaId: string }) => s.mediaId)]))[0]!.d;
      expect(Math.abs(m!.duration_sec - segDur), `joined ${m!.duration_sec} s, segments ${segDur} s`).toBeLessThan(0.5);
      expect(m!.duration_sec).toBeGreaterThan(SECONDS - 1);
      expect(m!.recorded_at.toISOString()).toBe(j.wallStart);
      // its bytes hash to what was recorded
      const hash = createHash('sha256');
      for await (const chunk of await h.services.store.get(m!.object_key)) hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(j.sha256);
      // linked to the session; the custody chain says what it was derived from
      const link = await h.services.db.query<{ source: string }>('select source from media_links where media_id = $1 and session_id = $2 and removed_at is null', [j.mediaId, sessionId]);
      expect(link.map((l) => l.source)).toEqual(['auto']);
      const custody = await h.services.db.query<{ details: { derivedFrom: Array<{ sha256: string }> } }>(`select details from custody_events where media_id = $1 and type = 'recording.joined'`, [j.mediaId]);
      expect(custody).toHaveLength(1);
      expect(custody[0]!.details.derivedFrom.map((d) => d.sha256)).toEqual(j.derivedFrom.map((d: { sha256: string }) => d.sha256));
    }
    // the overview camera sends audio, kept by the stream copy
    const ov = view.joined.find((j: { role: string }) => j.role === 'overview');
    const [probe] = await h.services.db.query<{ probe: { audio: unknown } }>('select probe from media where id = $1', [ov.mediaId]);
    expect(probe!.probe.audio).toBeTruthy();
  }, 120_000);

  it('a retried or duplicated join job does not make a second joined recording', async () => {
    const cam = cams[0]!;
    const before = await h.services.db.query<{ id: string; media_id: string }>('select id, media_id from recording_joins where session_id = $1 and device_id = $2', [sessionId, cam.deviceId]);
    // the same job enqueued again (finished jobs leave Redis, so this really runs again) ...
    await h.services.queues.enqueue('join-recording', { sessionId, deviceId: cam.deviceId });
    // ... and two more running at the same time, straight through the handler as two workers would
    const handler = handlers(h.services)['join-recording'];
    const fakeJob = () => ({ data: { sessionId, deviceId: cam.deviceId }, attemptsMade: 0, opts: { attempts: 5 }, updateProgress: async () => undefined }) as unknown as Job<{ sessionId: string; deviceId: string }>;
    const results = await Promise.all([handler(fakeJob()), handler(fakeJob())]);
    expect(results).toEqual([expect.objectContaining({ existing: before[0]!.id }), expect.objectContaining({ existing: before[0]!.id })]);
    // and the reconciler finds nothing owed
    await reconcile(h.services);
    await new Promise((r) => setTimeout(r, 2000));
    const after = await h.services.db.query<{ id: string; media_id: string }>('select id, media_id from recording_joins where session_id = $1 and device_id = $2', [sessionId, cam.deviceId]);
    expect(after).toEqual(before);
    const joinedMedia = await h.services.db.query(`select id from media where vendor->>'source' = 'recording-join' and vendor->>'sessionId' = $1`, [sessionId]);
    expect(joinedMedia).toHaveLength(2);
  }, 60_000);

  it('a join lost with Redis is re-derived from PostgreSQL and lands on the same media', async () => {
    const cam = cams[1]!;
    const [before] = await h.services.db.query<{ media_id: string }>('select media_id from recording_joins where session_id = $1 and device_id = $2', [sessionId, cam.deviceId]);
    // as if the worker had ingested the file and died before recording the join: the row is gone, the media stays
    await h.services.db.query('delete from recording_joins where session_id = $1 and device_id = $2', [sessionId, cam.deviceId]);
    await reconcile(h.services);
    const [again] = await waitFor(async () => {
      const r = await h.services.db.query<{ media_id: string }>('select media_id from recording_joins where session_id = $1 and device_id = $2', [sessionId, cam.deviceId]);
      return r.length === 1 && r;
    }, 30_000, 'join re-derived');
    // bit-exact muxing: the same segments give the same bytes, so the ingest path resolves to the same media
    expect(again!.media_id).toBe(before!.media_id);
  }, 60_000);

  it('makes the picture-in-picture proxy from the two joins, served with Range and logged as a view', async () => {
    const withPip = await waitFor(async () => {
      const r = await api(h.adminToken, `/api/v1/interrogation-sessions/${sessionId}/recording`);
      return r.body.pip && r.body;
    }, 90_000, 'pip made');
    expect([withPip.pip.width, withPip.pip.height]).toEqual([320, 240]);
    expect(withPip.pip.parents.map((p: { role: string }) => p.role)).toEqual(['overview', 'frontal']);
    const url = `${h.baseUrl}/api/v1/interrogation-sessions/${sessionId}/recording/pip?purpose=${encodeURIComponent('法制审核')}`;
    const part = await fetch(url, { headers: { Authorization: `Bearer ${tokens['j-reviewer']}`, Range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const full = await fetch(url, { headers: { Authorization: `Bearer ${tokens['j-reviewer']}` } });
    expect(full.status).toBe(200);
    const file = path.join(h.dataDir, 'pip-download.mp4');
    await writeFile(file, Buffer.from(await full.arrayBuffer()));
    const p = await probeMedia(file);
    expect(p.video?.codec).toBe('h264');
    expect([p.video?.width, p.video?.height]).toEqual([320, 240]);
    expect(p.audio?.codec).toBe('aac');
    const window = (Date.parse(withPip.pip.windowEnd) - Date.parse(withPip.pip.windowStart)) / 1000;
    expect(Math.abs(p.durationSec - window)).toBeLessThan(1);
    const viewed = await h.services.db.query<{ actor: string; details: { derivative: string; purpose: string } }>(`select actor, details from custody_events where type = 'media.viewed' and details->>'derivative' = 'pip'`);
    expect(viewed.map((v) => [v.actor, v.details.purpose])).toEqual([
      ['user:j-reviewer', '法制审核'],
      ['user:j-reviewer', '法制审核'],
    ]);
    const noToken = await fetch(url);
    expect(noToken.status).toBe(401);
  }, 120_000);

  it('replaces a PiP made from a join that has since been superseded, with a custody event', async () => {
    const current = (await api(h.adminToken, `/api/v1/interrogation-sessions/${sessionId}/recording`)).body.joined;
    const frontal = current.find((j: { role: string }) => j.role === 'frontal');
    const overview = current.find((j: { role: string }) => j.role === 'overview');
    // As if the frontal camera's joined recording had been replaced after the PiP (a resumed session stopped again).
    await h.services.db.query(
      `update derivatives set operation = jsonb_set(operation, '{inputs,1,mediaId}', to_jsonb('00000000-0000-4000-8000-000000000000'::text)) where media_id = $1 and kind = 'pip'`,
      [overview.mediaId],
    );
    await reconcile(h.services);
    const remade = await waitFor(async () => {
      const r = await h.services.db.query<{ operation: { inputs: Array<{ role: string; mediaId: string }> } }>(`select operation from derivatives where media_id = $1 and kind = 'pip'`, [overview.mediaId]);
      return r[0]?.operation.inputs.find((i) => i.role === 'frontal')?.mediaId === frontal.mediaId && r[0];
    }, 90_000, 'pip re-made from the current joins');
    expect(remade.operation.inputs.find((i) => i.role === 'overview')?.mediaId).toBe(overview.mediaId);
    const superseded = await h.services.db.query<{ details: { kind: string } }>(`select details from custody_events where media_id = $1 and type = 'derivative.superseded'`, [overview.mediaId]);
    expect(superseded.map((e) => e.details.kind)).toEqual(['pip']);
  }, 120_000);

  it('case review lists the joined recordings (not the segments) and completes once both are reviewed', async () => {
    const joined = view.joined.map((j: { mediaId: string }) => j.mediaId);
    const review = await api(tokens['j-reviewer']!, `/api/v1/cases/${caseId}/review`);
    expect(review.status).toBe(200);
    const listed = review.body.sessions[0].recordings;
    expect(listed.map((r: { id: string }) => r.id).sort()).toEqual([...joined].sort());
    expect(listed.every((r: { role: string; required: boolean }) => r.role === 'joined' && r.required)).toBe(true);
    expect(review.body.pending.map((p: { mediaId: string }) => p.mediaId).sort()).toEqual([...joined].sort());
    expect(review.body.pending.every((p: { kind: string }) => p.kind === 'recording-not-reviewed')).toBe(true);

    const blocked = await api(tokens['j-reviewer']!, `/api/v1/cases/${caseId}/review/complete`, { body: { finding: '合规' } });
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('EVM_REVIEW_INCOMPLETE');
    expect(blocked.body.pending).toHaveLength(2);

    for (const id of joined) await reportWatchedWhole(h, tokens['j-reviewer']!, id!);
    const first = await api(tokens['j-reviewer']!, `/api/v1/interrogation-sessions/${sessionId}/recordings/${joined[0]}/review`, { body: { finding: '全程录像，画面与声音清晰' } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const still = await api(tokens['j-reviewer']!, `/api/v1/cases/${caseId}/review/complete`, { body: { finding: '合规' } });
    expect(still.status).toBe(409);
    // The one left, by name and camera, with how much of it this reviewer has watched (all of it: not yet signed).
    expect(still.body.pending).toEqual([
      { kind: 'recording-not-reviewed', sessionId, mediaId: joined[1], filename: expect.stringMatching(/-joined\.mp4$/), cameraRole: expect.stringMatching(/^(overview|frontal)$/), watchedShare: 1 },
    ]);
    const second = await api(tokens['j-reviewer']!, `/api/v1/interrogation-sessions/${sessionId}/recordings/${joined[1]}/review`, { body: { finding: '正面画面清晰' } });
    expect(second.status).toBe(201);
    const done = await api(tokens['j-reviewer']!, `/api/v1/cases/${caseId}/review/complete`, { body: { finding: '合规' } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.status).toBe('review_completed');
  });
});
