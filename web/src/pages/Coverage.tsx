import { useMemo, useState } from 'react';
import { Bar, Line } from 'react-chartjs-2';
import { BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { qs } from '../api';
import { Card, ErrorBox, Loading, Stat } from '../components/ui';
import { fmtDateTime, fmtPercent, rateTone } from '../format';
import { useApi } from '../hooks';
import { ReportDownloads, SupervisorySample } from '../components/CoverageReports';
import { periodLabel } from '../period-label';

ChartJS.register(CategoryScale, LinearScale, BarElement, LineElement, PointElement, Tooltip, Legend);

export const RATES = ['bodycam-usage', 'storage', 'full-recording', 'upload-timeliness', 'interrogation-review'] as const;

export interface RateFigure {
  numerator: number;
  denominator: number;
  rate: number | null;
  target: number;
  missing?: number;
}

interface Group {
  key: string | null;
  name: string | null;
  value: RateFigure;
}

interface Summary {
  rate: string;
  total: RateFigure;
  groups: Group[];
}

/** GET /api/v1/coverage: {rates: {rate: figure}, groups: [{key, name, unitCode, rates}]} → one summary per rate. */
function normalize(body: unknown): Summary[] {
  const b = body as { rates?: Record<string, RateFigure>; groups?: Array<{ key: string | null; name: string | null; rates: Record<string, RateFigure> }> } | null;
  if (!b?.rates) return [];
  return RATES.filter((r) => b.rates![r]).map((r) => ({
    rate: r,
    total: b.rates![r]!,
    groups: (b.groups ?? []).map((g) => ({ key: g.key, name: g.name, value: g.rates[r] ?? { numerator: 0, denominator: 0, rate: null, target: 1 } })),
  }));
}

/** Local dates (Asia/Shanghai) as the API takes them: YYYY-MM-DD, "to" includes its whole day. */
const localDate = (d: Date) => d.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const today = () => localDate(new Date());
const monthStart = () => `${today().slice(0, 8)}01`;

export function usePeriod() {
  const [params, setParams] = useSearchParams();
  const from = params.get('from') ?? monthStart();
  const to = params.get('to') ?? today();
  const unit = params.get('unit') ?? '';
  const groupBy = params.get('groupBy') ?? 'unit';
  const set = (p: Record<string, string>) => setParams({ from, to, unit, groupBy, ...p });
  return { from, to, unit, groupBy, set };
}

/** Admin dashboard: the five rates by unit and period, trend and ranking, each with its drill-down to what is missing. */
export function CoveragePage() {
  const { t } = useTranslation();
  const { from, to, unit, groupBy, set } = usePeriod();
  const units = useApi<Array<{ code: string; name: string }>>('/api/v1/units');
  const q = qs({ from, to, unit, groupBy });
  const cov = useApi<unknown>(`/api/v1/coverage${q}`, 30_000);
  const summaries = useMemo(() => normalize(cov.data), [cov.data]);
  const [selected, setSelected] = useState<string>('storage');
  const sel = summaries.find((s) => s.rate === selected) ?? summaries[0];

  return (
    <>
      <h1>{t('coverage.title')}</h1>
      <Card>
        <div className="search-grid" data-testid="coverage-filter">
          <label>
            {t('coverage.from')}
            <input type="date" value={from} onChange={(e) => set({ from: e.target.value })} />
          </label>
          <label>
            {t('coverage.to')}
            <input type="date" value={to} onChange={(e) => set({ to: e.target.value })} />
          </label>
          <label>
            {t('coverage.unit')}
            <select value={unit} onChange={(e) => set({ unit: e.target.value })}>
              <option value="">{t('coverage.allUnits')}</option>
              {units.data?.map((u) => (
                <option key={u.code} value={u.code}>
                  {u.name} ({u.code})
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('coverage.groupBy')}
            <select value={groupBy} onChange={(e) => set({ groupBy: e.target.value })}>
              <option value="unit">{t('coverage.byUnit')}</option>
              <option value="officer">{t('coverage.byOfficer')}</option>
            </select>
          </label>
        </div>
      </Card>
      <ErrorBox error={cov.error} />
      {cov.loading && !cov.data && <Loading />}
      <div className="stats" data-testid="coverage-cards">
        {summaries.map((s) => (
          <div key={s.rate} className={`rate-card ${sel?.rate === s.rate ? 'selected' : ''}`} data-testid={`rate-${s.rate}`}>
            <button className="rate-select" onClick={() => setSelected(s.rate)} aria-label={t(`rate.${s.rate}`)}>
              <Stat
                label={t(`rate.${s.rate}`, { defaultValue: s.rate })}
                value={<span data-testid="rate-value">{s.total.rate === null ? t('coverage.na') : fmtPercent(s.total.rate)}</span>}
                tone={rateTone(s.total.rate, s.total.target)}
                sub={
                  <span data-testid="rate-fraction">
                    {s.total.numerator} / {s.total.denominator} · {t('coverage.target')} {fmtPercent(s.total.target, 0)}
                  </span>
                }
              />
            </button>
            <Link className="drill" to={`/admin/coverage/${s.rate}${qs({ from, to, unit })}`} data-testid="drill-down">
              {t('coverage.missing', { n: s.total.missing ?? s.total.denominator - s.total.numerator })} →
            </Link>
          </div>
        ))}
      </div>
      {sel && (
        <div className="two-col">
          <Card title={t('coverage.ranking', { rate: t(`rate.${sel.rate}`) })}>
            <RankingChart groups={sel.groups} />
            {sel.groups.some((g) => g.key === null && g.value.denominator > 0) && (
              <p className="muted small" data-testid="unassigned-help">
                {t('coverageMore.unassignedHelp')}
              </p>
            )}
          </Card>
          <Card title={t('coverage.trend', { rate: t(`rate.${sel.rate}`) })}>
            <TrendChart rate={sel.rate} from={from} to={to} unit={unit} />
          </Card>
        </div>
      )}
      <div className="two-col">
        <ReportDownloads unit={unit} />
        <SupervisorySample unit={unit} />
      </div>
    </>
  );
}

function RankingChart({ groups }: { groups: Group[] }) {
  const { t } = useTranslation();
  const rows = groups.filter((g) => g.value.denominator > 0).slice(0, 15);
  if (!rows.length) return <p className="muted">{t('coverage.noData')}</p>;
  const colour = (r: number | null) => ({ good: '#1a7f37', warn: '#d4a017', bad: '#c62828', none: '#999' })[rateTone(r)];
  return (
    <Bar
      data={{
        labels: rows.map((g) => g.name ?? g.key ?? t('coverage.unassigned')),
        datasets: [{ label: t('coverage.rate'), data: rows.map((g) => (g.value.rate ?? 0) * 100), backgroundColor: rows.map((g) => colour(g.value.rate)) }],
      }}
      options={{ indexAxis: 'y', animation: false, scales: { x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } }, plugins: { legend: { display: false } } }}
    />
  );
}

function TrendChart({ rate, from, to, unit }: { rate: string; from: string; to: string; unit: string }) {
  const { t } = useTranslation();
  const days = (Date.parse(to) - Date.parse(from)) / 86400_000;
  const trend = useApi<{ buckets: Array<{ label: string; from: string; rates: Record<string, RateFigure> }> }>(
    `/api/v1/coverage/trend${qs({ from, to, unit, interval: days > 62 ? 'month' : 'week' })}`,
  );
  if (trend.error) return <ErrorBox error={trend.error} />;
  const points = trend.data?.buckets ?? [];
  if (!points.length) return <p className="muted">{trend.loading ? t('common.loading') : t('coverage.noData')}</p>;
  return (
    <Line
      data={{
        labels: points.map((p) => periodLabel(t, p.label)),
        datasets: [
          {
            label: t(`rate.${rate}`),
            data: points.map((p) => (p.rates[rate]?.rate === null || p.rates[rate] === undefined ? null : p.rates[rate]!.rate! * 100)),
            borderColor: '#1d4ed8',
            backgroundColor: '#1d4ed8',
            spanGaps: true,
          },
          { label: t('coverage.target'), data: points.map(() => 100), borderColor: '#1a7f37', borderDash: [6, 4], pointRadius: 0 },
        ],
      }}
      options={{ animation: false, scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } } }}
    />
  );
}

/** One rate's drill-down: exactly what is missing, item by item. */
export function CoverageMissingPage() {
  const { rate } = useParams();
  const { t } = useTranslation();
  const { from, to, unit } = usePeriod();
  const [offset, setOffset] = useState(0);
  const list = useApi<{ total: number; items: Array<Record<string, unknown>> }>(
    `/api/v1/coverage/${rate}/missing${qs({ from, to, unit, limit: 100, offset })}`,
  );
  const items = list.data?.items ?? [];
  return (
    <>
      <p className="crumbs">
        <Link to={`/admin${qs({ from, to, unit })}`}>← {t('coverage.title')}</Link>
      </p>
      <h1 data-testid="missing-title">
        {t('coverage.missingTitle', { rate: t(`rate.${rate}`, { defaultValue: rate }) })}
      </h1>
      <p className="muted">
        {from} – {to} {unit && `· ${unit}`}
      </p>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <Card title={t('coverage.missingCount', { n: list.data?.total ?? 0 })}>
          {items.length === 0 ? (
            <p className="alert alert-good">✅ {t('coverage.nothingMissing')}</p>
          ) : (
            <table className="table" data-testid="missing-table">
              <thead>
                <tr>
                  <th>{t('coverage.item')}</th>
                  <th>{t('coverage.when')}</th>
                  <th>{t('coverage.unit')}</th>
                  <th>{t('coverage.officers')}</th>
                  <th>{t('coverage.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((it, i) => (
                  <tr key={String(it.id ?? i)} data-testid="missing-row">
                    <td>
                      <MissingLabel item={it} />
                    </td>
                    <td>{fmtDateTime(it.at as string)}</td>
                    <td>{(it.unitCode as string) ?? '—'}</td>
                    <td>{((it.officers as string[]) ?? []).join('、') || '—'}</td>
                    <td>{t(`missingReason.${it.reason}`, { defaultValue: String(it.reason ?? '') })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="pager">
            <button className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 100))}>
              ← {t('common.prev')}
            </button>
            <button className="btn" disabled={offset + 100 >= (list.data?.total ?? 0)} onClick={() => setOffset(offset + 100)}>
              {t('common.next')} →
            </button>
          </div>
        </Card>
      )}
    </>
  );
}

function MissingLabel({ item: it }: { item: Record<string, unknown> }) {
  const caseLink = it.caseId ? <Link to={`/cases/${String(it.caseId)}`}>{String(it.caseNumber ?? it.caseId)}</Link> : it.caseNumber ? String(it.caseNumber) : null;
  if (it.incidentId) return <span className="mono">{String(it.incidentId)} {it.place ? `· ${String(it.place)}` : ''}</span>;
  if (it.sessionId) return <span>{caseLink} · {String(it.room ?? '')}</span>;
  if (it.mediaId) return <Link to={`/media/${String(it.mediaId)}`} className="mono small">{String(it.filename ?? it.mediaId)}</Link>;
  if (it.name) return <span className="mono small">{String(it.name)} {it.dockSerial ? `@${String(it.dockSerial)}` : ''}</span>;
  return <span className="mono small">{String(it.id ?? '')}</span>;
}
