import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { useAuth } from '../auth';
import { Badge, Card, DecisionButtons, ErrorBox, ListTable, Loading, ProgressBar } from '../components/ui';
import { fmtBytes, fmtDateTime } from '../format';
import { useApi } from '../hooks';
import type { ExportItem } from '../types';

const LIVE = new Set(['queued', 'building']);
const tone = { pending_approval: 'warn', queued: 'info', building: 'info', ready: 'good', failed: 'bad', rejected: 'bad' } as const;

/** Exports: live progress while building (polled), download links once ready, approval for unit heads and admins. */
export function ExportsPage() {
  const { t } = useTranslation();
  const { user, can } = useAuth();
  const list = useApi<ExportItem[]>('/api/v1/exports?limit=100', (d) => (d?.some((e) => LIVE.has(e.status)) ? 1500 : 10_000));
  const [error, setError] = useState<unknown>(null);
  const decide = async (id: string, approve: boolean) => {
    setError(null);
    try {
      await api(`/api/v1/exports/${id}/${approve ? 'approve' : 'reject'}`, { body: approve ? {} : { note: t('export.rejectedNote') } });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <h1>{t('export.title')}</h1>
      <p className="muted">{t('export.intro')}</p>
      <ErrorBox error={list.error ?? error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <Card>
          {list.data && (
            <ListTable
              rows={list.data}
              none={t('export.none')}
              testId="export-table"
              head={[t('export.requested'), t('export.scope'), t('export.destination'), t('export.purpose'), t('export.status'), t('export.progress'), null]}
              row={(e) => {
                const mine = e.requestedBy === `user:${user?.username}`;
                return (
                  <tr key={e.id} data-testid="export-row">
                    <td>
                      {fmtDateTime(e.requestedAt)}
                      <div className="muted small">{e.requestedBy}</div>
                    </td>
                    <td>{e.caseId ? <Link to={`/cases/${e.caseId}`}>{t('export.case')}</Link> : t('export.mediaCount', { n: e.mediaIds.length })}</td>
                    <td>{t(`export.${e.destination}`)}</td>
                    <td>{e.purpose}</td>
                    <td>
                      <Badge tone={tone[e.status]}>{t(`exportStatus.${e.status}`)}</Badge>
                      {e.errorMessage && <div className="small bad-text">{e.errorMessage}</div>}
                    </td>
                    <td style={{ minWidth: 160 }}>{(LIVE.has(e.status) || e.status === 'ready') && <ProgressBar value={e.status === 'ready' ? 100 : e.progress} testId="export-progress" />}</td>
                    <td>
                      {e.status === 'ready' &&
                        Object.entries(e.downloads ?? {}).map(([fmt, href]) => (
                          <a key={fmt} className="btn btn-small btn-primary" href={href} download data-testid={`download-${fmt}`}>
                            ⬇ {fmt.toUpperCase()} {e.packages?.[fmt] ? `(${fmtBytes(e.packages[fmt].sizeBytes)})` : ''}
                          </a>
                        ))}
                      {e.status === 'pending_approval' && can('unit_head', 'admin') && !mine && <DecisionButtons onDecide={(approve) => void decide(e.id, approve)} />}
                      {e.status === 'pending_approval' && mine && <span className="muted small">{t('export.waitingOther')}</span>}
                    </td>
                  </tr>
                );
              }}
            />
          )}
        </Card>
      )}
    </>
  );
}
