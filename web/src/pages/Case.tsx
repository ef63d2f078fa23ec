import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../api';
import { useAuth } from '../auth';
import { AccessRequestForm } from '../components/AccessRequestForm';
import { Timeline, type GapMark, type Lane, type Span } from '../components/Timeline';
import { Badge, Card, ErrorBox, Loading } from '../components/ui';
import { fmtDate, fmtDateTime, fmtDuration, fmtPercent, fmtTime, rateTone } from '../format';
import { useApi } from '../hooks';
import type { CaseReview, Session, SessionRecording } from '../types';
import { statusTone } from './Cases';

export function CasePage() {
  const { caseId } = useParams();
  const { t } = useTranslation();
  const { can } = useAuth();
  const review = useApi<CaseReview>(`/api/v1/cases/${caseId}/review`);

  if (review.loading && !review.data) return <Loading />;
  if (review.error)
    return (
      <>
        <h1>{t('case.title')}</h1>
        <ErrorBox error={review.error}>{review.error instanceof ApiError && review.error.status === 403 && <AccessRequestForm caseId={caseId} />}</ErrorBox>
      </>
    );
  const r = review.data!;
  const c = r.case;
  // Field footage: linked to the case or one of its incidents. Interrogation recordings (and their segments) are
  // shown with their session above.
  const fieldMedia = r.media.filter((m) => m.links.some((l) => l.via !== 'session'));

  return (
    <>
      <p className="crumbs">
        <Link to="/cases">← {t('nav.cases')}</Link>
      </p>
      <div className="page-head">
        <h1 data-testid="case-number">
          {c.caseNumber} <span className="muted">{c.title}</span>
        </h1>
        <Badge tone={statusTone[c.status]} testId="case-status">
          {t(`caseStatus.${c.status}`)}
        </Badge>
      </div>
      <p className="muted">
        {t(`caseKind.${c.kind}`)} · {t('cases.unit')} <span data-testid="case-unit">{c.unitName ?? c.unitCode}</span> · {t('cases.openedAt')} {fmtDate(c.openedAt)}
        {c.reviewCompletedAt && ` · ${t('case.completedBy', { by: c.reviewCompletedBy, at: fmtDateTime(c.reviewCompletedAt) })}`}
      </p>

      <h2 className="section">{t('case.sessions')}</h2>
      {r.sessions.length === 0 && <p className="muted">{t('case.noSessions')}</p>}
      {r.sessions.map((s) => (
        <SessionCard key={s.id} session={s} caseId={c.id} />
      ))}

      <h2 className="section">{t('case.fieldMedia')}</h2>
      <Card>
        {fieldMedia.length === 0 ? (
          <p className="muted">{t('case.noMedia')}</p>
        ) : (
          <table className="table" data-testid="media-table">
            <thead>
              <tr>
                <th>{t('media.file')}</th>
                <th>{t('media.officer')}</th>
                <th>{t('media.recordedAt')}</th>
                <th>{t('media.duration')}</th>
                <th>{t('media.linkedTo')}</th>
                <th>{t('media.state')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {fieldMedia.map((m) => (
                <tr key={m.id}>
                  <td className="mono small">{m.filename}</td>
                  <td>{m.officerId ?? '—'}</td>
                  <td>{fmtDateTime(m.recordedAt)}</td>
                  <td>{fmtDuration(m.durationSec)}</td>
                  <td>
                    {m.links.map((l) => (
                      <div key={l.linkId} className="small">
                        {t(`linkVia.${l.via}`)} {l.via === 'incident' ? l.targetId : ''} · {t(`linkSource.${l.source}`, { defaultValue: l.source })}
                      </div>
                    ))}
                  </td>
                  <td>
                    <MediaState state={m.state} />
                  </td>
                  <td>
                    {m.derivatives.proxy && (
                      <Link className="btn btn-small" to={`/media/${m.id}?case=${c.id}`}>
                        ▶ {t('media.play')}
                      </Link>
                    )}
                    {m.marks > 0 && <span className="small muted"> 🔖 {m.marks}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <div className="two-col">
        {can('reviewer', 'admin') && <CompleteReview review={r} onDone={review.reload} />}
        <ExportRequest caseId={c.id} />
      </div>
      {can('reviewer', 'unit_head', 'admin') && <LegalHold caseId={c.id} />}
    </>
  );
}

export function MediaState({ state }: { state: string }) {
  const { t } = useTranslation();
  const tone = state === 'ready' ? 'good' : state === 'failed' || state === 'rejected' ? 'bad' : 'warn';
  return <Badge tone={tone}>{t(`mediaState.${state}`, { defaultValue: state })}</Badge>;
}

function SessionCard({ session: s, caseId }: { session: Session; caseId: string }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const rec = useApi<SessionRecording>(`/api/v1/interrogation-sessions/${s.id}/recording`, (d) => (d && d.status !== 'stopped' ? 3000 : null));
  const recording = rec.error instanceof ApiError && rec.error.status === 404 ? null : rec.data;
  const declaredStart = Date.parse(s.declaredStart);
  const declaredEnd = s.declaredEnd ? Date.parse(s.declaredEnd) : null;

  // The bar: the platform's recording (segments and gaps) when it recorded the session; otherwise the linked
  // recordings' own start and end against the declared span.
  let start = declaredStart;
  let end = declaredEnd ?? declaredStart + 3600_000;
  let spans: Span[] = [];
  let gapMarks: GapMark[] = [];
  let lanes: Lane[] = [];
  let coverage: number | null = null;
  if (recording) {
    start = Date.parse(recording.window.start);
    end = Date.parse(recording.window.end);
    spans = recording.segments.map((x) => ({ start: Date.parse(x.startedAt), end: Date.parse(x.endedAt) }));
    gapMarks = recording.gaps.map((g, i) => ({
      id: g.id ?? `live-${i}`,
      start: Date.parse(g.startedAt),
      end: Date.parse(g.endedAt),
      explained: !!g.reason,
      label: g.reason ?? t(`gapCause.${g.cause}`, { defaultValue: g.cause }),
    }));
    // One lane per camera: each has its own segments and gaps.
    lanes = recording.cameras.map((c) => ({
      id: c.deviceId,
      label: `${t(`cameraRole.${c.role}`, { defaultValue: c.role })} · ${c.serial}`,
      spans: recording.segments.filter((x) => x.deviceId === c.deviceId).map((x) => ({ start: Date.parse(x.startedAt), end: Date.parse(x.endedAt) })),
      gaps: gapMarks.filter((_, i) => recording.gaps[i]!.deviceId === c.deviceId),
    }));
    coverage = recording.coverage;
  } else {
    spans = s.recordings
      .filter((m) => m.recordedAt)
      .map((m) => ({ start: Date.parse(m.recordedAt!), end: m.recordedEnd ? Date.parse(m.recordedEnd) : Date.parse(m.recordedAt!) + (m.durationSec ?? 0) * 1000 }));
    if (spans.length && declaredEnd) {
      const merged = spans.sort((a, b) => a.start - b.start);
      let covered = 0;
      let cursor = start;
      for (const x of merged) {
        const a = Math.max(cursor, x.start, start);
        const b = Math.min(x.end, end);
        if (b > a) covered += b - a;
        cursor = Math.max(cursor, b);
      }
      coverage = covered / (end - start);
    } else if (declaredEnd) coverage = 0;
  }
  const reviewed = s.recordings.filter((m) => m.review).length;

  return (
    <Card
      testId="session-card"
      title={
        <>
          🎥 {t(`sessionKind.${s.kind}`)} · {s.suspectName ?? '—'} <span className="muted small">{s.externalId}</span>
        </>
      }
      actions={
        <>
          <Badge tone={rateTone(coverage)} testId="session-coverage">
            {t('session.coverage')} {fmtPercent(coverage)}
          </Badge>{' '}
          {recording && (
            // Three states, as the coverage rate counts them: no gap; gaps all explained in writing; a gap still unexplained.
            <Badge tone={recording.fullRecording ? 'good' : recording.gaps.every((g) => g.reason) ? 'warn' : 'bad'} testId="session-full">
              {recording.fullRecording ? t('session.full') : recording.gaps.every((g) => g.reason) ? t('session.gapsExplained') : t('session.notFull')}
            </Badge>
          )}{' '}
          <Badge tone={s.recordings.length && reviewed === s.recordings.length ? 'good' : 'warn'} testId="session-review-status">
            {s.recordings.length === 0 ? t('session.noRecording') : t('session.reviewed', { n: reviewed, total: s.recordings.length })}
          </Badge>
        </>
      }
    >
      <p className="muted small">
        {t('session.room')} {s.room} · {t('session.declared')} {fmtDateTime(s.declaredStart)} – {s.declaredEnd ? fmtTime(Date.parse(s.declaredEnd)) : t('session.open')}
        {s.interrogators.length > 0 && ` · ${t('session.interrogators')} ${officersByName(s)}`}
        {recording && ` · ${t(`recStatus.${recording.status}`)}`}
      </p>
      <Timeline start={start} end={end} spans={spans} gaps={gapMarks} lanes={lanes} testId="session-timeline" />
      {recording && (
        // What the two badges assert, side by side: a green "full recording" next to amber coverage is not a contradiction.
        <p className="small muted" data-testid="full-means">
          ℹ {t('watched.fullMeans', { tolerance: recording.toleranceSec })}
          {coverage !== null && coverage < 1 && (
            <>
              <br />ℹ {t('watched.amberMeans')}
            </>
          )}
        </p>
      )}

      {recording && recording.gaps.length > 0 && (
        <table className="table gaps" data-testid="gap-table">
          <thead>
            <tr>
              <th>{t('gap.when')}</th>
              <th>{t('gap.duration')}</th>
              <th>{t('gap.camera')}</th>
              <th>{t('gap.cause')}</th>
              <th>{t('gap.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {recording.gaps.map((g, i) => (
              <tr key={g.id ?? i} className={g.reason ? '' : 'row-bad'} data-testid="gap-row">
                <td>
                  {fmtTime(Date.parse(g.startedAt))} – {fmtTime(Date.parse(g.endedAt))}
                </td>
                <td>{fmtDuration(g.durationSec)}</td>
                <td>
                  {g.serial ?? '—'} {g.role ? `(${t(`cameraRole.${g.role}`, { defaultValue: g.role })})` : ''}
                </td>
                <td>{t(`gapCause.${g.cause}`, { defaultValue: g.cause })}</td>
                <td>
                  {g.reason ? (
                    <span data-testid="gap-reason">
                      {g.reason} <span className="muted small">({g.reasonBy}, {fmtDateTime(g.reasonAt)})</span>
                    </span>
                  ) : g.id && can('officer', 'reviewer', 'unit_head', 'admin') ? (
                    <GapReasonForm sessionId={s.id} gapId={g.id} onDone={rec.reload} />
                  ) : (
                    <Badge tone="bad">{t('gap.unexplained')}</Badge>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {recording && recording.gaps.length === 0 && <p className="small good-text">✅ {t('gap.none')}</p>}
      {recording?.markedFullAt && (
        <p className="small">
          ✅ {t('session.markedFull', { by: recording.markedFullBy, at: fmtDateTime(recording.markedFullAt) })}
        </p>
      )}
      {recording?.canMarkFull && can('reviewer', 'unit_head', 'admin') && (
        <button
          className="btn"
          title={t('watched.fullMeans', { tolerance: recording.toleranceSec })}
          onClick={() => void api(`/api/v1/interrogation-sessions/${s.id}/recording/mark-full`, { method: 'POST', body: {} }).then(rec.reload, rec.reload)}
          data-testid="mark-full"
        >
          {t('session.markFull')}
        </button>
      )}

      <h3>{t('session.recordings')}</h3>
      {s.recordings.length === 0 ? (
        <p className="alert alert-warn">{t('session.unrecordedBlock')}</p>
      ) : (
        <ul className="rec-list">
          {s.recordings.map((m) => (
            <li key={m.id} data-testid="session-recording">
              <span className="mono small">{m.filename}</span> · {fmtDuration(m.durationSec)} · <MediaState state={m.state} />{' '}
              {m.review ? (
                <Badge tone="good" testId="recording-reviewed">
                  ✔ {t('review.done', { by: m.review.reviewer, at: fmtDateTime(m.review.reviewedAt) })}
                </Badge>
              ) : (
                <Badge tone="warn">{t('review.pending')}</Badge>
              )}{' '}
              {m.watched && (
                <Badge tone={m.watched.share + 1e-9 >= m.watched.minShare ? 'good' : 'warn'} testId="recording-watched">
                  👁 {m.watched.countedSec > 0 ? t('watched.share', { share: fmtPercent(m.watched.share), min: fmtPercent(m.watched.minShare, 0) }) : t('watched.none')}
                </Badge>
              )}{' '}
              {m.derivatives.proxy && (
                <Link className="btn btn-small btn-primary" to={`/media/${m.id}?case=${caseId}&session=${s.id}`} data-testid="open-recording">
                  ▶ {t('review.playAndReview')}
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
      {rec.error && !(rec.error instanceof ApiError && rec.error.status === 404) ? <ErrorBox error={rec.error} /> : null}
    </Card>
  );
}

function GapReasonForm({ sessionId, gapId, onDone }: { sessionId: string; gapId: string; onDone(): void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api(`/api/v1/interrogation-sessions/${sessionId}/gaps/${gapId}/reason`, { body: { reason: reason.trim() } });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <Badge tone="bad">{t('gap.unexplained')}</Badge>
      <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('gap.reasonHint')} required />
      <button className="btn btn-small" type="submit">
        {t('common.save')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function CompleteReview({ review, onDone }: { review: CaseReview; onDone(): void }) {
  const { t } = useTranslation();
  const [finding, setFinding] = useState('');
  const [error, setError] = useState<unknown>(null);
  const c = review.case;
  if (c.status === 'review_completed' || c.status === 'closed')
    return (
      <Card title={t('case.completeTitle')}>
        <p className="alert alert-good">
          ✅ {t('case.completed')} {c.reviewFinding && `— ${c.reviewFinding}`}
        </p>
      </Card>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api(`/api/v1/cases/${c.id}/review/complete`, { body: { finding: finding.trim() } });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t('case.completeTitle')} testId="complete-review">
      {review.pending.length > 0 && (
        <div className="alert alert-warn">
          <strong>{t('case.blockers', { n: review.pending.length })}</strong>
          <ul>
            {review.pending.map((p, i) => (
              <li key={i} data-testid="review-blocker">
                {p.kind === 'recording-not-reviewed' && p.watchedShare !== undefined
                  ? // Which recording, and what is missing: "正面摄像机录像：已观看 62%".
                    t('watched.blocker', {
                      name: p.cameraRole ? t('watched.recordingRole', { role: t(`cameraRole.${p.cameraRole}`) }) : (p.filename ?? p.mediaId),
                      share: fmtPercent(p.watchedShare, 0),
                    })
                  : t(`blocker.${p.kind}`, { defaultValue: p.kind })}
              </li>
            ))}
          </ul>
        </div>
      )}
      <form onSubmit={submit} className="stack">
        <label>
          {t('case.finding')}
          <textarea value={finding} onChange={(e) => setFinding(e.target.value)} required rows={2} />
        </label>
        <button className="btn btn-primary" type="submit" disabled={!review.canComplete}>
          {t('case.complete')}
        </button>
        <ErrorBox error={error} />
      </form>
    </Card>
  );
}

function ExportRequest({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const [destination, setDestination] = useState<'internal' | 'external'>('internal');
  const [purpose, setPurpose] = useState('');
  const [includeProxies, setIncludeProxies] = useState(true);
  const [created, setCreated] = useState<{ id: string; status: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setCreated(await api<{ id: string; status: string }>('/api/v1/exports', { body: { caseId, destination, purpose: purpose.trim(), includeProxies, formats: ['zip', 'iso'] } }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t('export.requestTitle')} testId="export-request">
      {created ? (
        <p className="alert alert-good">
          ✅ {t(created.status === 'pending_approval' ? 'export.awaitingApproval' : 'export.queued')} <Link to="/exports">{t('export.viewProgress')}</Link>
        </p>
      ) : (
        <form onSubmit={submit} className="stack">
          <label>
            {t('export.destination')}
            <select value={destination} onChange={(e) => setDestination(e.target.value as 'internal' | 'external')}>
              <option value="internal">{t('export.internal')}</option>
              <option value="external">{t('export.external')}</option>
            </select>
          </label>
          <label>
            {t('export.purpose')}
            <input value={purpose} onChange={(e) => setPurpose(e.target.value)} required placeholder={t('export.purposeHint')} />
          </label>
          <label className="check">
            <input type="checkbox" checked={includeProxies} onChange={(e) => setIncludeProxies(e.target.checked)} /> {t('export.includeProxies')}
          </label>
          <button className="btn btn-primary" type="submit">
            📦 {t('export.request')}
          </button>
          <ErrorBox error={error} />
        </form>
      )}
    </Card>
  );
}

/** A legal hold on the whole case: blocks every disposal of its footage until released (a custody event). */
function LegalHold({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const holds = useApi<Array<{ id: string; reason: string; placedBy: string; placedAt: string; until: string | null; active: boolean }>>(`/api/v1/holds?caseId=${caseId}`);
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api('/api/v1/holds', { body: { caseId, reason: reason.trim(), ...(until ? { until: new Date(`${until}T23:59:59+08:00`).toISOString() } : {}) } });
      setReason('');
      setUntil('');
      holds.reload();
    } catch (err) {
      setError(err);
    }
  };
  const active = (holds.data ?? []).filter((h) => h.active);
  return (
    <Card title={`🔒 ${t('hold.title')}`} testId="legal-hold">
      {active.map((h) => (
        <p key={h.id} className="alert alert-warn" data-testid="hold-active">
          {t('hold.active', { by: h.placedBy, at: fmtDateTime(h.placedAt), until: h.until ? fmtDateTime(h.until) : t('retention.indefinite') })}: {h.reason}
        </p>
      ))}
      {active.length === 0 && <p className="small muted">{t('hold.none')}</p>}
      <form onSubmit={submit} className="btn-row">
        <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} placeholder={t('hold.reasonHint')} aria-label={t('retention.reason')} />
        <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} aria-label={t('retention.until')} />
        <button className="btn btn-small" type="submit" data-testid="hold-submit">
          {t('hold.place')}
        </button>
      </form>
      <ErrorBox error={error} />
    </Card>
  );
}

/** Interrogating officers by name with their number (张伟（013579）); the number alone where none was imported. */
function officersByName(s: Session): string {
  const officers = s.interrogatorOfficers ?? s.interrogators.map((number) => ({ number, name: null }));
  return officers.map((o) => (o.name ? `${o.name}（${o.number}）` : o.number)).join('、');
}
