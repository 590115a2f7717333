import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import { repoRoot, runWeft, tempProject } from "../helpers/weft-cli.ts";

test("the README's first command trains three models on Iris and prints a report", async () => {
  const cwd = tempProject();
  const result = await runWeft(["run", join(repoRoot, "examples/iris/train.ts")], { cwd });
  assert.equal(result.code, 0, result.stderr);
  for (const kind of ["logistic-regression", "random-forest", "knn"]) assert.match(result.stdout, new RegExp(`\\[IrisFlow/1/fit/\\d+\\] ${kind}: accuracy \\d+\\.\\d%`));
  assert.match(result.stdout, /Best model: (random-forest|knn|logistic-regression) \((9\d|100)\.\d% on 45 held-out rows\)/);
  assert.match(result.stdout, /setosa\s+15\s+0\s+0/);
  assert.match(result.stderr, /Run IrisFlow\/1 succeeded/);
  // The pick step's card: the leaderboard, accuracy per model (one bar each) and the confusion matrix (3 × 3 cells).
  const card = await runWeft(["card", "get", "IrisFlow/1/pick/0"], { cwd });
  assert.equal(card.code, 0, card.stderr);
  assert.match(card.stdout, /<h1>Iris: (random-forest|knn|logistic-regression) wins<\/h1>/);
  assert.equal(/<g class="mark-rect role-mark layer_0_marks"[^>]*>(.*?)<\/g>/s.exec(card.stdout)?.[1]?.match(/<path /g)?.length, 9);
  assert.equal(card.stdout.match(/<td class="num">[123]<\/td><td>(logistic-regression|random-forest|knn)<\/td>/g)?.length, 3);
});

test("the Iris flow takes its parameters from the command line", async () => {
  const cwd = tempProject();
  const result = await runWeft(["run", join(repoRoot, "examples/iris/train.ts"), "--test-size", "0.5", "--kinds", '["knn"]'], { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /75 to train, 75 to test; models: knn/);
  assert.doesNotMatch(result.stdout, /random-forest: accuracy/);
});
