import KNN from "ml-knn";
import LogisticRegression from "ml-logistic-regression";
import { Matrix } from "ml-matrix";
import { RandomForestClassifier } from "ml-random-forest";

export interface Split {
  x: number[][];
  y: number[];
}

/** A trained model, reduced to plain data so it can be saved as an artifact. */
export interface TrainedModel {
  kind: string;
  predictions: number[];
  /** The model's own JSON export; reload it with the library's `load`. */
  saved: unknown;
}

export const MODEL_KINDS = ["logistic-regression", "random-forest", "knn"] as const;

/** Deterministic shuffle (mulberry32), so a seed reproduces a split. */
export function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function fitAndPredict(kind: string, train: Split, test: Split, seed: number): TrainedModel {
  const plain = (model: { toJSON(): unknown }) => JSON.parse(JSON.stringify(model.toJSON())) as unknown;
  switch (kind) {
    case "logistic-regression": {
      const model = new LogisticRegression({ numSteps: 1500, learningRate: 5e-3 });
      model.train(new Matrix(train.x), Matrix.columnVector(train.y));
      return { kind, predictions: Array.from(model.predict(new Matrix(test.x))), saved: plain(model) };
    }
    case "random-forest": {
      const model = new RandomForestClassifier({ seed, nEstimators: 25, maxFeatures: 0.8, replacement: true });
      model.train(train.x, train.y);
      return { kind, predictions: model.predict(test.x), saved: plain(model) };
    }
    case "knn": {
      const model = new KNN(train.x, train.y, { k: 5 });
      return { kind, predictions: model.predict(test.x) as number[], saved: plain(model) };
    }
    default:
      throw new Error(`Unknown model kind "${kind}"; known kinds: ${MODEL_KINDS.join(", ")}`);
  }
}

export function accuracy(truth: number[], predicted: number[]): number {
  return truth.filter((y, i) => y === predicted[i]).length / truth.length;
}

/** rows: true class, columns: predicted class. */
export function confusionMatrix(truth: number[], predicted: number[], classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((y, i) => matrix[y]![predicted[i]!]!++);
  return matrix;
}
