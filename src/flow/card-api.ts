import type { CardComponent } from "../cards/components.ts";

/** One card of the running task: what `current.card.<id>` gives. */
export interface CardHandle {
  /** The card's id: the @card id, else its type. */
  readonly id: string;
  /** The components appended so far, in order. */
  readonly components: readonly CardComponent[];
  append(component: CardComponent): this;
  extend(components: Iterable<CardComponent>): this;
  /** Removes every component. */
  clear(): this;
  /**
   * Writes the card as it is now, so a viewer sees progress while the task runs. At most
   * one write per refresh interval (@card's `refreshInterval`): a refresh inside the
   * interval is written when it ends. The card is written in any case when the task ends.
   * Resolves once a write started by this call has landed. Writing needs the event loop:
   * a step that refreshes inside a long synchronous loop should be `async` and `await`
   * the refresh.
   */
  refresh(): Promise<void>;
}

/**
 * `current.card`: the task's cards by id (`current.card.report`, `current.card["report"]`),
 * plus the methods of its default editable card: the one card without an id, or the
 * only card.
 */
export type CardCollection = Omit<CardHandle, "id"> & { readonly [id: string]: CardHandle };

/** Names that `current.card` keeps for the default card's methods, so no card id may be one. */
export const RESERVED_CARD_IDS = ["append", "extend", "clear", "refresh", "components", "then", "toJSON"];

/**
 * `current.card` in a task whose step has no @card: appending is harmless and does
 * nothing, said once on stderr, as Metaflow does. It loads no card code.
 */
export function inertCards(step: string): CardCollection {
  let warned = false;
  const warn = () => {
    if (!warned) process.stderr.write(`weft: step "${step}" has no @card, so current.card ignores what is appended; add @card() to the step to keep it.\n`);
    warned = true;
  };
  const handle = {
    id: "",
    components: [] as CardComponent[],
    append: () => (warn(), handle),
    extend: () => (warn(), handle),
    clear: () => handle,
    refresh: async () => undefined,
  };
  return new Proxy(handle, {
    get: (target, key) => (typeof key === "string" && !RESERVED_CARD_IDS.includes(key) && key !== "id" ? target : target[key as keyof typeof target]),
  }) as unknown as CardCollection;
}
