// The components a step puts on a card. They hold data only: rendering lives in
// ./render/, loaded by the task when it writes a card, so a flow that imports
// `weft/cards` loads these few classes and nothing heavy.

/** What a table cell may hold: a plain value, or another component (a chart, an image…). */
export type Cell = string | number | boolean | bigint | null | undefined | Date | CardComponent;

/** Every component; `kind` tells the renderer which one it is. */
export type CardComponent = Markdown | Table | Image | VegaChart | ProgressBar | ArtifactView | ErrorBox;

/** Text in Markdown. Raw HTML in it is shown as text, never interpreted. */
export class Markdown {
  readonly kind = "markdown";
  constructor(public text: string) {}

  /** Replaces the text; seen on the card at its next refresh. */
  update(text: string): this {
    this.text = text;
    return this;
  }
}

export interface TableOptions {
  /** Column titles. Taken from the keys of the first row when rows are objects. */
  headers?: string[];
}

/**
 * A table. Rows are arrays of cells, or objects whose keys are the columns. A cell may
 * be another component, e.g. a small chart per row.
 */
export class Table {
  readonly kind = "table";
  headers: string[];
  rows: Cell[][];

  constructor(rows: readonly (readonly Cell[] | Readonly<Record<string, Cell>>)[] = [], options: TableOptions = {}) {
    this.headers = options.headers ?? [];
    this.rows = [];
    this.update(rows, options);
  }

  /** Replaces every row (and the headers, when given). */
  update(rows: readonly (readonly Cell[] | Readonly<Record<string, Cell>>)[], options: TableOptions = {}): this {
    const first = rows[0];
    if (options.headers) this.headers = options.headers;
    else if (first && !Array.isArray(first)) this.headers = Object.keys(first);
    this.rows = rows.map((row) => this.cellsOf(row));
    return this;
  }

  /** Adds one row at the end. */
  addRow(row: readonly Cell[] | Readonly<Record<string, Cell>>): this {
    this.rows.push(this.cellsOf(row));
    return this;
  }

  private cellsOf(row: readonly Cell[] | Readonly<Record<string, Cell>>): Cell[] {
    return Array.isArray(row) ? [...(row as Cell[])] : this.headers.map((h) => (row as Record<string, Cell>)[h]);
  }
}

export type ImageType = "png" | "jpeg" | "svg";

export interface ImageOptions {
  /** Shown under the image and as its alternative text. */
  label?: string;
  /** Taken from the bytes when not given. */
  type?: ImageType;
}

/** A PNG, JPEG or SVG image from its bytes, embedded in the card (nothing is linked). */
export class Image {
  readonly kind = "image";
  constructor(
    public bytes: Uint8Array,
    public options: ImageOptions = {},
  ) {}

  update(bytes: Uint8Array, options: ImageOptions = this.options): this {
    this.bytes = bytes;
    this.options = options;
    return this;
  }
}

/**
 * A Vega-Lite chart, drawn as SVG when the card is written: the card needs no
 * JavaScript to show it. Its data must be inline (`data: { values: [...] }`): a card
 * loads nothing from the network, at build time or when viewed.
 */
export class VegaChart {
  readonly kind = "vega";
  constructor(public spec: Record<string, unknown>) {}

  update(spec: Record<string, unknown>): this {
    this.spec = spec;
    return this;
  }
}

export interface ProgressBarOptions {
  /** The value that means done (default 100). */
  max?: number;
  value?: number;
  label?: string;
}

/** Progress toward `max`; update it and refresh the card to show a watcher how far the step is. */
export class ProgressBar {
  readonly kind = "progress";
  max: number;
  value: number;
  label: string | undefined;

  constructor(options: ProgressBarOptions = {}) {
    this.max = options.max ?? 100;
    this.value = options.value ?? 0;
    this.label = options.label;
  }

  update(value: number, label: string | undefined = this.label): this {
    this.value = value;
    this.label = label;
    return this;
  }
}

export interface ArtifactViewOptions {
  /** A title, e.g. the artifact's name. */
  name?: string;
}

/** A preview of a value (an artifact or any other): its type and a bounded rendering of its contents. */
export class ArtifactView {
  readonly kind = "artifact";
  constructor(
    public value: unknown,
    public options: ArtifactViewOptions = {},
  ) {}

  update(value: unknown): this {
    this.value = value;
    return this;
  }
}

export interface ErrorBoxOptions {
  title?: string;
}

/** An error shown as such. A component that fails to render is replaced by one. */
export class ErrorBox {
  readonly kind = "error";
  readonly message: string;
  readonly detail: string | undefined;
  readonly title: string;

  constructor(error: unknown, options: ErrorBoxOptions = {}) {
    this.title = options.title ?? "Error";
    this.message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.detail = error instanceof Error ? error.stack : undefined;
  }
}

const KINDS = new Set(["markdown", "table", "image", "vega", "progress", "artifact", "error"]);

/** Whether a value is one of the components above; judged by shape, so a component made by another copy of Weft counts too. */
export function isComponent(value: unknown): value is CardComponent {
  return typeof value === "object" && value !== null && KINDS.has((value as { kind?: unknown }).kind as string);
}
