import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('dock and inventory configuration', () => {
  it('defaults: poller on, +08:00 camera clocks, 24 h deadline flagged from 20 h, spool under DATA_DIR', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ DOCK_POLLER: true, DOCK_NAME_UTC_OFFSET: '+08:00', INVENTORY_DEADLINE_HOURS: 24, INVENTORY_WARNING_HOURS: 20 });
    expect(c.paths.dockSpool.endsWith('/data/dock-spool')).toBe(true);
  });

  it('accepts extra vendor patterns as JSON and refuses bad ones naming the variable', () => {
    const c = loadConfig({ DOCK_FILENAME_PATTERNS: JSON.stringify([{ name: 'acme', regex: '^ACME_(?<serial>\\w+)_(?<start>\\d{14})\\.mp4$' }]) });
    expect(c.DOCK_FILENAME_PATTERNS?.[0]?.name).toBe('acme');
    expect(() => loadConfig({ DOCK_FILENAME_PATTERNS: '[{"name":"x","regex":"("}]' })).toThrow(/^Invalid configuration:\n {2}DOCK_FILENAME_PATTERNS:/);
    expect(() => loadConfig({ DOCK_FILENAME_PATTERNS: '{"name":"x"}' })).toThrow(/DOCK_FILENAME_PATTERNS/);
    expect(() => loadConfig({ DOCK_FILENAME_PATTERNS: '[{"name":"serial-officer-start-seq","regex":"^(?<serial>x)$"}]' })).toThrow(/twice/);
  });

  it('refuses a bad offset, key or warning after the deadline', () => {
    expect(() => loadConfig({ DOCK_NAME_UTC_OFFSET: 'CST' })).toThrow(/DOCK_NAME_UTC_OFFSET/);
    expect(() => loadConfig({ DOCK_CREDENTIALS_KEY: 'short' })).toThrow(/DOCK_CREDENTIALS_KEY/);
    expect(() => loadConfig({ INVENTORY_WARNING_HOURS: '30' })).toThrow(/INVENTORY_WARNING_HOURS/);
  });
});
