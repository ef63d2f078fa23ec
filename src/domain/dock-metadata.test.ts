import { describe, expect, it } from 'vitest';
import { declareLeniently, dockMetadata, parseSidecar } from './dock-metadata.js';
import { BUILTIN_FILENAME_PATTERNS, compilePatterns, parseFilename } from './filename-patterns.js';
import { classifyRemoteName, dockFolderProblem, isStable, observe, parseFtpLocation, remoteNameProblem, retryAt } from './dock-files.js';

const SHA = 'a'.repeat(64);
const patterns = compilePatterns(BUILTIN_FILENAME_PATTERNS);

describe('sidecar metadata', () => {
  it('maps vendor keys, reads local times at the sidecar offset and keeps unknown keys', () => {
    const r = parseSidecar(
      JSON.stringify({
        FileID: 'F-77',
        device_serial: 'BWC-3301-0007',
        policeNo: 13579,
        startTime: '2026-11-23 08:30:00',
        endTime: '20261123084000',
        utcOffset: '+08:00',
        MD5: 'D41D8CD98F00B204E9800998ECF8427E',
        flags: ['Lock', 'event', 'blue'],
        resolution: '1920x1080',
        nested: { ignored: true },
      }),
      0,
    );
    expect(r).toEqual({
      ok: true,
      meta: {
        fileId: 'F-77',
        deviceSerial: 'BWC-3301-0007',
        officerId: '13579',
        recordedAt: '2026-11-23T00:30:00.000Z',
        recordedEnd: '2026-11-23T00:40:00.000Z',
        md5: 'd41d8cd98f00b204e9800998ecf8427e',
        flags: 'locked,event',
        vendorFlags: 'blue',
        resolution: '1920x1080',
      },
    });
  });

  it('keeps ISO times with a zone as they are and reads epoch numbers as UTC', () => {
    const r = parseSidecar(JSON.stringify({ recordedAt: '2026-11-23T08:30:00+08:00', recordedEnd: 1795394400 }), 480);
    expect(r).toMatchObject({ ok: true, meta: { recordedAt: '2026-11-23T08:30:00+08:00', recordedEnd: new Date(1795394400 * 1000).toISOString() } });
  });

  it('refuses unusable JSON and malformed integrity values', () => {
    expect(parseSidecar('{"fileId": ', 480)).toEqual({ ok: false, reason: 'not valid JSON' });
    expect(parseSidecar('[1,2]', 480)).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(parseSidecar('{"md5": "xyz"}', 480)).toMatchObject({ ok: false, reason: expect.stringMatching(/md5/) });
    expect(parseSidecar('{"sha256": 12}', 480)).toMatchObject({ ok: false, reason: expect.stringMatching(/sha256/) });
    expect(parseSidecar('{"utcOffset": "CST"}', 480)).toMatchObject({ ok: false });
  });
});

describe('declaring a pulled file', () => {
  const name = '013579@20261123083000@BWC33010007.MP4';

  it('takes facts from the name, overridden by the sidecar; the computed hash stands in when none is declared', () => {
    const meta = dockMetadata({
      filename: name,
      fromName: parseFilename(name, patterns, 480),
      sidecar: { deviceSerial: 'BWC-3301-0007', caseNumber: 'A-2026-1', md5: 'b'.repeat(32) },
      computedSha256: SHA,
    });
    const r = declareLeniently(meta);
    expect('declared' in r && r.declared).toMatchObject({
      sha256: SHA,
      filename: name,
      deviceSerial: 'BWC-3301-0007',
      officerId: '013579',
      recordedAt: '2026-11-23T00:30:00.000Z',
      caseNumber: 'A-2026-1',
      vendor: { md5: 'b'.repeat(32), namePattern: 'officer-at-start-at-serial' },
    });
  });

  it('a declared sha256 in the sidecar is what the ingest path checks against', () => {
    const meta = dockMetadata({ filename: 'x.mp4', fromName: null, sidecar: { sha256: 'c'.repeat(64) }, computedSha256: SHA });
    expect(meta.sha256).toBe('c'.repeat(64));
  });

  it('never holds footage back for a descriptive field: invalid ones move into vendor', () => {
    const r = declareLeniently({ filename: 'x.mp4', sha256: SHA, officerId: 'has spaces', recordedAt: 'yesterday', flags: 'normal' });
    expect('declared' in r).toBe(true);
    if (!('declared' in r)) return;
    expect(r.dropped).toEqual(['officerId', 'recordedAt']);
    expect(r.declared.officerId).toBeNull();
    expect(r.declared.vendor).toMatchObject({ 'invalid.officerId': 'has spaces', 'invalid.recordedAt': 'yesterday' });
  });

  it('fails only when an integrity value is unusable', () => {
    expect(declareLeniently({ filename: 'x.mp4', sha256: 'nothex' })).toMatchObject({ problem: expect.stringMatching(/sha256/) });
  });
});

describe('dock files', () => {
  it('refuses names that could escape the folder or inject FTP commands', () => {
    for (const bad of ['', '.', '..', '../x.mp4', 'a/b.mp4', 'a\\b.mp4', 'x\r\nDELE y.mp4', 'nul\0.mp4', `${'é'.repeat(130)}.mp4`]) {
      expect(remoteNameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    }
    for (const ok of ['BWC-1_013579_20261123083000_0001.mp4', ' leading space.mp4', '$(touch pwned).mp4', '-rf.mp4', '执法 记录.mp4']) {
      expect(remoteNameProblem(ok), ok).toBeNull();
    }
  });

  it('classifies footage, sidecars, markers and the rest', () => {
    const ext = ['mp4', 'wav'];
    expect(classifyRemoteName('a.MP4', ext)).toBe('media');
    expect(classifyRemoteName('a.mp4.json', ext)).toBe('sidecar');
    expect(classifyRemoteName('a.mp4.ack', ext)).toBe('ack');
    expect(classifyRemoteName('.a.mp4', ext)).toBe('other');
    expect(classifyRemoteName('a.mp4.part', ext)).toBe('other');
    expect(classifyRemoteName('mp4', ext)).toBe('other');
  });

  it('calls a file complete once its size and time have held for the stable period', () => {
    const a = observe(undefined, 100, null, 1000);
    expect(isStable(a, 1000, 0)).toBe(true);
    expect(isStable(a, 1999, 1000)).toBe(false);
    const b = observe(a, 100, null, 1500);
    expect(b.since).toBe(1000);
    expect(isStable(b, 2000, 1000)).toBe(true);
    const grown = observe(b, 200, null, 2100);
    expect(isStable(grown, 2200, 1000)).toBe(false);
    const touched = observe(observe(undefined, 5, 1, 0), 5, 2, 10);
    expect(touched.since).toBe(10);
  });

  it('backs off exponentially between failed attempts, capped', () => {
    expect(retryAt(1, 0, 1000)).toBe(1000);
    expect(retryAt(2, 0, 1000)).toBe(2000);
    expect(retryAt(4, 500, 1000)).toBe(8500);
    expect(retryAt(40, 0, 30_000)).toBe(3_600_000);
  });

  it('accepts only plain ftp/ftps URLs and safe folders', () => {
    expect(parseFtpLocation('ftp://127.0.0.1:2121')).toEqual({ host: '127.0.0.1', port: 2121, secure: false });
    expect(parseFtpLocation('ftps://dock.local')).toEqual({ host: 'dock.local', port: 21, secure: true });
    expect(parseFtpLocation('ftp://u:p@127.0.0.1')).toBeNull();
    expect(parseFtpLocation('ftp://127.0.0.1/DCIM')).toBeNull();
    expect(parseFtpLocation('http://127.0.0.1')).toBeNull();
    expect(dockFolderProblem('done')).toBeNull();
    expect(dockFolderProblem('/DCIM/done')).toBeNull();
    expect(dockFolderProblem('../out')).not.toBeNull();
    expect(dockFolderProblem('a\nb')).not.toBeNull();
  });
});
