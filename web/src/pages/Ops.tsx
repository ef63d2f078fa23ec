import { useEffect, useState } from 'react';
import { Bar } from 'react-chartjs-2';
import { BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip } from 'chart.js';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { Badge, Card, ErrorBox, Loading, ProgressBar, Stat } from '../components/ui';
import { fmtBytes, fmtDateTime } from '../format';
import { useApi } from '../hooks';
import type { JobRow } from './Uploads';

ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip);

interface Storage {
  usedBytes: number | null;
  freeBytes: number | null;
  originals: { files: number; bytes: number };
  derivatives: { files: number; bytes: number };
  daily: Array<{ day: string; files: number; bytes: number }>;
}

interface QueueRow {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** Storage used and its growth, queue depth per pipeline stage, failed jobs with a retry. */
export function OpsPage() {
  const { t } = useTranslation();
  const storage = useApi<Storage>('/api/v1/admin/storage?days=30', 60_000);
  const queues = useApi<QueueRow[]>('/api/v1/admin/queues', 3000);
  const failed = useApi<JobRow[]>('/api/v1/admin/jobs?status=failed&limit=50', 10_000);
  const [error, setError] = useState<unknown>(null);
  const retry = async (j: JobRow) => {
    setError(null);
    try {
      await api(`/api/v1/admin/queues/${j.queue}/jobs/${encodeURIComponent(j.id)}/retry`, { method: 'POST', body: {} });
      failed.reload();
      queues.reload();
    } catch (e) {
      setError(e);
    }
  };
  const s = storage.data;
  const total = s && s.usedBytes !== null && s.freeBytes !== null ? s.usedBytes + s.freeBytes : null;
  return (
    <>
      <h1>{t('ops.title')}</h1>
      <ReadinessBanners />
      <ErrorBox error={storage.error ?? queues.error ?? failed.error ?? error} />
      {s ? (
        <div className="stats">
          <Stat label={t('ops.originals')} value={fmtBytes(s.originals.bytes)} sub={t('ops.files', { n: s.originals.files })} tone="info" />
          <Stat label={t('ops.derivatives')} value={fmtBytes(s.derivatives.bytes)} sub={t('ops.files', { n: s.derivatives.files })} tone="info" />
          <Stat label={t('ops.free')} value={fmtBytes(s.freeBytes)} tone={total && s.freeBytes !== null && s.freeBytes / total < 0.1 ? 'bad' : 'good'} sub={total ? `${t('ops.used')} ${fmtBytes(s.usedBytes)}` : t('ops.unknownFree')} />
          <Stat label={t('ops.last30')} value={fmtBytes(s.daily.reduce((n, d) => n + d.bytes, 0))} sub={t('ops.files', { n: s.daily.reduce((n, d) => n + d.files, 0) })} tone="none" />
        </div>
      ) : (
        <Loading />
      )}
      <div className="two-col">
        <Card title={`📈 ${t('ops.growth')}`}>
          {s && s.daily.length > 0 ? (
            <Bar
              data={{ labels: s.daily.map((d) => d.day.slice(5)), datasets: [{ label: 'MB', data: s.daily.map((d) => d.bytes / 1048576), backgroundColor: '#1d4ed8' }] }}
              options={{ animation: false, plugins: { legend: { display: false } }, scales: { y: { title: { display: true, text: 'MB' } } } }}
            />
          ) : (
            <p className="muted">{t('coverage.noData')}</p>
          )}
        </Card>
        <Card title={`🧮 ${t('ops.queues')}`} testId="queue-table">
          <table className="table">
            <thead>
              <tr>
                <th>{t('ops.queue')}</th>
                <th>{t('ops.waiting')}</th>
                <th>{t('ops.active')}</th>
                <th>{t('ops.delayed')}</th>
                <th>{t('ops.failed')}</th>
              </tr>
            </thead>
            <tbody>
              {queues.data?.map((q) => (
                <tr key={q.name}>
                  <td>{t(`stage.${q.name}`, { defaultValue: q.name })}</td>
                  <td>{q.waiting}</td>
                  <td>{q.active ? <Badge tone="info">{q.active}</Badge> : 0}</td>
                  <td>{q.delayed}</td>
                  <td>{q.failed ? <Badge tone="bad">{q.failed}</Badge> : 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
      <Card title={`⚠ ${t('ops.failedJobs')}`} testId="failed-jobs">
        {failed.data?.length === 0 && <p className="alert alert-good">✅ {t('ops.noFailed')}</p>}
        {!!failed.data?.length && (
          <table className="table">
            <thead>
              <tr>
                <th>{t('ops.queue')}</th>
                <th>{t('ops.item')}</th>
                <th>{t('ops.error')}</th>
                <th>{t('ops.attempts')}</th>
                <th>{t('ops.failedAt')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {failed.data.map((j) => (
                <tr key={`${j.queue}-${j.id}`}>
                  <td>{t(`stage.${j.queue}`, { defaultValue: j.queue })}</td>
                  <td className="mono small">{j.mediaId ? <Link to={`/media/${j.mediaId}`}>{j.mediaId.slice(0, 8)}</Link> : j.id}</td>
                  <td className="small bad-text">{j.failedReason}</td>
                  <td>{j.attemptsMade}</td>
                  <td>{fmtDateTime(j.finishedAt)}</td>
                  <td>
                    <button className="btn btn-small btn-primary" onClick={() => void retry(j)}>
                      ↻ {t('ops.retry')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <ActiveJobs />
    </>
  );
}

function ActiveJobs() {
  const { t } = useTranslation();
  const jobs = useApi<JobRow[]>('/api/v1/admin/jobs?status=active&limit=20', 2000);
  if (!jobs.data?.length) return null;
  return (
    <Card title={t('uploads.pipeline')}>
      {jobs.data.map((j) => (
        <div key={`${j.queue}-${j.id}`} className="progress-row">
          <div className="small">{t(`stage.${j.queue}`, { defaultValue: j.queue })} · {j.mediaId?.slice(0, 8) ?? j.exportId?.slice(0, 8)}</div>
          <ProgressBar value={j.progress} />
        </div>
      ))}
    </Card>
  );
}

interface Readiness {
  storage?: { ok: boolean; code?: string; error?: string };
  worm?: { enabled: boolean; reason?: string };
}

/**
 * What an operator must act on before anything else: originals stored without WORM, and storage below its floor.
 * Read from /readyz (public, no token), which answers 503 with the same body when not ready, so the body is read
 * whatever the status.
 */
function ReadinessBanners() {
  const { t } = useTranslation();
  const [ready, setReady] = useState<Readiness | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      fetch('/readyz', { headers: { Accept: 'application/json' } })
        .then((r) => r.json() as Promise<Readiness>)
        .then((b) => !stopped && setReady(b))
        .catch(() => undefined);
    void load();
    const timer = setInterval(() => void load(), 30_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  if (!ready) return null;
  return (
    <>
      {ready.worm && !ready.worm.enabled && (
        <div className="alert alert-bad" role="alert" data-testid="worm-off">
          🔓 <strong>{t('worm.off')}</strong>
          <p>{t('worm.offDetail', { reason: ready.worm.reason ?? '' })}</p>
        </div>
      )}
      {ready.storage?.code === 'EVM_STORAGE_FULL' && (
        <div className="alert alert-bad" role="alert" data-testid="storage-full">
          💾 <strong>{t('worm.storageFull')}</strong>
          <p>{ready.storage.error}</p>
        </div>
      )}
    </>
  );
}
