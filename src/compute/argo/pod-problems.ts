// What a workflow's stuck or failed pods say, and what to do about it: Argo copies a
// pending pod's reason into its node's message (`ImagePullBackOff: Back-off pulling
// image …`, `Unschedulable: 0/3 nodes are available: …`) and a failed one's end
// (`OOMKilled (exit code 137)`), so `weft argo-workflows status` can show both beside the
// fix a user would otherwise look up (the same fixes as a Kubernetes step's failures,
// docs/kubernetes.md).
import { ACR_HINT } from "../kubernetes/pod-state.ts";

/** One pod of a workflow that waits on something or ended badly. */
export interface PodProblem {
  /** The node's name in the workflow (`wf.foreach-start(3:3)`). */
  node: string;
  phase: string;
  message: string;
  fix?: string;
}

const FIXES: Array<[RegExp, string]> = [
  [/ImagePullBackOff|ErrImagePull|InvalidImageName/, `the image cannot be pulled: ${ACR_HINT}`],
  [/^Unschedulable/, "no node fits the pod: lower @resources / @kubernetes for the step, compare its nodeSelector and tolerations with `kubectl get nodes --show-labels`, or add a node pool the autoscaler can grow"],
  [/OOMKilled/, "it used more memory than its limit: raise @resources({ memory: MB }) or @kubernetes({ memory: MB }); the limit equals the request"],
  [/CreateContainerConfigError|CreateContainerError/, "a Kubernetes secret or config map the pod refers to is missing: create it in the workflow's namespace, or fix @kubernetes({ secrets }) / WEFT_KUBERNETES_SECRETS"],
  [/active on the node longer than the specified deadline|DeadlineExceeded/, "it ran past @timeout: raise the timeout, or make the step faster"],
];

/** The fix for a node's message, when it is one of the problems above. */
export function podProblemFix(message: string): string | undefined {
  return FIXES.find(([pattern]) => pattern.test(message))?.[1];
}
