import i18n from './i18n';

/** Recorded times are shown as Beijing wall-clock time (UTC+8, 24-hour), as the rules want on the picture. */
const TZ = 'Asia/Shanghai';

const locale = () => (i18n.language?.startsWith('en') ? 'en-GB' : 'zh-CN');

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(locale(), { timeZone: TZ, hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(locale(), { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
}

export function fmtTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(locale(), { timeZone: TZ, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** 754.5 → "12:34"; 3725 → "1:02:05". */
export function fmtOffset(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return h ? `${h}:${mm}:${String(r).padStart(2, '0')}` : `${mm}:${String(r).padStart(2, '0')}`;
}

export function fmtDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) return '—';
  const s = Math.round(sec);
  if (s < 60) return i18n.t('fmt.seconds', { n: s });
  if (s < 3600) return i18n.t('fmt.minutes', { m: Math.floor(s / 60), s: s % 60 });
  return i18n.t('fmt.hours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function fmtPercent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${(rate * 100).toFixed(digits)}%`;
}

/** "5 分钟前" / "5 min ago". */
export function fmtAgo(iso: string | null | undefined): string {
  if (!iso) return i18n.t('fmt.never');
  const sec = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (sec < 60) return i18n.t('fmt.justNow');
  if (sec < 3600) return i18n.t('fmt.minAgo', { n: Math.floor(sec / 60) });
  if (sec < 86400) return i18n.t('fmt.hoursAgo', { n: Math.floor(sec / 3600) });
  return i18n.t('fmt.daysAgo', { n: Math.floor(sec / 86400) });
}

/** Status colour for a rate against its target: green met, amber within 5 points, red below. */
export function rateTone(rate: number | null | undefined, target = 1): 'good' | 'warn' | 'bad' | 'none' {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return 'none';
  if (rate >= target - 1e-9) return 'good';
  if (rate >= target - 0.05) return 'warn';
  return 'bad';
}
