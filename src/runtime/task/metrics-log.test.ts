import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { MetricsLog } from "./metrics-log.ts";

describe("current.logMetric", () => {
  it("numbers the steps of a metric logged without one 0, 1, 2…, after the last given", () => {
    const log = new MetricsLog();
    log.log("loss", 3);
    log.log("loss", 2, { step: 10 });
    log.log("loss", 1);
    const stored = JSON.parse(Buffer.from(log.bytes()).toString("utf8")) as Record<string, { step: number; value: number }[]>;
    assert.deepEqual(stored.loss!.map((p) => [p.step, p.value]), [[0, 3], [10, 2], [11, 1]]);
  });

  it("refuses a bad name, a value that is not a number and a negative or fractional step, naming them", () => {
    const log = new MetricsLog();
    assert.match(weftError(() => log.log("my loss", 1), "USAGE").message, /Invalid metric name "my loss"/);
    assert.match(weftError(() => log.log("loss", "1" as unknown as number), "USAGE").message, /needs a number, not string/);
    assert.match(weftError(() => log.log("loss", 1, { step: 1.5 }), "USAGE").message, /step must be a whole number/);
  });

  it("leaves out NaN and Infinity instead of failing the step", () => {
    const log = new MetricsLog();
    log.log("loss", Number.NaN);
    log.log("loss", 0.5);
    assert.deepEqual(log.names(), ["loss"]);
    assert.equal((JSON.parse(Buffer.from(log.bytes()).toString("utf8")) as Record<string, unknown[]>).loss!.length, 1);
  });
});
