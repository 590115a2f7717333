import type { CardComponent } from "../components.ts";
import { renderComponent } from "./components.ts";
import { renderTaskSections, type TaskSummary } from "./default-card.ts";
import { page } from "./page.ts";

export type { TaskSummary } from "./default-card.ts";

export interface CardDocument {
  /** `default` adds the task's parameters, artifacts and place in the flow after the components; `blank` shows the components only. */
  type: "default" | "blank";
  title: string;
  subtitle: string;
  components: readonly CardComponent[];
  /** For a default card. */
  task?: TaskSummary;
  /** Set while the task runs: a viewer reloads the card this often. */
  reloadSeconds?: number;
}

export interface RenderedCard {
  html: string;
  /** What went wrong in components that were rendered as error boxes instead. */
  errors: string[];
}

/** Renders a card to one self-contained HTML document. Never throws for a bad component: it shows an error box. */
export async function renderCard(card: CardDocument): Promise<RenderedCard> {
  const errors: string[] = [];
  const onError = (error: unknown, component: CardComponent) => errors.push(`${component.kind}: ${error instanceof Error ? error.message : String(error)}`);
  const parts: string[] = [];
  for (const component of card.components) parts.push(`<section class="component">${await renderComponent(component, onError)}</section>`);
  if (card.type === "default" && card.task) parts.push(renderTaskSections(card.task));
  return { html: page({ title: card.title, subtitle: card.subtitle, body: parts.join("\n"), ...(card.reloadSeconds === undefined ? {} : { reloadSeconds: card.reloadSeconds }) }), errors };
}
