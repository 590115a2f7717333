import { useEffect, useRef, useState } from "react";

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Loads again now. */
  reload(): void;
}

/**
 * Loads with `load`, then again every `everyMs` while `live` says so (a running run):
 * pages update without a reload. A new `key` starts over.
 */
export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, key: string, everyMs: number | ((data: T | undefined) => number | null)): Loaded<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: Error }>({ key });
  const [tick, setTick] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await latest.current(controller.signal);
        if (controller.signal.aborted) return;
        setState({ key, data });
        const next = typeof everyMs === "number" ? everyMs : everyMs(data);
        if (next !== null) timer = setTimeout(run, next);
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((s) => ({ key, ...(s.key === key ? { data: s.data } : {}), error: error as Error }));
        timer = setTimeout(run, 5000);
      }
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // `load` and `everyMs` are read through refs or at each turn: only `key` (and reload) start over.
  }, [key, tick]);
  const current = state.key === key ? state : { data: undefined, error: undefined };
  return { data: current.data, error: current.error, reload: () => setTick((t) => t + 1) };
}
