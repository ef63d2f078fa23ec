/** Report and trend periods read in Chinese (2026年第49周), not as the API's canonical labels (2026-W49). */
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '../web/src/locales/en.js';
import { zhCN } from '../web/src/locales/zh-CN.js';
import { periodLabel } from '../web/src/period-label.js';

describe('periodLabel', () => {
  const i18n = i18next.createInstance();
  beforeAll(async () => {
    await i18n.init({ resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } }, lng: 'zh-CN', interpolation: { escapeValue: false } });
  });

  it('reads weeks, months and quarters in Chinese', () => {
    const t = i18n.getFixedT('zh-CN');
    expect(periodLabel(t, '2026-W49')).toBe('2026年第49周');
    expect(periodLabel(t, '2026-W01')).toBe('2026年第1周');
    expect(periodLabel(t, '2026-11')).toBe('2026年11月');
    expect(periodLabel(t, '2026-Q4')).toBe('2026年第4季度');
  });

  it('reads them in English second, and leaves anything else as given', () => {
    expect(periodLabel(i18n.getFixedT('en'), '2026-W49')).toBe('2026 week 49');
    expect(periodLabel(i18n.getFixedT('zh-CN'), '2026-12-01')).toBe('2026-12-01');
  });
});
