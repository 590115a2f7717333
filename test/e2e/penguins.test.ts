import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot, runWeft, tempProject } from "../helpers/weft-cli.ts";

test("the penguins example trains on vega-datasets' data, logging loss and accuracy per epoch, with a training card", async () => {
  const cwd = tempProject();
  const result = await runWeft(["run", join(repoRoot, "examples/penguins/train.ts"), "--epochs", "120"], { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /342 penguins \(Adelie, Chinstrap, Gentoo\): 257 to train, 85 to test/);
  assert.match(result.stdout, /Held-out accuracy after 120 epochs: (9\d|100)\.\d%/);
  const metrics = await runWeft(["metrics", "PenguinsFlow/1", "--json"], { cwd });
  const series = JSON.parse(metrics.stdout) as { name: string; count: number; points: { step: number; value: number }[] }[];
  const loss = series.find((s) => s.name === "loss")!;
  assert.equal(loss.count, 120);
  assert.ok(loss.points.at(-1)!.value < loss.points[0]!.value / 2, "the loss falls as it trains");
  const card = await runWeft(["card", "get", "PenguinsFlow/1/fit/0"], { cwd });
  assert.match(card.stdout, /epochs: 120 \/ 120 \(100%\)/);
  assert.equal(card.stdout.match(/<g class="mark-line role-mark marks"[^>]*><path /g)?.length, 2, "two lines: loss and accuracy");
});
