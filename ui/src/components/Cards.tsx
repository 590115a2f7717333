import { useState } from "react";

/** A card as the task page shows it: the finished card an attempt recorded, or the one it last wrote while running. */
export interface CardView {
  id: string;
  type: string;
  attempt: number;
  live: boolean;
  /** Changes when the card does (its SHA-256, or a live card's current hash): the frame reloads then. */
  version: string;
  /** Components that could not be rendered (the card shows them as error boxes). */
  errors: string[];
}

/**
 * The attempt's cards, each in an iframe sandboxed without allow-same-origin: a card's
 * script runs in an opaque origin with no access to this page, its token or the API, and
 * the server sends each card with a policy that allows it no network at all.
 */
export function Cards({ base, cards, running }: { base: string; cards: CardView[]; running: boolean }) {
  if (cards.length === 0) return <p className="muted">{running ? "No card yet: a card shows here once the step refreshes it (current.card.<id>.refresh())." : "This attempt made no cards."}</p>;
  return (
    <div className="cards">
      {cards.map((card) => {
        const src = `${base}/cards/${encodeURIComponent(card.id)}?attempt=${card.attempt}&v=${encodeURIComponent(card.version)}`;
        return (
          <figure key={card.id} data-card={card.id}>
            <figcaption>
              <strong>{card.id}</strong> <span className="muted">{card.live ? "as last written while the attempt ran" : card.type}</span>{" "}
              <a href={src} target="_blank" rel="noopener noreferrer">
                open
              </a>
              {card.errors.length > 0 && <span className="error"> · {card.errors.length} component{card.errors.length === 1 ? "" : "s"} could not be rendered</span>}
            </figcaption>
            <CardFrame id={card.id} src={src} />
          </figure>
        );
      })}
    </div>
  );
}

/**
 * The sandboxed frame. A new `src` (the card changed) loads in a second, hidden frame
 * that replaces the first once loaded, so a live card updates without flashing blank.
 */
function CardFrame({ id, src }: { id: string; src: string }) {
  const [shown, setShown] = useState(src);
  const frame = (url: string, pending: boolean) => (
    <iframe
      key={url}
      title={`card ${id}`}
      className={pending ? "pending" : undefined}
      sandbox="allow-scripts"
      referrerPolicy="no-referrer"
      src={url}
      {...(pending ? { onLoad: () => setShown(url), "aria-hidden": true } : {})}
    />
  );
  return (
    <div className="card-frame">
      {frame(shown, false)}
      {src !== shown && frame(src, true)}
    </div>
  );
}
