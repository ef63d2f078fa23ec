import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { qs } from '../api';
import { Card, ErrorBox, Loading } from '../components/ui';
import { fmtDateTime } from '../format';
import { useApi } from '../hooks';

interface CustodyEvent {
  seq: number;
  at: string;
  type: string;
  actor: string;
  mediaId: string | null;
  details: Record<string, unknown>;
  hash: string;
}

const TYPES = [
  'media.viewed', 'media.downloaded', 'access.refused', 'access.requested', 'access.decided', 'media.stored', 'media.verified', 'media.rejected',
  'link.added', 'link.removed', 'review.bookmark', 'review.recording_reviewed', 'case.review_completed', 'media.exported', 'export.approved',
  'export.downloaded', 'recording.started', 'recording.stopped', 'recording.gap_detected', 'recording.gap_explained', 'recording.marked_full', 'dock.released',
];

/** Audit search over the custody chain: who captured, copied, viewed, exported or disposed of what, and when. */
export function AuditPage() {
  const { t } = useTranslation();
  const [form, setForm] = useState({ mediaId: '', type: '', actor: '', from: '', to: '' });
  const [query, setQuery] = useState(form);
  const [after, setAfter] = useState<number[]>([]);
  const path = `/api/v1/custody/events${qs({
    ...query,
    from: query.from ? new Date(query.from).toISOString() : '',
    to: query.to ? new Date(query.to).toISOString() : '',
    afterSeq: after[after.length - 1],
    limit: 50,
  })}`;
  const events = useApi<{ items: CustodyEvent[]; nextAfterSeq: number | null }>(path);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAfter([]);
    setQuery(form);
  };
  return (
    <>
      <h1>{t('audit.title')}</h1>
      <p className="muted">{t('audit.intro')}</p>
      <Card>
        <form className="search-grid" onSubmit={submit} data-testid="audit-search">
          <label>
            {t('audit.type')}
            <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>
              <option value="">{t('common.all')}</option>
              {TYPES.map((ty) => (
                <option key={ty} value={ty}>
                  {t(`custodyType.${ty}`, { defaultValue: ty })}
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
        <Card>
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
                  <td>{t(`custodyType.${e.type}`, { defaultValue: e.type })}</td>
                  <td className="mono small">{e.actor}</td>
                  <td className="small details">
                    {e.mediaId && <div className="mono">media {e.mediaId.slice(0, 8)}</div>}
                    {Object.entries(e.details)
                      .filter(([, v]) => v !== null && v !== '' && typeof v !== 'object')
                      .slice(0, 5)
                      .map(([k, v]) => (
                        <div key={k}>
                          {k}: {String(v).slice(0, 80)}
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
            <button className="btn" disabled={after.length === 0} onClick={() => setAfter(after.slice(0, -1))}>
              ← {t('common.prev')}
            </button>
            <button className="btn" disabled={!events.data?.nextAfterSeq} onClick={() => events.data?.nextAfterSeq && setAfter([...after, events.data.nextAfterSeq])}>
              {t('common.next')} →
            </button>
          </div>
        </Card>
      )}
    </>
  );
}
