import { describe, expect, it } from 'vitest';
import {
  BUILTIN_FILENAME_PATTERNS,
  compilePatterns,
  mergeNameAndDock,
  parseDeviceTime,
  parseFilename,
  parseUtcOffset,
  PatternError,
  selectPatterns,
} from './filename-patterns.js';

const builtins = compilePatterns(BUILTIN_FILENAME_PATTERNS);
const CST = 480;

describe('vendor file-name patterns', () => {
  it('reads the serial_officer_start_seq style in China Standard Time', () => {
    expect(parseFilename('BWC-3301-0007_013579_20261123083000_0001.mp4', builtins, CST)).toEqual({
      pattern: 'serial-officer-start-seq',
      facts: { deviceSerial: 'BWC-3301-0007', officerId: '013579', recordedAt: '2026-11-23T00:30:00.000Z', seq: '0001' },
    });
  });

  it('reads the officer@start@serial style, extension in capitals', () => {
    expect(parseFilename('013579@20261123083000@BWC33010007.MP4', builtins, CST)).toEqual({
      pattern: 'officer-at-start-at-serial',
      facts: { deviceSerial: 'BWC33010007', officerId: '013579', recordedAt: '2026-11-23T00:30:00.000Z' },
    });
  });

  it('reads start and end in a separated time format', () => {
    const r = parseFilename('ZFJLY_BWC33010007_013579_20261123_083000_20261123_084500.mp4', builtins, CST);
    expect(r?.facts).toMatchObject({ recordedAt: '2026-11-23T00:30:00.000Z', recordedEnd: '2026-11-23T00:45:00.000Z' });
  });

  it('reads an optional end time in the first style and drops an end before the start', () => {
    expect(parseFilename('CAM1_013579_20261123083000_20261123090000_0002.mp4', builtins, CST)?.facts.recordedEnd).toBe('2026-11-23T01:00:00.000Z');
    expect(parseFilename('CAM1_013579_20261123083000_20261123080000_0002.mp4', builtins, CST)?.facts.recordedEnd).toBeUndefined();
  });

  it('leaves out a time that is not a real time instead of guessing', () => {
    const r = parseFilename('CAM1_013579_20261331083000_0001.mp4', builtins, CST);
    expect(r?.pattern).toBe('serial-officer-start-seq');
    expect(r?.facts.recordedAt).toBeUndefined();
  });

  it('returns null for names no pattern knows, and for absurdly long names', () => {
    expect(parseFilename('holiday.mp4', builtins, CST)).toBeNull();
    expect(parseFilename(`${'A'.repeat(300)}_013579_20261123083000_0001.mp4`, builtins, CST)).toBeNull();
    expect(parseFilename('../../etc/passwd', builtins, CST)).toBeNull();
  });

  it('honours a per-pattern UTC offset and the default one', () => {
    const [utc] = compilePatterns([{ name: 'utc', regex: '^(?<start>\\d{14})\\.mp4$', utcOffset: '+00:00' }]);
    expect(parseFilename('20261123083000.mp4', [utc!], CST)?.facts.recordedAt).toBe('2026-11-23T08:30:00.000Z');
    const [dflt] = compilePatterns([{ name: 'd', regex: '^(?<start>\\d{14})\\.mp4$' }]);
    expect(parseFilename('20261123083000.mp4', [dflt!], -300)?.facts.recordedAt).toBe('2026-11-23T13:30:00.000Z');
  });

  it('tries patterns in order: the first match wins', () => {
    const a = compilePatterns([
      { name: 'first', regex: '^(?<serial>[A-Z]+)\\.mp4$' },
      { name: 'second', regex: '^(?<officer>[A-Z]+)\\.mp4$' },
    ]);
    expect(parseFilename('ABC.mp4', a, CST)?.pattern).toBe('first');
    expect(parseFilename('ABC.mp4', [...a].reverse(), CST)?.pattern).toBe('second');
  });

  it('refuses bad pattern definitions with a message naming the pattern', () => {
    expect(() => compilePatterns([{ name: 'x', regex: '(' }])).toThrow(PatternError);
    expect(() => compilePatterns([{ name: 'x', regex: '^(?<officerId>\\d+)$' }])).toThrow(/unknown group/);
    expect(() => compilePatterns([{ name: 'x', regex: '^\\d+$' }])).toThrow(/at least one named group/);
    expect(() => compilePatterns([{ name: 'x', regex: '^(?<start>\\d+)$', timeFormat: 'YYYYMMDD' }])).toThrow(/timeFormat/);
    expect(() => compilePatterns([{ name: 'x', regex: '^(?<start>\\d+)$', utcOffset: '8' }])).toThrow(/utcOffset/);
    expect(() => compilePatterns([{ name: 'bad name!', regex: '^(?<start>\\d+)$' }])).toThrow(/pattern name/);
    expect(() => compilePatterns([BUILTIN_FILENAME_PATTERNS[0]!, BUILTIN_FILENAME_PATTERNS[0]!])).toThrow(/twice/);
  });

  it('selects the patterns a source names, reporting unknown names', () => {
    expect(selectPatterns(builtins, []).patterns).toHaveLength(builtins.length);
    const s = selectPatterns(builtins, ['officer-at-start-at-serial', 'nope']);
    expect(s.patterns.map((p) => p.name)).toEqual(['officer-at-start-at-serial']);
    expect(s.unknown).toEqual(['nope']);
  });
});

describe('device times and offsets', () => {
  it('parses offsets', () => {
    expect(parseUtcOffset('+08:00')).toBe(480);
    expect(parseUtcOffset('-0530')).toBe(-330);
    expect(parseUtcOffset('+15:00')).toBeNull();
    expect(parseUtcOffset('+08:60')).toBeNull();
    expect(parseUtcOffset('CST')).toBeNull();
  });

  it('rejects impossible calendar times', () => {
    expect(parseDeviceTime('20260230120000', 'YYYYMMDDhhmmss', 0)).toBeNull();
    expect(parseDeviceTime('20261123240000', 'YYYYMMDDhhmmss', 0)).toBeNull();
    expect(parseDeviceTime('2026112308300', 'YYYYMMDDhhmmss', 0)).toBeNull();
    expect(parseDeviceTime('20240229235959', 'YYYYMMDDhhmmss', 0)).toBe('2024-02-29T23:59:59.000Z');
  });

  it('crosses midnight back into the previous UTC day', () => {
    expect(parseDeviceTime('2026-11-23 07:59:59', 'YYYY-MM-DD hh:mm:ss', 480)).toBe('2026-11-22T23:59:59.000Z');
  });
});

describe('merging name and dock metadata', () => {
  it('lets the dock win field by field; the name fills gaps only', () => {
    const merged = mergeNameAndDock(
      { deviceSerial: 'BWC33010007', officerId: '013579', recordedAt: '2026-11-23T00:30:00.000Z' },
      { deviceSerial: 'BWC-3301-0007', officerId: '', recordedEnd: '2026-11-23T00:40:00.000Z', caseNumber: undefined },
    );
    expect(merged).toEqual({ deviceSerial: 'BWC-3301-0007', officerId: '013579', recordedAt: '2026-11-23T00:30:00.000Z', recordedEnd: '2026-11-23T00:40:00.000Z' });
  });
});
