/**
 * Versions of the tools that made a proxy or thumbnail, for the processing record: a court may ask which
 * software touched a derivative. Asked once per process (the binaries do not change under a running worker).
 */
import sharp from 'sharp';
import { runCapture } from './ffmpeg-process.js';

export interface ToolVersions {
  /** e.g. "5.1.9-0+deb12u1" from "ffmpeg version 5.1.9-0+deb12u1 Copyright ..." */
  ffmpeg: string;
  ffprobe: string;
  sharp: string;
  libvips: string;
}

let memo: Promise<ToolVersions> | undefined;

export function toolVersions(): Promise<ToolVersions> {
  memo ??= load().catch((e: unknown) => {
    memo = undefined; // a transient failure (timeout on a busy box) must not stick for the process's life
    throw e;
  });
  return memo;
}

async function load(): Promise<ToolVersions> {
  const [ffmpeg, ffprobe] = await Promise.all([versionOf('ffmpeg'), versionOf('ffprobe')]);
  return { ffmpeg, ffprobe, sharp: sharp.versions.sharp, libvips: sharp.versions.vips };
}

/** Parses the first line of `<bin> -version`. */
export function parseVersionLine(bin: string, output: string): string {
  const first = output.split('\n', 1)[0] ?? '';
  const m = new RegExp(`^${bin} version (\\S+)`).exec(first.trim());
  if (!m?.[1]) throw new Error(`cannot read the ${bin} version from: ${first.slice(0, 200)}`);
  return m[1];
}

async function versionOf(bin: 'ffmpeg' | 'ffprobe'): Promise<string> {
  const r = await runCapture({ bin, args: ['-version'], timeoutMs: 10_000 });
  return parseVersionLine(bin, r.stdout);
}
