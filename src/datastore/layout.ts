/**
 * Keys of everything Weft stores, relative to the datastore root. Documented in
 * docs/datastore.md; a change here is a change of the on-disk format.
 */
export const layout = {
  contentPrefix: (flow: string) => `${flow}/data`,
  codePackage: (flow: string, sha: string) => `${flow}/code/${sha}/flow.mjs`,
  /** A deployment (runtime/run-blueprint.ts), by the SHA-256 of its bytes: what an orchestrator's runs are created from. */
  deployment: (flow: string, sha: string) => `${flow}/code/deployments/${sha}.json`,
  runSpec: (flow: string, run: string) => `${flow}/${run}/_run.json`,
  run: (flow: string, run: string) => `${flow}/${run}/`,
  step: (flow: string, run: string, step: string) => `${flow}/${run}/${step}/`,
  task: (t: TaskRef) => `${t.flow}/${t.run}/${t.step}/${t.task}`,
  attemptFile: (t: TaskRef, attempt: number, kind: AttemptFileKind) => `${layout.task(t)}/${attempt}.${kind}`,
  /** A card as last refreshed while the attempt ran; the finished card is in the content store, named by the done marker. */
  liveCard: (t: TaskRef, attempt: number, card: string) => `${layout.task(t)}/${attempt}.card.${card}.html`,
  /** The metrics an attempt has logged so far; the finished set is in the content store, named by the done marker. */
  liveMetrics: (t: TaskRef, attempt: number) => `${layout.task(t)}/${attempt}.metrics.json`,
};

export type AttemptFileKind = "attempt.json" | "done.json" | "stdout" | "stderr";

/** Identifies one task: Flow/run/step/task. */
export interface TaskRef {
  flow: string;
  run: string;
  step: string;
  task: string;
}

export function pathspecOf(t: TaskRef): string {
  return `${t.flow}/${t.run}/${t.step}/${t.task}`;
}
