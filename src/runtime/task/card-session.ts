import type { CardComponent } from "../../cards/components.ts";
import { ErrorBox, isComponent } from "../../cards/components.ts";
import { renderCard, type TaskSummary } from "../../cards/render/render-card.ts";
import type { ContentStore } from "../../datastore/content-store.ts";
import { layout, pathspecOf, type TaskRef } from "../../datastore/layout.ts";
import type { CardRecord } from "../../datastore/task-datastore.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { RESERVED_CARD_IDS, type CardCollection, type CardHandle } from "../../flow/card-api.ts";
import type { StepDecorators } from "../../flow/decorators/specs.ts";

export type CardDeclaration = NonNullable<StepDecorators["card"]>[number];

export interface CardSessionOptions {
  backend: StorageBackend;
  content: ContentStore;
  ref: TaskRef;
  attempt: number;
  declarations: CardDeclaration[];
  /** Where the session says what went wrong: the task's stderr, so its log has it. */
  warn: (line: string) => void;
}

/**
 * The cards of one task attempt (loaded only for a step with @card). Components are
 * appended while the step runs; `refresh()` writes a card where a watcher reads it,
 * at most once per refresh interval; at the end every card is rendered once more,
 * with the task's details, and stored before the done marker. Nothing here fails the
 * task: a card that cannot be rendered becomes a card that says why.
 */
export class CardSession {
  private readonly cards: LiveCard[];

  constructor(private readonly options: CardSessionOptions) {
    this.cards = options.declarations.map((d) => new LiveCard(this, d));
  }

  /** `current.card`: cards by id, and the default editable card's methods. */
  collection(): CardCollection {
    const byId = new Map(this.cards.map((c) => [c.id, c]));
    const unnamed = this.cards.filter((c) => c.declaration.id === undefined);
    const editable = this.cards.length === 1 ? this.cards[0] : unnamed.length === 1 ? unnamed[0] : undefined;
    const warned = new Set<string>();
    const inert = (why: string): CardHandle => {
      const handle: CardHandle = { id: "", components: [], append: () => (warnOnce(why), handle), extend: () => (warnOnce(why), handle), clear: () => handle, refresh: async () => undefined };
      return handle;
    };
    const warnOnce = (why: string) => {
      if (!warned.has(why)) this.options.warn(why);
      warned.add(why);
    };
    const ids = [...byId.keys()].join(", ");
    const fallback = inert(`current.card: step "${this.options.ref.step}" has ${this.cards.length} cards (${ids}) and none is the default; use current.card.<id>. What was appended is ignored.`);
    const target = editable?.handle ?? fallback;
    return new Proxy(target, {
      get: (_t, key) => {
        if (typeof key !== "string") return undefined;
        if (RESERVED_CARD_IDS.includes(key)) return (target as unknown as Record<string, unknown>)[key];
        return byId.get(key)?.handle ?? inert(`current.card.${key}: step "${this.options.ref.step}" has no card with id "${key}" (cards: ${ids}); what was appended to it is ignored.`);
      },
    }) as unknown as CardCollection;
  }

  /** Stops live writes, waits for one in flight, then renders and stores every card. Rendering never throws; storing fails as an artifact's would. */
  async finish(task: TaskSummary): Promise<CardRecord[]> {
    const records: CardRecord[] = [];
    for (const card of this.cards) records.push(await card.finish(task));
    return records;
  }

  /** After a failed step: writes each card as it is, so the failure can be seen in it. Never throws. */
  async flushLive(): Promise<void> {
    await Promise.all(this.cards.map((c) => c.writeLive(true)));
  }

  /** @internal */
  get settings(): CardSessionOptions {
    return this.options;
  }
}

/** One card: its components, and its writes while the task runs. */
class LiveCard {
  readonly id: string;
  readonly components: CardComponent[] = [];
  readonly handle: CardHandle;
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private again = false;
  private finished = false;
  private warnedLive = false;

  constructor(
    private readonly session: CardSession,
    readonly declaration: CardDeclaration,
  ) {
    this.id = declaration.id ?? declaration.type;
    const components = this.components;
    const check = (c: unknown): CardComponent => {
      if (isComponent(c)) return c;
      return new ErrorBox(new TypeError(`card "${this.id}": append() was given ${c === null ? "null" : typeof c}, not a component from "weft/cards"`), { title: "Not a card component" });
    };
    const handle: CardHandle = {
      id: this.id,
      components,
      append: (c) => (components.push(check(c)), handle),
      extend: (cs) => (components.push(...[...cs].map(check)), handle),
      clear: () => (components.splice(0), handle),
      refresh: () => this.refresh(),
    };
    this.handle = handle;
  }

  private get intervalMs(): number {
    return this.declaration.refreshInterval * 1000;
  }

  /** Writes now if the last write is an interval old, else once the interval has passed. */
  refresh(): Promise<void> {
    if (this.finished) return Promise.resolve();
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    const wait = this.lastWrite + this.intervalMs - Date.now();
    if (wait <= 0) return this.writeLive(false);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, wait).unref();
    return Promise.resolve();
  }

  /** Renders the components as they are and writes the live card; a failure is said once, never thrown. */
  writeLive(final: boolean): Promise<void> {
    if (final) this.stop();
    const { backend, ref, attempt, warn } = this.session.settings;
    this.lastWrite = Date.now();
    const reloadSeconds = final ? undefined : this.declaration.refreshInterval;
    const work = (async () => {
      try {
        const { html } = await renderCard({ type: this.declaration.type, title: this.title, subtitle: this.subtitle(final ? "as the task failed" : "while running"), components: this.components, ...(reloadSeconds === undefined ? {} : { reloadSeconds }) });
        await backend.putBytes([{ key: layout.liveCard(ref, attempt, this.id), data: new TextEncoder().encode(html), overwrite: true }]);
      } catch (error) {
        if (!this.warnedLive) warn(`weft: card "${this.id}" of ${pathspecOf(ref)} could not be refreshed: ${(error as Error).message}`);
        this.warnedLive = true;
      }
    })();
    this.writing = work.finally(() => {
      this.writing = undefined;
      if (this.again && !this.finished) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.writing;
  }

  async finish(task: TaskSummary): Promise<CardRecord> {
    this.stop();
    await this.writing;
    const { content, ref, warn } = this.session.settings;
    const base = { type: this.declaration.type, title: this.title, subtitle: this.subtitle("finished"), components: this.components, task };
    let rendered: { html: string; errors: string[] };
    try {
      rendered = await renderCard(base);
    } catch (error) {
      // The card as a whole failed (e.g. the task's details could not be shown): it says so instead.
      const message = `${(error as Error).message}`;
      rendered = await renderCard({ ...base, type: "blank", components: [new ErrorBox(error, { title: `Card "${this.id}" could not be rendered` })] }).catch(() => ({ html: `<!doctype html><title>card failed</title><p>Card could not be rendered.</p>`, errors: [] }));
      rendered.errors.unshift(message);
    }
    for (const problem of rendered.errors) warn(`weft: card "${this.id}" of ${pathspecOf(ref)}: a component could not be rendered and shows an error instead: ${problem}`);
    const bytes = new TextEncoder().encode(rendered.html);
    const [sha] = await content.save([bytes]);
    return { id: this.id, type: this.declaration.type, sha: sha!, size: bytes.byteLength, ...(rendered.errors.length ? { errors: rendered.errors } : {}) };
  }

  private stop(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private get title(): string {
    return this.id === this.declaration.type ? `${this.session.settings.ref.step} (${this.id} card)` : this.id;
  }

  private subtitle(when: string): string {
    return `${pathspecOf(this.session.settings.ref)} · attempt ${this.session.settings.attempt} · ${when} at ${new Date().toISOString()}`;
  }
}
