/** Multinomial logistic regression trained by full-batch gradient descent: small enough to read, iterative enough to watch. */
export interface SoftmaxModel {
  /** weights[class][feature], the last feature being the bias. */
  weights: number[][];
}

export function initModel(features: number, classes: number): SoftmaxModel {
  return { weights: Array.from({ length: classes }, () => new Array<number>(features + 1).fill(0)) };
}

function probabilities(model: SoftmaxModel, x: number[]): number[] {
  const scores = model.weights.map((w) => x.reduce((sum, v, j) => sum + v * w[j]!, w[x.length]!));
  const top = Math.max(...scores);
  const exp = scores.map((s) => Math.exp(s - top));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / total);
}

/** One gradient step over every row; returns the mean cross-entropy before the step. */
export function step(model: SoftmaxModel, x: number[][], y: number[], rate: number): number {
  const gradient = model.weights.map((w) => new Array<number>(w.length).fill(0));
  let loss = 0;
  x.forEach((row, i) => {
    const p = probabilities(model, row);
    loss -= Math.log(Math.max(p[y[i]!]!, 1e-12));
    p.forEach((pk, k) => {
      const error = pk - (k === y[i] ? 1 : 0);
      row.forEach((v, j) => (gradient[k]![j]! += error * v));
      gradient[k]![row.length]! += error;
    });
  });
  model.weights.forEach((w, k) => w.forEach((_, j) => (w[j]! -= (rate * gradient[k]![j]!) / x.length)));
  return loss / x.length;
}

export function predict(model: SoftmaxModel, x: number[][]): number[] {
  return x.map((row) => {
    const p = probabilities(model, row);
    return p.indexOf(Math.max(...p));
  });
}

export function accuracy(truth: number[], predicted: number[]): number {
  return truth.filter((t, i) => t === predicted[i]).length / truth.length;
}
