import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * GET a resource; `pollMs` re-reads it in the background (progress of uploads, transcodes and exports live,
 * without reloading the page). A function for pollMs decides from the latest data whether to keep polling.
 */
export function useApi<T>(path: string | null, pollMs?: number | ((data: T | null) => number | null)): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const dataRef = useRef<T | null>(null);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (!path) {
      setLoading(false);
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ctrl = new AbortController();
    const run = async (first: boolean) => {
      if (first) setLoading(true);
      try {
        const d = await api<T>(path, { signal: ctrl.signal });
        if (stopped) return;
        dataRef.current = d;
        setData(d);
        setError(null);
      } catch (e) {
        if (stopped || (e as Error).name === 'AbortError') return;
        setError(e);
      } finally {
        if (!stopped) setLoading(false);
      }
      const every = typeof pollMs === 'function' ? pollMs(dataRef.current) : pollMs;
      if (!stopped && every) timer = setTimeout(() => void run(false), every);
    };
    void run(true);
    return () => {
      stopped = true;
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, tick]);

  return { data, error, loading, reload };
}
