import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ApiError, mediaUrl } from '../api';
import { useAuth } from '../auth';
import { AccessRequestForm } from '../components/AccessRequestForm';
import { Badge, Card, ErrorBox, Loading, ProgressBar } from '../components/ui';
import { fmtBytes, fmtDateTime, fmtDuration, fmtOffset } from '../format';
import { useApi } from '../hooks';
import type { CaseReview, MediaDetail, ReviewMark } from '../types';
import { MediaState } from './Case';

interface SpriteLayout {
  frames: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  intervalSec: number;
}

const PENDING = new Set(['stored', 'verified', 'processing']);

export function PlayerPage() {
  const { mediaId } = useParams();
  const [params] = useSearchParams();
  const caseId = params.get('case');
  const sessionId = params.get('session');
  const { t } = useTranslation();
  const { can } = useAuth();
  const media = useApi<MediaDetail>(`/api/v1/media/${mediaId}`, (d) => (d && PENDING.has(d.state) ? 2000 : null));
  const review = useApi<CaseReview>(caseId ? `/api/v1/cases/${caseId}/review` : null);
  const marks = useApi<ReviewMark[]>(`/api/v1/media/${mediaId}/review-marks`);
  const video = useRef<HTMLVideoElement>(null);
  const [current, setCurrent] = useState(0);

  if (media.loading && !media.data) return <Loading />;
  if (media.error)
    return (
      <>
        <h1>{t('player.title')}</h1>
        <ErrorBox error={media.error}>{media.error instanceof ApiError && media.error.status === 403 && <AccessRequestForm mediaId={mediaId} caseId={caseId ?? undefined} />}</ErrorBox>
      </>
    );
  const m = media.data!;
  const sprite = m.derivatives.find((d) => d.kind === 'sprite')?.details as SpriteLayout | undefined;
  const hasProxy = m.derivatives.some((d) => d.kind === 'proxy');
  const hasPoster = m.derivatives.some((d) => d.kind === 'poster');
  const recordedAt = m.recordedAt ? Date.parse(m.recordedAt) : null;
  const wallClock = recordedAt !== null ? fmtDateTime(new Date(recordedAt + current * 1000).toISOString()) : null;
  const purpose = review.data ? t('player.purpose', { caseNumber: review.data.case.caseNumber }) : t('player.purposeGeneric');
  const sessionRec = review.data?.sessions.find((s) => s.id === sessionId)?.recordings.find((r) => r.id === m.id);
  const seek = (sec: number) => {
    if (video.current) {
      video.current.currentTime = sec;
      setCurrent(sec);
    }
  };

  return (
    <>
      <p className="crumbs">{caseId && <Link to={`/cases/${caseId}`}>← {review.data?.case.caseNumber ?? t('case.title')}</Link>}</p>
      <div className="page-head">
        <h1>
          {t('player.title')} <span className="muted mono small">{m.filename}</span>
        </h1>
        <MediaState state={m.state} />
      </div>
      <div className="player-layout">
        <div className="player-main">
          {hasProxy ? (
            <video
              ref={video}
              className="video"
              controls
              preload="metadata"
              src={mediaUrl(m.id, 'proxy', purpose)}
              poster={hasPoster ? mediaUrl(m.id, 'poster') : undefined}
              onTimeUpdate={(e) => setCurrent(e.currentTarget.currentTime)}
              onSeeked={(e) => setCurrent(e.currentTarget.currentTime)}
              data-testid="player"
            />
          ) : (
            <div className="video video-empty">
              {m.processing ? (
                <>
                  <p>{t('player.processing', { stage: t(`stage.${m.processing.stage}`, { defaultValue: m.processing.stage }) })}</p>
                  <ProgressBar value={m.processing.progress} testId="processing-progress" />
                </>
              ) : (
                <p>{t('player.noProxy')}</p>
              )}
            </div>
          )}
          <div className="clock-row">
            <div className="clock" data-testid="wall-clock">
              <span className="clock-label">{t('player.wallClock')}</span> {wallClock ?? t('player.noClock')}
            </div>
            <div className="offset" data-testid="offset">
              {t('player.offset')} {fmtOffset(current)} / {fmtOffset(m.durationSec)}
            </div>
          </div>
          {sprite && hasProxy && <SpriteStrip mediaId={m.id} layout={sprite} current={current} onSeek={seek} recordedAt={recordedAt} />}
        </div>
        <aside className="player-side">
          {sessionId && sessionRec !== undefined && can('reviewer', 'admin') && (
            <ReviewedStep sessionId={sessionId} mediaId={m.id} done={sessionRec.review} onDone={review.reload} />
          )}
          <Bookmarks marks={marks.data ?? []} error={marks.error} current={current} mediaId={m.id} caseId={caseId} onSeek={seek} onAdded={marks.reload} recordedAt={recordedAt} />
          <Card title={t('player.details')}>
            <dl className="facts small">
              <dt>{t('media.officer')}</dt>
              <dd>{m.officerId ?? '—'}</dd>
              <dt>{t('media.device')}</dt>
              <dd>{m.deviceSerial ?? '—'}</dd>
              <dt>{t('media.recordedAt')}</dt>
              <dd>{fmtDateTime(m.recordedAt)}</dd>
              <dt>{t('media.duration')}</dt>
              <dd>{fmtDuration(m.durationSec)}</dd>
              <dt>{t('media.size')}</dt>
              <dd>{fmtBytes(m.sizeBytes)}</dd>
              <dt>SHA-256</dt>
              <dd className="mono hash">{m.sha256}</dd>
              <dt>{t('media.custody')}</dt>
              <dd>{t('media.custodyEvents', { n: m.custody.length })}</dd>
            </dl>
            <p className="small muted">{t('player.logged')}</p>
          </Card>
        </aside>
      </div>
    </>
  );
}

function SpriteStrip({ mediaId, layout, current, onSeek, recordedAt }: { mediaId: string; layout: SpriteLayout; current: number; onSeek(sec: number): void; recordedAt: number | null }) {
  const { t } = useTranslation();
  const scale = 112 / layout.tileWidth;
  const w = layout.tileWidth * scale;
  const h = layout.tileHeight * scale;
  const active = Math.floor(current / layout.intervalSec);
  const src = mediaUrl(mediaId, 'sprite');
  return (
    <div className="sprite-strip" data-testid="sprite-strip" aria-label={t('player.spriteHint')}>
      {Array.from({ length: layout.frames }, (_, i) => {
        const col = i % layout.columns;
        const row = Math.floor(i / layout.columns);
        const at = i * layout.intervalSec;
        return (
          <button
            key={i}
            className={`sprite-tile ${i === active ? 'active' : ''}`}
            style={{
              width: w,
              height: h,
              backgroundImage: `url(${src})`,
              backgroundSize: `${layout.columns * w}px ${layout.rows * h}px`,
              backgroundPosition: `-${col * w}px -${row * h}px`,
            }}
            onClick={() => onSeek(at)}
            title={recordedAt !== null ? fmtDateTime(new Date(recordedAt + at * 1000).toISOString()) : fmtOffset(at)}
            data-testid="sprite-tile"
          >
            <span>{fmtOffset(at)}</span>
          </button>
        );
      })}
    </div>
  );
}

function Bookmarks({
  marks,
  error,
  current,
  mediaId,
  caseId,
  onSeek,
  onAdded,
  recordedAt,
}: {
  marks: ReviewMark[];
  error: unknown;
  current: number;
  mediaId: string;
  caseId: string | null;
  onSeek(sec: number): void;
  onAdded(): void;
  recordedAt: number | null;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [kind, setKind] = useState<'bookmark' | 'note'>('bookmark');
  const [err, setErr] = useState<unknown>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      await api(`/api/v1/media/${mediaId}/review-marks`, { body: { kind, offsetSec: Math.round(current * 10) / 10, text: text.trim(), ...(caseId ? { caseId } : {}) } });
      setText('');
      onAdded();
    } catch (x) {
      setErr(x);
    }
  };
  return (
    <Card title={`🔖 ${t('marks.title')}`} testId="bookmarks">
      <form onSubmit={add} className="stack">
        <div className="seg">
          <label className="check">
            <input type="radio" checked={kind === 'bookmark'} onChange={() => setKind('bookmark')} /> {t('marks.bookmark')}
          </label>
          <label className="check">
            <input type="radio" checked={kind === 'note'} onChange={() => setKind('note')} /> {t('marks.note')}
          </label>
        </div>
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={2} placeholder={t(kind === 'note' ? 'marks.noteHint' : 'marks.bookmarkHint')} required={kind === 'note'} data-testid="mark-text" />
        <button className="btn btn-primary" type="submit" data-testid="add-mark">
          ＋ {t('marks.addAt', { at: fmtOffset(current) })}
        </button>
        <ErrorBox error={err} />
      </form>
      <ErrorBox error={error} />
      <ul className="marks" data-testid="mark-list">
        {marks.map((mk) => (
          <li key={mk.id}>
            <button className="btn-link" onClick={() => onSeek(mk.offsetSec)}>
              {fmtOffset(mk.offsetSec)}
            </button>{' '}
            {recordedAt !== null && <span className="muted small">{fmtDateTime(new Date(recordedAt + mk.offsetSec * 1000).toISOString())} </span>}
            <Badge tone={mk.kind === 'note' ? 'info' : 'none'}>{t(`marks.${mk.kind}`)}</Badge> {mk.text}
            <div className="muted small">{mk.author}</div>
          </li>
        ))}
        {marks.length === 0 && <li className="muted">{t('marks.none')}</li>}
      </ul>
    </Card>
  );
}

function ReviewedStep({ sessionId, mediaId, done, onDone }: { sessionId: string; mediaId: string; done: { reviewer: string; reviewedAt: string; finding: string } | null; onDone(): void }) {
  const { t } = useTranslation();
  const [finding, setFinding] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [watched, setWatched] = useState(false);
  useEffect(() => setWatched(false), [mediaId]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api(`/api/v1/interrogation-sessions/${sessionId}/recordings/${mediaId}/review`, { body: { finding: finding.trim() } });
      setFinding('');
      onDone();
    } catch (x) {
      setError(x);
    }
  };
  return (
    <Card title={`✔ ${t('review.stepTitle')}`} testId="reviewed-step">
      {done && (
        <p className="alert alert-good" data-testid="reviewed-done">
          ✅ {t('review.done', { by: done.reviewer, at: fmtDateTime(done.reviewedAt) })}
          <br />
          {t('review.finding')}: {done.finding}
        </p>
      )}
      <form onSubmit={submit} className="stack">
        <label>
          {t('review.finding')}
          <textarea value={finding} onChange={(e) => setFinding(e.target.value)} rows={3} required placeholder={t('review.findingHint')} data-testid="review-finding" />
        </label>
        <label className="check">
          <input type="checkbox" checked={watched} onChange={(e) => setWatched(e.target.checked)} data-testid="review-confirm" /> {t('review.confirm')}
        </label>
        <button className="btn btn-primary btn-big" type="submit" disabled={!watched} data-testid="mark-reviewed">
          {done ? t('review.again') : t('review.mark')}
        </button>
        <ErrorBox error={error} />
      </form>
      {!done && <Badge tone="warn">{t('review.pending')}</Badge>}
    </Card>
  );
}
