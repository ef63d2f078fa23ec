import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, qs } from '../api';
import { Badge, Card, ErrorBox, Loading } from '../components/ui';
import { fmtDateTime, fmtDuration } from '../format';
import { useApi } from '../hooks';

interface Candidate {
  id: string;
  caseId: string | null;
  caseNumber: string | null;
  place: string;
  startedAt: string;
  endedAt: string;
  overlapSec: number;
  linked: boolean;
}
interface Suggestion {
  id: string;
  mediaId: string;
  media: { id: string; filename: string; officerId: string | null; recordedAt: string | null; recordedEnd: string | null } | null;
  candidates: Candidate[];
}

/** One ambiguous automatic match: the person ticks the incidents the footage belongs to and gives a reason. */
function SuggestionCard({ s, onDone }: { s: Suggestion; onDone(): void }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(s.candidates.filter((c) => c.linked).map((c) => c.id)));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api(`/api/v1/link-suggestions/${s.id}/resolve`, { body: { incidentIds: [...chosen], reason: reason.trim() } });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card testId="suggestion" title={s.media ? <Link to={`/media/${s.mediaId}`}>{s.media.filename}</Link> : s.mediaId}>
      <p className="muted small">
        {t('links.officer')} {s.media?.officerId ?? '—'} · {fmtDateTime(s.media?.recordedAt)} – {fmtDateTime(s.media?.recordedEnd)}
      </p>
      <form onSubmit={submit}>
        <table className="table">
          <thead>
            <tr>
              <th />
              <th>{t('links.incident')}</th>
              <th>{t('links.place')}</th>
              <th>{t('links.when')}</th>
              <th>{t('links.overlap')}</th>
              <th>{t('links.case')}</th>
            </tr>
          </thead>
          <tbody>
            {s.candidates.map((c) => (
              <tr key={c.id} data-testid="candidate">
                <td>
                  <input
                    type="checkbox"
                    aria-label={c.id}
                    checked={chosen.has(c.id)}
                    onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.target.checked) next.add(c.id);
                      else next.delete(c.id);
                      setChosen(next);
                    }}
                  />
                </td>
                <td className="mono">
                  {c.id} {c.linked && <Badge tone="info">{t('links.linkedNow')}</Badge>}
                </td>
                <td>{c.place || '—'}</td>
                <td>
                  {fmtDateTime(c.startedAt)} – {fmtDateTime(c.endedAt)}
                </td>
                <td>{fmtDuration(c.overlapSec)}</td>
                <td>{c.caseId ? <Link to={`/cases/${c.caseId}`}>{c.caseNumber}</Link> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <label>
          {t('links.reason')}
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('links.reasonHint')} required data-testid="suggestion-reason" />
        </label>
        <button className="btn btn-primary" type="submit" data-testid="suggestion-resolve">
          {t('links.resolve', { n: chosen.size })}
        </button>
      </form>
      <ErrorBox error={error} />
    </Card>
  );
}

/** Footage linked by hand: to a case by its number, or to a 110 incident, always with a reason (a custody event). */
function ManualLink() {
  const { t } = useTranslation();
  const [form, setForm] = useState({ mediaId: '', caseNumber: '', incidentId: '', reason: '' });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    try {
      let target: { caseId: string } | { incidentId: string };
      if (form.incidentId.trim()) target = { incidentId: form.incidentId.trim() };
      else {
        const found = await api<{ items: Array<{ id: string; caseNumber: string }> }>(`/api/v1/cases${qs({ caseNumber: form.caseNumber.trim(), limit: 10 })}`);
        const exact = found.items.find((c) => c.caseNumber === form.caseNumber.trim());
        if (!exact) throw new Error(t('links.noSuchCase', { n: form.caseNumber.trim() }));
        target = { caseId: exact.id };
      }
      await api(`/api/v1/media/${form.mediaId.trim()}/links`, { body: { ...target, reason: form.reason.trim() } });
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t('links.manualTitle')} testId="manual-link">
      <form className="search-grid" onSubmit={submit}>
        <label>
          {t('links.mediaId')}
          <input value={form.mediaId} onChange={(e) => setForm({ ...form, mediaId: e.target.value })} required />
        </label>
        <label>
          {t('links.caseNumber')}
          <input value={form.caseNumber} onChange={(e) => setForm({ ...form, caseNumber: e.target.value })} />
        </label>
        <label>
          {t('links.incidentId')}
          <input value={form.incidentId} onChange={(e) => setForm({ ...form, incidentId: e.target.value })} />
        </label>
        <label>
          {t('links.reason')}
          <input value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} placeholder={t('links.reasonHint')} required />
        </label>
        <div className="search-actions">
          <button className="btn btn-primary" type="submit" data-testid="manual-link-submit">
            {t('links.link')}
          </button>
        </div>
      </form>
      {done && (
        <p className="alert alert-good" data-testid="manual-link-done">
          {t('links.linked')}
        </p>
      )}
      <ErrorBox error={error} />
    </Card>
  );
}

/** 关联建议: ambiguous automatic matches to decide, and linking by hand. */
export function LinksPage() {
  const { t } = useTranslation();
  const open = useApi<{ items: Suggestion[]; total: number }>('/api/v1/link-suggestions?status=open&limit=50');
  return (
    <>
      <h1>{t('links.title')}</h1>
      <p className="muted">{t('links.intro')}</p>
      <ErrorBox error={open.error} />
      {open.loading && !open.data ? <Loading /> : open.data?.items.length === 0 && <p className="muted" data-testid="no-suggestions">{t('links.none')}</p>}
      {open.data?.items.map((s) => <SuggestionCard key={s.id} s={s} onDone={open.reload} />)}
      <ManualLink />
    </>
  );
}
