import { createHash } from "node:crypto";
import { escapeHtml } from "./escape.ts";

/**
 * The policy every card carries: nothing may be fetched (images only from data: URLs,
 * no fonts, frames, forms or connections) and no script runs but Weft's own, by hash,
 * so a card works offline and a value that slipped past escaping still cannot load or
 * run anything. Inline styles are allowed: Vega's SVG and the components use them.
 */
export const CARD_CSP_BASE = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/**
 * The one script a card may hold, allowed by its hash and only in a card with a long
 * table: it attaches the table's deferred rows (inert <template>s) a chunk per frame, so
 * the first rows are on screen at once. Charts and everything else need no script.
 */
export const DEFERRED_ROWS_SCRIPT =
  '(()=>{const t=[...document.querySelectorAll("template[data-rows]")];const f=()=>{const n=t.shift();if(!n)return;document.getElementById(n.dataset.rows).tBodies[0].append(n.content);n.remove();requestAnimationFrame(f)};requestAnimationFrame(f)})();';
const SCRIPT_HASH = `'sha256-${createHash("sha256").update(DEFERRED_ROWS_SCRIPT).digest("base64")}'`;

/** The policy of a page, with the deferred-rows script allowed when the page has one. */
export function cardCsp(withScript: boolean): string {
  return withScript ? `${CARD_CSP_BASE}; script-src ${SCRIPT_HASH}` : CARD_CSP_BASE;
}

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header.card-head { padding: 16px 24px; border-bottom: 1px solid var(--line); background: var(--soft); }
header.card-head h1 { margin: 0; font-size: 18px; }
header.card-head .meta { color: var(--muted); font-size: 12px; }
header.card-head .live { color: var(--accent); font-weight: 600; }
main { padding: 8px 24px 32px; max-width: 1200px; }
section.component { margin: 16px 0; }
h2.section { font-size: 15px; margin: 24px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
table.weft-table { border-collapse: collapse; font-size: 13px; }
table.weft-table th, table.weft-table td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
table.weft-table th { background: var(--soft); position: sticky; top: 0; }
table.weft-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { max-height: 640px; overflow: auto; display: inline-block; max-width: 100%; }
figure { margin: 0; display: inline-block; }
figure img { max-width: 100%; }
figcaption { color: var(--muted); font-size: 12px; }
.progress { width: 420px; max-width: 100%; }
.progress .bar { height: 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 5px; overflow: hidden; }
.progress .fill { height: 100%; background: var(--accent); }
.progress .label { font-size: 12px; color: var(--muted); }
pre.value { background: var(--soft); border: 1px solid var(--line); padding: 8px; overflow: auto; max-height: 360px; font-size: 12px; }
.artifact .type { color: var(--muted); font-size: 12px; }
.error-box { border: 1px solid var(--bad); border-left-width: 4px; background: #ffebe9; padding: 8px 12px; }
.error-box strong { color: var(--bad); }
.error-box pre { white-space: pre-wrap; font-size: 12px; margin: 4px 0 0; }
.dag { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.dag .node { border: 1px solid var(--line); border-radius: 4px; padding: 2px 8px; background: #fff; }
.dag .node.here { border-color: var(--accent); background: var(--accent); color: #fff; font-weight: 600; }
.dag .arrow { color: var(--muted); }
.markdown table { border-collapse: collapse; } .markdown td, .markdown th { border: 1px solid var(--line); padding: 2px 6px; }
.markdown code { background: var(--soft); padding: 0 3px; border-radius: 3px; }
`;

export interface PageOptions {
  title: string;
  /** Under the title: the task's pathspec and when the card was written. */
  subtitle: string;
  body: string;
  /** While the task runs: the seconds after which a viewer reloads the card. */
  reloadSeconds?: number;
}

/** One self-contained HTML document: styles inline, images as data: URLs, no scripts. */
export function page({ title, subtitle, body, reloadSeconds }: PageOptions): string {
  const reload = reloadSeconds === undefined ? "" : `\n<meta http-equiv="refresh" content="${Math.max(1, Math.round(reloadSeconds))}">`;
  const live = reloadSeconds === undefined ? "" : ` · <span class="live">running: this card refreshes</span>`;
  const deferred = body.includes("<template data-rows=");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${cardCsp(deferred)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">${reload}
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="card-head"><h1>${escapeHtml(title)}</h1><div class="meta">${escapeHtml(subtitle)}${live}</div></header>
<main>
${body}
</main>${deferred ? `\n<script>${DEFERRED_ROWS_SCRIPT}</script>` : ""}
</body>
</html>
`;
}
