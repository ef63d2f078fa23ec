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

/**
 * A session from declared start to declared end: recorded spans in green, gaps in red (no reason yet) or amber
 * (reason given). Every gap is also listed in words beside it; the bar is the picture, not the only record.
 */
export function Timeline({ start, end, spans, gaps, testId }: { start: number; end: number; spans: Span[]; gaps: GapMark[]; testId?: string }) {
  const { t } = useTranslation();
  const total = Math.max(1, end - start);
  const pos = (ms: number) => `${(Math.max(0, Math.min(total, ms - start)) / total) * 100}%`;
  const width = (a: number, b: number) => `${Math.max(0.4, ((Math.min(b, end) - Math.max(a, start)) / total) * 100)}%`;
  return (
    <div className="timeline" data-testid={testId}>
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
