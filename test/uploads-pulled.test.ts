/**
 * The uploads screen's feed (GET /api/v1/admin/uploads) lists what pull docks (FTP, folder) deliver, not only tus
 * uploads: a file waiting on the dock and one copied in, each with how it came and the media's state.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, createPeople, insertVerifiedMedia } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

describe('uploads feed with pull docks', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  let mediaId: string;

  beforeAll(async () => {
    h = await startHarness({ workers: false });
    api = apiOf(h);
    ({ tokens } = await createPeople(h, [{ username: 'admin1', role: 'admin' }]));
    const dock = await h.registerDevice('dock', 'FTP-DOCK-1');
    const source = randomUUID();
    await h.services.db.query(
      `insert into dock_pull_sources (id, device_id, protocol, location, remote_dir, done_dir, ack_mode, extensions, poll_interval_sec, stable_sec)
       values ($1, $2, 'ftp', 'ftp://127.0.0.1:2121', '/', '/done', 'rename', '{mp4}', 30, 5)`,
      [source, dock.id],
    );
    mediaId = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: '2026-12-01T01:00:00Z' });
    await h.services.db.query(
      `insert into dock_remote_files (source_id, name, size_bytes, status, media_id, ingested_at) values ($1, 'BWC1_20261201_0900.mp4', 4096, 'ingested', $2, now()),
                                                                                                     ($1, 'BWC1_20261201_1000.mp4', 8192, 'pending', null, null)`,
      [source, mediaId],
    );
  }, 60_000);
  afterAll(async () => h?.stop());

  it('lists the pulled file and the waiting one with how they came', async () => {
    const res = await api(tokens.admin1!, '/api/v1/admin/uploads');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const pulled = res.body.filter((u: { via: string }) => u.via === 'ftp');
    expect(pulled).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ filename: 'BWC1_20261201_0900.mp4', deviceSerial: 'FTP-DOCK-1', mediaId, mediaState: 'ready', progress: 100, dockStatus: 'ingested' }),
        expect.objectContaining({ filename: 'BWC1_20261201_1000.mp4', finishedAt: null, progress: 0, dockStatus: 'pending' }),
      ]),
    );
    expect(pulled).toHaveLength(2);
  });
});
