import { Markdown, Table, VegaChart } from "weft/cards";

interface Ranked {
  kind: string;
  accuracy: number;
}

/** The components of the Iris report card: the leaderboard, accuracy per model, and the winner's confusion matrix. */
export function reportComponents(leaderboard: Ranked[], confusion: number[][], classNames: string[], heldOut: number) {
  const best = leaderboard[0]!;
  const cells = confusion.flatMap((row, t) => row.map((count, p) => ({ actual: classNames[t], predicted: classNames[p], count })));
  return [
    new Markdown(`# Iris: ${best.kind} wins\n\n**${(best.accuracy * 100).toFixed(1)}%** accurate on ${heldOut} held-out rows.`),
    new Table(leaderboard.map((m, i) => ({ rank: i + 1, model: m.kind, accuracy: `${(m.accuracy * 100).toFixed(1)}%` }))),
    new VegaChart({
      title: "Accuracy per model",
      width: 360,
      data: { values: leaderboard },
      mark: "bar",
      encoding: {
        y: { field: "kind", type: "nominal", sort: "-x", title: null },
        x: { field: "accuracy", type: "quantitative", scale: { domain: [0, 1] }, axis: { format: "%" } },
      },
    }),
    new VegaChart({
      title: `Confusion matrix of ${best.kind}`,
      width: 240,
      height: 240,
      data: { values: cells },
      encoding: {
        x: { field: "predicted", type: "nominal", title: "predicted" },
        y: { field: "actual", type: "nominal", title: "actual" },
      },
      layer: [
        { mark: "rect", encoding: { color: { field: "count", type: "quantitative", scale: { scheme: "blues" }, legend: null } } },
        { mark: "text", encoding: { text: { field: "count", type: "quantitative" }, color: { condition: { test: "datum.count > 8", value: "white" }, value: "black" } } },
      ],
    }),
  ];
}
