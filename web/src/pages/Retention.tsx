import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { useAuth } from '../auth';
import { Badge, Card, ErrorBox, Loading } from '../components/ui';
import { fmtBytes, fmtDateTime } from '../format';
import { useApi } from '../hooks';

interface Batch {
  id: string;
  status: 'pending_approval' | 'recycling' | 'completed' | 'cancelled';
  createdBy: string;
  createdAt: string;
  note: string;
  approvals: Array<{ approver: string; approvedAt: string; note: string }>;
  recycleUntil: string | null;
  items?: unknown[];
  itemCount?: number;
  counts?: Record<string, number>;
  bytes?: number;
  sizeBytes?: number;
}

interface Hold {
  id: string;
  caseId: string | null;
  mediaId: string | null;
  reason: string;
  placedBy: string;
  placedAt: string;
  until: string | null;
  active: boolean;
}

const listOf = <T,>(d: unknown): T[] => (Array.isArray(d) ? (d as T[]) : ((d as { items?: T[]; batches?: T[]; holds?: T[] } | null)?.items ?? (d as { batches?: T[] })?.batches ?? (d as { holds?: T[] })?.holds ?? []));

const tone = { pending_approval: 'warn', recycling: 'info', completed: 'none', cancelled: 'none' } as const;

/** Retention: disposal batches awaiting their two approvals, recycling ones (restorable), and legal holds. */
export function RetentionPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const disposals = useApi<unknown>('/api/v1/disposals', 15_000);
  const holds = useApi<unknown>('/api/v1/holds', 30_000);
  const [error, setError] = useState<unknown>(null);
  const approve = async (id: string) => {
    setError(null);
    try {
      await api(`/api/v1/disposals/${id}/approvals`, { body: { note: t('retention.approvedNote') } });
      disposals.reload();
    } catch (e) {
      setError(e);
    }
  };
  const batches = listOf<Batch>(disposals.data);
  const pending = batches.filter((b) => b.status === 'pending_approval');
  const others = batches.filter((b) => b.status !== 'pending_approval');
  const holdList = listOf<Hold>(holds.data);
  return (
    <>
      <h1>{t('retention.title')}</h1>
      <p className="muted">{t('retention.intro')}</p>
      <ErrorBox error={error} />
      <Card title={`🗑 ${t('retention.pending', { n: pending.length })}`} testId="disposals-pending">
        <ErrorBox error={disposals.error} />
        {disposals.loading && !disposals.data && <Loading />}
        {disposals.data !== null && pending.length === 0 && <p className="muted">{t('retention.nonePending')}</p>}
        {[...pending, ...others].map((b) => (
          <div key={b.id} className="batch">
            <div>
              <Badge tone={tone[b.status] ?? 'none'}>{t(`disposalStatus.${b.status}`, { defaultValue: b.status })}</Badge> <strong>{b.note || b.id.slice(0, 8)}</strong>{' '}
              <span className="muted small">
                {t('retention.proposedBy', { by: b.createdBy, at: fmtDateTime(b.createdAt) })}
                {(b.itemCount ?? b.items?.length) !== undefined && ` · ${t('retention.items', { n: b.itemCount ?? b.items?.length })}`}
                {(b.bytes ?? b.sizeBytes) !== undefined && ` · ${fmtBytes(b.bytes ?? b.sizeBytes)}`}
              </span>
            </div>
            <div className="small">
              {t('retention.approvals', { n: b.approvals.length })}: {b.approvals.map((a) => `${a.approver} (${fmtDateTime(a.approvedAt)})`).join('、') || '—'}
              {b.recycleUntil && ` · ${t('retention.recycleUntil', { at: fmtDateTime(b.recycleUntil) })}`}
            </div>
            {b.status === 'pending_approval' && can('admin', 'unit_head') && (
              <button className="btn btn-small btn-primary" onClick={() => void approve(b.id)}>
                {t('common.approve')}
              </button>
            )}
          </div>
        ))}
      </Card>
      <Card title={`🔒 ${t('retention.holds', { n: holdList.filter((h) => h.active).length })}`} testId="holds">
        <ErrorBox error={holds.error} />
        {holds.data !== null && holdList.length === 0 && <p className="muted">{t('retention.noHolds')}</p>}
        {holdList.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th>{t('retention.target')}</th>
                <th>{t('retention.reason')}</th>
                <th>{t('retention.placedBy')}</th>
                <th>{t('retention.until')}</th>
                <th>{t('retention.state')}</th>
              </tr>
            </thead>
            <tbody>
              {holdList.map((h) => (
                <tr key={h.id}>
                  <td>{h.caseId ? <Link to={`/cases/${h.caseId}`}>{t('access.case')}</Link> : h.mediaId ? <Link to={`/media/${h.mediaId}`}>{t('access.media')}</Link> : '—'}</td>
                  <td>{h.reason}</td>
                  <td>
                    {h.placedBy} <div className="small muted">{fmtDateTime(h.placedAt)}</div>
                  </td>
                  <td>{h.until ? fmtDateTime(h.until) : t('retention.indefinite')}</td>
                  <td>
                    <Badge tone={h.active ? 'bad' : 'none'}>{h.active ? t('retention.active') : t('retention.released')}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
