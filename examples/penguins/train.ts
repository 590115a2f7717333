import { FlowSpec, param, step, card, current } from "weft";
import { Markdown, ProgressBar, Table, VegaChart } from "weft/cards";
// The Palmer penguins, as the vega-datasets package ships them (its data file: the package's
// JavaScript API would fetch from a CDN). The bundle carries the rows, so every task has them.
import penguins from "../../node_modules/vega-datasets/data/penguins.json" with { type: "json" };
import { accuracy, initModel, predict, step as gradientStep, type SoftmaxModel } from "./softmax.ts";

const FEATURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"] as const;
type Penguin = Record<(typeof FEATURES)[number], number | null> & { Species: string };

interface Split {
  x: number[][];
  y: number[];
}

/**
 * Classifies penguin species from four measurements with a softmax regression trained by
 * gradient descent, logging the loss and the held-out accuracy every epoch. The train
 * step's card shows the curves while it trains: `npx weft card view PenguinsFlow/<run>/train/0`.
 */
export default class PenguinsFlow extends FlowSpec {
  @param({ help: "Training epochs (full passes over the training rows)" }) epochs = 300;
  @param({ help: "Gradient descent learning rate" }) rate = 0.5;
  @param({ help: "Fraction of rows held out to measure accuracy" }) testSize = 0.25;

  species!: string[];
  train!: Split;
  test!: Split;
  model!: SoftmaxModel;
  testAccuracy!: number;

  @step start() {
    const rows = (penguins as Penguin[]).filter((p) => FEATURES.every((f) => p[f] !== null));
    this.species = [...new Set(rows.map((p) => p.Species))].sort();
    // Standardized features, so one learning rate suits grams and millimetres alike.
    const columns = FEATURES.map((f) => rows.map((p) => p[f]!));
    const stats = columns.map((c) => {
      const mean = c.reduce((a, b) => a + b, 0) / c.length;
      return { mean, sd: Math.sqrt(c.reduce((a, b) => a + (b - mean) ** 2, 0) / c.length) };
    });
    const data = rows.map((p, i) => ({ x: FEATURES.map((f, j) => (p[f]! - stats[j]!.mean) / stats[j]!.sd), y: this.species.indexOf(p.Species), order: (i * 7919) % rows.length }));
    data.sort((a, b) => a.order - b.order);
    const cut = Math.round(data.length * (1 - this.testSize));
    const split = (part: typeof data): Split => ({ x: part.map((d) => d.x), y: part.map((d) => d.y) });
    this.train = split(data.slice(0, cut));
    this.test = split(data.slice(cut));
    console.log(`${data.length} penguins (${this.species.join(", ")}): ${this.train.y.length} to train, ${this.test.y.length} to test`);
    this.next(this.fit);
  }

  @card({ id: "training", type: "blank", refreshInterval: 1 })
  @step async fit() {
    const progress = new ProgressBar({ max: this.epochs, label: "epochs" });
    const curve: { epoch: number; value: number; series: string }[] = [];
    const chart = new VegaChart(curveSpec(curve));
    current.card.training!.extend([new Markdown(`# Training on ${this.train.y.length} penguins`), progress, chart]);
    const model = initModel(FEATURES.length, this.species.length);
    for (let epoch = 0; epoch < this.epochs; epoch++) {
      const loss = gradientStep(model, this.train.x, this.train.y, this.rate);
      const heldOut = accuracy(this.test.y, predict(model, this.test.x));
      current.logMetric("loss", loss, { step: epoch });
      current.logMetric("val/accuracy", heldOut, { step: epoch });
      curve.push({ epoch, value: loss, series: "loss" }, { epoch, value: heldOut, series: "val/accuracy" });
      if (epoch % 10 === 9 || epoch === this.epochs - 1) {
        progress.update(epoch + 1);
        chart.update(curveSpec(curve));
        // Awaited so the card is written while the loop runs (a write needs the event loop).
        await current.card.training!.refresh();
      }
    }
    this.model = model;
    this.testAccuracy = accuracy(this.test.y, predict(model, this.test.x));
    current.card.training!.append(new Table([{ species: this.species.join(", "), epochs: this.epochs, "held-out accuracy": `${(this.testAccuracy * 100).toFixed(1)}%` }]));
    this.next(this.end);
  }

  @step end() {
    console.log(`Held-out accuracy after ${this.epochs} epochs: ${(this.testAccuracy * 100).toFixed(1)}%`);
    console.log(`Metrics: npx weft metrics ${current.flowName}/${current.runId}`);
  }
}

function curveSpec(values: { epoch: number; value: number; series: string }[]): Record<string, unknown> {
  return {
    title: "Loss and held-out accuracy per epoch",
    width: 480,
    height: 220,
    data: { values },
    mark: { type: "line" },
    encoding: {
      x: { field: "epoch", type: "quantitative" },
      y: { field: "value", type: "quantitative" },
      color: { field: "series", type: "nominal", title: null },
    },
  };
}
