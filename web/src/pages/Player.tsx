import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { cameraClockDriftMs, jumpsCrossed, positionAtWall, wallClockAt, type Jump } from '../../../src/domain/recorded-time';
import { api, ApiError, mediaUrl } from '../api';
import { useAuth } from '../auth';
import { AccessRequestForm } from '../components/AccessRequestForm';
import { PlaybackBar } from '../components/PlaybackBar';
import { Badge, Card, ErrorBox, Loading, ProgressBar } from '../components/ui';
import { fmtBytes, fmtDateTime, fmtDuration, fmtOffset, fmtPercent, fmtTime } from '../format';
import { useApi } from '../hooks';
import type { CaseReview, JoinedRecording, MediaDetail, ReviewMark, SessionRecording, WatchedSummary } from '../types';
import { useWatchedReporter } from '../watched-reporter';
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
  const navigate = useNavigate();
  const caseId = params.get('case');
  const sessionId = params.get('session');
  // Recorded wall time (ms) to open at: how switching cameras keeps the position.
  const openAtWall = params.get('wall') ? Number(params.get('wall')) : null;
  const { t } = useTranslation();
  const { can } = useAuth();
  const media = useApi<MediaDetail>(`/api/v1/media/${mediaId}`, (d) => (d && PENDING.has(d.state) ? 2000 : null));
  const review = useApi<CaseReview>(caseId ? `/api/v1/cases/${caseId}/review` : null);
  const marks = useApi<ReviewMark[]>(`/api/v1/media/${mediaId}/review-marks`);
  const rec = useApi<SessionRecording>(sessionId ? `/api/v1/interrogation-sessions/${sessionId}/recording` : null);
  const watched = useApi<WatchedSummary>(`/api/v1/media/${mediaId}/watched`);
  const video = useRef<HTMLVideoElement>(null);
  const [current, setCurrent] = useState(0);
  const [crossed, setCrossed] = useState<Jump | null>(null);
  const lastPos = useRef(0);
  const hasProxy = !!media.data?.derivatives.some((d) => d.kind === 'proxy');
  useWatchedReporter(video, hasProxy, mediaId!, caseId, watched.reload);
  useEffect(() => {
    setCrossed(null);
    lastPos.current = 0;
  }, [mediaId]);

  const joinedAll = rec.data?.joined ?? [];
  const joined = joinedAll.find((j) => j.mediaId === mediaId) ?? null;
  const offsets = joined?.offsets ?? null;
  const jumps = joined?.jumps ?? [];
  // Opening at a recorded time needs both the video's metadata and the offsets table, in whichever order they come.
  const openedAt = useRef<string | null>(null);
  const applyOpenAt = () => {
    const v = video.current;
    // Right after a camera switch the element may still hold the previous recording: wait for this one's metadata.
    if (openAtWall === null || !offsets || !v || v.readyState < 1 || !v.currentSrc.includes(`/media/${mediaId}/`) || openedAt.current === mediaId) return;
    const at = positionAtWall(offsets, openAtWall);
    openedAt.current = mediaId ?? null;
    if (!at) return;
    v.currentTime = at.position;
    lastPos.current = at.position;
    setCurrent(at.position);
  };
  useEffect(applyOpenAt, [offsets, openAtWall, mediaId]);

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
  const hasPoster = m.derivatives.some((d) => d.kind === 'poster');
  const recordedAt = m.recordedAt ? Date.parse(m.recordedAt) : null;
  // A joined recording skips its gaps: its offsets table, never recordedAt + position, says what time it is.
  const wallAt = (sec: number): number | null => (offsets ? wallClockAt(offsets, sec) : recordedAt !== null ? recordedAt + sec * 1000 : null);
  const nowWall = wallAt(current);
  const wallClock = nowWall !== null ? fmtDateTime(new Date(nowWall).toISOString()) : null;
  const purpose = review.data ? t('player.purpose', { caseNumber: review.data.case.caseNumber }) : t('player.purposeGeneric');
  const sessionRec = review.data?.sessions.find((s) => s.id === sessionId)?.recordings.find((r) => r.id === m.id);
  const others = joinedAll.filter((j) => j.mediaId !== m.id && j.state === 'ready');
  const gapOf = (j: Jump) =>
    rec.data?.gaps.find((g) => g.deviceId === joined?.deviceId && Date.parse(g.startedAt) < Date.parse(j.wallEnd) && Date.parse(g.endedAt) > Date.parse(j.wallStart)) ?? null;
  const cameraSegments = joined ? (rec.data?.segments ?? []).filter((x) => x.deviceId === joined.deviceId) : [];
  const drift = joined ? cameraClockDriftMs(cameraSegments.map((x) => ({ startedAt: x.startedAt, deviceStartedAt: x.deviceStartedAt ?? null }))) : null;
  const toleranceSec = rec.data?.toleranceSec ?? null;

  const moved = (sec: number) => {
    const hit = jumpsCrossed(jumps, lastPos.current, sec);
    if (hit.length) setCrossed(hit[hit.length - 1]!);
    lastPos.current = sec;
    setCurrent(sec);
  };
  const seek = (sec: number) => {
    if (video.current) {
      video.current.currentTime = sec;
      moved(sec);
    }
  };
  const switchTo = (target: JoinedRecording) => {
    const wall = wallAt(video.current?.currentTime ?? current);
    const q = new URLSearchParams(params);
    if (wall !== null) q.set('wall', String(Math.round(wall)));
    navigate(`/media/${target.mediaId}?${q.toString()}`);
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
            <div className={others.length ? 'camera-pair' : ''} data-testid="camera-pair">
              <div className="camera-pane">
                {others.length > 0 && joined && (
                  <p className="camera-label">
                    {t('playerTime.main')} · {t('playerTime.camera', { role: t(`cameraRole.${joined.role}`, { defaultValue: joined.role }) })}
                  </p>
                )}
                <video
                  ref={video}
                  className="video"
                  controls
                  preload="metadata"
                  src={mediaUrl(m.id, 'proxy', purpose)}
                  poster={hasPoster ? mediaUrl(m.id, 'poster') : undefined}
                  onLoadedMetadata={applyOpenAt}
                  onTimeUpdate={(e) => moved(e.currentTarget.currentTime)}
                  onSeeked={(e) => moved(e.currentTarget.currentTime)}
                  data-testid="player"
                />
              </div>
              {others.map((o) => (
                <SecondCamera key={o.mediaId} joined={o} wall={nowWall} main={video} purpose={purpose} onSwap={() => switchTo(o)} />
              ))}
            </div>
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
          {hasProxy && m.durationSec ? (
            <PlaybackBar durationSec={m.durationSec} current={current} jumps={jumps} counted={watched.data?.counted ?? []} played={watched.data?.played ?? []} onSeek={seek} />
          ) : null}
          <div className="clock-row">
            <div className="clock" data-testid="wall-clock" title={t('playerTime.recordedByServer')}>
              <span className="clock-label">{t('player.wallClock')}</span> {wallClock ?? t('player.noClock')}
            </div>
            <div className="offset" data-testid="offset">
              {t('player.offset')} {fmtOffset(current)} / {fmtOffset(m.durationSec)}
            </div>
          </div>
          {crossed && <GapNotice jump={crossed} gap={gapOf(crossed)} onClose={() => setCrossed(null)} />}
          {joined && toleranceSec !== null && <ClockDrift driftMs={drift} toleranceSec={toleranceSec} />}
          {sprite && hasProxy && <SpriteStrip mediaId={m.id} layout={sprite} current={current} onSeek={seek} wallAt={wallAt} />}
        </div>
        <aside className="player-side">
          {sessionId && sessionRec !== undefined && can('reviewer', 'admin') && (
            <ReviewedStep sessionId={sessionId} mediaId={m.id} done={sessionRec.review} watched={watched.data} onDone={review.reload} />
          )}
          <Bookmarks marks={marks.data ?? []} error={marks.error} current={current} mediaId={m.id} caseId={caseId} onSeek={seek} onAdded={marks.reload} wallAt={wallAt} />
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

/**
 * The session's other camera beside the main one, following it by recorded wall time (never by file position:
 * the two cameras start at different times and have different gaps). Where this camera recorded nothing at that
 * time it says so instead of showing a stale picture.
 */
function SecondCamera({ joined, wall, main, purpose, onSwap }: { joined: JoinedRecording; wall: number | null; main: RefObject<HTMLVideoElement | null>; purpose: string; onSwap(): void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLVideoElement>(null);
  const at = wall !== null ? positionAtWall(joined.offsets, wall) : null;
  const recorded = at?.where === 'recorded';
  useEffect(() => {
    const v = ref.current;
    const m = main.current;
    if (!v || !m) return;
    if (!at || !recorded) {
      if (!v.paused) v.pause();
      return;
    }
    if (Math.abs(v.currentTime - at.position) > 0.5) v.currentTime = at.position;
    if (m.paused && !v.paused) v.pause();
    if (!m.paused && v.paused) void v.play().catch(() => undefined);
    if (v.playbackRate !== m.playbackRate) v.playbackRate = m.playbackRate;
  });
  return (
    <div className="camera-pane" data-testid="second-camera" data-wall-position={at ? at.position.toFixed(2) : ''} data-where={at?.where ?? ''}>
      <p className="camera-label">
        {t('playerTime.secondary')} · {t('playerTime.camera', { role: t(`cameraRole.${joined.role}`, { defaultValue: joined.role }) })}{' '}
        <button className="btn btn-small" onClick={onSwap} data-testid="swap-camera">
          ⇄ {t('playerTime.swap')}
        </button>
      </p>
      <video ref={ref} className="video" muted preload="auto" src={mediaUrl(joined.mediaId, 'proxy', purpose)} data-testid="player-secondary" />
      {!recorded && at && (
        <div className="no-picture" data-testid="no-picture">
          {t('playerTime.noPictureNow')}
        </div>
      )}
    </div>
  );
}

/** What the file skipped when the position crossed a jump: when, how long, the system's cause and the person's reason. */
function GapNotice({ jump, gap, onClose }: { jump: Jump; gap: { cause: string; reason: string | null } | null; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <div className="alert alert-warn gap-notice" role="status" data-testid="gap-notice">
      <strong>⚠ {t('playerTime.gapNotice', { from: fmtTime(Date.parse(jump.wallStart)), to: fmtTime(Date.parse(jump.wallEnd)), duration: fmtDuration(jump.durationSec) })}</strong>
      {gap && (
        <p className="small">
          {t('playerTime.gapCause', { cause: t(`gapCause.${gap.cause}`, { defaultValue: gap.cause }) })} · {gap.reason ? t('playerTime.gapReason', { reason: gap.reason }) : t('playerTime.gapNoReason')}
        </p>
      )}
      <button className="btn btn-small" onClick={onClose}>
        ✕
      </button>
    </div>
  );
}

/** Camera clock against the server's, as the recorder read it over ONVIF: a wrong camera clock is said, not hidden. */
function ClockDrift({ driftMs, toleranceSec }: { driftMs: number | null; toleranceSec: number }) {
  const { t } = useTranslation();
  if (driftMs === null)
    return (
      <p className="small muted" data-testid="clock-drift">
        {t('playerTime.driftNone')}
      </p>
    );
  const text = `${t(driftMs >= 0 ? 'playerTime.ahead' : 'playerTime.behind')} ${fmtDuration(Math.abs(driftMs) / 1000)}`;
  return Math.abs(driftMs) > toleranceSec * 1000 ? (
    <p className="alert alert-warn small" data-testid="clock-drift">
      🕒 {t('playerTime.drift', { drift: text, tolerance: toleranceSec })}
    </p>
  ) : (
    <p className="small muted" data-testid="clock-drift">
      🕒 {t('playerTime.driftOk', { drift: text })}
    </p>
  );
}

function SpriteStrip({ mediaId, layout, current, onSeek, wallAt }: { mediaId: string; layout: SpriteLayout; current: number; onSeek(sec: number): void; wallAt(sec: number): number | null }) {
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
            title={wallAt(at) !== null ? fmtDateTime(new Date(wallAt(at)!).toISOString()) : fmtOffset(at)}
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
  wallAt,
}: {
  marks: ReviewMark[];
  error: unknown;
  current: number;
  mediaId: string;
  caseId: string | null;
  onSeek(sec: number): void;
  onAdded(): void;
  wallAt(sec: number): number | null;
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
            {wallAt(mk.offsetSec) !== null && <span className="muted small">{fmtDateTime(new Date(wallAt(mk.offsetSec)!).toISOString())} </span>}
            <Badge tone={mk.kind === 'note' ? 'info' : 'none'}>{t(`marks.${mk.kind}`)}</Badge> {mk.text}
            <div className="muted small" data-testid="mark-author">{mk.authorName ?? mk.author}</div>
          </li>
        ))}
        {marks.length === 0 && <li className="muted">{t('marks.none')}</li>}
      </ul>
    </Card>
  );
}

function ReviewedStep({
  sessionId,
  mediaId,
  done,
  watched,
  onDone,
}: {
  sessionId: string;
  mediaId: string;
  done: { reviewer: string; reviewedAt: string; finding: string; belowShareReason?: string | null } | null;
  watched: WatchedSummary | null;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const [finding, setFinding] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [confirmed, setConfirmed] = useState(false);
  useEffect(() => setConfirmed(false), [mediaId]);
  // The same rule the server applies (REVIEW_MIN_WATCHED_SHARE, seconds at ≤ 1×); the server decides.
  const below = watched ? watched.share + 1e-9 < watched.minShare : false;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api(`/api/v1/interrogation-sessions/${sessionId}/recordings/${mediaId}/review`, { body: { finding: finding.trim(), ...(reason.trim() ? { belowShareReason: reason.trim() } : {}) } });
      setFinding('');
      setReason('');
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
          {done.belowShareReason && (
            <>
              <br />
              {t('watched.reason')}: {done.belowShareReason}
            </>
          )}
        </p>
      )}
      {watched && (
        <p className={`small ${below ? 'bad-text' : 'good-text'}`} data-testid="watched-share">
          👁 {t('watched.share', { share: fmtPercent(watched.share), min: fmtPercent(watched.minShare, 0) })}
        </p>
      )}
      <form onSubmit={submit} className="stack">
        <label>
          {t('review.finding')}
          <textarea value={finding} onChange={(e) => setFinding(e.target.value)} rows={3} required placeholder={t('review.findingHint')} data-testid="review-finding" />
        </label>
        {below && watched && (
          <>
            <p className="alert alert-warn small" data-testid="below-share">
              {t('watched.belowTitle', { share: fmtPercent(watched.share), min: fmtPercent(watched.minShare, 0) })}
            </p>
            <label>
              {t('watched.reason')}
              <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} placeholder={t('watched.reasonHint')} data-testid="below-share-reason" />
            </label>
          </>
        )}
        <label className="check">
          <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} data-testid="review-confirm" /> {t(below ? 'watched.confirmBelow' : 'review.confirm')}
        </label>
        <button className="btn btn-primary btn-big" type="submit" disabled={!confirmed} data-testid="mark-reviewed">
          {done ? t('review.again') : t('review.mark')}
        </button>
        {error instanceof ApiError && error.code === 'EVM_REVIEW_NOT_WATCHED' ? (
          <p className="alert alert-bad small" role="alert" data-testid="review-refused">
            ⛔ {t('watched.refused')}
            <br />
            <span className="muted">
              {error.code}: {error.message}
            </span>
          </p>
        ) : (
          <ErrorBox error={error} />
        )}
      </form>
      {!done && <Badge tone="warn">{t('review.pending')}</Badge>}
    </Card>
  );
}
