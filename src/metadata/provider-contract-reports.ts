import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import type { TaskRef } from "../datastore/layout.ts";
import type { MetricsFile } from "./metrics.ts";
import type { CardInfo, MetadataProvider } from "./types.ts";

const init = { flow: "TrainFlow", user: "ada", tags: [], systemTags: ["user:ada"] };
const ref = (task: string, step = "train"): TaskRef => ({ flow: "TrainFlow", run: "1", step, task });
const card = (id: string, c: string): CardInfo => ({ id, type: "default", sha: c.repeat(64), size: 100, location: `TrainFlow/data/${c}${c}/${c.repeat(64)}` });
const series = (n: number, at = 1000): MetricsFile["x"] => Array.from({ length: n }, (_, i) => ({ step: i, value: 1 / (i + 1), time: at + i }));

/** Contract cases for cards and metrics (part of metadataProviderContract). */
export function reportCases(provider: () => MetadataProvider): void {
  describe("cards and metrics", () => {
    let meta: MetadataProvider;
    beforeEach(async () => {
      meta = provider();
      await meta.createRun(init);
      await meta.registerTask({ ...ref("0"), createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });
    });

    it("recordCards indexes an attempt's cards; recording the attempt again replaces them", async () => {
      await meta.recordCards(ref("0"), 0, [card("report", "a"), { ...card("raw", "b"), type: "blank", errors: ["vega: bad spec"] }]);
      await meta.recordCards(ref("0"), 1, [card("report", "c")]);
      await meta.recordCards(ref("0"), 1, [card("report", "d")]);
      assert.deepEqual(await meta.listCards(ref("0")), [
        { attempt: 0, ...card("raw", "b"), type: "blank", errors: ["vega: bad spec"] },
        { attempt: 0, ...card("report", "a") },
        { attempt: 1, ...card("report", "d") },
      ]);
    });

    it("listCards of a task without cards is empty", async () => {
      assert.deepEqual(await meta.listCards(ref("0")), []);
    });

    it("recordMetrics keeps every point, and listMetrics returns each series in step order with its last point", async () => {
      const loss = [{ step: 2, value: 0.2, time: 3 }, { step: 0, value: 0.9, time: 1 }, { step: 1, value: 0.5, time: 2 }];
      await meta.recordMetrics(ref("0"), 0, { loss, "val/acc": [{ step: 0, value: 0.75, time: 4 }] });
      assert.deepEqual(await meta.listMetrics(ref("0")), [
        { name: "loss", attempt: 0, count: 3, last: loss[0], points: [loss[1], loss[2], loss[0]] },
        { name: "val/acc", attempt: 0, count: 1, last: { step: 0, value: 0.75, time: 4 }, points: [{ step: 0, value: 0.75, time: 4 }] },
      ]);
    });

    it("listMetrics with maxPoints downsamples for display and keeps the count and last point exact", async () => {
      await meta.recordMetrics(ref("0"), 0, { loss: series(5000) });
      const [full] = await meta.listMetrics(ref("0"));
      assert.equal(full?.points.length, 5000);
      const [shown] = await meta.listMetrics(ref("0"), { maxPoints: 100 });
      assert.ok(shown!.points.length <= 100 && shown!.points.length > 50, String(shown!.points.length));
      assert.deepEqual([shown!.points[0], shown!.points.at(-1)], [full!.points[0], full!.points.at(-1)]);
      assert.equal(shown!.count, 5000);
      const [summary] = await meta.listMetrics(ref("0"), { maxPoints: 0 });
      assert.deepEqual(summary, { ...full!, points: [] });
    });

    it("recording an attempt's metrics again replaces them", async () => {
      await meta.recordMetrics(ref("0"), 0, { loss: series(3), acc: series(2) });
      await meta.recordMetrics(ref("0"), 0, { loss: series(1) });
      assert.deepEqual((await meta.listMetrics(ref("0"))).map((s) => [s.name, s.count]), [["loss", 1]]);
    });

    it("listRunMetrics gives every task's series with its step and task, tasks in natural id order", async () => {
      await meta.registerTask({ ...ref("10"), createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });
      await meta.registerTask({ ...ref("2"), createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });
      await meta.recordMetrics(ref("10"), 0, { loss: series(2) });
      await meta.recordMetrics(ref("2"), 1, { loss: series(4) });
      const all = await meta.listRunMetrics("TrainFlow", "1", { maxPoints: 0 });
      assert.deepEqual(all.map((s) => [s.stepName, s.task, s.attempt, s.name, s.count, s.last.step]), [
        ["train", "2", 1, "loss", 4, 3],
        ["train", "10", 0, "loss", 2, 1],
      ]);
    });
  });
}
