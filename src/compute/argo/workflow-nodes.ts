// A workflow's nodes wherever Argo keeps them. Once a Workflow object grows past the
// controller's limit (MAX_WORKFLOW_SIZE, 1 MiB by default) Argo replaces `status.nodes`
// with `status.compressedNodes`, and with node status offloading on it moves them to
// its database, leaving only `offloadNodeStatusVersion`: a wide foreach's run reaches
// the first on any cluster, so every reader of nodes goes through here.
import { gunzipSync } from "node:zlib";
import type { NodeStatus, WorkflowStatus } from "./types.ts";

/** The nodes, or "offloaded" when only the controller's database has them. */
export function workflowNodes(status: WorkflowStatus | undefined): NodeStatus[] | "offloaded" {
  if (status?.nodes) return Object.values(status.nodes);
  if (status?.compressedNodes) return Object.values(JSON.parse(gunzipSync(Buffer.from(status.compressedNodes, "base64")).toString("utf8")) as Record<string, NodeStatus>);
  if (status?.offloadNodeStatusVersion) return "offloaded";
  return [];
}
