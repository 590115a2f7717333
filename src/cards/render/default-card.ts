import { escapeHtml } from "./escape.ts";
import { describeValue, previewHtml } from "./components.ts";

/** Artifacts larger than this (serialized) are listed without a preview: loading them would cost the task. */
const PREVIEW_MAX_BYTES = 256 * 1024;

/** What the default card shows about its task. */
export interface TaskSummary {
  step: string;
  params: Record<string, unknown>;
  artifacts: { name: string; type: string; size: number; value: () => unknown }[];
  /** The flow's steps in order, each with the steps it goes to. */
  graph: { steps: string[]; next: Record<string, string[]>; foreach: Record<string, string | undefined> };
}

/** The default card's own sections: parameters, artifacts with previews, and the task's place in the flow. */
export function renderTaskSections(task: TaskSummary): string {
  return [renderParams(task.params), renderArtifacts(task), renderDag(task)].join("\n");
}

function renderParams(params: Record<string, unknown>): string {
  const names = Object.keys(params);
  if (names.length === 0) return `<h2 class="section">Parameters</h2><p>None.</p>`;
  const rows = names.map((n) => `<tr><td>${escapeHtml(n)}</td><td>${previewHtml(params[n])}</td></tr>`);
  return `<h2 class="section">Parameters</h2><table class="weft-table params"><thead><tr><th>name</th><th>value</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function renderArtifacts({ artifacts, params }: TaskSummary): string {
  const own = artifacts.filter((a) => !(a.name in params)).sort((a, b) => a.name.localeCompare(b.name));
  if (own.length === 0) return `<h2 class="section">Artifacts</h2><p>None.</p>`;
  const rows = own.map((a) => {
    let preview: string;
    if (a.size > PREVIEW_MAX_BYTES) preview = `<em>${a.size} bytes: not previewed</em>`;
    else {
      try {
        const value = a.value();
        preview = `<span class="type">${escapeHtml(describeValue(value))}</span>${previewHtml(value)}`;
      } catch (error) {
        preview = `<em>could not be read: ${escapeHtml((error as Error).message)}</em>`;
      }
    }
    return `<tr><td>${escapeHtml(a.name)}</td><td>${escapeHtml(a.type)}</td><td class="num">${a.size}</td><td>${preview}</td></tr>`;
  });
  return `<h2 class="section">Artifacts</h2><table class="weft-table artifacts"><thead><tr><th>name</th><th>type</th><th>bytes</th><th>preview</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function renderDag({ step, graph }: TaskSummary): string {
  const node = (name: string) => `<span class="node${name === step ? " here" : ""}">${escapeHtml(name)}</span>`;
  const rows = graph.steps.map((name) => {
    const next = graph.next[name] ?? [];
    const via = graph.foreach[name] ? ` <span class="arrow">foreach ${escapeHtml(graph.foreach[name]!)}</span>` : "";
    return `<div class="dag">${node(name)}${next.length ? ` <span class="arrow">→</span> ${next.map(node).join(" ")}${via}` : ""}</div>`;
  });
  return `<h2 class="section">Place in the flow</h2>${rows.join("\n")}`;
}
