import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { Job } from "kubernetes-models/batch/v1";
import { unknownFields } from "../../src/compute/kubernetes/schema-fields.ts";

/**
 * Checks `job` against the Kubernetes schema twice over: kubernetes-models' validator
 * (types, required fields, enums), and client-node's models for fields the schema does
 * not define (kubernetes-models' validators accept unknown fields, as a lax server does).
 */
export function assertValidJob(job: unknown): void {
  assert.doesNotThrow(() => new Job(job as ConstructorParameters<typeof Job>[0]).validate());
  assert.deepEqual(unknownFields(job, "V1Job", k8s), []);
}
