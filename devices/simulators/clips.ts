import { spawn } from 'node:child_process';

export interface ClipOptions {
  /** Output path; the container follows the extension (.mp4, .mkv, .ts). */
  path: string;
  seconds: number;
  width?: number;
  height?: number;
  fps?: number;
  /** libx264 (browser-playable), libx265 or mpeg2video (force a re-encode downstream). */
  videoCodec?: 'libx264' | 'libx265' | 'mpeg2video';
  videoBitrate?: string;
  /** Burned-in label, e.g. the device serial and officer number a body-cam stamps on its picture. */
  label?: string;
  audio?: boolean;
  video?: boolean;
}

/**
 * Generates a body-cam-like clip with ffmpeg's test sources: moving pattern, a running clock and a tone.
 * Used by the demo dock, the tests and the benchmarks so no footage has to be shipped.
 */
export function generateClip(o: ClipOptions): Promise<void> {
  const { width = 1280, height = 720, fps = 30, videoCodec = 'libx264', audio = true, video = true } = o;
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  // drawtext treats ' : \ as syntax; a label only needs letters, digits, spaces and dashes.
  const text = (o.label ?? 'EVM').replace(/[^\w\- ]/g, '');
  if (video) {
    args.push('-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${o.seconds}`);
  }
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${o.seconds}`);
  if (video) {
    args.push('-vf', `drawtext=text='${text} %{localtime}':x=20:y=20:fontsize=${Math.round(height / 20)}:fontcolor=white:box=1:boxcolor=black@0.5`);
    args.push('-c:v', videoCodec, '-pix_fmt', 'yuv420p');
    if (videoCodec === 'libx264') args.push('-preset', 'veryfast', '-profile:v', 'high');
    if (videoCodec === 'libx265') args.push('-preset', 'ultrafast', '-tag:v', 'hvc1', '-x265-params', 'log-level=error');
    if (o.videoBitrate) args.push('-b:v', o.videoBitrate, '-maxrate', o.videoBitrate, '-bufsize', o.videoBitrate);
    args.push('-g', String(fps * 2));
  }
  if (audio) args.push('-c:a', videoCodec === 'mpeg2video' ? 'mp2' : 'aac', '-b:a', '96k');
  if (o.path.endsWith('.mp4')) args.push('-movflags', '+faststart');
  args.push('-t', String(o.seconds), o.path);
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err.trim()}`))));
  });
}
