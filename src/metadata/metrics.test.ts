import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downsample, seriesOf, type MetricPoint } from "./metrics.ts";

const points = (values: number[]): MetricPoint[] => values.map((value, step) => ({ step, value, time: step }));

describe("metrics", () => {
  it("downsample keeps the first and last points and every bucket's extremes, within the bound", () => {
    const values = Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 50));
    values[5000] = 42;
    const shown = downsample(points(values), 300);
    assert.ok(shown.length <= 300, String(shown.length));
    assert.equal(shown[0]!.step, 0);
    assert.equal(shown.at(-1)!.step, 9999);
    assert.ok(shown.some((p) => p.value === 42), "the spike survives");
    assert.deepEqual(shown.map((p) => p.step), [...shown.map((p) => p.step)].sort((a, b) => a - b));
  });

  it("downsample returns a short series as it is, and nothing for 0", () => {
    const few = points([1, 2, 3]);
    assert.equal(downsample(few, 10), few);
    assert.deepEqual(downsample(few, 0), []);
  });

  it("seriesOf sorts each metric by step and names its last point", () => {
    const [loss] = seriesOf({ loss: [{ step: 3, value: 0.1, time: 1 }, { step: 1, value: 0.5, time: 2 }] }, 2);
    assert.deepEqual(loss, { name: "loss", attempt: 2, count: 2, last: { step: 3, value: 0.1, time: 1 }, points: [{ step: 1, value: 0.5, time: 2 }, { step: 3, value: 0.1, time: 1 }] });
  });
});
