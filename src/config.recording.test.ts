import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('interrogation-room recording configuration', () => {
  it('defaults: recorder on, 4 s segments, 15 s stall, 0.25–2 s retries, 2 s gap tolerance, spool under DATA_DIR', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      RECORDER: true,
      RECORDING_SEGMENT_SEC: 4,
      RECORDING_STALL_SEC: 15,
      RECORDING_RETRY_MIN_MS: 250,
      RECORDING_RETRY_MAX_MS: 2000,
      RECORDING_GAP_TOLERANCE_SEC: 2,
      RECORDING_LEASE_SEC: 20,
    });
    expect(c.paths.recordingSpool.endsWith('/data/recording-spool')).toBe(true);
    expect(loadConfig({ RECORDING_GAP_TOLERANCE_SEC: '0.5', RECORDER: 'false' })).toMatchObject({ RECORDING_GAP_TOLERANCE_SEC: 0.5, RECORDER: false });
  });

  it('refuses settings that would restart healthy streams or never retry sooner than later, naming the variable', () => {
    expect(() => loadConfig({ RECORDING_SEGMENT_SEC: '10', RECORDING_STALL_SEC: '11' })).toThrow(/^Invalid configuration:\n {2}RECORDING_STALL_SEC:/);
    expect(() => loadConfig({ RECORDING_RETRY_MIN_MS: '5000', RECORDING_RETRY_MAX_MS: '1000' })).toThrow(/RECORDING_RETRY_MIN_MS/);
    expect(() => loadConfig({ RECORDING_GAP_TOLERANCE_SEC: '-1' })).toThrow(/RECORDING_GAP_TOLERANCE_SEC/);
    expect(() => loadConfig({ RECORDING_SEGMENT_SEC: '0' })).toThrow(/RECORDING_SEGMENT_SEC/);
  });
});
