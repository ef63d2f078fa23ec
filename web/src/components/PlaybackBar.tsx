import { useTranslation } from 'react-i18next';
import { fmtDuration, fmtOffset, fmtTime } from '../format';

export interface JumpMark {
  mediaOffsetSec: number;
  wallStart: string;
  wallEnd: string;
  durationSec: number;
}

/**
 * The file's own progress bar, with what a reviewer must not miss on it: every place the file jumps over
 * unrecorded time (a red line, the jump also listed in words by its title), and the stretches this reviewer has
 * watched (dark: at normal speed, counted; light: faster, not counted). Clicking seeks.
 */
export function PlaybackBar({
  durationSec,
  current,
  jumps,
  counted,
  played,
  onSeek,
}: {
  durationSec: number;
  current: number;
  jumps: readonly JumpMark[];
  counted: ReadonlyArray<readonly [number, number]>;
  played: ReadonlyArray<readonly [number, number]>;
  onSeek(sec: number): void;
}) {
  const { t } = useTranslation();
  const d = Math.max(durationSec, 0.001);
  const pct = (sec: number) => `${(Math.max(0, Math.min(d, sec)) / d) * 100}%`;
  const width = (a: number, b: number) => `${((Math.min(d, b) - Math.max(0, a)) / d) * 100}%`;
  return (
    <div className="playback-bar-wrap">
      <div
        className="playback-bar"
        role="slider"
        aria-label={t('playerTime.jumps')}
        aria-valuemin={0}
        aria-valuemax={Math.round(d)}
        aria-valuenow={Math.round(current)}
        title={t('playerTime.jumps')}
        data-testid="playback-bar"
        onClick={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          onSeek(((e.clientX - box.left) / box.width) * d);
        }}
      >
        {played.map(([a, b], i) => (
          <div key={`p${i}`} className="pb-played" style={{ left: pct(a), width: width(a, b) }} />
        ))}
        {counted.map(([a, b], i) => (
          <div key={`c${i}`} className="pb-counted" style={{ left: pct(a), width: width(a, b) }} data-testid="watched-span" />
        ))}
        {jumps.map((j) => (
          <div
            key={j.mediaOffsetSec}
            className="pb-jump"
            style={{ left: pct(j.mediaOffsetSec) }}
            title={t('playerTime.jumpAt', { at: fmtOffset(j.mediaOffsetSec), duration: fmtDuration(j.durationSec), from: fmtTime(Date.parse(j.wallStart)), to: fmtTime(Date.parse(j.wallEnd)) })}
            data-testid="jump-marker"
          />
        ))}
        <div className="pb-cursor" style={{ left: pct(current) }} />
      </div>
      <div className="timeline-legend small">
        <span>
          <i className="lg pb-lg-counted" /> {t('watched.counted')}
        </span>
        <span>
          <i className="lg pb-lg-played" /> {t('watched.played')}
        </span>
        <span>
          <i className="lg pb-lg-jump" /> {t('timeline.gap')}
        </span>
      </div>
    </div>
  );
}
