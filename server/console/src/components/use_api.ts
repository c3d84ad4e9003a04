import type { Result } from '@scrutin/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiFailure } from '../api/client.ts';

/**
 * Loads `key`'s data with `load`, again every `refreshMs` if given (monitoring views that the
 * SSE stream does not carry), and on `reload()`. A new key starts afresh.
 */
export function useApi<T>(key: string, load: () => Promise<Result<T, ApiFailure>>, refreshMs?: number) {
  const [state, setState] = useState<{ key: string; data: T | null; failure: ApiFailure | null }>({ key, data: null, failure: null });
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  const run = useCallback(async () => {
    const result = await loader.current();
    setState((s) =>
      result.ok ? { key, data: result.value, failure: null } : { key, data: s.key === key ? s.data : null, failure: result.error },
    );
  }, [key]);
  useEffect(() => {
    void run();
    if (refreshMs === undefined) return;
    const timer = setInterval(() => void run(), refreshMs);
    return () => {
      clearInterval(timer);
    };
  }, [run, refreshMs]);
  const current = state.key === key;
  return { data: current ? state.data : null, failure: current ? state.failure : null, reload: run };
}
