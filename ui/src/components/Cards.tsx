import { useEffect, useState } from "react";
import { apiRoutes, getOptional } from "../api.ts";

const CARDS_ROUTE = "/flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/cards";

interface CardEntry {
  id?: string;
  hash?: string;
  name?: string;
  type?: string;
  title?: string;
  url?: string;
}

/**
 * The task's cards, when the service has cards (its OpenAPI document lists the route):
 * each in an iframe sandboxed without allow-same-origin, so a card's script runs in an
 * opaque origin with no access to this page, its token or the API.
 */
export function Cards({ base }: { base: string }) {
  const [state, setState] = useState<{ supported: boolean; cards: CardEntry[] } | undefined>();
  useEffect(() => {
    void apiRoutes().then(async (routes) => {
      if (!routes.has(CARDS_ROUTE)) return setState({ supported: false, cards: [] });
      const listed = await getOptional<CardEntry[] | { cards: CardEntry[] }>(`${base}/cards`).catch(() => undefined);
      setState({ supported: true, cards: Array.isArray(listed) ? listed : (listed?.cards ?? []) });
    });
  }, [base]);
  if (!state) return null;
  if (!state.supported) return <p className="muted">This service has no cards yet.</p>;
  if (state.cards.length === 0) return <p className="muted">This task made no cards.</p>;
  return (
    <div className="cards">
      {state.cards.map((card, i) => {
        const id = card.id ?? card.hash ?? card.name ?? String(i);
        const src = card.url ?? `${base}/cards/${encodeURIComponent(id)}`;
        return (
          <figure key={id}>
            <figcaption>{card.title ?? card.name ?? card.type ?? id}</figcaption>
            <iframe title={`card ${id}`} sandbox="allow-scripts" referrerPolicy="no-referrer" src={src} />
          </figure>
        );
      })}
    </div>
  );
}
