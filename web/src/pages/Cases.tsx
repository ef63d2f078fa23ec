import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { qs } from '../api';
import { Badge, Card, ErrorBox, ListTable, Loading } from '../components/ui';
import { fmtDate, fmtPercent } from '../format';
import { useApi } from '../hooks';
import type { CaseListItem, CaseStatus } from '../types';

export const statusTone: Record<CaseStatus, 'good' | 'warn' | 'info' | 'none'> = { open: 'info', under_review: 'warn', review_completed: 'good', closed: 'none' };

const FIELDS = ['caseNumber', 'suspect', 'officer', 'from', 'to', 'status', 'pendingReview'] as const;

export function CasesPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [form, setForm] = useState<Record<string, string>>(() => Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])));
  const query = Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? '']));
  const { data, error, loading } = useApi<{ items: CaseListItem[]; total: number }>(`/api/v1/cases${qs({ ...query, limit: 100 })}`);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams(Object.fromEntries(Object.entries(form).filter(([, v]) => v)));
  };

  return (
    <>
      <h1>{t('cases.title')}</h1>
      <Card>
        <form className="search-grid" onSubmit={submit} data-testid="case-search">
          <label>
            {t('cases.caseNumber')}
            <input name="caseNumber" value={form.caseNumber} onChange={(e) => setForm({ ...form, caseNumber: e.target.value })} placeholder="A3301…" />
          </label>
          <label>
            {t('cases.suspect')}
            <input name="suspect" value={form.suspect} onChange={(e) => setForm({ ...form, suspect: e.target.value })} />
          </label>
          <label>
            {t('cases.officer')}
            <input name="officer" value={form.officer} onChange={(e) => setForm({ ...form, officer: e.target.value })} placeholder="6 位警号" />
          </label>
          <label>
            {t('cases.from')}
            <input name="from" type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
          </label>
          <label>
            {t('cases.to')}
            <input name="to" type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
          </label>
          <label>
            {t('cases.status')}
            <select name="status" value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
              <option value="">{t('common.all')}</option>
              {(['open', 'under_review', 'review_completed', 'closed'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`caseStatus.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input
              name="pendingReview"
              type="checkbox"
              checked={form.pendingReview === 'true'}
              onChange={(e) => setForm({ ...form, pendingReview: e.target.checked ? 'true' : '' })}
            />
            {t('caseTriage.pendingOnly')}
          </label>
          <div className="search-actions">
            <button className="btn btn-primary" type="submit">
              🔍 {t('common.search')}
            </button>
            <button
              className="btn"
              type="button"
              onClick={() => {
                setForm(Object.fromEntries(FIELDS.map((f) => [f, ''])));
                setParams({});
              }}
            >
              {t('common.reset')}
            </button>
          </div>
        </form>
      </Card>
      <ErrorBox error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        data && (
          <Card title={t('cases.found', { n: data.total })}>
            <ListTable
              rows={data.items}
              none={t('cases.none')}
              testId="case-table"
              head={[
                t('cases.caseNumber'),
                t('cases.caseTitle'),
                t('cases.kind'),
                t('cases.unit'),
                t('caseTriage.suspects'),
                t('caseTriage.sessions'),
                t('caseTriage.coverage'),
                t('caseTriage.pending'),
                t('cases.openedAt'),
                t('cases.status'),
              ]}
              row={(c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/cases/${c.id}`} className="strong">
                      {c.caseNumber}
                    </Link>
                  </td>
                  <td>{c.title}</td>
                  <td>{t(`caseKind.${c.kind}`)}</td>
                  <td data-testid="case-unit" title={c.unitCode}>
                    {c.unitName ?? c.unitCode}
                  </td>
                  <td data-testid="case-suspects">{c.suspects.join('、') || '—'}</td>
                  <td data-testid="case-sessions">
                    {c.sessions}
                    {c.sessionsUnrecorded > 0 && (
                      <>
                        {' '}
                        <Badge tone="bad">{t('caseTriage.unrecorded', { n: c.sessionsUnrecorded })}</Badge>
                      </>
                    )}
                  </td>
                  <td data-testid="case-coverage">{c.coverageMin === null ? '—' : fmtPercent(c.coverageMin)}</td>
                  <td data-testid="case-pending">
                    {c.recordingsPending > 0 ? (
                      <Badge tone="warn">{t('caseTriage.pendingN', { n: c.recordingsPending, total: c.recordings })}</Badge>
                    ) : c.recordings > 0 ? (
                      <Badge tone="good">{t('caseTriage.allReviewed')}</Badge>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{fmtDate(c.openedAt)}</td>
                  <td>
                    <Badge tone={statusTone[c.status]}>{t(`caseStatus.${c.status}`)}</Badge>
                  </td>
                </tr>
              )}
            />
          </Card>
        )
      )}
    </>
  );
}
