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

interface DryRun {
  generatedAt: string;
  totals: { media: number; bytes: number; derivativeBytes: number };
  items: Array<{ mediaId: string; filename?: string; kind?: string; recordedEnd?: string | null; eligibleSince: string; sizeBytes?: number; reasons: Array<{ rule: string; until?: string }> }>;
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
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const [note, setNote] = useState('');
  const runDry = async () => {
    setError(null);
    try {
      setDryRun(await api<DryRun>('/api/v1/disposals/dry-run?limit=200'));
    } catch (e) {
      setError(e);
    }
  };
  // Proposes exactly the files the dry run listed; the server re-checks every rule and two others must approve.
  const propose = async () => {
    if (!dryRun?.items.length) return;
    setError(null);
    try {
      await api('/api/v1/disposals', { body: { mediaIds: dryRun.items.map((i) => i.mediaId), note: note.trim() } });
      setDryRun(null);
      setNote('');
      disposals.reload();
    } catch (e) {
      setError(e);
    }
  };
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
      {can('admin', 'unit_head', 'auditor') && (
        <Card title={`📋 ${t('retention.dryRun')}`} testId="dry-run">
          <p className="small muted">{t('retention.dryRunIntro')}</p>
          <button className="btn btn-small" onClick={() => void runDry()} data-testid="dry-run-button">
            {t('retention.runDryRun')}
          </button>
          {dryRun && (
            <>
              <p data-testid="dry-run-totals">
                {t('retention.dryRunTotals', { n: dryRun.totals.media, size: fmtBytes(dryRun.totals.bytes), at: fmtDateTime(dryRun.generatedAt) })}
              </p>
              {dryRun.items.length > 0 && (
                <table className="table">
                  <thead>
                    <tr>
                      <th>{t('retention.file')}</th>
                      <th>{t('retention.recordedEnd')}</th>
                      <th>{t('retention.eligibleSince')}</th>
                      <th>{t('retention.why')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {dryRun.items.map((i) => (
                      <tr key={i.mediaId} data-testid="dry-run-row">
                        <td>
                          <Link to={`/media/${i.mediaId}`}>{i.filename ?? i.mediaId.slice(0, 8)}</Link>
                          {i.sizeBytes !== undefined && <div className="small muted">{fmtBytes(i.sizeBytes)}</div>}
                        </td>
                        <td>{i.recordedEnd ? fmtDateTime(i.recordedEnd) : '—'}</td>
                        <td>{fmtDateTime(i.eligibleSince)}</td>
                        <td className="small">{i.reasons.map((r) => t(`retentionRule.${r.rule}`, { defaultValue: r.rule })).join('；')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {dryRun.items.length > 0 && can('admin', 'unit_head') && (
                <div className="btn-row">
                  <input className="input" value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('retention.notePlaceholder')} aria-label={t('retention.note')} />
                  <button className="btn btn-small btn-primary" onClick={() => void propose()} data-testid="propose-disposal">
                    {t('retention.propose', { n: dryRun.items.length })}
                  </button>
                </div>
              )}
            </>
          )}
        </Card>
      )}
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
