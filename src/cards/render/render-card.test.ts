import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { ArtifactView, ErrorBox, Image, Markdown, ProgressBar, Table, VegaChart } from "../components.ts";
import { imageTypeOf } from "./components.ts";
import { renderCard } from "./render-card.ts";

const render = (components: ConstructorParameters<typeof Object>[0][]) => renderCard({ type: "blank", title: "t", subtitle: "s", components: components as never });
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

describe("card rendering", () => {
  it("user strings are escaped everywhere: Markdown's raw HTML, table cells and headers, labels, previews", async () => {
    const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
    const { html } = await render([
      new Markdown(`# Title ${evil}\n\n[link](javascript:alert(3)) ![remote](https://example.com/x.png)`),
      new Table([{ [evil]: evil }]),
      new ProgressBar({ label: evil }),
      new ArtifactView({ v: evil }, { name: evil }),
      new Image(PNG, { label: evil }),
    ]);
    assert.doesNotMatch(html, /<script|<img src=x|javascript:|https:\/\/example\.com/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it("the page allows no script and no remote load: a strict CSP, images only as data: URLs", async () => {
    const { html } = await render([new Image(PNG)]);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;/);
    assert.match(html, /<img src="data:image\/png;base64,/);
    assert.doesNotMatch(html, /\b(src|href)="(?!data:)/);
  });

  it("a Vega-Lite chart is drawn as SVG when the card is written, one mark per row, leaving the rows untouched", async () => {
    const rows = [{ k: "a", v: 1 }, { k: "b", v: 2 }, { k: "c", v: 3 }];
    const { html, errors } = await render([new VegaChart({ data: { values: rows }, mark: "bar", encoding: { x: { field: "k", type: "nominal" }, y: { field: "v", type: "quantitative" } } })]);
    assert.deepEqual(errors, []);
    const marks = /<g class="mark-rect role-mark marks"[^>]*>(.*?)<\/g>/s.exec(html)?.[1] ?? "";
    assert.equal(marks.match(/<path /g)?.length, 3);
    assert.deepEqual(rows, [{ k: "a", v: 1 }, { k: "b", v: 2 }, { k: "c", v: 3 }]);
    assert.deepEqual(Object.getOwnPropertySymbols(rows[0]), []);
  });

  it("a chart whose data is a URL is refused before anything is fetched, as an error box", async () => {
    const { html, errors } = await render([new VegaChart({ data: { url: "https://example.com/data.json" }, mark: "point" })]);
    assert.match(errors[0] ?? "", /"https:\/\/example\.com\/data\.json"\); a card loads nothing from the network/);
    assert.match(html, /class="error-box"/);
  });

  it("a component that fails becomes an error box; the rest of the card is rendered", async () => {
    const { html, errors } = await render([new Image(Uint8Array.from([1, 2, 3])), new Markdown("still here")]);
    assert.match(errors[0] ?? "", /not PNG, JPEG or SVG/);
    assert.match(html, /class="error-box"/);
    assert.match(html, /<p>still here<\/p>/);
  });

  it("a long table shows its first rows at once and defers the rest to the one script a card may run, allowed by its hash", async () => {
    const short = await render([new Table(Array.from({ length: 1000 }, (_, i) => [i]))]);
    assert.doesNotMatch(short.html, /<script|script-src/);
    const { html } = await render([new Table(Array.from({ length: 10_000 }, (_, i) => [i]))]);
    assert.equal(html.match(/<template data-rows=/g)?.length, 10);
    assert.equal(html.match(/<tr>/g)?.length, 10_000);
    const hash = /script-src 'sha256-([^']+)'/.exec(html)?.[1];
    const script = /<script>(.*)<\/script>/.exec(html)?.[1] ?? "";
    assert.equal(hash, createHash("sha256").update(script).digest("base64"));
  });

  it("table cells may hold other components", async () => {
    const { html } = await render([new Table([["bar", new ProgressBar({ value: 30 })], ["box", new ErrorBox(new Error("nested"))]])]);
    assert.match(html, /<td><div class="progress"/);
    assert.match(html, /<td><div class="error-box"/);
  });

  it("a default card adds the task's parameters, artifacts and place in the flow", async () => {
    const { html } = await renderCard({
      type: "default",
      title: "t",
      subtitle: "s",
      components: [],
      task: { step: "train", params: { rate: 0.1 }, artifacts: [{ name: "score", type: "number", size: 9, value: () => 0.93 }], graph: { steps: ["start", "train", "end"], next: { start: ["train"], train: ["end"], end: [] }, foreach: {} } },
    });
    assert.match(html, /Parameters.*rate.*0\.1/s);
    assert.match(html, /Artifacts.*score.*0\.93/s);
    assert.match(html, /<span class="node here">train<\/span>/);
  });

  it("image types are told by their bytes", () => {
    assert.equal(imageTypeOf(PNG), "png");
    assert.equal(imageTypeOf(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), "jpeg");
    assert.equal(imageTypeOf(new TextEncoder().encode(`<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>`)), "svg");
    assert.equal(imageTypeOf(new TextEncoder().encode("hello")), undefined);
  });
});
