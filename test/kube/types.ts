// The shapes every part of the fake cluster shares: stored objects and their metadata.
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";

export type { ObjectMeta };

/** Any stored object: apiVersion/kind/metadata plus whatever its kind carries (spec, status, data…). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A change to the store, in resourceVersion order; `previous` is the state before a MODIFIED or DELETED. */
export interface StoreEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** Qualified resource name: `pods`, `jobs.batch`, `workflows.argoproj.io`. */
  resource: string;
  resourceVersion: number;
  object: KubeObject;
  previous?: KubeObject;
}

/** Deep copy through JSON, as an object crossing the API would be. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `<prefix><5 random lowercase alphanumerics>`, the API server's generateName. */
export function randomSuffix(prefix: string): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let out = prefix;
  for (let i = 0; i < 5; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");
