import { useEffect, useRef, useState } from "react";
import { download, getJson, getOptional, readEvents } from "../api.ts";
import { bytes } from "../format.ts";
import type { LogChunk, LogMatch } from "../types.ts";

const PAGE = 64 * 1024;
/** The most text kept on the page; older text is dropped from the top (and can be read again). */
const KEEP = 2 * 1024 * 1024;

interface Shown {
  /** Byte offset of the first character shown. */
  from: number;
  /** Byte offset just past the last one. */
  to: number;
  size: number;
  text: string;
}

/**
 * One stream of one attempt: its last 64 KiB first (never the whole log), earlier pages
 * on demand, a live tail while the attempt runs, search over the whole log on the
 * server, and download. Text is rendered as text, never as HTML.
 */
export function LogView({ base, attempt, stream, live }: { base: string; attempt: number; stream: "stdout" | "stderr"; live: boolean }) {
  const [shown, setShown] = useState<Shown | null | undefined>(undefined);
  const [query, setQuery] = useState("");
  const [matches, setMatches] = useState<{ matches: LogMatch[]; complete: boolean } | null>(null);
  const [tailing, setTailing] = useState(false);
  const pre = useRef<HTMLPreElement>(null);
  const url = `${base}/logs/${stream}`;
  const show = (c: LogChunk): Shown => ({ from: c.offset, to: c.end, size: c.size, text: c.text });

  useEffect(() => {
    setShown(undefined);
    setMatches(null);
    void getOptional<LogChunk>(`${url}?attempt=${attempt}&offset=-${PAGE}&length=${PAGE}`).then((c) => setShown(c ? show(c) : null));
  }, [url, attempt]);

  // The live tail starts where the first read ended and appends until the server says the
  // attempt ended (it sends the last bytes first), even after the page learns it finished.
  const start = shown?.to;
  const liveNow = useRef(live);
  liveNow.current = live;
  useEffect(() => {
    if (!liveNow.current || start === undefined) return;
    const controller = new AbortController();
    setTailing(true);
    void readEvents(
      `${url}/tail?attempt=${attempt}&offset=${start}`,
      (event, data) => {
        if (event !== "log") return;
        const c = data as LogChunk;
        setShown((s) => {
          if (!s || c.offset !== s.to) return s;
          const text = s.text + c.text;
          const cut = text.length > KEEP ? text.length - KEEP : 0;
          return { from: s.from + (cut ? new TextEncoder().encode(text.slice(0, cut)).byteLength : 0), to: c.end, size: c.size, text: text.slice(cut) };
        });
      },
      controller.signal,
    )
      .catch(() => {})
      .finally(() => setTailing(false));
    return () => controller.abort();
    // Started once per attempt: later appends move `start`, which must not restart the tail.
  }, [url, attempt, start === undefined]);

  useEffect(() => {
    const el = pre.current;
    if (el && tailing) el.scrollTop = el.scrollHeight;
  }, [shown, tailing]);

  const earlier = async () => {
    if (!shown || shown.from === 0) return;
    const from = Math.max(0, shown.from - PAGE);
    const c = await getJson<LogChunk>(`${url}?attempt=${attempt}&offset=${from}&length=${shown.from - from}`);
    setShown({ ...shown, from: c.offset, text: c.text + shown.text });
  };
  const jump = async (offset: number) => {
    const c = await getJson<LogChunk>(`${url}?attempt=${attempt}&offset=${offset}&length=${PAGE}`);
    setShown(show(c));
    pre.current?.scrollTo(0, 0);
  };
  const search = async () => {
    if (!query.trim()) return setMatches(null);
    setMatches(await getJson<{ matches: LogMatch[]; complete: boolean }>(`${url}/search?attempt=${attempt}&q=${encodeURIComponent(query.trim())}&limit=200`));
  };

  if (shown === undefined) return <p className="loading">Loading {stream}…</p>;
  if (shown === null) return <p className="muted">No {stream} for attempt {attempt}.</p>;
  return (
    <div className="log" data-stream={stream}>
      <div className="logbar">
        <span className="muted">
          {bytes(shown.size)}
          {shown.from > 0 ? ` · showing from byte ${shown.from}` : ""}
          {tailing ? " · live" : ""}
        </span>
        {shown.from > 0 && <button onClick={() => void earlier()}>Earlier</button>}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void search();
          }}
        >
          <input aria-label={`Search ${stream}`} placeholder={`search ${stream}`} value={query} onChange={(e) => setQuery(e.target.value)} />
        </form>
        <button onClick={() => void download(`${url}/download?attempt=${attempt}`, `${stream}-${attempt}.txt`)}>Download</button>
      </div>
      {matches && (
        <ul className="matches">
          {matches.matches.length === 0 && <li className="muted">No line contains "{query}".</li>}
          {matches.matches.map((m) => (
            <li key={m.offset}>
              <button onClick={() => void jump(m.offset)}>byte {m.offset}</button> <code>{m.line}</code>
            </li>
          ))}
          {!matches.complete && <li className="muted">First 200 matches only.</li>}
        </ul>
      )}
      <pre ref={pre} aria-label={`${stream} of attempt ${attempt}`}>
        {shown.text}
      </pre>
    </div>
  );
}
