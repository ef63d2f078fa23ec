import { useTranslation } from 'react-i18next';
import { fmtDuration, fmtTime } from '../format';

export interface Span {
  start: number;
  end: number;
  label?: string;
}

export interface GapMark {
  start: number;
  end: number;
  explained: boolean;
  label: string;
  id: string;
}

/** One camera's row on the session's timeline. */
export interface Lane {
  id: string;
  label: string;
  spans: Span[];
  gaps: GapMark[];
}

/**
 * A session from declared start to declared end: recorded spans in green, gaps in red (no reason yet) or amber
 * (reason given), one lane per camera when the platform recorded it (the overview and the frontal camera have
 * their own gaps; one merged bar would hide either). Every gap is also listed in words beside it; the bar is the
 * picture, not the only record.
 */
export function Timeline({ start, end, spans, gaps, lanes, testId }: { start: number; end: number; spans: Span[]; gaps: GapMark[]; lanes?: Lane[]; testId?: string }) {
  const { t } = useTranslation();
  const total = Math.max(1, end - start);
  const pos = (ms: number) => `${(Math.max(0, Math.min(total, ms - start)) / total) * 100}%`;
  const width = (a: number, b: number) => `${Math.max(0.4, ((Math.min(b, end) - Math.max(a, start)) / total) * 100)}%`;
  const rows: Lane[] = lanes?.length ? lanes : [{ id: 'all', label: '', spans, gaps }];
  return (
    <div className="timeline" data-testid={testId}>
      {rows.map((lane) => (
        <div key={lane.id} data-testid="timeline-lane">
          {lane.label && <div className="lane-label">{lane.label}</div>}
          <Bar spans={lane.spans} gaps={lane.gaps} pos={pos} width={width} />
        </div>
      ))}
      <div className="timeline-axis">
        <span>{fmtTime(start)}</span>
        <span>{fmtTime(start + total / 2)}</span>
        <span>{fmtTime(end)}</span>
      </div>
      <div className="timeline-legend small">
        <span>
          <i className="lg lg-rec" /> {t('timeline.recorded')}
        </span>
        <span>
          <i className="lg lg-gap-open" /> {t('timeline.gapOpen')}
        </span>
        <span>
          <i className="lg lg-gap-explained" /> {t('timeline.gapExplained')}
        </span>
      </div>
    </div>
  );
}

function Bar({ spans, gaps, pos, width }: { spans: Span[]; gaps: GapMark[]; pos(ms: number): string; width(a: number, b: number): string }) {
  const { t } = useTranslation();
  return (
    <div className="timeline-bar" aria-label={t('timeline.aria')}>
      {spans.map((s, i) => (
        <div key={`s${i}`} className="tl-span" style={{ left: pos(s.start), width: width(s.start, s.end) }} title={`${s.label ?? t('timeline.recorded')} ${fmtTime(s.start)}–${fmtTime(s.end)}`} />
      ))}
      {gaps.map((g) => (
        <div
          key={g.id}
          className={`tl-gap ${g.explained ? 'tl-gap-explained' : 'tl-gap-open'}`}
          style={{ left: pos(g.start), width: width(g.start, g.end) }}
          title={`${t('timeline.gap')} ${fmtTime(g.start)}–${fmtTime(g.end)} (${fmtDuration((g.end - g.start) / 1000)}) ${g.label}`}
          data-testid="timeline-gap"
        />
      ))}
    </div>
  );
}
