import type { TFunction } from 'i18next';

/**
 * A reporting period's canonical label (2026-W49, 2026-11, 2026-Q4, as the API and file names use them) in the
 * reader's words: 2026年第49周, 2026年11月, 2026年第4季度. Anything else is shown as given.
 */
export function periodLabel(t: TFunction, label: string): string {
  const week = /^(\d{4})-W(\d{2})$/.exec(label);
  if (week) return t('periodLabel.week', { year: week[1], week: Number(week[2]) });
  const month = /^(\d{4})-(\d{2})$/.exec(label);
  if (month) return t('periodLabel.month', { year: month[1], month: Number(month[2]) });
  const quarter = /^(\d{4})-Q([1-4])$/.exec(label);
  if (quarter) return t('periodLabel.quarter', { year: quarter[1], quarter: Number(quarter[2]) });
  return label;
}
