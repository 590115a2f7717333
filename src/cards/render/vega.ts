import { WeftError } from "../../errors/weft-error.ts";

/**
 * Draws a Vega-Lite spec as SVG, in this process, so the card needs no JavaScript to
 * show the chart. Vega and Vega-Lite are loaded on the first chart only. Data must be
 * inline: the loader refuses every URL, so writing a card fetches nothing.
 */
export async function renderVegaSvg(spec: Record<string, unknown>): Promise<string> {
  // Vega only warns when a load fails and draws an empty chart: a URL is refused here, with a reason.
  const url = findUrl(spec);
  if (url !== undefined) {
    throw new WeftError("USAGE", `A VegaChart names data by URL ("${url}"); a card loads nothing from the network or disk.`, { hint: "Put the rows in the spec: data: { values: rows }." });
  }
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  // Vega tags the data objects it is given (a symbol key per row): it works on a copy, so the step's own rows stay as they were.
  const compiled = vegaLite.compile(structuredClone(spec) as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const refuse = async (uri: string): Promise<never> => {
    throw new WeftError("USAGE", `A VegaChart asked to load "${uri}"; a card loads nothing from the network or disk.`, {
      hint: 'Put the rows in the spec: data: { values: rows }.',
    });
  };
  const loader = { ...vega.loader(), load: refuse, sanitize: refuse, http: refuse, file: refuse };
  const view = new vega.View(vega.parse(compiled), { renderer: "none", loader: loader as unknown as ReturnType<typeof vega.loader> });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The first `url` string anywhere in the spec (data, images, datasets), without recursion limits on wide specs. */
function findUrl(spec: unknown): string | undefined {
  const stack: unknown[] = [spec];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value !== "object" || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      if (key === "url" && typeof child === "string") return child;
      if (typeof child === "object" && child !== null && !(Array.isArray(child) && key === "values")) stack.push(child);
    }
  }
  return undefined;
}
