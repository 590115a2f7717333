import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Batcher } from "./batcher.ts";

const fulfilled = <T>(value: T): PromiseFulfilledResult<T> => ({ status: "fulfilled", value });

describe("Batcher", () => {
  it("flushes the calls of one event-loop turn together and answers each its own result", async () => {
    const flushes: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => (flushes.push(items), items.map((i) => fulfilled(i * 10))));
    const results = await Promise.all([1, 2, 3].map((i) => batcher.add(i)));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(flushes, [[1, 2, 3]]);
    assert.equal(await batcher.add(4), 40);
    assert.deepEqual(flushes, [[1, 2, 3], [4]]);
  });

  it("flushes at once when a batch reaches its size limit", async () => {
    const flushes: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => (flushes.push(items), items.map(fulfilled)), 2);
    await Promise.all([1, 2, 3].map((i) => batcher.add(i)));
    assert.deepEqual(flushes, [[1, 2], [3]]);
  });

  it("a failed item rejects only its own call", async () => {
    const batcher = new Batcher<number, number>(async (items) => items.map((i) => (i === 2 ? { status: "rejected", reason: new Error("bad item") } : fulfilled(i))));
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batcher.add(i)));
    assert.deepEqual(settled.map((s) => s.status), ["fulfilled", "rejected", "fulfilled"]);
  });

  it("rejects every call of a batch whose flush fails", async () => {
    const batcher = new Batcher<number, number>(async () => {
      throw new Error("database gone");
    });
    const settled = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    assert.deepEqual(settled.map((s) => s.status), ["rejected", "rejected"]);
  });
});
