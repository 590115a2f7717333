import { inspect } from "node:util";

/** What `weft compare` reads of one run. */
export interface RunSnapshot {
  pathspec: string;
  status: string;
  params: Record<string, unknown>;
  /** Last value of each metric, by `step/task metric`. */
  metrics: Map<string, number>;
  /** Each finished task's artifacts, by `step/task.name`, steps in graph order: the hash says whether two are the same value. */
  artifacts: Map<string, { sha: string; type: string; size: number; preview: string | undefined }>;
}

export interface Comparison {
  /** Each run's pathspec, in the order given. */
  runs: string[];
  status: string[];
  /** One row per parameter: name, each run's value, and whether they differ. */
  params: ComparedRow[];
  metrics: ComparedRow[];
  /** Only artifacts whose value differs between the runs (or that some run lacks). */
  artifacts: ComparedRow[];
}

export interface ComparedRow {
  key: string;
  values: string[];
  differs: boolean;
}

const ABSENT = "–";

/** Runs side by side: every parameter and metric, and the artifacts that changed. */
export function compareRuns(snapshots: RunSnapshot[], formatNumber: (n: number) => string): Comparison {
  const keys = <T>(maps: Map<string, T>[]) => [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
  const row = (key: string, values: string[]): ComparedRow => ({ key, values, differs: new Set(values).size > 1 });
  const params = keys(snapshots.map((s) => new Map(Object.entries(s.params)))).map((name) =>
    row(name, snapshots.map((s) => (Object.hasOwn(s.params, name) ? inspect(s.params[name], { depth: 2, breakLength: Infinity, maxStringLength: 60 }) : ABSENT))),
  );
  const metrics = keys(snapshots.map((s) => s.metrics)).map((key) => row(key, snapshots.map((s) => (s.metrics.has(key) ? formatNumber(s.metrics.get(key)!) : ABSENT))));
  // In the order the runs list them (steps in graph order); an artifact passed on unchanged is shown once, where it first appears.
  const shown = new Set<string>();
  const artifacts = [...new Set(snapshots.flatMap((s) => [...s.artifacts.keys()]))]
    .map((key) => {
      const found = snapshots.map((s) => s.artifacts.get(key));
      const identity = `${key.slice(key.indexOf(".") + 1)} ${found.map((a) => a?.sha ?? ABSENT).join(" ")}`;
      if (found.every((a) => a && a.sha === found[0]!.sha) || shown.has(identity)) return undefined;
      shown.add(identity);
      return { key, values: found.map((a) => (a ? (a.preview ?? `${a.type}, ${a.size} B, sha ${a.sha.slice(0, 8)}`) : ABSENT)), differs: true };
    })
    .filter((r): r is ComparedRow => r !== undefined);
  return { runs: snapshots.map((s) => s.pathspec), status: snapshots.map((s) => s.status), params, metrics, artifacts };
}
