import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { qs } from '../api';
import { Badge, Card, ErrorBox, Loading } from '../components/ui';
import { fmtDateTime } from '../format';
import { useApi } from '../hooks';
import { zhCN } from '../locales/zh-CN';

interface CustodyEvent {
  seq: number;
  at: string;
  type: string;
  actor: string;
  mediaId: string | null;
  details: Record<string, unknown>;
  hash: string;
}

interface VerificationRun {
  id: string;
  status: string;
  result: 'clean' | 'tampered' | null;
  percent: number;
  createdAt: string;
  finishedAt: string | null;
  findingsCount?: number;
}

// Every event type the chain can hold: the translation table is complete (test/locale-coverage.test.ts guards it).
const TYPES = Object.keys(zhCN.eventTypes);

/** The latest custody verification run, in words: whether the chain was last found intact, broken, or is being checked. */
function ChainStatus() {
  const { t } = useTranslation();
  const runs = useApi<VerificationRun[]>('/api/v1/custody/verifications?limit=1');
  const run = runs.data?.[0];
  if (runs.error) return <ErrorBox error={runs.error} />;
  if (!runs.data) return null;
  const [tone, text] = !run
    ? (['warn', t('auditChain.never')] as const)
    : run.result === 'tampered'
      ? (['bad', t('auditChain.broken', { at: fmtDateTime(run.finishedAt ?? run.createdAt), n: run.findingsCount ?? 0 })] as const)
      : run.finishedAt && run.result === 'clean'
        ? (['good', t('auditChain.verified', { at: fmtDateTime(run.finishedAt) })] as const)
        : (['info', t('auditChain.running', { percent: Math.round(run.percent) })] as const);
  return (
    <p data-testid="chain-status">
      <Badge tone={tone}>{text}</Badge>
    </p>
  );
}

type Translate = (key: string, options: { defaultValue: string }) => string;

/** A recorded value in words where the vocabulary knows it; i18next keys cannot hold a dot, so such values stay as recorded. */
const detailValue = (t: Translate, v: string): string => (v.includes('.') ? v : t(`detailValues.${v}`, { defaultValue: v }));

/** One detail value in words where the vocabulary knows it (event types, stages), else as recorded. */
function detailEntries(details: Record<string, unknown>): [string, string][] {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== '' && typeof v !== 'object')
    .slice(0, 6)
    .map(([k, v]) => [k, String(v).slice(0, 80)]);
}

/** Audit search over the custody chain: who captured, copied, viewed, exported or disposed of what, and when. */
export function AuditPage() {
  const { t } = useTranslation();
  const [form, setForm] = useState({ mediaId: '', type: '', actor: '', from: '', to: '' });
  const [query, setQuery] = useState(form);
  // Newest first: each page continues below the last seq of the one before (the stack allows going back).
  const [before, setBefore] = useState<number[]>([]);
  const path = `/api/v1/custody/events${qs({
    ...query,
    from: query.from ? new Date(query.from).toISOString() : '',
    to: query.to ? new Date(query.to).toISOString() : '',
    order: 'desc',
    beforeSeq: before[before.length - 1],
    limit: 50,
  })}`;
  const events = useApi<{ items: CustodyEvent[]; nextBeforeSeq: number | null; actorNames: Record<string, string> }>(path);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBefore([]);
    setQuery(form);
  };
  return (
    <>
      <h1>{t('audit.title')}</h1>
      <p className="muted">{t('audit.intro')}</p>
      <ChainStatus />
      <Card>
        <form className="search-grid" onSubmit={submit} data-testid="audit-search">
          <label>
            {t('audit.type')}
            <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>
              <option value="">{t('common.all')}</option>
              {TYPES.map((ty) => (
                <option key={ty} value={ty}>
                  {t(`eventTypes.${ty}`, { defaultValue: ty })}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('audit.actor')}
            <input value={form.actor} onChange={(e) => setForm({ ...form, actor: e.target.value })} placeholder="user:zhangsan" />
          </label>
          <label>
            {t('audit.mediaId')}
            <input value={form.mediaId} onChange={(e) => setForm({ ...form, mediaId: e.target.value.trim() })} />
          </label>
          <label>
            {t('audit.from')}
            <input type="datetime-local" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
          </label>
          <label>
            {t('audit.to')}
            <input type="datetime-local" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
          </label>
          <div className="search-actions">
            <button className="btn btn-primary" type="submit">
              🔍 {t('common.search')}
            </button>
          </div>
        </form>
      </Card>
      <ErrorBox error={events.error} />
      {events.loading && !events.data ? (
        <Loading />
      ) : (
        <Card title={t('auditChain.newestFirst')}>
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th>#</th>
                <th>{t('audit.at')}</th>
                <th>{t('audit.type')}</th>
                <th>{t('audit.actor')}</th>
                <th>{t('audit.details')}</th>
                <th>{t('audit.hash')}</th>
              </tr>
            </thead>
            <tbody>
              {events.data?.items.map((e) => (
                <tr key={e.seq}>
                  <td className="mono small">{e.seq}</td>
                  <td>{fmtDateTime(e.at)}</td>
                  <td data-testid="event-type">{t(`eventTypes.${e.type}`, { defaultValue: e.type })}</td>
                  <td data-testid="event-actor" title={e.actor}>
                    {events.data?.actorNames[e.actor] ?? t(`actors.${e.actor}`, { defaultValue: e.actor })}
                  </td>
                  <td className="small details">
                    {e.mediaId && <div className="mono">{t('auditChain.mediaShort', { id: e.mediaId.slice(0, 8) })}</div>}
                    {detailEntries(e.details).map(([k, v]) => (
                      <div key={k}>
                        {t(`eventDetails.${k}`, { defaultValue: k })}: {k === 'type' ? t(`eventTypes.${v}`, { defaultValue: v }) : detailValue(t, v)}
                      </div>
                    ))}
                  </td>
                  <td className="mono small" title={e.hash}>
                    {e.hash.slice(0, 12)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {events.data?.items.length === 0 && <p className="muted">{t('audit.none')}</p>}
          <div className="pager">
            <button className="btn" disabled={before.length === 0} onClick={() => setBefore(before.slice(0, -1))}>
              ← {t('common.prev')}
            </button>
            <button className="btn" disabled={!events.data?.nextBeforeSeq} onClick={() => events.data?.nextBeforeSeq && setBefore([...before, events.data.nextBeforeSeq])}>
              {t('common.next')} →
            </button>
          </div>
        </Card>
      )}
    </>
  );
}
