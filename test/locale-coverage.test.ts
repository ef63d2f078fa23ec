/**
 * Everything the server can say or record reaches a person in words, Chinese first and English second: every error
 * code (src/errors.ts and the import row codes), every custody event type and every queue name needs an entry in
 * both locales. Adding a code, an event type or a queue without its translations fails here, naming what is missing.
 */
import { describe, expect, it } from 'vitest';
import { ROW_ERROR_CODES } from '../src/domain/case-import.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_ACTOR, SYSTEM_ACTORS } from '../src/domain/actors.js';
import { CUSTODY_EVENT_TYPES } from '../src/domain/custody-chain.js';
import { Errors } from '../src/errors.js';
import { JOB_NAMES } from '../src/queue/jobs.js';
import { en } from '../web/src/locales/en.js';
import { zhCN } from '../web/src/locales/zh-CN.js';

const CJK = /[\u4e00-\u9fff]/;
const errorCodes = [...Object.values(Errors).map((E) => new E().code), ...Object.values(ROW_ERROR_CODES)];

function untranslated(keys: readonly string[], table: Record<string, string>, mustBeChinese: boolean): string[] {
  return keys.filter((k) => typeof table[k] !== 'string' || !table[k]!.trim() || (mustBeChinese && !CJK.test(table[k]!)));
}

describe('translations of server vocabulary', () => {
  it('covers every error code in zh-CN and en', () => {
    expect(errorCodes.length).toBeGreaterThan(80);
    expect(untranslated(errorCodes, zhCN.errorCodes as Record<string, string>, true)).toEqual([]);
    expect(untranslated(errorCodes, en.errorCodes as Record<string, string>, false)).toEqual([]);
  });

  it('covers every custody event type in zh-CN and en', () => {
    expect(untranslated(CUSTODY_EVENT_TYPES, zhCN.eventTypes as Record<string, string>, true)).toEqual([]);
    expect(untranslated(CUSTODY_EVENT_TYPES, en.eventTypes as Record<string, string>, false)).toEqual([]);
  });

  it('covers every queue name in zh-CN and en', () => {
    expect(untranslated(JOB_NAMES, zhCN.stage as Record<string, string>, true)).toEqual([]);
    expect(untranslated(JOB_NAMES, en.stage as Record<string, string>, false)).toEqual([]);
  });

  it('covers every actor the service records in its own name, and the code names no other', () => {
    const actors = [ADMIN_TOKEN_ACTOR, ...SYSTEM_ACTORS];
    expect(untranslated(actors, zhCN.actors as Record<string, string>, true)).toEqual([]);
    expect(untranslated(actors, en.actors as Record<string, string>, false)).toEqual([]);
    const inCode = new Set<string>();
    for (const dir of ['src', 'workers', 'devices']) {
      for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
        if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
        for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/['`"](system:[a-z-]+)/g)) inCode.add(m[1]!);
      }
    }
    expect(inCode.size).toBeGreaterThan(5);
    expect([...inCode].filter((a) => !(SYSTEM_ACTORS as readonly string[]).includes(a))).toEqual([]);
  });

  it('detects a missing entry (the guard itself can fail)', () => {
    expect(untranslated(['EVM_NOT_A_REAL_CODE'], zhCN.errorCodes as Record<string, string>, true)).toEqual(['EVM_NOT_A_REAL_CODE']);
    expect(untranslated(['x'], { x: 'English only' }, true)).toEqual(['x']);
  });
});
