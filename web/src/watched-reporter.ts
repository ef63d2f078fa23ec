import { useEffect, useRef, type RefObject } from 'react';
import { getToken } from './api';

interface Range {
  startSec: number;
  endSec: number;
  rate: number;
}

const FLUSH_MS = 10_000;
// Two timeupdates are ~0.25 s apart; a larger step at the current rate is a seek, not playing.
const MAX_STEP_SEC = 1.5;

/**
 * Reports to the API which stretches of the recording this player actually played, with the playback rate:
 * every 10 s while playing, on pause, on seeking away and when the page goes. A range grows only between
 * consecutive timeupdates of a playing video, so jumping ahead never counts as watched.
 */
export function useWatchedReporter(video: RefObject<HTMLVideoElement | null>, enabled: boolean, mediaId: string, caseId: string | null, onReported: () => void): void {
  const pending = useRef<Range[]>([]);
  const open = useRef<Range | null>(null);
  const last = useRef<number | null>(null);
  const reported = useRef(onReported);
  reported.current = onReported;

  useEffect(() => {
    const v = video.current;
    if (!enabled || !v) return;
    const close = () => {
      const r = open.current;
      if (r && r.endSec - r.startSec >= 0.05) pending.current.push(r);
      open.current = null;
      last.current = null;
    };
    const flush = (leaving = false) => {
      if (open.current) {
        // Keep playing into the same range after a periodic flush: report what is done so far.
        const r = open.current;
        if (r.endSec - r.startSec >= 0.05) pending.current.push({ ...r });
        open.current = { startSec: r.endSec, endSec: r.endSec, rate: r.rate };
      }
      const ranges = pending.current.splice(0, 200);
      if (!ranges.length) return;
      const token = getToken();
      void fetch(`/api/v1/media/${mediaId}/watched`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ ranges: ranges.map((r) => ({ ...r, endSec: Math.min(r.endSec, Number.isFinite(v.duration) ? v.duration : r.endSec) })), ...(caseId ? { caseId } : {}) }),
        // keepalive lets the last report leave with the page.
        keepalive: leaving,
        credentials: 'same-origin',
      })
        .then((res) => {
          if (res.ok) reported.current();
        })
        .catch(() => undefined);
    };
    const onTime = () => {
      if (v.paused || v.seeking) return;
      const t = v.currentTime;
      const rate = v.playbackRate;
      const prev = last.current;
      if (open.current && prev !== null && t >= prev && t - prev <= MAX_STEP_SEC * Math.max(1, rate) && open.current.rate === rate) {
        open.current.endSec = t;
      } else {
        close();
        open.current = { startSec: t, endSec: t, rate };
      }
      last.current = t;
    };
    const onStop = () => {
      close();
      flush();
    };
    const onSeeking = () => close();
    const onRate = () => close();
    const onLeave = () => {
      close();
      flush(true);
    };
    const timer = window.setInterval(() => flush(), FLUSH_MS);
    v.addEventListener('timeupdate', onTime);
    v.addEventListener('pause', onStop);
    v.addEventListener('ended', onStop);
    v.addEventListener('seeking', onSeeking);
    v.addEventListener('ratechange', onRate);
    window.addEventListener('pagehide', onLeave);
    return () => {
      window.clearInterval(timer);
      v.removeEventListener('timeupdate', onTime);
      v.removeEventListener('pause', onStop);
      v.removeEventListener('ended', onStop);
      v.removeEventListener('seeking', onSeeking);
      v.removeEventListener('ratechange', onRate);
      window.removeEventListener('pagehide', onLeave);
      onLeave();
    };
  }, [video, enabled, mediaId, caseId]);
}
