import { describe, expect, it } from 'vitest';
import { tcpRtspUrl, TsPacketizer } from './live-view.js';

const packet = (n: number) => Buffer.concat([Buffer.from([0x47, n]), Buffer.alloc(186, n)]);

describe('TsPacketizer', () => {
  it('hands on whole 188-byte packets only, each run starting with the sync byte', () => {
    const p = new TsPacketizer();
    const stream = Buffer.concat([packet(1), packet(2), packet(3)]);
    const a = p.push(stream.subarray(0, 200));
    expect(a?.length).toBe(188);
    expect(a?.[0]).toBe(0x47);
    const b = p.push(stream.subarray(200));
    expect(b?.length).toBe(376);
    expect(b?.[0]).toBe(0x47);
    expect(b?.[188]).toBe(0x47);
  });
  it('resynchronises on the next sync byte after garbage', () => {
    const p = new TsPacketizer();
    const out = p.push(Buffer.concat([Buffer.from([1, 2, 3]), packet(9)]));
    expect(out?.length).toBe(188);
    expect(out?.[1]).toBe(9);
  });
});

describe('tcpRtspUrl', () => {
  it('asks ffmpeg for RTP over the RTSP connection', () => {
    expect(tcpRtspUrl('rtsp://u:p@127.0.0.1:8554/cam')).toBe('rtsp://u:p@127.0.0.1:8554/cam?tcp');
    expect(tcpRtspUrl('rtsp://h/cam?x=1')).toBe('rtsp://h/cam?x=1&tcp');
    expect(tcpRtspUrl('rtsp://h/cam?tcp')).toBe('rtsp://h/cam?tcp');
  });
});
