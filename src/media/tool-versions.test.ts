import { describe, expect, it } from 'vitest';
import { parseVersionLine, toolVersions } from './tool-versions.js';

describe('toolVersions', () => {
  it('parses the first line of -version', () => {
    expect(parseVersionLine('ffmpeg', 'ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nbuilt with gcc')).toBe('5.1.9-0+deb12u1');
    expect(parseVersionLine('ffprobe', 'ffprobe version n6.1 Copyright')).toBe('n6.1');
    expect(() => parseVersionLine('ffmpeg', 'command not found')).toThrow(/cannot read/);
  });

  it('reports the installed tools, once', async () => {
    const v = await toolVersions();
    expect(v.ffmpeg).toMatch(/^\S*\d+\.\d+/);
    expect(v.ffprobe).toBe(v.ffmpeg); // one Debian package
    expect(v.sharp).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.libvips).toMatch(/^\d+\.\d+\.\d+/);
    expect(toolVersions()).toBe(toolVersions());
  });
});
