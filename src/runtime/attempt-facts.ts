import { hostname } from "node:os";
import { layout, type TaskRef } from "../datastore/layout.ts";
import type { TaskFact } from "../metadata/types.ts";
import type { RunSpec } from "./run-spec.ts";

/** Where an attempt runs and where its logs go, recorded as task metadata. */
export function attemptFacts(spec: RunSpec, ref: TaskRef, attempt: number, pid: number | undefined): TaskFact[] {
  return [
    { field: "host", value: hostname(), type: "runtime" },
    ...(pid === undefined ? [] : [{ field: "pid", value: String(pid), type: "runtime" }]),
    { field: "code-package", value: spec.codePackage.key, type: "code" },
    { field: "log-location-stdout", value: layout.attemptFile(ref, attempt, "stdout"), type: "log" },
    { field: "log-location-stderr", value: layout.attemptFile(ref, attempt, "stderr"), type: "log" },
  ];
}
