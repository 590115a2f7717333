// What Argo's controller does to a Workflow object past its size limit before writing it
// (workflow/packer in argo-workflows): over MAX_WORKFLOW_SIZE bytes of JSON, `status.nodes`
// is replaced by `status.compressedNodes` (the nodes' JSON, gzipped, base64); when even
// that is over the limit the nodes stay as they were and the workflow fails with "workflow
// is longer than maximum allowed size", unless node status offloading is configured
// (not modelled: a test needing it must say so).
import { gzipSync } from "node:zlib";
import type { Workflow } from "../../src/compute/argo/types.ts";

/** Argo's default MAX_WORKFLOW_SIZE. */
export const MAX_WORKFLOW_SIZE = 1024 * 1024;

/** Compresses `workflow`'s nodes in place when it is over `limit`; returns the error message when compressing is not enough. */
export function compressIfLarge(workflow: Workflow, limit: number): string | undefined {
  const status = workflow.status;
  if (!status?.nodes || Buffer.byteLength(JSON.stringify(workflow)) <= limit) return undefined;
  const nodes = status.nodes;
  status.compressedNodes = gzipSync(JSON.stringify(nodes)).toString("base64");
  delete status.nodes;
  const size = Buffer.byteLength(JSON.stringify(workflow));
  if (size <= limit) return undefined;
  delete status.compressedNodes;
  status.nodes = nodes;
  return `workflow is longer than maximum allowed size. compressed size ${size} > maxSize ${limit}`;
}
