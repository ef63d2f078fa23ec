import { describe, expect, it } from 'vitest';
import type { ProbeResult } from './probe-result.js';
import { drawClock, planProxy } from './proxy-plan.js';

const probe = (over: Partial<ProbeResult> = {}, video: Partial<NonNullable<ProbeResult['video']>> = {}): ProbeResult => ({
  container: 'mov,mp4,m4a,3gp,3g2,mj2',
  formatLongName: 'QuickTime / MOV',
  durationSec: 60,
  sizeBytes: 1,
  bitRate: 8e6,
  video: { codec: 'h264', profile: 'High', width: 1920, height: 1080, fps: 30, pixFmt: 'yuv420p', hasBFrames: true, ...video },
  audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
  creationTime: null,
  timecode: null,
  tags: {},
  ...over,
});

const valueAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('planProxy', () => {
  it('remuxes browser-playable H.264/AAC in MP4, even at 1080p, and says so', () => {
    const plan = planProxy(probe());
    expect(plan.mode).toBe('remux');
    expect(plan.reason).toMatch(/1080 kept above 720/);
    const args = plan.args('/in/orig.mp4', '/out/proxy.mp4');
    expect(args).toEqual(['-n', '-i', 'file:/in/orig.mp4', '-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', 'file:/out/proxy.mp4']);
  });
  it('remuxes a silent H.264 MP4', () => {
    expect(planProxy(probe({ audio: null })).mode).toBe('remux');
  });
  it.each([
    ['HEVC', probe({}, { codec: 'hevc', profile: 'Main' }), /hevc is not H.264/],
    ['MPEG-2 in TS', probe({ container: 'mpegts', audio: { codec: 'mp2', sampleRate: 48000, channels: 2 } }, { codec: 'mpeg2video', profile: 'Main' }), /mpegts is not MP4/],
    ['H.264 in MKV', probe({ container: 'matroska,webm' }), /matroska,webm is not MP4/],
    ['High 10', probe({}, { profile: 'High 10', pixFmt: 'yuv420p10le' }), /not 4:2:0 8-bit/],
    ['PCM audio', probe({ audio: { codec: 'pcm_s16le', sampleRate: 48000, channels: 1 } }), /pcm_s16le is not AAC/],
  ])('transcodes %s', (_name, p, why) => {
    const plan = planProxy(p);
    expect(plan.mode).toBe('transcode');
    expect(plan.reason).toMatch(why);
    const args = plan.args('/in/a', '/out/b.mp4');
    expect(valueAfter(args, '-c:v')).toBe('libx264');
    expect(valueAfter(args, '-preset')).toBe('veryfast');
    expect(valueAfter(args, '-crf')).toBe('23');
    expect(valueAfter(args, '-pix_fmt')).toBe('yuv420p');
    expect(valueAfter(args, '-c:a')).toBe('aac');
    expect(valueAfter(args, '-b:a')).toBe('128k');
    expect(valueAfter(args, '-ar')).toBe('48000');
    expect(valueAfter(args, '-movflags')).toBe('+faststart');
    // even height, never above maxHeight, width from the aspect
    expect(valueAfter(args, '-vf')).toBe("scale=w=-2:h='min(720,trunc(ih/2)*2)'");
  });
  it('honours maxHeight, crf and preset', () => {
    const args = planProxy(probe({}, { codec: 'hevc' }), { maxHeight: 480, crf: 28, preset: 'faster' }).args('/a', '/b');
    expect(valueAfter(args, '-vf')).toContain('min(480,');
    expect(valueAfter(args, '-crf')).toBe('28');
    expect(valueAfter(args, '-preset')).toBe('faster');
    expect(() => planProxy(probe(), { maxHeight: 719 })).toThrow(/even/);
    expect(() => planProxy(probe(), { preset: 'fast; rm -rf /' })).toThrow(/preset/);
  });
  it('burnClock forces a transcode with a drawtext of start + pts', () => {
    const plan = planProxy(probe(), { burnClock: { startIso: '2024-03-01T08:30:00.250Z' } });
    expect(plan.mode).toBe('transcode');
    const vf = valueAfter(plan.args('/a', '/b'), '-vf')!;
    expect(vf).toMatch(/^scale=.*,drawtext=text='%\{pts\\:gmtime\\:1709281800\.250\} UTC'/);
  });
  it('shows local time by a fixed UTC offset', () => {
    expect(drawClock({ startIso: '2024-03-01T00:00:00Z', utcOffsetMinutes: 480 })).toContain(`gmtime\\:${1709251200 + 8 * 3600}.000} UTC+0800'`);
    expect(() => drawClock({ startIso: 'yesterday' })).toThrow(/not a date/);
  });
  it('never writes to the original', () => {
    expect(() => planProxy(probe()).args('/x/orig.mp4', '/x/../x/orig.mp4')).toThrow(/never written/);
  });
  it('refuses audio-only recordings', () => {
    expect(() => planProxy(probe({ video: null }))).toThrow(expect.objectContaining({ code: 'EVM_MEDIA_NO_VIDEO' }));
  });
});
