import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryBackend } from "../../../test/helpers/memory-backend.ts";
import { layout, type TaskRef } from "../../datastore/layout.ts";
import { LogCapture, taskLogSink, type LogSink } from "./log-capture.ts";

const ref: TaskRef = { flow: "LogFlow", run: "3", step: "train", task: "5" };
const stdoutKey = layout.attemptFile(ref, 0, "stdout");
const stderrKey = layout.attemptFile(ref, 0, "stderr");
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("utf8") : bytes);

// The capture is not installed here: its hooks would take over the test runner's own
// output. `record` is what the hooks call; openTaskLogs is covered in child-output.test.ts.
describe("LogCapture", () => {
  it("N flushes of a growing log send each byte once, and the saved log is everything written", async () => {
    const backend = new MemoryBackend();
    const capture = new LogCapture(taskLogSink(backend, ref, 0));
    let out = "";
    let err = "";
    for (let i = 0; i < 50; i++) {
      const line = `line ${i} ${"x".repeat(i * 10)}\n`;
      capture.record("stdout", line);
      out += line;
      if (i % 7 === 0) {
        capture.record("stderr", Buffer.from(`warning ${i}\n`));
        err += `warning ${i}\n`;
      }
      await capture.flush();
    }
    await capture.close();
    assert.equal(backend.bytesIn.get(stdoutKey), Buffer.byteLength(out), "stdout bytes sent");
    assert.equal(backend.bytesIn.get(stderrKey), Buffer.byteLength(err), "stderr bytes sent");
    assert.equal(text(backend.getBytesSync(stdoutKey)), out);
    assert.equal(text(backend.getBytesSync(stderrKey)), err);
    assert.equal(backend.calls.putBytes, 0, "nothing rewritten");
    assert.equal(backend.calls.appendBytes, 50, "one batch per flush, both streams together");
  });

  it("saves nothing when nothing new was written", async () => {
    const backend = new MemoryBackend();
    const capture = new LogCapture(taskLogSink(backend, ref, 0));
    capture.record("stdout", "once\n");
    await capture.flush();
    await capture.flush();
    capture.record("stdout", "");
    await capture.close();
    assert.equal(backend.calls.appendBytes, 1);
  });

  it("saves a failed flush's bytes in the next one without doubling what had landed", async () => {
    const backend = new MemoryBackend();
    const real = taskLogSink(backend, ref, 0);
    let failNext = true;
    // The first save lands half its bytes, then fails: a connection lost mid-append.
    const flaky: LogSink = {
      appends: true,
      save: async (items) => {
        if (!failNext) return real.save(items);
        failNext = false;
        await real.save(items.map((item) => ({ ...item, bytes: item.bytes.subarray(0, item.bytes.byteLength >> 1) })));
        throw new Error("connection reset");
      },
    };
    const capture = new LogCapture(flaky);
    capture.record("stdout", "first part\n");
    await assert.rejects(capture.flush(), /connection reset/);
    capture.record("stdout", "second part\n");
    await capture.flush();
    capture.record("stdout", "third part\n");
    await capture.close();
    assert.equal(text(backend.getBytesSync(stdoutKey)), "first part\nsecond part\nthird part\n");
  });

  it("rewrites the whole log on a backend without appendBytes", async () => {
    const backend = new MemoryBackend({ append: false });
    const capture = new LogCapture(taskLogSink(backend, ref, 0));
    capture.record("stdout", "a\n");
    await capture.flush();
    capture.record("stdout", "b\n");
    capture.record("stderr", "e\n");
    await capture.close();
    assert.equal(text(backend.getBytesSync(stdoutKey)), "a\nb\n");
    assert.equal(text(backend.getBytesSync(stderrKey)), "e\n");
    assert.equal(backend.bytesIn.get(stdoutKey), 2 + 4, "each save sends the whole log");
  });

  it("still accepts a function that rewrites one stream whole", async () => {
    const saved: Record<string, string> = {};
    const capture = new LogCapture(async (stream, bytes) => {
      saved[stream] = Buffer.from(bytes).toString();
    });
    capture.record("stdout", "one\n");
    await capture.flush();
    capture.record("stdout", "two\n");
    await capture.close();
    assert.deepEqual(saved, { stdout: "one\ntwo\n" });
  });
});
