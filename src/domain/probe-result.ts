/**
 * What the pipeline knows about a media file after probing, and the pure rules that turn ffprobe's output (or its
 * complaints) into that, or into one of the MEDIA_* errors recorded on the media row. No I/O here.
 */
import { Errors } from '../errors.js';

export interface VideoInfo {
  codec: string;
  profile: string | null;
  width: number;
  height: number;
  /** Average frame rate; null when the container does not say (e.g. some raw streams). */
  fps: number | null;
  pixFmt: string | null;
  hasBFrames: boolean;
}

export interface AudioInfo {
  codec: string;
  sampleRate: number | null;
  channels: number | null;
}

export interface ProbeResult {
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "mpegts". */
  container: string;
  formatLongName: string;
  durationSec: number;
  sizeBytes: number;
  /** Overall bit rate in bit/s; null when ffprobe cannot tell. */
  bitRate: number | null;
  /** First real video stream (cover art in an .m4a is not video); null for audio-only recordings. */
  video: VideoInfo | null;
  audio: AudioInfo | null;
  /** creation_time from the container (or a stream) as ISO 8601 UTC; the device's claim, not a verified fact. */
  creationTime: string | null;
  /** SMPTE timecode from format or stream tags, e.g. "01:02:03:04" (pro cameras, interview-room recorders). */
  timecode: string | null;
  /** Container-level tags as ffprobe reports them. */
  tags: Record<string, string>;
}

/** The subset of `ffprobe -print_format json -show_format -show_streams` that is read. */
export interface FfprobeJson {
  format?: {
    format_name?: string;
    format_long_name?: string;
    duration?: string;
    size?: string;
    bit_rate?: string;
    tags?: Record<string, string>;
  };
  streams?: FfprobeStream[];
}

export interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  pix_fmt?: string;
  has_b_frames?: number;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
}

/**
 * ffmpeg's bintext family (and tty) accept any bytes when the file name has their extension (.bin, .txt...),
 * so "probed fine" with these means "random or text bytes", not a recording.
 */
const NOT_MEDIA_FORMATS = new Set(['bin', 'tty', 'xbin', 'adf', 'idf']);

/** Turns ffprobe's JSON into a ProbeResult, or throws MEDIA_UNREADABLE / MEDIA_TRUNCATED. */
export function interpretProbe(raw: FfprobeJson, fileSizeBytes: number): ProbeResult {
  const format = raw.format ?? {};
  const container = format.format_name ?? '';
  const streams = raw.streams ?? [];
  if (!container || NOT_MEDIA_FORMATS.has(container)) {
    throw new Errors.MEDIA_UNREADABLE(`no audio/video container recognised${container ? ` (only "${container}")` : ''}`);
  }
  if (container === 'image2' || container.endsWith('_pipe')) {
    throw new Errors.MEDIA_UNREADABLE(`it is a still image (${container}), not a recording`);
  }
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const a = streams.find((s) => s.codec_type === 'audio');
  if (!v && !a) throw new Errors.MEDIA_UNREADABLE(`"${container}" holds no audio or video stream`);

  const durationSec = num(format.duration) ?? maxOf(streams.map((s) => num(s.duration)));
  // A container whose length cannot be found was not finalised: the recorder stopped before writing its index.
  if (durationSec === null || !(durationSec > 0)) {
    throw new Errors.MEDIA_TRUNCATED('its duration cannot be determined (the recording was not finalised)');
  }

  return {
    container,
    formatLongName: format.format_long_name ?? container,
    durationSec,
    sizeBytes: num(format.size) ?? fileSizeBytes,
    bitRate: num(format.bit_rate),
    video: v ? videoInfo(v) : null,
    audio: a ? { codec: a.codec_name ?? 'unknown', sampleRate: num(a.sample_rate), channels: a.channels ?? null } : null,
    creationTime: isoOrNull(format.tags?.creation_time ?? firstTag(streams, 'creation_time')),
    timecode: format.tags?.timecode ?? firstTag(streams, 'timecode'),
    tags: { ...(format.tags ?? {}) },
  };
}

function videoInfo(s: FfprobeStream): VideoInfo {
  return {
    codec: s.codec_name ?? 'unknown',
    profile: s.profile ?? null,
    width: s.width ?? 0,
    height: s.height ?? 0,
    fps: rate(s.avg_frame_rate) ?? rate(s.r_frame_rate),
    pixFmt: s.pix_fmt ?? null,
    hasBFrames: (s.has_b_frames ?? 0) > 0,
  };
}

/**
 * Classifies a failed ffprobe run. `head` is the file's first bytes: an ISO-BMFF box header at the start means
 * an MP4/MOV whose index (moov) never got written or was cut off, i.e. truncated, not garbage. Random bytes or
 * text in a file named .mp4 give ffprobe the same "moov atom not found" and must come out as UNREADABLE.
 */
export function classifyProbeFailure(stderr: string, head: Uint8Array): Error {
  const last = lastLine(stderr) || 'ffprobe could not open it';
  const damage = findDamage(stderr) ?? last;
  if (looksLikeIsoBmff(head)) return new Errors.MEDIA_TRUNCATED(`MP4/MOV structure is incomplete: ${damage}`);
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return new Errors.MEDIA_TRUNCATED(`Matroska structure is incomplete: ${damage}`);
  }
  return new Errors.MEDIA_UNREADABLE(last);
}

/** Top-level box types an MP4/MOV can start with. */
const ISO_BMFF_FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'styp']);

export function looksLikeIsoBmff(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const type = String.fromCharCode(head[4]!, head[5]!, head[6]!, head[7]!);
  const size = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  return ISO_BMFF_FIRST_BOXES.has(type) && (size === 0 || size === 1 || size >= 8);
}

/**
 * Messages a `-c copy` read-through prints when packets are missing at the end or cut mid-way. ffmpeg still exits 0
 * for these, so the text is the only signal. Other error lines (odd but harmless muxing quirks) are ignored.
 */
const DAMAGE_PATTERNS = [
  /partial file/i,
  /File ended prematurely/i,
  /truncat/i,
  /moov atom not found/i,
  /Invalid data found/i,
  /Invalid NAL unit size/i,
  /missing picture in access unit/i,
  /Packet corrupt/i,
];

/** The first line of a read-through's stderr that shows truncation or damage, or null if it reads clean. */
export function findDamage(stderr: string): string | null {
  const lines = stderr.split('\n');
  // Patterns are in order of how plainly they say "cut short": report the plainest one present.
  for (const re of DAMAGE_PATTERNS) {
    const l = lines.find((x) => re.test(x));
    if (l) return l.replace(/^\[[^\]]*\]\s*/, '').trim();
  }
  return null;
}

/** The pipeline makes picture proxies and thumbnails, so an audio-only recording stops here (stored, verified). */
export function assertProcessable(p: ProbeResult): asserts p is ProbeResult & { video: VideoInfo } {
  if (!p.video) throw new Errors.MEDIA_NO_VIDEO();
}

function num(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function maxOf(values: (number | null)[]): number | null {
  const ok = values.filter((x): x is number => x !== null);
  return ok.length ? Math.max(...ok) : null;
}

function rate(r: string | undefined): number | null {
  if (!r) return null;
  const [n, d] = r.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n) || n <= 0) return null;
  const value = d === undefined ? n : d > 0 ? n / d : NaN;
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
}

function firstTag(streams: FfprobeStream[], key: string): string | null {
  for (const s of streams) {
    const v = s.tags?.[key];
    if (v) return v;
  }
  return null;
}

function isoOrNull(s: string | null | undefined): string | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
