import assert from "node:assert/strict";
import { test } from "node:test";
import { Slots } from "./slots.ts";

/** A task that runs until `finish()`; `started` resolves when it begins. */
function pending() {
  let finish!: () => void;
  let begin!: () => void;
  const started = new Promise<void>((resolve) => (begin = resolve));
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { started, finish, task: async () => (begin(), await done) };
}

test("Slots runs at most its limit at once, then the waiting tasks in the order they came", async () => {
  const slots = new Slots(2);
  const tasks = [pending(), pending(), pending(), pending()];
  const order: number[] = [];
  const runs = tasks.map((t, i) => slots.run(async () => (order.push(i), await t.task())));
  await Promise.all([tasks[0]!.started, tasks[1]!.started]);
  assert.deepEqual(order, [0, 1]);
  tasks[1]!.finish();
  await tasks[2]!.started;
  assert.deepEqual(order, [0, 1, 2]);
  tasks[0]!.finish();
  tasks[2]!.finish();
  await tasks[3]!.started;
  tasks[3]!.finish();
  await Promise.all(runs);
  assert.deepEqual(order, [0, 1, 2, 3]);
});

test("Slots frees a slot when a task fails, and passes the failure on", async () => {
  const slots = new Slots(1);
  await assert.rejects(slots.run(async () => Promise.reject(new Error("lost"))), /lost/);
  assert.equal(await slots.run(async () => "next"), "next");
});
