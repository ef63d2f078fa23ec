import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError, getToken, qs } from '../api';
import { fmtDateTime } from '../format';
import { useApi } from '../hooks';
import { periodLabel } from '../period-label';
import { Card, ErrorBox } from './ui';

const KINDS = ['weekly', 'monthly', 'quarterly'] as const;

/**
 * 周统计、月巡查、季通报 as the reports API makes them. The API takes the bearer token only (no cookie), so the file
 * is fetched here and handed to the browser as a download.
 */
export function ReportDownloads({ unit }: { unit: string }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<(typeof KINDS)[number]>('weekly');
  const [period, setPeriod] = useState('');
  const [format, setFormat] = useState<'csv' | 'html'>('csv');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const download = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`/api/v1/reports/${kind}${qs({ period: period.trim(), format, unit })}`, { headers: { Authorization: `Bearer ${getToken() ?? ''}` } });
      if (!res.ok) {
        const b = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        throw new ApiError(res.status, b.code ?? `HTTP_${res.status}`, b.message ?? res.statusText, b);
      }
      const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `${kind}.${format}`;
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={`📄 ${t('coverageMore.reports')}`} testId="report-downloads">
      <form className="search-grid" onSubmit={download}>
        <label>
          {t('coverageMore.kind')}
          <select value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`coverageMore.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('coverageMore.period')}
          <input value={period} onChange={(e) => setPeriod(e.target.value)} placeholder={t('coverageMore.periodHint')} />
        </label>
        <label>
          {t('coverageMore.format')}
          <select value={format} onChange={(e) => setFormat(e.target.value as 'csv' | 'html')}>
            <option value="csv">CSV</option>
            <option value="html">HTML</option>
          </select>
        </label>
        <div className="search-actions">
          <button className="btn btn-primary" type="submit" disabled={busy} data-testid="report-download">
            ⬇ {busy ? t('common.working') : t('coverageMore.download')}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
    </Card>
  );
}

interface Sample {
  id: string;
  period: string;
  caseCount: number;
  createdBy: string;
  createdAt: string;
  cases?: Array<{ caseId: string; caseNumber: string; unitCode: string }>;
}

/** The supervisory sample (at least 20% of a period's cases per unit, as the API draws it): draw one, see the latest. */
export function SupervisorySample({ unit }: { unit: string }) {
  const { t } = useTranslation();
  const list = useApi<Sample[]>('/api/v1/supervision/samples');
  const latestId = list.data?.[0]?.id;
  const latest = useApi<Sample>(latestId ? `/api/v1/supervision/samples/${latestId}` : null);
  const [period, setPeriod] = useState('');
  const [error, setError] = useState<unknown>(null);
  const draw = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api('/api/v1/supervision/samples', { body: { period: period.trim(), ...(unit ? { unit } : {}) } });
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const s = latest.data;
  return (
    <Card title={`🎯 ${t('coverageMore.sample')}`} testId="supervisory-sample">
      <form className="search-grid" onSubmit={draw}>
        <label>
          {t('coverageMore.samplePeriod')}
          <input value={period} onChange={(e) => setPeriod(e.target.value)} placeholder="2026-W49 / 2026-12 / 2026-Q4" required />
        </label>
        <div className="search-actions">
          <button className="btn btn-primary" type="submit" data-testid="sample-draw">
            {t('coverageMore.draw')}
          </button>
        </div>
      </form>
      <ErrorBox error={error ?? list.error ?? latest.error} />
      {!latestId && list.data && <p className="muted">{t('coverageMore.sampleEmpty')}</p>}
      {s && (
        <>
          <p data-testid="sample-summary">{t('coverageMore.sampleDrawn', { period: periodLabel(t, s.period), n: s.caseCount, by: s.createdBy.replace(/^user:/, ''), at: fmtDateTime(s.createdAt) })}</p>
          <ul className="plain">
            {s.cases?.map((c) => (
              <li key={c.caseId} data-testid="sample-case">
                <Link to={`/cases/${c.caseId}`}>{c.caseNumber}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}
