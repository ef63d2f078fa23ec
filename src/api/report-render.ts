import { stringify } from 'csv-stringify/sync';
import { COVERAGE_RATES, formatRate, RATE_INFO, type CoverageRate, type RateValue } from '../domain/coverage.js';
import { localDate, type PeriodKind } from '../domain/report-periods.js';

/**
 * The weekly statistics, monthly inspection and quarterly report (周统计、月巡查、季通报) as a downloadable CSV and a
 * printable HTML page. Pure: the figures come in, text goes out. Labels are zh-CN with English beside them, as the
 * reports are read by Chinese inspectors and by the platform's maintainers.
 */

export const REPORT_KINDS = ['weekly', 'monthly', 'quarterly'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_PERIOD_KIND: Record<ReportKind, PeriodKind> = { weekly: 'week', monthly: 'month', quarterly: 'quarter' };
export const REPORT_TITLE: Record<ReportKind, { zh: string; en: string }> = {
  weekly: { zh: '周统计', en: 'Weekly statistics' },
  monthly: { zh: '月巡查', en: 'Monthly inspection' },
  quarterly: { zh: '季通报', en: 'Quarterly report' },
};

type Rates = Record<CoverageRate, RateValue>;

export interface ReportGroup {
  key: string | null;
  name: string | null;
  unitCode: string | null;
  rates: Rates;
}

export interface ReportData {
  kind: ReportKind;
  period: { label: string; from: Date; to: Date };
  unit: string | null;
  generatedAt: Date;
  generatedBy: string;
  totals: Rates;
  /** The period before, for comparison (weekly and monthly). */
  previous: { label: string; totals: Rates } | null;
  units: ReportGroup[];
  /** Officers with at least one missing item (monthly inspection). */
  officers: ReportGroup[] | null;
  /** Month by month (quarterly report). */
  trend: Array<{ label: string; rates: Rates }> | null;
  /** Dock files past the upload deadline when the report was made. */
  overdueNow: number | null;
  /** Supervisory samples drawn for the period: cases sampled / cases. */
  supervision: { samples: number; sampled: number; population: number } | null;
}

const HEADER = ['section 栏目', 'key 编号', 'name 名称', 'rate 指标', '指标名称', 'rate name', 'numerator 分子', 'denominator 分母', 'rate 比率', 'target 目标', 'missing 缺失'];

function rows(section: string, key: string | null, name: string | null, rates: Rates): string[][] {
  return COVERAGE_RATES.map((r) => {
    const v = rates[r];
    return [section, key ?? '', name ?? '', r, RATE_INFO[r].zh, RATE_INFO[r].en, String(v.numerator), String(v.denominator), v.rate === null ? '' : v.rate.toFixed(4), '1', String(v.missing)];
  });
}

/**
 * One line per (section, group, rate). A UTF-8 byte-order mark leads, so spreadsheet programs on Chinese Windows
 * read the labels as UTF-8 rather than GBK. The rate is a fraction with 4 decimals (empty: nothing to measure).
 */
export function reportCsv(d: ReportData): string {
  const out: string[][] = [HEADER];
  out.push(['meta 信息', 'period', d.period.label, `${d.period.from.toISOString()}/${d.period.to.toISOString()}`, '', '', '', '', '', '', '']);
  out.push(['meta 信息', 'unit', d.unit ?? 'all 全部', '', '', '', '', '', '', '', '']);
  out.push(...rows('total 合计', null, null, d.totals));
  if (d.previous) out.push(...rows(`previous 上期 ${d.previous.label}`, null, null, d.previous.totals));
  for (const g of d.units) out.push(...rows('unit 单位', g.key, g.name, g.rates));
  for (const g of d.officers ?? []) out.push(...rows('officer 民警', g.key, g.name, g.rates));
  for (const t of d.trend ?? []) out.push(...rows(`month 月份 ${t.label}`, null, null, t.rates));
  if (d.overdueNow !== null) out.push(['overdue 超期未上传', '', '', '', '', '', String(d.overdueNow), '', '', '', '']);
  if (d.supervision) out.push(['supervision 监督抽查', '', '', '', '', '', String(d.supervision.sampled), String(d.supervision.population), '', '', '']);
  return `\uFEFF${stringify(out)}`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function rateCells(rates: Rates): string {
  return COVERAGE_RATES.map((r) => {
    const v = rates[r];
    const cls = v.rate === null ? 'na' : v.met ? 'ok' : 'short';
    return `<td class="${cls}">${esc(formatRate(v.rate))}<br><small>${v.numerator}/${v.denominator}</small></td>`;
  }).join('');
}

function table(caption: string, first: string, groups: Array<{ label: string; rates: Rates }>): string {
  const head = COVERAGE_RATES.map((r) => `<th>${esc(RATE_INFO[r].zh)}<br><small>${esc(RATE_INFO[r].en)}</small></th>`).join('');
  const body = groups.map((g) => `<tr><th scope="row">${esc(g.label)}</th>${rateCells(g.rates)}</tr>`).join('\n');
  return `<table><caption>${esc(caption)}</caption><thead><tr><th>${esc(first)}</th>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A self-contained page (no scripts, no external assets) that prints on A4 landscape. */
export function reportHtml(d: ReportData): string {
  const title = REPORT_TITLE[d.kind];
  const label = (g: ReportGroup) => (g.key === null ? '未归属 unattributed' : `${g.name ?? ''} ${g.key}`.trim());
  const sections = [
    table('合计 Totals', '期间 Period', [{ label: d.period.label, rates: d.totals }, ...(d.previous ? [{ label: `${d.previous.label}（上期 previous）`, rates: d.previous.totals }] : [])]),
    table('按单位 By unit', '单位 Unit', d.units.map((g) => ({ label: label(g), rates: g.rates }))),
  ];
  if (d.officers) sections.push(d.officers.length ? table('存在缺失的民警 Officers with missing items', '民警 Officer', d.officers.map((g) => ({ label: label(g), rates: g.rates }))) : '<p>无缺失 No officer has missing items.</p>');
  if (d.trend) sections.push(table('按月 By month', '月份 Month', d.trend.map((t) => ({ label: t.label, rates: t.rates }))));
  const facts: string[] = [];
  if (d.overdueNow !== null) facts.push(`<li>超期未上传文件 Dock files past the upload deadline now: <b>${d.overdueNow}</b></li>`);
  if (d.supervision) facts.push(`<li>监督抽查 Supervisory samples: ${d.supervision.samples}, 抽查案件 cases sampled ${d.supervision.sampled} / ${d.supervision.population}</li>`);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${esc(`${title.zh} ${title.en} ${d.period.label}`)}</title>
<style>
  body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; color: #111; }
  h1 { font-size: 1.4em; margin-bottom: 0.2em; }
  .meta { color: #444; margin-bottom: 1.5em; }
  table { border-collapse: collapse; width: 100%; margin: 1em 0 2em; page-break-inside: auto; }
  caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
  th, td { border: 1px solid #888; padding: 0.3em 0.5em; text-align: center; vertical-align: top; }
  th[scope=row] { text-align: left; font-weight: normal; }
  tr { page-break-inside: avoid; }
  thead { display: table-header-group; }
  td.short { background: #fde2e2; }
  td.ok { background: #e3f4e3; }
  td.na { color: #777; }
  small { color: #555; }
  @page { size: A4 landscape; margin: 12mm; }
  @media print { body { margin: 0; } td.short, td.ok { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
</style>
</head>
<body>
<h1>${esc(title.zh)} ${esc(title.en)} — ${esc(d.period.label)}</h1>
<div class="meta">
  期间 Period: ${esc(localDate(d.period.from))} 至 to ${esc(localDate(new Date(d.period.to.getTime() - 1)))} (Asia/Shanghai)<br>
  单位 Unit: ${esc(d.unit ?? '全部 all units')}<br>
  目标 Target: 100% · 生成 Generated ${esc(d.generatedAt.toISOString())} by ${esc(d.generatedBy)}
</div>
${sections.join('\n')}
${facts.length ? `<ul>${facts.join('')}</ul>` : ''}
<p><small>${COVERAGE_RATES.map((r) => `${esc(RATE_INFO[r].zh)} ${esc(RATE_INFO[r].en)}: ${esc(RATE_INFO[r].numerator)} / ${esc(RATE_INFO[r].denominator)}`).join('<br>')}<br>n/a: 分母为零 nothing to measure in the period.</small></p>
</body>
</html>
`;
}
