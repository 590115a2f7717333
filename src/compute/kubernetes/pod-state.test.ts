import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { failedCreate, oomFailure, podProgress, unschedulableFailure } from "./pod-state.ts";

const pod = (status: V1Pod["status"], spec: Partial<NonNullable<V1Pod["spec"]>> = {}): V1Pod => ({
  metadata: { name: "weft-fit-abcde", namespace: "ml" },
  spec: { containers: [{ name: "task", image: "myacr.azurecr.io/train:1.4", resources: { requests: { memory: "16384Mi", cpu: "4" }, limits: { memory: "16384Mi" } } }], ...spec },
  status,
});
const waiting = (reason: string, message = "") => pod({ phase: "Pending", containerStatuses: [{ name: "task", image: "", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, message } } }] });

describe("podProgress", () => {
  test("an image that cannot be pulled is a final failure naming the image and az aks update --attach-acr", () => {
    const progress = podProgress(waiting("ImagePullBackOff", 'Back-off pulling image "myacr.azurecr.io/train:1.4"'));
    assert.equal(progress.state, "failed");
    const failure = (progress as { failure: { type: string; message: string; retryable: boolean } }).failure;
    assert.equal(failure.type, "ImagePullBackOff");
    assert.equal(failure.retryable, false);
    assert.match(failure.message, /weft-fit-abcde cannot pull image "myacr\.azurecr\.io\/train:1\.4"/);
    assert.match(failure.message, /az aks update .*--attach-acr/);
  });

  test("a first ErrImagePull is still pending: the kubelet retries before backing off", () => {
    assert.equal(podProgress(waiting("ErrImagePull", "not found")).state, "pending");
  });

  test("a missing secret is a final failure that says to create it", () => {
    const progress = podProgress(waiting("CreateContainerConfigError", 'secret "weft-credentials" not found'));
    assert.equal(progress.state, "failed");
    assert.match((progress as { failure: { message: string } }).failure.message, /secret "weft-credentials" not found.*create it in namespace ml/);
  });

  test("an unschedulable pod is pending with the scheduler's message", () => {
    const progress = podProgress(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient memory." }] }));
    assert.deepEqual(progress, { state: "pending", detail: "unschedulable: 0/3 nodes are available: 3 Insufficient memory.", unschedulable: "0/3 nodes are available: 3 Insufficient memory." });
  });

  test("a terminated container gives its exit code and reason", () => {
    const ended = pod({ phase: "Failed", containerStatuses: [{ name: "task", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] });
    assert.deepEqual(podProgress(ended), { state: "exited", exitCode: 137, reason: "OOMKilled" });
  });

  test("an evicted pod is a retryable failure naming the node", () => {
    const progress = podProgress(pod({ phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." }, { nodeName: "aks-pool-1" }));
    assert.equal(progress.state, "failed");
    const failure = (progress as { failure: { retryable: boolean; message: string } }).failure;
    assert.equal(failure.retryable, true);
    assert.match(failure.message, /evicted from node aks-pool-1: The node was low on resource: memory\./);
  });
});

describe("failure messages", () => {
  test("unschedulableFailure names the request no node has, and the selector no node matches", () => {
    const memory = unschedulableFailure(pod({}), "0/3 nodes are available: 3 Insufficient memory.");
    assert.match(memory.message, /no node has memory 16384Mi free/);
    const selector = unschedulableFailure(pod({}, { nodeSelector: { pool: "gpu" } }), "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
    assert.match(selector.message, /no node has the labels pool=gpu/);
    assert.match(selector.message, /kubectl get nodes --show-labels/);
  });

  test("oomFailure gives the limit and how to raise it", () => {
    assert.match(oomFailure(pod({})).message, /memory limit \(16384Mi\)\. Raise it with @resources\(\{ memory: MB \}\)/);
  });

  test("failedCreate fails at once for a missing service account, and waits on a full quota", () => {
    const sa = failedCreate("weft-fit", "ml", 'Error creating: pods "weft-fit-x" is forbidden: error looking up service account ml/weft: serviceaccount "weft" not found');
    assert.equal(sa?.retryable, false);
    assert.match(sa!.message, /create the service account in namespace ml/);
    assert.equal(failedCreate("weft-fit", "ml", 'Error creating: pods "x" is forbidden: exceeded quota: compute, requested: memory=16Gi'), undefined);
  });
});
