import { WeftError } from "../../errors/weft-error.ts";

/**
 * Draws a Vega-Lite spec as SVG, in this process, so the card needs no JavaScript to
 * show the chart. Vega and Vega-Lite are loaded on the first chart only. Data must be
 * inline: the loader refuses every URL, so writing a card fetches nothing.
 */
export async function renderVegaSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
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
