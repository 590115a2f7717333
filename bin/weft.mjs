#!/usr/bin/env node
// `weft step` is the per-task entrypoint: it loads only the task runtime, not the CLI,
// because every task attempt pays this start-up cost.
if (process.argv[2] === "step") {
  await import("../dist/task-main.js");
} else {
  await import("../dist/cli.js");
}
