import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { describe, test } from "node:test";
import { weftError } from "../../../test/helpers/weft-error.ts";
import { applyPodSpecPatch, POD_SPEC_FIELDS, podSpecPatchProblem } from "./pod-spec-patch.ts";

const spec = () => ({
  restartPolicy: "Never",
  containers: [{ name: "weft", image: "img", command: ["weft"], args: ["step"], volumeMounts: [{ name: "dshm", mountPath: "/dev/shm" }] }],
  volumes: [{ name: "dshm", emptyDir: { medium: "Memory" } }],
  securityContext: { runAsNonRoot: true, runAsUser: 1000 },
});

describe("applyPodSpecPatch", () => {
  test("objects merge key by key, scalars replace, and null removes a key", () => {
    const patched = applyPodSpecPatch(spec(), { securityContext: { runAsUser: 2000, runAsNonRoot: null }, runtimeClassName: "nvidia" }, "step fit");
    assert.deepEqual(patched.securityContext, { runAsUser: 2000 });
    assert.equal((patched as Record<string, unknown>).runtimeClassName, "nvidia");
  });

  test("containers merge by name: the task container keeps its command while a mount is added, and a sidecar is appended", () => {
    const patched = applyPodSpecPatch(
      spec(),
      { containers: [{ name: "weft", volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }, { name: "proxy", image: "envoy:1" }] },
      "step fit",
    );
    assert.deepEqual(patched.containers.map((c) => c.name), ["weft", "proxy"]);
    assert.deepEqual(patched.containers[0]!.command, ["weft"]);
    assert.deepEqual(patched.containers[0]!.volumeMounts, [{ name: "dshm", mountPath: "/dev/shm" }, { name: "scratch", mountPath: "/scratch" }]);
  });

  test("volumes merge by name and volume mounts by mount path", () => {
    const patched = applyPodSpecPatch(spec(), { volumes: [{ name: "dshm", emptyDir: { sizeLimit: "1Gi" } }], containers: [{ name: "weft", volumeMounts: [{ mountPath: "/dev/shm", readOnly: true }] }] }, "step fit");
    assert.deepEqual(patched.volumes, [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }]);
    assert.deepEqual(patched.containers[0]!.volumeMounts, [{ name: "dshm", mountPath: "/dev/shm", readOnly: true }]);
  });

  test("other lists are replaced", () => {
    const patched = applyPodSpecPatch({ ...spec(), readinessGates: [{ conditionType: "a" }] }, { readinessGates: [{ conditionType: "b" }] }, "step fit");
    assert.deepEqual(patched.readinessGates, [{ conditionType: "b" }]);
  });

  test("applyPodSpecPatch leaves its inputs unchanged", () => {
    const before = spec();
    const patch = { containers: [{ name: "weft", volumeMounts: [{ name: "x", mountPath: "/x" }] }] };
    applyPodSpecPatch(before, patch, "step fit");
    assert.deepEqual(before, spec());
    assert.deepEqual(patch, { containers: [{ name: "weft", volumeMounts: [{ name: "x", mountPath: "/x" }] }] });
  });

  test("a patch that breaks a rule is a CONFIG error naming the step and the rule", () => {
    const error = weftError(() => applyPodSpecPatch(spec(), { restartPolicy: "OnFailure" }, 'step "fit"'), "CONFIG");
    assert.match(error.message, /^Invalid podSpecPatch of @kubernetes on step "fit": "restartPolicy" cannot be patched: a Job attempt is never restarted in place/);
    assert.match(error.hint ?? "", /weft kubernetes render/);
  });
});

describe("podSpecPatchProblem", () => {
  test("podSpecPatchProblem refuses what the task contract needs and what options own, naming what to use", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ containers: [{ name: "weft", command: ["sh"] }] }, /containers\[name=weft\]\.command" cannot be patched: the container runs `weft step`/],
      [{ containers: [{ name: "weft", args: [] }] }, /\.args" cannot be patched/],
      [{ containers: [{ name: "weft", env: [{ name: "A", value: "1" }] }] }, /\.env" cannot be patched: use @environment/],
      [{ containers: [{ name: "weft", envFrom: [] }] }, /\.envFrom" cannot be patched: use the secrets option/],
      [{ containers: [{ name: "weft", image: "x" }] }, /\.image" cannot be patched: use the image option/],
      [{ containers: [{ name: "weft", resources: {} }] }, /\.resources" cannot be patched: use the cpu, memory, disk and gpu options/],
      [{ containers: null }, /"containers" cannot be removed/],
      [{ containers: [{ image: "x" }] }, /containers\[0\] needs a "name"/],
      [{ containers: { name: "weft" } }, /"containers" must be a list/],
      [{ nodeSelector: { a: "b" } }, /"nodeSelector" cannot be patched: use the nodeSelector option/],
      [{ serviceAccountName: "x" }, /use the serviceAccount option/],
      [{ activeDeadlineSeconds: 5 }, /set it with @timeout/],
      [{ nodeSelecter: { a: "b" } }, /"nodeSelecter" is not a PodSpec field; known fields: activeDeadlineSeconds, affinity/],
      [{ affinity: { x: undefined } }, /podSpecPatch\.affinity\.x is not a JSON value/],
      [{ priority: Number.NaN }, /podSpecPatch\.priority is not a JSON value/],
      [{ affinity: new Date(0) }, /podSpecPatch\.affinity is not a JSON value/],
    ];
    for (const [patch, expected] of cases) assert.match(podSpecPatchProblem(patch) ?? "(accepted)", expected, JSON.stringify(patch));
  });

  test("podSpecPatchProblem accepts patches of sidecars and fields without an option", () => {
    for (const patch of [{ containers: [{ name: "sidecar", command: ["sh"], env: [] }] }, { affinity: {}, topologySpreadConstraints: [], runtimeClassName: null }, { containers: [{ name: "weft", securityContext: { readOnlyRootFilesystem: true } }] }]) {
      assert.equal(podSpecPatchProblem(patch), undefined, JSON.stringify(patch));
    }
  });

  test("POD_SPEC_FIELDS are the PodSpec fields of the Kubernetes client's schema", () => {
    assert.deepEqual([...POD_SPEC_FIELDS].sort(), k8s.V1PodSpec.getAttributeTypeMap().map((a) => a.baseName).sort());
  });
});
