import { inspect } from "node:util";
import { ErrorBox, isComponent, type ArtifactView, type CardComponent, type Cell, type Image, type ProgressBar, type Table } from "../components.ts";
import { escapeHtml } from "./escape.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderVegaSvg } from "./vega.ts";

/** The most characters of a value's preview (ArtifactView and the default card). */
const PREVIEW_CHARS = 20_000;

/**
 * One component as HTML. A component that cannot be rendered becomes an error box
 * saying why, and `onError` hears of it: one bad component never costs the card.
 */
export async function renderComponent(component: CardComponent, onError: (error: unknown, component: CardComponent) => void): Promise<string> {
  try {
    return await renderOne(component, onError);
  } catch (error) {
    onError(error, component);
    return renderError(new ErrorBox(error, { title: `This ${component.kind} component could not be rendered` }));
  }
}

async function renderOne(c: CardComponent, onError: (error: unknown, component: CardComponent) => void): Promise<string> {
  switch (c.kind) {
    case "markdown":
      return renderMarkdown(String(c.text));
    case "table":
      return renderTable(c, onError);
    case "image":
      return renderImage(c);
    case "vega":
      return `<figure class="vega">${await renderVegaSvg(c.spec)}</figure>`;
    case "progress":
      return renderProgress(c);
    case "artifact":
      return renderArtifact(c);
    case "error":
      return renderError(c);
  }
}

/** Rows shown at once; a longer table's other rows arrive in chunks after the first paint (page.ts, DEFERRED_ROWS_SCRIPT). */
const FIRST_ROWS = 500;
const ROWS_PER_CHUNK = 1000;
let tables = 0;

async function renderTable(table: Table, onError: (error: unknown, component: CardComponent) => void): Promise<string> {
  const head = table.headers.length ? `<thead><tr>${table.headers.map((h) => `<th>${escapeHtml(String(h))}</th>`).join("")}</tr></thead>` : "";
  const rows: string[] = new Array(table.rows.length);
  for (let r = 0; r < table.rows.length; r++) {
    const cells = table.rows[r]!;
    let html = "<tr>";
    for (const cell of cells) html += isComponent(cell) ? `<td>${await renderComponent(cell, onError)}</td>` : plainCell(cell);
    rows[r] = `${html}</tr>`;
  }
  if (rows.length <= FIRST_ROWS * 2) return `<div class="table-wrap"><table class="weft-table">${head}<tbody>${rows.join("\n")}</tbody></table></div>`;
  // Laying out 10,000 rows takes Chromium over a second: the first rows are shown at once,
  // the rest are parsed into inert templates (no style, no layout) and attached a chunk per frame.
  const id = `weft-table-${++tables}`;
  const chunks: string[] = [];
  for (let r = FIRST_ROWS; r < rows.length; r += ROWS_PER_CHUNK) chunks.push(`<template data-rows="${id}">${rows.slice(r, r + ROWS_PER_CHUNK).join("\n")}</template>`);
  return `<div class="table-wrap"><table class="weft-table" id="${id}">${head}<tbody>${rows.slice(0, FIRST_ROWS).join("\n")}</tbody></table>${chunks.join("")}</div>`;
}

function plainCell(cell: Exclude<Cell, CardComponent>): string {
  if (typeof cell === "number" || typeof cell === "bigint") return `<td class="num">${String(cell)}</td>`;
  if (cell === null || cell === undefined) return "<td></td>";
  if (cell instanceof Date) return `<td>${Number.isNaN(cell.getTime()) ? "Invalid Date" : cell.toISOString()}</td>`;
  return `<td>${escapeHtml(String(cell))}</td>`;
}

/** The image's type from its first bytes: PNG and JPEG by signature, SVG by its opening tag. */
export function imageTypeOf(bytes: Uint8Array): "png" | "jpeg" | "svg" | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  const start = Buffer.from(bytes.subarray(0, 512)).toString("utf8").trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/i.test(start)) return "svg";
  return undefined;
}

const MIME = { png: "image/png", jpeg: "image/jpeg", svg: "image/svg+xml" } as const;

function renderImage(image: Image): string {
  if (!(image.bytes instanceof Uint8Array)) throw new TypeError(`Image needs the image's bytes as a Uint8Array or Buffer, not ${typeof image.bytes}.`);
  const type = image.options.type ?? imageTypeOf(image.bytes);
  if (!type || !(type in MIME)) throw new TypeError(`Image bytes are not PNG, JPEG or SVG (they start with ${Buffer.from(image.bytes.subarray(0, 8)).toString("hex")}).`);
  const label = image.options.label ?? "";
  // An SVG shown through <img> runs no script and loads nothing: it is safe to embed as it is.
  const src = `data:${MIME[type]};base64,${Buffer.from(image.bytes).toString("base64")}`;
  return `<figure class="image"><img src="${src}" alt="${escapeHtml(label)}">${label ? `<figcaption>${escapeHtml(label)}</figcaption>` : ""}</figure>`;
}

function renderProgress(bar: ProgressBar): string {
  const max = bar.max > 0 ? bar.max : 1;
  const share = Math.min(1, Math.max(0, bar.value / max));
  const label = `${bar.label ? `${bar.label}: ` : ""}${bar.value} / ${bar.max} (${(share * 100).toFixed(0)}%)`;
  return `<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="${bar.max}" aria-valuenow="${bar.value}"><div class="label">${escapeHtml(label)}</div><div class="bar"><div class="fill" style="width:${(share * 100).toFixed(2)}%"></div></div></div>`;
}

function renderArtifact(view: ArtifactView): string {
  const title = view.options.name ? `<strong>${escapeHtml(view.options.name)}</strong> ` : "";
  return `<div class="artifact">${title}<span class="type">${escapeHtml(describeValue(view.value))}</span>${previewHtml(view.value)}</div>`;
}

/** A bounded, escaped rendering of any value. */
export function previewHtml(value: unknown): string {
  let text = inspect(value, { depth: 3, maxArrayLength: 50, maxStringLength: 2_000, breakLength: 100, compact: 3, sorted: false });
  if (text.length > PREVIEW_CHARS) text = `${text.slice(0, PREVIEW_CHARS)}\n… (${text.length - PREVIEW_CHARS} more characters)`;
  return `<pre class="value">${escapeHtml(text)}</pre>`;
}

/** "Array(150)", "Map(3)", "Float64Array(1000)", "number"… */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (value instanceof Map || value instanceof Set) return `${value.constructor.name}(${value.size})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${"length" in value ? (value as { length: number }).length : value.byteLength})`;
  if (typeof value === "object") return value.constructor?.name ?? "Object";
  return typeof value;
}

export function renderError(box: ErrorBox): string {
  const detail = box.detail && box.detail !== box.message ? `<pre>${escapeHtml(box.detail)}</pre>` : "";
  return `<div class="error-box" role="alert"><strong>${escapeHtml(box.title)}</strong><div>${escapeHtml(box.message)}</div>${detail}</div>`;
}
