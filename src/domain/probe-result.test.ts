import { describe, expect, it } from 'vitest';
import {
  assertProcessable,
  classifyProbeFailure,
  findDamage,
  interpretProbe,
  looksLikeIsoBmff,
  type FfprobeJson,
} from './probe-result.js';

const mov = (over: Partial<FfprobeJson> = {}): FfprobeJson => ({
  format: {
    format_name: 'mov,mp4,m4a,3gp,3g2,mj2',
    format_long_name: 'QuickTime / MOV',
    duration: '12.500000',
    size: '1000',
    bit_rate: '640',
    tags: { creation_time: '2024-03-01T08:30:00.000000Z', major_brand: 'isom' },
  },
  streams: [
    { codec_type: 'video', codec_name: 'h264', profile: 'High', width: 1920, height: 1080, avg_frame_rate: '30000/1001', pix_fmt: 'yuv420p', has_b_frames: 2 },
    { codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2 },
    { codec_type: 'data', codec_name: 'none', tags: { timecode: '01:00:00:00' } },
  ],
  ...over,
});

describe('interpretProbe', () => {
  it('maps ffprobe JSON', () => {
    const p = interpretProbe(mov(), 1000);
    expect(p).toMatchObject({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 12.5,
      sizeBytes: 1000,
      bitRate: 640,
      video: { codec: 'h264', profile: 'High', width: 1920, height: 1080, fps: 29.97, pixFmt: 'yuv420p', hasBFrames: true },
      audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
      creationTime: '2024-03-01T08:30:00.000Z',
      timecode: '01:00:00:00',
    });
    expect(p.tags.major_brand).toBe('isom');
  });
  it('does not take cover art for video', () => {
    const p = interpretProbe(
      mov({
        streams: [
          { codec_type: 'audio', codec_name: 'aac', sample_rate: '44100', channels: 1 },
          { codec_type: 'video', codec_name: 'mjpeg', width: 300, height: 300, disposition: { attached_pic: 1 } },
        ],
      }),
      1000,
    );
    expect(p.video).toBeNull();
    expect(() => assertProcessable(p)).toThrow(expect.objectContaining({ code: 'EVM_MEDIA_NO_VIDEO' }));
  });
  it('treats bintext "formats" and still images as unreadable', () => {
    expect(() => interpretProbe({ format: { format_name: 'bin', duration: '1' }, streams: [{ codec_type: 'video', codec_name: 'bintext' }] }, 9)).toThrow(
      expect.objectContaining({ code: 'EVM_MEDIA_UNREADABLE' }),
    );
    expect(() => interpretProbe({ format: { format_name: 'jpeg_pipe' }, streams: [{ codec_type: 'video', codec_name: 'mjpeg' }] }, 9)).toThrow(
      expect.objectContaining({ code: 'EVM_MEDIA_UNREADABLE' }),
    );
  });
  it('calls a container without a duration truncated (never finalised)', () => {
    const raw = mov();
    delete raw.format!.duration;
    expect(() => interpretProbe(raw, 1000)).toThrow(expect.objectContaining({ code: 'EVM_MEDIA_TRUNCATED' }));
  });
});

describe('classifyProbeFailure', () => {
  const moovMissing = '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found\nf.mp4: Invalid data found when processing input\n';
  it('an MP4 header without its index is truncated', () => {
    const head = Buffer.from('000000206674797069736f6d', 'hex'); // size 32, "ftypisom"
    expect(looksLikeIsoBmff(head)).toBe(true);
    expect(classifyProbeFailure(moovMissing, head)).toMatchObject({ code: 'EVM_MEDIA_TRUNCATED' });
  });
  it('garbage named .mp4 is unreadable', () => {
    expect(classifyProbeFailure(moovMissing, Buffer.from('hello world, not a video'))).toMatchObject({ code: 'EVM_MEDIA_UNREADABLE' });
  });
});

describe('findDamage', () => {
  it('finds truncation messages and ignores a clean run', () => {
    expect(findDamage('')).toBeNull();
    expect(findDamage('[mov,mp4 @ 0x5] stream 0, offset 0x1bb18: partial file\n')).toBe('stream 0, offset 0x1bb18: partial file');
    expect(findDamage('[matroska,webm @ 0x1] File ended prematurely\n')).toMatch(/prematurely/);
  });
});
