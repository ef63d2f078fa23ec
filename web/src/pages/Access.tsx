import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { useAuth } from '../auth';
import { AccessRequestForm } from '../components/AccessRequestForm';
import { Badge, Card, DecisionButtons, ErrorBox, ListTable, Loading } from '../components/ui';
import { fmtDateTime } from '../format';
import { useApi } from '../hooks';
import type { AccessRequest } from '../types';

const tone = { pending: 'warn', approved: 'good', rejected: 'bad' } as const;

/** Access beyond one's own scope: my requests; unit heads and admins decide their unit's. */
export function AccessPage() {
  const { t } = useTranslation();
  const { user, can } = useAuth();
  const list = useApi<AccessRequest[]>('/api/v1/access-requests', 15_000);
  const [hours, setHours] = useState(24);
  const [error, setError] = useState<unknown>(null);
  const [newCase, setNewCase] = useState('');
  const decide = async (id: string, approve: boolean) => {
    setError(null);
    try {
      await api(`/api/v1/access-requests/${id}/decision`, { body: approve ? { approve, hours } : { approve, note: t('access.rejectedNote') } });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const deciders = can('unit_head', 'admin');
  return (
    <>
      <h1>{t('access.title')}</h1>
      <p className="muted">{t('access.intro')}</p>
      <ErrorBox error={list.error ?? error} />
      {can('officer', 'reviewer', 'unit_head', 'auditor') && (
        <Card title={t('access.newTitle')}>
          <label>
            {t('access.caseOrMediaId')}
            <input value={newCase} onChange={(e) => setNewCase(e.target.value.trim())} placeholder="00000000-0000-…" />
          </label>
          {/^[0-9a-f-]{36}$/i.test(newCase) && <AccessRequestForm caseId={newCase} />}
        </Card>
      )}
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <Card
          title={deciders ? t('access.toDecide') : t('access.mine')}
          actions={
            deciders && (
              <label className="inline">
                {t('access.grantHours')} <input type="number" min={1} max={720} value={hours} onChange={(e) => setHours(Number(e.target.value))} style={{ width: 80 }} />
              </label>
            )
          }
        >
          <ListTable
            rows={list.data}
            none={t('access.none')}
            testId="access-table"
            head={[t('access.requestedAt'), t('access.target'), t('access.purpose'), t('access.status'), null]}
            row={(r) => (
              <tr key={r.id}>
                <td>{fmtDateTime(r.requestedAt)}</td>
                <td>
                  {r.caseId && <Link to={`/cases/${r.caseId}`}>{t('access.case')}</Link>}
                  {r.mediaId && <Link to={`/media/${r.mediaId}`}>{t('access.media')}</Link>}
                </td>
                <td>{r.purpose}</td>
                <td>
                  <Badge tone={tone[r.status]}>{t(`accessStatus.${r.status}`)}</Badge>
                  {r.expiresAt && <div className="small muted">{t('access.until', { at: fmtDateTime(r.expiresAt) })}</div>}
                </td>
                <td>{r.status === 'pending' && deciders && r.userId !== user?.id && <DecisionButtons onDecide={(approve) => void decide(r.id, approve)} />}</td>
              </tr>
            )}
          />
        </Card>
      )}
    </>
  );
}
