import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { Reporter } from "./reporter.ts";

/** Records writes (and, for a TTY, cursor moves) of both streams in one ordered log. */
class Terminal {
  readonly events: string[] = [];
  stream(label: "out" | "err", tty: boolean): NodeJS.WritableStream {
    const events = this.events;
    const plain = { write: (chunk: string) => (events.push(`${label}:${chunk}`), true) };
    const terminal = {
      ...plain,
      isTTY: true,
      moveCursor: (dx: number, dy: number) => (events.push(`moveCursor ${dx} ${dy}`), true),
      clearScreenDown: () => (events.push("clearScreenDown"), true),
    };
    return (tty ? terminal : plain) as unknown as NodeJS.WritableStream;
  }
  /** Everything written so far, then forgets it. */
  take(): string[] {
    return this.events.splice(0);
  }
}

const STEPS = ["start", "train_model", "end"];
const PS = "TrainFlow/1/start/1";

/** The status block as drawn: one line per step, names padded to the longest. */
const block = (...rows: [mark: string, done: number, running: number, failed: number][]) =>
  "err:" + rows.map(([mark, d, r, f], i) => `  ${mark} ${STEPS[i]!.padEnd(11)}  ${d} done  ${r} running  ${f} failed\n`).join("");

describe("Reporter on plain output (not a TTY)", () => {
  let term: Terminal;
  let reporter: Reporter;
  beforeEach(() => {
    term = new Terminal();
    reporter = new Reporter(STEPS, term.stream("out", false), term.stream("err", false));
  });

  it("prints a task's stdout line on stdout prefixed with [pathspec]", () => {
    reporter.output(PS, "stdout", "epoch 1 loss 0.3");
    assert.deepEqual(term.take(), [`out:[${PS}] epoch 1 loss 0.3\n`]);
  });

  it("prints a task's stderr line on stderr prefixed with [pathspec]", () => {
    reporter.output(PS, "stderr", "warning: slow");
    assert.deepEqual(term.take(), [`err:[${PS}] warning: slow\n`]);
  });

  it("prints task started, with the retry number for a later attempt", () => {
    reporter.started("start", PS, 0);
    reporter.started("start", PS, 2);
    assert.deepEqual(term.take(), [`err:[${PS}] task started\n`, `err:[${PS}] task started (retry 2)\n`]);
  });

  it("prints task finished and task failed with the failure's detail", () => {
    reporter.started("start", PS, 0);
    reporter.started("train_model", "TrainFlow/1/train_model/2", 0);
    term.take();
    reporter.finished("start", PS, "done");
    reporter.finished("train_model", "TrainFlow/1/train_model/2", "failed", "ValueError: bad shape");
    assert.deepEqual(term.take(), [`err:[${PS}] task finished\n`, "err:[TrainFlow/1/train_model/2] task failed: ValueError: bad shape\n"]);
  });

  it("prints task killed for a task the run stopped", () => {
    reporter.started("start", PS, 0);
    term.take();
    reporter.finished("start", PS, "killed", "the run is stopping");
    assert.deepEqual(term.take(), [`err:[${PS}] task killed: the run is stopping\n`]);
  });

  it("prints a message as its own line on stderr", () => {
    reporter.message("Run TrainFlow/1 started");
    assert.deepEqual(term.take(), ["err:Run TrainFlow/1 started\n"]);
  });

  it("never draws a status block, even on close", async () => {
    reporter.started("start", PS, 0);
    reporter.finished("start", PS, "done");
    term.take();
    reporter.close();
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(term.take(), []);
  });
});

describe("Reporter on a TTY", () => {
  let term: Terminal;
  let reporter: Reporter;
  let savedTerm: string | undefined;
  beforeEach(() => {
    savedTerm = process.env.TERM;
    process.env.TERM = "xterm-256color";
    mock.timers.enable({ apis: ["setTimeout"] });
    term = new Terminal();
    reporter = new Reporter(STEPS, term.stream("out", false), term.stream("err", true));
  });
  afterEach(() => {
    reporter.close();
    mock.timers.reset();
    if (savedTerm === undefined) delete process.env.TERM;
    else process.env.TERM = savedTerm;
  });

  it("writes no started or finished lines for tasks that succeed", () => {
    reporter.started("start", PS, 0);
    reporter.finished("start", PS, "done");
    mock.timers.tick(100);
    assert.deepEqual(term.take(), [block(["✓", 1, 0, 0], ["·", 0, 0, 0], ["·", 0, 0, 0])]);
  });

  it("draws the per-step block below an output line, with done, running and failed counts", () => {
    reporter.started("start", PS, 0);
    reporter.output(PS, "stdout", "hello");
    assert.deepEqual(term.take(), [`out:[${PS}] hello\n`, block(["▶", 0, 1, 0], ["·", 0, 0, 0], ["·", 0, 0, 0])]);
  });

  it("erases the block before each further output line and redraws it after", () => {
    reporter.started("start", PS, 0);
    reporter.output(PS, "stdout", "one");
    term.take();
    reporter.output(PS, "stderr", "two");
    assert.deepEqual(term.take(), ["moveCursor 0 -3", "clearScreenDown", `err:[${PS}] two\n`, block(["▶", 0, 1, 0], ["·", 0, 0, 0], ["·", 0, 0, 0])]);
  });

  it("redraws the counts in place shortly after tasks start and finish", () => {
    reporter.started("start", PS, 0);
    assert.deepEqual(term.take(), []);
    mock.timers.tick(100);
    assert.deepEqual(term.take(), [block(["▶", 0, 1, 0], ["·", 0, 0, 0], ["·", 0, 0, 0])]);
    reporter.finished("start", PS, "done");
    reporter.started("train_model", "TrainFlow/1/train_model/2", 0);
    reporter.started("train_model", "TrainFlow/1/train_model/3", 0);
    mock.timers.tick(100);
    assert.deepEqual(term.take(), ["moveCursor 0 -3", "clearScreenDown", block(["✓", 1, 0, 0], ["▶", 0, 2, 0], ["·", 0, 0, 0])]);
  });

  it("prints a failed task's line above the block and marks its step failed", () => {
    reporter.started("train_model", "TrainFlow/1/train_model/2", 0);
    reporter.started("train_model", "TrainFlow/1/train_model/3", 0);
    reporter.output(PS, "stdout", "draw the block");
    reporter.finished("train_model", "TrainFlow/1/train_model/2", "done");
    term.take();
    reporter.finished("train_model", "TrainFlow/1/train_model/3", "failed", "exit code 1");
    assert.deepEqual(term.take(), [
      "moveCursor 0 -3",
      "clearScreenDown",
      "err:[TrainFlow/1/train_model/3] task failed: exit code 1\n",
      block(["·", 0, 0, 0], ["✗", 1, 0, 1], ["·", 0, 0, 0]),
    ]);
  });

  it("counts a killed task as killed, not failed, and prints why above the block", () => {
    reporter.started("train_model", "TrainFlow/1/train_model/2", 0);
    reporter.output(PS, "stdout", "draw the block");
    term.take();
    reporter.finished("train_model", "TrainFlow/1/train_model/2", "killed", "the run is stopping");
    const drawn = term.take();
    assert.deepEqual(drawn.slice(0, 3), ["moveCursor 0 -3", "clearScreenDown", "err:[TrainFlow/1/train_model/2] task killed: the run is stopping\n"]);
    assert.equal(drawn.length, 4);
    assert.ok(drawn[3]!.includes("train_model  0 done  0 running  0 failed  1 killed\n"), drawn[3]);
  });

  it("prints a message above the block", () => {
    reporter.output(PS, "stdout", "x");
    term.take();
    reporter.message("Resuming TrainFlow/1");
    assert.deepEqual(term.take(), ["moveCursor 0 -3", "clearScreenDown", "err:Resuming TrainFlow/1\n", block(["·", 0, 0, 0], ["·", 0, 0, 0], ["·", 0, 0, 0])]);
  });

  it("close leaves the final block on screen and stops redrawing", () => {
    reporter.started("start", PS, 0);
    reporter.finished("start", PS, "done");
    reporter.close();
    assert.deepEqual(term.take(), [block(["✓", 1, 0, 0], ["·", 0, 0, 0], ["·", 0, 0, 0])]);
    mock.timers.tick(1000);
    assert.deepEqual(term.take(), []);
  });

  it("after close, a message is printed below the final block without drawing the block again", () => {
    reporter.started("start", PS, 0);
    reporter.finished("start", PS, "done");
    reporter.close();
    term.take();
    reporter.message("Run TrainFlow/1 succeeded.");
    assert.deepEqual(term.take(), ["err:Run TrainFlow/1 succeeded.\n"]);
  });

  it("a task that fails, is retried and then succeeds ends as done, not failed", () => {
    reporter.started("start", PS, 0);
    reporter.finished("start", PS, "retrying", "Error: flaky; retrying (attempt 2 of 2)");
    reporter.started("start", PS, 1);
    reporter.finished("start", PS, "done");
    term.take();
    reporter.close();
    assert.deepEqual(term.take(), ["moveCursor 0 -3", "clearScreenDown", block(["✓", 1, 0, 0], ["·", 0, 0, 0], ["·", 0, 0, 0])]);
  });

  it("with TERM=dumb prints plain lines instead of a block", () => {
    process.env.TERM = "dumb";
    const plain = new Reporter(STEPS, term.stream("out", false), term.stream("err", true));
    plain.started("start", PS, 0);
    plain.output(PS, "stdout", "hi");
    plain.finished("start", PS, "done");
    plain.close();
    assert.deepEqual(term.take(), [`err:[${PS}] task started\n`, `out:[${PS}] hi\n`, `err:[${PS}] task finished\n`]);
  });
});
