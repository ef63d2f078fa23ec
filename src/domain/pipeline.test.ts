import { describe, expect, it } from 'vitest';
import { nextStage } from './pipeline.js';

describe('nextStage', () => {
  it('walks verify → probe → proxy → thumbnails → ready', () => {
    expect(nextStage({ state: 'stored', probed: false }, new Set())).toBe('verify');
    expect(nextStage({ state: 'verified', probed: false }, new Set())).toBe('probe');
    expect(nextStage({ state: 'processing', probed: true }, new Set())).toBe('proxy');
    expect(nextStage({ state: 'processing', probed: true }, new Set(['proxy']))).toBe('thumbnails');
    expect(nextStage({ state: 'processing', probed: true }, new Set(['proxy', 'poster']))).toBe('thumbnails');
    expect(nextStage({ state: 'processing', probed: true }, new Set(['proxy', 'poster', 'sprite']))).toBe('ready');
  });
  it('owes nothing on terminal states', () => {
    for (const state of ['ready', 'failed', 'rejected'] as const) expect(nextStage({ state, probed: true }, new Set())).toBeNull();
  });
});
