import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { PendingWrites } from "./pending-writes.ts";

describe("PendingWrites", () => {
  it("settle waits for every write", async () => {
    const landed: number[] = [];
    const writes = new PendingWrites();
    writes.add(sleep(30).then(() => landed.push(1)));
    writes.add(sleep(10).then(() => landed.push(2)));
    await writes.settle();
    assert.deepEqual(landed.sort(), [1, 2]);
  });

  it("a failed write rejects settle, not the process, even when it fails before settle is called", async () => {
    const writes = new PendingWrites();
    writes.add(Promise.reject(new Error("service down")));
    await sleep(20);
    await assert.rejects(writes.settle(), /service down/);
  });
});
