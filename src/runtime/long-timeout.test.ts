import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TIMER_MS, setLongTimeout, timerDelay } from "./long-timeout.ts";

describe("long timeouts", () => {
  it("clamps delays to what Node's timers hold, so none overflows to 1 ms", () => {
    assert.equal(timerDelay(30 * 86_400_000), MAX_TIMER_MS);
    assert.equal(timerDelay(Infinity), MAX_TIMER_MS);
    assert.equal(timerDelay(Number.NaN), 0);
    assert.equal(timerDelay(-5), 0);
    assert.equal(timerDelay(1500), 1500);
  });

  it("does not fire a 30-day timeout early, and fires a short one", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    let fired = 0;
    const cancel = setLongTimeout(() => fired++, 30 * 86_400_000);
    t.mock.timers.tick(MAX_TIMER_MS);
    assert.equal(fired, 0, "fired after one timer's range instead of 30 days");
    t.mock.timers.tick(30 * 86_400_000 - MAX_TIMER_MS);
    assert.equal(fired, 1);
    cancel();
    setLongTimeout(() => fired++, 5);
    t.mock.timers.tick(5);
    assert.equal(fired, 2);
  });

  it("never fires an infinite timeout, and a cancelled one does not fire", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    let fired = 0;
    setLongTimeout(() => fired++, Infinity);
    const cancel = setLongTimeout(() => fired++, 10);
    cancel();
    t.mock.timers.tick(MAX_TIMER_MS * 3);
    assert.equal(fired, 0);
  });
});
